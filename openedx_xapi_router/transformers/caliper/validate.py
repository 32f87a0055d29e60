"""
The last check before a Caliper event leaves the core: the Caliper Analytics 1.2 rules.

:func:`validate_event` walks one Caliper event dict and raises :class:`InvalidCaliperEvent` on the
first rule it breaks, naming the path (``object.type``, ``target.currentTime``) and the rule.
An event that fails here is a transformer bug: a Caliper endpoint would refuse it, or worse, store
it under terms no query will find.

What is checked (Caliper 1.2, "Event" and the metric profiles' event types):

- the event's properties: only the 1.2 ones; ``@context`` is the 1.2 context IRI; ``id`` a UUID
  URN (``urn:uuid:`` and a lowercase UUID); ``type`` a known event type; ``action`` an action its
  event type allows; ``eventTime`` ISO 8601 in UTC with millisecond precision
  (``2020-07-15T06:52:55.057Z``); ``actor``, ``object`` present.
- every entity (actor, object, target, generated, session, and the entities event-routing-backends
  nests in ``extensions``: ``isPartOf``, ``assignee``, ``assignable``): an object with an ``id``
  (an absolute IRI; a blank node ``_:name`` only for the transient target and generated entities)
  and a ``type`` that is a Caliper 1.2 entity term fit for its place (a ``MediaEvent``'s object is
  a media object, its target a ``MediaLocation``; a ``GradeEvent`` grades an ``Attempt``; ...);
  ``name`` a string, ``extensions`` an object, ``duration``/``currentTime`` ISO 8601 durations,
  score values numbers.

Two known tolerances, both for parity with the Caliper events event-routing-backends sends and
Open edX sites already hold (its fixtures have these shapes; like the xAPI validator's two):

- an object ``type`` of ``Webpage`` (the Caliper term is ``WebPage``): ERB's link and outline
  navigation events use it.
- a ``GradeEvent``'s ``generated`` may be ``{"score": <Score>}`` (the Score wrapped in one key)
  instead of the Score itself: ERB's graded ``problem_check`` sends that.
"""
import re
from datetime import datetime

from openedx_xapi_router.core.errors import InvalidStatement
from openedx_xapi_router.core.validate import is_iri, is_number
from openedx_xapi_router.transformers.caliper import vocab
from openedx_xapi_router.transformers.caliper.vocab import EntityType, EventType


class InvalidCaliperEvent(InvalidStatement):
    """
    A transformer built a Caliper event that breaks the Caliper 1.2 rules (a bug, caught here).

    Attributes (as :class:`~openedx_xapi_router.core.errors.InvalidStatement`):
        transformer: the transformer's version string.
        path: where in the event the problem is, e.g. ``object.type``.
        reason: what rule it breaks.
    """

    kind = "invalid_caliper_event"

    def __str__(self):
        return f"{self.transformer} built an invalid Caliper event: {self.path}: {self.reason}"


#: The properties a Caliper 1.2 Event may have.
EVENT_KEYS = frozenset((
    "@context", "id", "type", "profile", "actor", "action", "object", "eventTime", "edApp", "generated",
    "target", "referrer", "group", "membership", "session", "federatedSession", "extensions",
))
REQUIRED_EVENT_KEYS = ("@context", "id", "type", "actor", "action", "object", "eventTime")

_MEDIA_ACTIONS = frozenset((
    "Started", "Ended", "Paused", "Resumed", "Restarted", "ForwardedTo", "JumpedTo", "ChangedResolution",
    "ChangedSize", "ChangedSpeed", "ChangedVolume", "EnabledClosedCaptioning", "DisabledClosedCaptioning",
    "EnteredFullScreen", "ExitedFullScreen", "Muted", "Unmuted", "OpenedPopout", "ClosedPopout",
))

#: Per event type: the actions it allows and the object types it takes (None: any entity type).
EVENT_RULES = {
    EventType.EVENT: (vocab.ALL_ACTIONS, None),
    EventType.ASSESSMENT: (frozenset(("Started", "Paused", "Resumed", "Restarted", "Reset", "Submitted")),
                           frozenset((EntityType.ASSESSMENT,))),
    EventType.ASSESSMENT_ITEM: (frozenset(("Started", "Skipped", "Completed")),
                                frozenset((EntityType.ASSESSMENT_ITEM,))),
    EventType.GRADE: (frozenset(("Graded",)), frozenset((EntityType.ATTEMPT,))),
    EventType.MEDIA: (_MEDIA_ACTIONS, vocab.MEDIA_OBJECT_TYPES),
    EventType.NAVIGATION: (frozenset(("NavigatedTo",)),
                           vocab.DIGITAL_RESOURCE_TYPES | {"SoftwareApplication", EntityType.ERB_WEB_PAGE}),
    EventType.VIEW: (frozenset(("Viewed",)), vocab.DIGITAL_RESOURCE_TYPES),
}

#: Entity properties whose value is a duration (xsd:duration, ISO 8601).
DURATION_KEYS = ("duration", "currentTime")
#: Entity properties (or extension keys) that hold another entity, checked as one.
NESTED_ENTITY_KEYS = ("isPartOf", "assignee", "assignable")
SCORE_NUMBER_KEYS = ("maxScore", "scoreGiven")

_URN_UUID_RE = re.compile(r"^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
_BLANK_NODE_RE = re.compile(r"^_:[A-Za-z0-9_.\-]+$")
_EVENT_TIME_RE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
_DURATION_RE = re.compile(
    r"^-?P(?!$)(?:\d+(?:\.\d+)?Y)?(?:\d+(?:\.\d+)?M)?(?:\d+(?:\.\d+)?W)?(?:\d+(?:\.\d+)?D)?"
    r"(?:T(?=\d)(?:\d+(?:\.\d+)?H)?(?:\d+(?:\.\d+)?M)?(?:\d+(?:\.\d+)?S)?)?$"
)


def is_event_time(value):
    """True for an ISO 8601 UTC time with millisecond precision (``YYYY-MM-DDTHH:MM:SS.mmmZ``), a real one."""
    if type(value) is not str or not _EVENT_TIME_RE.match(value):  # pylint: disable=unidiomatic-typecheck
        return False
    try:
        datetime.fromisoformat(value[:-1] + "+00:00")
    except ValueError:
        return False
    return True


def is_duration(value):
    """True for an ISO 8601 duration (``PT3M15S``, ``PT0.032788S``, ``P0D``)."""
    return type(value) is str and _DURATION_RE.match(value) is not None  # pylint: disable=unidiomatic-typecheck


class _Checker:
    """Walks one event; :meth:`fail` raises with the transformer's name."""

    def __init__(self, transformer):
        self.transformer = transformer

    def fail(self, path, reason):
        raise InvalidCaliperEvent(self.transformer, path, reason)

    def entity(self, value, path, types, blank_node=False):
        """Check an entity at ``path`` whose ``type`` must be in ``types``."""
        if not isinstance(value, dict):
            self.fail(path, f"an entity is an object, not {type(value).__name__}")
        entity_id = value.get("id")
        if entity_id is None:
            self.fail(f"{path}.id", "required property is missing")
        is_blank_node = blank_node and isinstance(entity_id, str) and _BLANK_NODE_RE.match(entity_id) is not None
        if not is_iri(entity_id) and not is_blank_node:
            allowed = "an absolute IRI or a blank node (_:name)" if blank_node else "an absolute IRI"
            self.fail(f"{path}.id", f"must be {allowed}, got {str(entity_id)[:120]!r}")
        entity_type = value.get("type")
        if entity_type is None:
            self.fail(f"{path}.type", "required property is missing")
        if type(entity_type) is not str or entity_type not in types:  # pylint: disable=unidiomatic-typecheck
            self.fail(f"{path}.type", f"{entity_type!r} is not one of {sorted(types)}")
        self.entity_properties(value, path)

    def entity_properties(self, value, path):
        for key in ("name", "description"):
            if key in value and not isinstance(value[key], str):
                self.fail(f"{path}.{key}", f"must be a string, got {type(value[key]).__name__}")
        for key in DURATION_KEYS:
            if key in value and not is_duration(value[key]):
                self.fail(f"{path}.{key}", f"must be an ISO 8601 duration, got {value[key]!r}")
        for key in SCORE_NUMBER_KEYS:
            if key in value and not is_number(value[key]):
                self.fail(f"{path}.{key}", f"must be a number, got {value[key]!r}")
        extensions = value.get("extensions")
        if extensions is not None:
            self.extensions(extensions, f"{path}.extensions")
        for key in NESTED_ENTITY_KEYS:
            if key in value:
                self.entity(value[key], f"{path}.{key}", vocab.ENTITY_TYPES)

    def extensions(self, value, path):
        if not isinstance(value, dict):
            self.fail(path, f"extensions are an object, not {type(value).__name__}")
        for key in NESTED_ENTITY_KEYS:  # event-routing-backends nests the course and the grading here
            if key in value:
                self.entity(value[key], f"{path}.{key}", vocab.ENTITY_TYPES)
        for key in DURATION_KEYS:
            if key in value and not is_duration(value[key]):
                self.fail(f"{path}.{key}", f"must be an ISO 8601 duration, got {value[key]!r}")

    def generated(self, value, event_type):
        if event_type == EventType.GRADE and isinstance(value, dict) and set(value) == {"score"}:
            # ERB parity (module docstring): the Score wrapped in one key.
            self.entity(value["score"], "generated.score", frozenset((EntityType.SCORE,)), blank_node=True)
            return
        self.entity(value, "generated", vocab.ENTITY_TYPES, blank_node=True)


def validate_event(event, transformer_id):
    """
    Raise :class:`InvalidCaliperEvent` if ``event`` (a dict) breaks a Caliper 1.2 rule this module
    checks; ``transformer_id`` names the transformer in the error. Returns None.
    """
    check = _Checker(transformer_id)
    if not isinstance(event, dict):
        check.fail("", f"an event is an object, not {type(event).__name__}")
    for key in REQUIRED_EVENT_KEYS:
        if key not in event:
            check.fail(key, "required property is missing")
    for key in event:
        if key not in EVENT_KEYS:
            check.fail(key, "not a Caliper 1.2 event property")
    if event["@context"] != vocab.CONTEXT:
        check.fail("@context", f"must be {vocab.CONTEXT!r}, got {event['@context']!r}")
    if type(event["id"]) is not str or not _URN_UUID_RE.match(event["id"]):  # pylint: disable=unidiomatic-typecheck
        check.fail("id", f"must be a UUID URN (urn:uuid:<lowercase uuid>), got {event['id']!r}")
    event_type = event["type"]
    rules = EVENT_RULES.get(event_type) if isinstance(event_type, str) else None
    if rules is None:
        check.fail("type", f"{event_type!r} is not one of {sorted(EVENT_RULES)}")
    actions, object_types = rules
    if not isinstance(event["action"], str) or event["action"] not in actions:
        check.fail("action", f"{event['action']!r} is not an action of a {event_type}")
    if not is_event_time(event["eventTime"]):
        check.fail("eventTime", f"must be ISO 8601 in UTC with milliseconds (YYYY-MM-DDTHH:MM:SS.mmmZ), "
                                f"got {event['eventTime']!r}")
    actor_types = frozenset(("Person", "SoftwareApplication")) if event_type == EventType.GRADE else vocab.AGENT_TYPES
    check.entity(event["actor"], "actor", actor_types)
    object_allowed = object_types or (vocab.ENTITY_TYPES | {EntityType.ERB_WEB_PAGE})
    check.entity(event["object"], "object", object_allowed)
    if "target" in event:
        target_types = frozenset((EntityType.MEDIA_LOCATION,)) if event_type == EventType.MEDIA else vocab.ENTITY_TYPES
        check.entity(event["target"], "target", target_types, blank_node=True)
    if "generated" in event:
        check.generated(event["generated"], event_type)
    if "session" in event:
        check.entity(event["session"], "session", frozenset(("Session", "LtiSession")))
    for key in ("edApp", "group", "membership", "referrer", "federatedSession"):
        if key in event:
            check.entity(event[key], key, vocab.ENTITY_TYPES)
    if "extensions" in event:
        check.extensions(event["extensions"], "extensions")
