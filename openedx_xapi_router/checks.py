"""
Django system checks: the router's misconfigurations, caught when the LMS starts.

Registered by :meth:`openedx_xapi_router.apps.XapiRouterConfig.ready`. Each message has an id
(``xapi_router.E001``...) and a hint naming the setting to change. Errors stop ``runserver`` and
``migrate``; warnings are printed. The checks that read the database (enabled endpoints, ``http://``
endpoints) are tagged ``database``, so Django runs them only when the database is available
(``manage.py check --database default``, ``migrate``), and they say nothing while the table does
not exist yet.

Over ~300 lines on purpose: every system check of the app in one module, indexed by the
table below, so an id found in a log leads to one file.

=====================  ========  ====================================================================
id                     level     what
=====================  ========  ====================================================================
``xapi_router.E001``   error     the router's backend appears more than once in
                                 ``EVENT_TRACKING_BACKENDS`` (also nested in another backend)
``xapi_router.E002``   error     ``XAPI_ROUTER_ENCRYPTION_KEYS`` is not a list of non-empty keys
``xapi_router.W003``   warning   no ``XAPI_ROUTER_ENCRYPTION_KEYS`` while enabled (``SECRET_KEY`` is
                                 used: rotating it would make the stored credentials unreadable)
``xapi_router.W004``   warning   the router is enabled but no LRS endpoint is enabled
``xapi_router.E005``   error     an enabled endpoint uses ``http://`` while
                                 ``XAPI_ROUTER_ALLOW_INSECURE_HTTP`` is False: the worker dead-letters
                                 its statements (reason ``misconfigured``) (database)
``xapi_router.W006``   warning   event-routing-backends' xAPI routing and the router are both
                                 enabled: events would be sent twice
``xapi_router.W007``   warning   ... and an enabled endpoint has the statements URL of an enabled ERB
                                 xAPI router: the same statements go twice to the same LRS (database)
``xapi_router.E008``   error     ``XAPI_ROUTER_ENABLED`` is True but ``EVENT_TRACKING_BACKENDS`` has no
                                 router backend: no event would reach the router (the app's
                                 ``ready()`` puts it back and logs it, so this says it could not)
``xapi_router.E009``   error     an enabled endpoint's credentials cannot be decrypted with
                                 ``XAPI_ROUTER_ENCRYPTION_KEYS``: the worker dead-letters its
                                 statements (reason ``misconfigured``) (database)
``xapi_router.W010``   warning   a setting named ``XAPI_ROUTER_*`` that the router does not have (a
                                 typo: nothing reads it; :mod:`openedx_xapi_router.conf` lists them)
``xapi_router.E011``   error     a setting's value has a type the setting cannot take (a quoted YAML
                                 ``"false"`` is a string, and a true one)
``xapi_router.E012``   error     an enabled Caliper endpoint has no bearer token (Caliper 1.2: the
                                 sensor authenticates with one): the worker dead-letters its events
                                 (reason ``misconfigured``) (database)
``xapi_router.W013``   warning   a Caliper endpoint has an ``xapi_version`` other than the default:
                                 nothing reads it (a Caliper request has no xAPI version header) (database)
=====================  ========  ====================================================================
"""
from cryptography.fernet import Fernet
from django.conf import settings
from django.core import checks
from django.db import DatabaseError, router

from openedx_xapi_router.conf import router_settings, type_problems, unknown_setting_names
from openedx_xapi_router.settings.common import TRACKING_BACKEND_ENGINE, count_router_backends

BACKENDS_HINT = (
    "Keep exactly one entry whose ENGINE is {engine} in EVENT_TRACKING_BACKENDS: remove the others (the "
    "router adds its own under XAPI_ROUTER_BACKEND_NAME when XAPI_ROUTER_ENABLED is True)."
)
KEYS_HINT = (
    "Set XAPI_ROUTER_ENCRYPTION_KEYS to a list of keys, newest first, e.g. the output of "
    "`python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())'`."
)


def register_checks():
    """Register every check of this module (called once from the app's ``ready()``)."""
    checks.register(check_tracking_backends, checks.Tags.compatibility)
    checks.register(check_backend_present, checks.Tags.compatibility)
    checks.register(check_encryption_keys, checks.Tags.security)
    checks.register(check_endpoints, checks.Tags.database)
    checks.register(check_caliper_endpoints, checks.Tags.database)
    checks.register(check_erb_double_delivery, checks.Tags.compatibility)
    checks.register(check_erb_same_lrs, checks.Tags.database)
    checks.register(check_unknown_settings, checks.Tags.compatibility)
    checks.register(check_setting_types, checks.Tags.compatibility)



def check_tracking_backends(app_configs=None, **kwargs):  # pylint: disable=unused-argument
    """E001: the router's backend is configured more than once (every event would be sent twice)."""
    count = count_router_backends(getattr(settings, "EVENT_TRACKING_BACKENDS", None) or {})
    if count <= 1:
        return []
    return [checks.Error(
        f"The xAPI router's event-tracking backend is configured {count} times in EVENT_TRACKING_BACKENDS: "
        "every event would be transformed and delivered more than once.",
        hint=BACKENDS_HINT.format(engine=TRACKING_BACKEND_ENGINE),
        id="xapi_router.E001",
    )]


MISSING_BACKEND_HINT = (
    "Add {{\"ENGINE\": \"{engine}\", \"OPTIONS\": {{}}}} under XAPI_ROUTER_BACKEND_NAME to EVENT_TRACKING_BACKENDS, "
    "or set XAPI_ROUTER_ENABLED before the LMS's plugin settings run (YAML), or set XAPI_ROUTER_ENABLED to False."
)


def check_backend_present(app_configs=None, **kwargs):  # pylint: disable=unused-argument
    """E008: enabled, but the router's backend is not in ``EVENT_TRACKING_BACKENDS``: nothing is routed."""
    if not router_settings.ENABLED:
        return []
    if count_router_backends(getattr(settings, "EVENT_TRACKING_BACKENDS", None) or {}):
        return []
    return [checks.Error(
        "XAPI_ROUTER_ENABLED is True but EVENT_TRACKING_BACKENDS has no xAPI router backend: no tracking event "
        "reaches the router and no statement is sent.",
        hint=MISSING_BACKEND_HINT.format(engine=TRACKING_BACKEND_ENGINE),
        id="xapi_router.E008",
    )]


def encryption_key_problem(keys):
    """Why ``keys`` cannot serve as ``XAPI_ROUTER_ENCRYPTION_KEYS``, or None when they can."""
    if not isinstance(keys, (list, tuple)):
        return f"it must be a list of keys, not a {type(keys).__name__}"
    for position, key in enumerate(keys):
        if not isinstance(key, (str, bytes)) or not key:
            return f"key #{position + 1} is {'empty' if not key else 'not a string'}"
        if not getattr(settings, "FERNET_USE_HKDF", True):
            # Without HKDF, django-fernet-fields uses each key as a Fernet key as it is.
            try:
                Fernet(key)
            except (ValueError, TypeError):
                return f"key #{position + 1} is not a Fernet key (32 url-safe base64-encoded bytes)"
    return None


def check_encryption_keys(app_configs=None, **kwargs):  # pylint: disable=unused-argument
    """E002: keys unusable; W003: no key of our own while the router is enabled."""
    keys = router_settings.ENCRYPTION_KEYS
    if keys:
        problem = encryption_key_problem(keys)
        if problem:
            return [checks.Error(
                f"XAPI_ROUTER_ENCRYPTION_KEYS cannot encrypt LRS credentials: {problem}.",
                hint=KEYS_HINT, id="xapi_router.E002",
            )]
        return []
    if router_settings.ENABLED:
        return [checks.Warning(
            "XAPI_ROUTER_ENCRYPTION_KEYS is empty: LRS credentials are encrypted with SECRET_KEY, and "
            "changing SECRET_KEY would make them unreadable.",
            hint=KEYS_HINT, id="xapi_router.W003",
        )]
    return []


def check_endpoints(app_configs=None, databases=None, **kwargs):  # pylint: disable=unused-argument
    """
    W004: enabled but no endpoint enabled; E005: an enabled ``http://`` endpoint while insecure HTTP
    is not allowed; E009: an enabled endpoint whose credentials this process cannot decrypt.
    Database checks: run only when Django passes ``databases``.
    """
    from openedx_xapi_router.models import LrsEndpoint  # pylint: disable=import-outside-toplevel

    alias = router.db_for_read(LrsEndpoint)
    if not databases or alias not in databases:
        return []
    enabled = LrsEndpoint.objects.using(alias).filter(enabled=True)
    try:
        urls = dict(enabled.values_list("name", "statements_url"))
    except DatabaseError:  # the table does not exist yet (before migrate): nothing to check
        return []
    messages = []
    if router_settings.ENABLED and not urls:
        messages.append(checks.Warning(
            "XAPI_ROUTER_ENABLED is True but no LRS endpoint is enabled: statements are transformed "
            "and sent nowhere.",
            hint="Add an endpoint in Django admin (xAPI router > LRS endpoints) or with "
                 "`manage.py lrs_endpoints add`, or set XAPI_ROUTER_ENABLED to False.",
            id="xapi_router.W004",
        ))
    insecure = sorted(name for name, url in urls.items() if url.lower().startswith("http://"))
    if insecure and not router_settings.ALLOW_INSECURE_HTTP:
        messages.append(checks.Error(
            f"LRS endpoint(s) {', '.join(insecure)} use plain http:// while XAPI_ROUTER_ALLOW_INSECURE_HTTP "
            "is False: nothing is delivered to them (their statements become dead letters, reason "
            "misconfigured).",
            hint="Change their statements URL to https://, disable them, or (development only) set "
                 "XAPI_ROUTER_ALLOW_INSECURE_HTTP to True.",
            id="xapi_router.E005",
        ))
    unreadable = undecryptable_endpoints(enabled)
    if unreadable:
        messages.append(checks.Error(
            f"The credentials of LRS endpoint(s) {', '.join(unreadable)} cannot be decrypted with "
            "XAPI_ROUTER_ENCRYPTION_KEYS: nothing is delivered to them (their statements become dead "
            "letters, reason misconfigured).",
            hint="Add the key they were encrypted with to XAPI_ROUTER_ENCRYPTION_KEYS (in the LMS and in "
                 "every worker; README, \"Rotating the encryption key\"), or enter the credentials again.",
            id="xapi_router.E009",
        ))
    return messages


def check_caliper_endpoints(app_configs=None, databases=None, **kwargs):  # pylint: disable=unused-argument
    """
    E012: an enabled Caliper endpoint without a bearer token; W013: a Caliper endpoint whose
    ``xapi_version`` was changed (it is never sent). Database checks.
    """
    from cryptography.fernet import InvalidToken  # pylint: disable=import-outside-toplevel

    from openedx_xapi_router.models import LrsEndpoint  # pylint: disable=import-outside-toplevel

    alias = router.db_for_read(LrsEndpoint)
    if not databases or alias not in databases:
        return []
    caliper = LrsEndpoint.objects.using(alias).filter(output_format=LrsEndpoint.FORMAT_CALIPER)
    try:
        rows = list(caliper.defer(*LrsEndpoint.CREDENTIAL_FIELDS).order_by("name"))
    except DatabaseError:  # the table (or the column) does not exist yet: nothing to check
        return []
    unauthenticated, versioned = [], []
    default_version = LrsEndpoint._meta.get_field("xapi_version").default
    for endpoint in rows:
        if endpoint.xapi_version != default_version:
            versioned.append(endpoint.name)
        if not endpoint.enabled:
            continue
        try:
            if endpoint.caliper_auth_problem():
                unauthenticated.append(endpoint.name)
        except InvalidToken:  # E009 says so
            continue
    messages = []
    if unauthenticated:
        messages.append(checks.Error(
            f"Caliper endpoint(s) {', '.join(unauthenticated)} have no bearer token: nothing is delivered to "
            "them (their events become dead letters, reason misconfigured).",
            hint="Set their authentication to \"Bearer token\" and enter the token the Caliper endpoint gave "
                 "(Django admin, or `manage.py lrs_endpoints add NAME --update --auth-type bearer --token-env VAR`).",
            id="xapi_router.E012",
        ))
    if versioned:
        messages.append(checks.Warning(
            f"Caliper endpoint(s) {', '.join(versioned)} have an xAPI version set: a Caliper request carries "
            "none, so the value is never used.",
            hint=f"Put it back to {default_version} (or leave it: it changes nothing).",
            id="xapi_router.W013",
        ))
    return messages


def undecryptable_endpoints(queryset):
    """The names of the endpoints of ``queryset`` whose credentials this process cannot decrypt."""
    from cryptography.fernet import InvalidToken  # pylint: disable=import-outside-toplevel

    names = []
    for pk, name in queryset.values_list("pk", "name"):
        try:
            list(queryset.filter(pk=pk).values_list("username", "password", "token"))
        except InvalidToken:
            names.append(name)
    return sorted(names)


def log_problems(logger, databases=("default",)):
    """
    Run this module's checks and log each error (worker start-up: a Celery worker runs no Django
    system checks). Returns the messages of level error or above.
    """
    found = []
    for check in (check_encryption_keys, check_endpoints, check_caliper_endpoints):
        try:
            messages = check(databases=list(databases))
        except DatabaseError:
            logger.exception("xapi_router: the start-up checks could not read the database")
            continue
        for message in messages:
            if message.level >= checks.ERROR:
                logger.error("xapi_router: %s: %s HINT: %s", message.id, message.msg, message.hint)
                found.append(message)
    return found


ERB_HINT = (
    "Turn one of them off: set XAPI_EVENTS_ENABLED to False (event-routing-backends' xAPI routing; see "
    "docs/migrating_from_erb.rst), or XAPI_ROUTER_ENABLED to False."
)


def _both_routing():
    """ERB's xAPI router backends (``[(path, processor)]``) when both it and the router are enabled, else []."""
    from openedx_xapi_router.erb import compat  # pylint: disable=import-outside-toplevel

    backends = getattr(settings, "EVENT_TRACKING_BACKENDS", None) or {}
    if not router_settings.ENABLED or not count_router_backends(backends):
        return []
    if not compat.erb_xapi_enabled(settings):
        return []
    return compat.find_xapi_routers(backends)


def check_erb_double_delivery(app_configs=None, **kwargs):  # pylint: disable=unused-argument
    """W006: event-routing-backends' xAPI routing and the router's backend are both enabled."""
    routers = _both_routing()
    if not routers:
        return []
    where = ", ".join(f"{path} ({processor.rsplit('.', 1)[-1]})" for path, processor in routers)
    return [checks.Warning(
        f"event-routing-backends routes xAPI statements ({where}; XAPI_EVENTS_ENABLED is True) and the "
        "xAPI router is enabled too (XAPI_ROUTER_ENABLED): every event would be sent by both.",
        hint=ERB_HINT, id="xapi_router.W006",
    )]


def check_erb_same_lrs(app_configs=None, databases=None, **kwargs):  # pylint: disable=unused-argument
    """
    W007: both route (see W006) and an enabled endpoint's statements URL is an enabled ERB xAPI
    router's: the same statements go to the same LRS twice. Database check.
    """
    from django.apps import apps  # pylint: disable=import-outside-toplevel

    from openedx_xapi_router.erb import compat  # pylint: disable=import-outside-toplevel
    from openedx_xapi_router.models import LrsEndpoint  # pylint: disable=import-outside-toplevel

    if not databases or not apps.is_installed("event_routing_backends") or not _both_routing():
        return []
    alias = router.db_for_read(LrsEndpoint)
    if alias not in databases:
        return []
    from event_routing_backends.models import RouterConfiguration  # pylint: disable=import-outside-toplevel

    try:
        ours = list(LrsEndpoint.objects.using(alias).filter(enabled=True).values_list("name", "statements_url"))
        theirs = list(
            RouterConfiguration.objects.current_set().using(alias)
            .filter(enabled=True, backend_name__iexact=compat.ERB_XAPI_BACKEND).values_list("pk", "route_url")
        )
    except DatabaseError:  # a table does not exist yet (before migrate)
        return []
    erb_urls = {}
    for pk, route_url in theirs:
        erb_urls.setdefault(compat.comparable_url(compat.erb_statements_url(route_url)), []).append(pk)
    pairs = sorted(
        f"{name} = ERB router {', '.join(map(str, erb_urls[compat.comparable_url(url)]))} ({url})"
        for name, url in ours if compat.comparable_url(url) in erb_urls
    )
    if not pairs:
        return []
    return [checks.Warning(
        f"The same LRS is fed by event-routing-backends and by the xAPI router: {'; '.join(pairs)}. "
        "Each statement would be POSTed twice (the LRS keeps one, by id, but both send everything).",
        hint=ERB_HINT, id="xapi_router.W007",
    )]


def check_unknown_settings(app_configs=None, **kwargs):  # pylint: disable=unused-argument
    """W010: settings named ``XAPI_ROUTER_*`` that are not the router's: a typo, so the value is never read."""
    unknown = unknown_setting_names(settings)
    if not unknown:
        return []
    return [checks.Warning(
        f"The xAPI router has no setting {', '.join(unknown)}: nothing reads {'them' if len(unknown) > 1 else 'it'}, "
        "so the router runs with the default instead.",
        hint="Check the spelling: openedx_xapi_router/conf.py lists every XAPI_ROUTER_* setting with its default.",
        id="xapi_router.W010",
    )]


def check_setting_types(app_configs=None, **kwargs):  # pylint: disable=unused-argument
    """E011: a setting of the router whose value has a type the setting cannot take (one message each)."""
    return [checks.Error(
        problem + ".",
        hint="Give it a value of that type: openedx_xapi_router/conf.py lists each setting's types and default "
             "(in YAML, a quoted \"false\" is a string, and a non-empty string is true).",
        id="xapi_router.E011",
    ) for problem in type_problems(settings)]
