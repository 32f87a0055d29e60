"""
ERB's xAPI router configurations as our ``LrsEndpoint`` rows, and ERB's Redis dead queue as our
dead letters. Used by ``manage.py import_erb_router_configurations``.

Each current ERB xAPI router (``RouterConfiguration.objects.current_set()``: the newest row per
``route_url``, ERB's key field) becomes the endpoint named :func:`endpoint_name` (``erb-<host>-<8 hex
of the route URL>``), so a second run finds it again: ERB makes a new row, with a new id, each time a
router is edited, but keeps its route URL.

ERB's Caliper routers (``backend_name`` ``Caliper``) become Caliper endpoints (``output_format``
``caliper``). ERB 9.3.8 (``backends/events_router.py`` ``configure_host``, ``utils/http_client.py``
``HttpClient``) POSTs their events to ``route_url`` as it is, with ``Authorization: Bearer
<auth_key>`` for the ``Bearer`` scheme, requests' Basic auth for ``Basic``, and the router's
``headers``; so ``route_url`` is the endpoint's URL unchanged and ``auth_key`` its bearer token.
A Caliper endpoint here takes a bearer token only: a Caliper router with ``Basic`` or no auth is
not imported (and said), and extra ``headers`` cannot be represented (imported disabled).

What maps (xAPI routers):

* ``route_url`` -> ``statements_url`` (:func:`~openedx_xapi_router.erb.compat.erb_statements_url`);
* ``auth_scheme`` ``Basic`` -> HTTP Basic with ``username``/``password``; ``Bearer`` -> bearer with
  ``auth_key``; none -> no credentials. Re-encrypted with ``XAPI_ROUTER_ENCRYPTION_KEYS`` by our model,
  and bound to the origin of ERB's route URL (they come with it: see ``LrsEndpoint.bind_credentials``);
* ``enabled`` -> ``enabled`` (on creation only: a later run never re-enables an endpoint);
* ``configurations["match_params"]`` (dotted path -> regex, or a list of regexes, all searched with
  ``re.search``): ``name`` becomes ``allowed_event_names`` (the regexes expanded over the event
  names our transformers handle: exact for every event we can send); ``context.org_id`` becomes
  ``orgs`` and ``context.course_id`` ``courses`` when each regex is a plain value (``^`` and ``$``
  optional, metacharacters escaped; an unanchored value is imported as an exact one, and said).

Anything else (another path, a real regex on an org or course, ``override_args``, a
``configurations`` that is not an object) cannot be represented: the endpoint is imported
**disabled**, so that it never receives events ERB did not send there, and the plan says why.
"""
import hashlib
import json
import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError

from openedx_xapi_router.core.registry import CALIPER, XAPI
from openedx_xapi_router.erb import compat

#: Match-param paths that map to our filters.
NAME_PATHS = ("name",)
ORG_PATHS = ("context.org_id",)
COURSE_PATHS = ("context.course_id",)
#: A regex metacharacter left unescaped makes a value a pattern, not a plain value.
METACHARACTERS = set(".^$*+?{}[]|()\\")


@dataclass
class EndpointPlan:
    """
    What one ERB xAPI router becomes.

    Attributes:
        router_id: ERB's row id (changes when ERB's router is edited).
        route_url: ERB's route URL (the stable key).
        name: our endpoint's name.
        fields: our endpoint's fields (credentials included: never print them).
        notes: what was approximated or ignored (printed).
        unrepresented: what could not be represented (printed; the endpoint is imported disabled).
        error: why the router cannot be imported at all, or "".
    """

    router_id: int
    route_url: str
    name: str
    fields: dict = field(default_factory=dict)
    notes: list = field(default_factory=list)
    unrepresented: list = field(default_factory=list)
    error: str = ""

    def describe(self):
        """The plan for people: URL, auth, whether a secret is set, filters. Never a secret."""
        data = self.fields
        if data["auth_type"] == "bearer":
            auth = f"bearer token {'set' if data['token'] else 'missing'}"
        elif data["username"]:
            auth = f"HTTP Basic, user {data['username']!r}, password {'set' if data['password'] else 'missing'}"
        else:
            auth = "no credentials"
        parts = [f"{data['statements_url']} ({auth})", "enabled" if data["enabled"] else "disabled"]
        if data["output_format"] == CALIPER:
            parts.insert(0, "Caliper")
        for key in ("allowed_event_names", "orgs", "courses"):
            if data[key]:
                more = ", ..." if len(data[key]) > 5 else ""
                parts.append(f"{key}: {len(data[key])} ({', '.join(data[key][:5])}{more})")
        return "; ".join(parts)


def endpoint_name(route_url):
    """``erb-<host>-<first 8 hex of sha1(route_url)>``: stable for a route URL, at most 100 characters."""
    host = urlsplit(compat.erb_statements_url(route_url)).hostname or "lrs"
    host = re.sub(r"[^a-z0-9.-]+", "-", host.lower())[:60]
    digest = hashlib.sha1(str(route_url).encode("utf-8")).hexdigest()[:8]
    return f"erb-{host}-{digest}"


def plain_value(pattern):
    """
    ``(value, anchored)`` when the regex ``pattern`` matches one plain value (``^``/``$``
    optional, metacharacters escaped), else None.
    """
    if not isinstance(pattern, str) or not pattern:
        return None
    text = pattern
    start = text.startswith("^")
    if start:
        text = text[1:]
    end = text.endswith("$") and not text.endswith("\\$")
    if end:
        text = text[:-1]
    value, escaped = [], False
    for char in text:
        if escaped:
            if char.isalnum():  # \d, \w, \b ...: a class, not a plain character
                return None
            value.append(char)
            escaped = False
        elif char == "\\":
            escaped = True
        elif char in METACHARACTERS:
            return None
        else:
            value.append(char)
    if escaped or not value:
        return None
    return "".join(value), start and end


def _as_list(value):
    return value if isinstance(value, list) else [value]


def _search(pattern, text):
    try:
        return re.search(str(pattern), text) is not None
    except re.error:
        return False


def map_match_params(match_params, event_names):
    """
    ``(filters, notes, unrepresented)`` for ERB's ``match_params``: ``filters`` holds our
    ``allowed_event_names``/``orgs``/``courses`` lists (sorted), ``event_names`` the names our
    transformers handle.
    """
    filters = {"allowed_event_names": [], "orgs": [], "courses": []}
    notes, unrepresented = [], []
    if not isinstance(match_params, dict):
        return filters, notes, [f"match_params is not an object: {match_params!r}"]
    for path, value in match_params.items():
        patterns = _as_list(value)
        if path in NAME_PATHS:
            names = sorted(name for name in event_names if any(_search(p, name) for p in patterns))
            if names:
                filters["allowed_event_names"] = names
                notes.append(f"match_params[{path!r}] {value!r}: expanded to the {len(names)} event names "
                             "our transformers handle that it matches")
            else:
                unrepresented.append(f"match_params[{path!r}] {value!r} matches no event name we transform")
        elif path in ORG_PATHS or path in COURSE_PATHS:
            target = "orgs" if path in ORG_PATHS else "courses"
            values = [plain_value(p) for p in patterns]
            if any(v is None for v in values):
                unrepresented.append(f"match_params[{path!r}] {value!r} is a regular expression, not plain values")
                continue
            filters[target] = sorted({v for v, _ in values})
            loose = [p for p, (_, anchored) in zip(patterns, values, strict=True) if not anchored]
            if loose:
                notes.append(f"match_params[{path!r}] {loose!r}: ERB matched these anywhere in the value; "
                             "imported as exact values")
        else:
            unrepresented.append(f"match_params[{path!r}] {value!r}: no filter on {path!r} here "
                                 "(filters: event name, context.org_id, context.course_id)")
    return filters, notes, unrepresented


def router_format(router):
    """``"caliper"`` for ERB's Caliper router, else ``"xapi"`` (``backend_name``, compared case-insensitively)."""
    return CALIPER if (router.backend_name or "").lower() == compat.ERB_CALIPER_BACKEND.lower() else XAPI


def plan_router(router, event_names):
    """The :class:`EndpointPlan` of one ERB ``RouterConfiguration`` (``event_names``: those of its format)."""
    plan = EndpointPlan(router_id=router.pk, route_url=router.route_url, name=endpoint_name(router.route_url))
    output_format = router_format(router)
    caliper = output_format == CALIPER
    fields = {
        "statements_url": router.route_url if caliper else compat.erb_statements_url(router.route_url),
        "output_format": output_format,
        "auth_type": "basic", "username": "", "password": "", "token": "",
        "allowed_event_names": [], "orgs": [], "courses": [], "enabled": bool(router.enabled),
    }
    if router.auth_scheme == compat.ERB_AUTH_BEARER:
        fields.update(auth_type="bearer", token=router.auth_key or "")
    elif router.auth_scheme == compat.ERB_AUTH_BASIC:
        fields.update(username=router.username or "", password=router.password or "")
    elif router.auth_scheme:
        plan.error = f"unknown auth scheme {router.auth_scheme!r}"
    if caliper and not plan.error and router.auth_scheme != compat.ERB_AUTH_BEARER:
        plan.error = (f"a Caliper router with {router.auth_scheme or 'no'} auth: a Caliper endpoint here "
                      "authenticates with a bearer token (give ERB's router the Bearer scheme and its key)")
    config = router.configurations
    if config:
        if not isinstance(config, dict):
            plan.unrepresented.append("configurations is not a JSON object")
        else:
            filters, notes, unrepresented = map_match_params(config.get("match_params", {}), event_names)
            fields.update(filters)
            plan.notes.extend(notes)
            plan.unrepresented.extend(unrepresented)
            if config.get("override_args"):
                plan.unrepresented.append(f"override_args {sorted(config['override_args'])}: we never rewrite "
                                          "statements")
            if caliper and config.get("headers"):
                plan.unrepresented.append(f"headers {sorted(config['headers'])}: a Caliper endpoint here sends "
                                          "no extra headers")
            elif "headers" in config and not caliper:
                plan.notes.append("headers ignored (ERB uses them for Caliper routers only)")
            for key in sorted(set(config) - {"match_params", "override_args", "headers", "host_configurations"}):
                plan.notes.append(f"configurations[{key!r}] ignored")
    if plan.unrepresented and fields["enabled"]:
        fields["enabled"] = False
        plan.notes.append("imported disabled: review the filters above, then enable it")
    plan.fields = fields
    return plan


def erb_routers():
    """ERB's current xAPI and Caliper routers (newest row per route URL), oldest first."""
    from event_routing_backends.models import RouterConfiguration  # pylint: disable=import-outside-toplevel
    from django.db.models import Q  # pylint: disable=import-outside-toplevel

    return list(
        RouterConfiguration.objects.current_set()
        .filter(Q(backend_name__iexact=compat.ERB_XAPI_BACKEND) | Q(backend_name__iexact=compat.ERB_CALIPER_BACKEND))
        .order_by("pk")
    )


#: The fields a later run keeps in step with ERB (``enabled`` is set on creation only).
SYNCED_FIELDS = ("statements_url", "output_format", "auth_type", "username", "password", "token",
                 "allowed_event_names", "orgs", "courses")


def apply_plan(plan, model, dry_run=False):
    """
    Create or update our endpoint for ``plan``. Returns ``("created"|"updated"|"unchanged"|"invalid",
    detail)``; with ``dry_run`` nothing is saved (the outcome is what would happen).
    """
    existing = model.objects.filter(name=plan.name).first()
    if existing is None:
        endpoint = model(name=plan.name, **plan.fields)
        outcome = "created"
    else:
        changed = [name for name in SYNCED_FIELDS if getattr(existing, name) != plan.fields[name]]
        if not changed:
            return "unchanged", ""
        endpoint = existing
        for name in changed:
            setattr(endpoint, name, plan.fields[name])
        outcome = "updated"
        # ERB's row gives its credentials for its route URL: entered with the URL, so bound to its origin.
        endpoint.credentials_entered.update(name for name in model.CREDENTIAL_FIELDS if plan.fields[name])
    try:
        endpoint.full_clean()
    except ValidationError as error:
        return "invalid", "; ".join(f"{key}: {' '.join(messages)}" for key, messages in error.message_dict.items())
    if endpoint.credentials_cleared:  # a safety net: ERB's row gives every credential with its URL
        plan.notes.append(f"the statements URL's origin is now {endpoint.origin}: the stored "
                          f"{', '.join(endpoint.credentials_cleared)} cleared (ERB gives none for it)")
    if not dry_run:
        endpoint.save()
    return outcome, "" if outcome == "created" else ", ".join(changed)


def read_dead_queue(client, backend_name=compat.DEFAULT_ERB_BACKEND_NAME):
    """
    ``(key, events, unreadable)``: the events of ERB's dead queue ``dead_queue_<backend_name>``
    (oldest first; LRANGE, the list is left as it is) and the number of items that are not a JSON object.
    """
    key = compat.DEAD_QUEUE_FORMAT.format(backend_name)
    events, unreadable = [], 0
    for raw in reversed(client.lrange(key, 0, -1)):  # LPUSHed: the oldest is last
        try:
            event = json.loads(raw)
        except (ValueError, UnicodeDecodeError):
            unreadable += 1
            continue
        if isinstance(event, dict):
            events.append(event)
        else:
            unreadable += 1
    return key, events, unreadable
