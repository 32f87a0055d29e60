"""
The ORACLE for tests/core/test_validate_agreement.py: openedx_xapi_router/core/validate.py as it
was before the rules became a table (commit ee5b1ba), kept unchanged below this paragraph so the
table can be proven to give the same verdicts, paths and reasons. Not used by the package.

The last check before a statement leaves the core: xAPI 1.0.3 structural rules.

:func:`validate_statement` walks one statement dict and raises
:class:`~openedx_xapi_router.core.errors.InvalidStatement` on the first rule it breaks, naming the
path (``object.definition.type``, ``context.contextActivities.parent[0].id``) and the rule. A
statement that fails here is a transformer bug: it would be refused by an LRS (HTTP 400) and, in a
batch, take the good statements down with it.

It checks what this package sends (an Agent actor, Activity objects, results, contexts), not every
corner of the specification, and it is on the hot path: precompiled patterns, no schema library,
and the checks of strings that repeat (verb IRIs, activity types, extension keys, language tags)
cached.

Two known tolerances, both for parity with the statements event-routing-backends sends and Open
edX sites already hold (the golden samples have these shapes, and Ralph accepts them):

- an Activity id may be a bare UUID (any case) instead of an IRI: special-exam statements group
  under the exam attempt's external id, e.g. ``438AD672-DE2C-4F0B-8876-35444E7DD746``.
- an Activity's ``objectType`` may be ``GroupActivity`` (not an xAPI object type): a multi-question
  ``problem_check`` marks the problem that way, as object and as its children's parent.
"""
import math
import re
from datetime import datetime
from functools import lru_cache

from openedx_xapi_router.core.errors import InvalidStatement

_UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
#: An absolute IRI: a scheme, a colon, then at least one character with no space or forbidden delimiter.
_ANY_CASE_UUID_RE = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_IRI_RE = re.compile(r'^[A-Za-z][A-Za-z0-9+.\-]*:[^\s<>"{}|\\^`]+$')
_MBOX_RE = re.compile(r"^mailto:[^@\s]+@[^@\s]+$")
_SHA1_RE = re.compile(r"^[0-9a-fA-F]{40}$")
_LANGUAGE_TAG_RE = re.compile(r"^[A-Za-z]{1,8}(?:-[A-Za-z0-9]{1,8})*$")
_VERSION_RE = re.compile(r"^1\.0(?:\.\d+)?$")
_DURATION_RE = re.compile(
    r"^P(?!$)(?:\d+(?:\.\d+)?Y)?(?:\d+(?:\.\d+)?M)?(?:\d+(?:\.\d+)?W)?(?:\d+(?:\.\d+)?D)?"
    r"(?:T(?=\d)(?:\d+(?:\.\d+)?H)?(?:\d+(?:\.\d+)?M)?(?:\d+(?:\.\d+)?S)?)?$"
)

STATEMENT_KEYS = frozenset(("id", "actor", "verb", "object", "result", "context", "timestamp", "version"))
AGENT_KEYS = frozenset(("objectType", "name", "mbox", "mbox_sha1sum", "openid", "account"))
IFI_KEYS = ("mbox", "mbox_sha1sum", "openid", "account")
VERB_KEYS = frozenset(("id", "display"))
#: ``objectType`` values accepted on an Activity (``GroupActivity``: see the module docstring).
ACTIVITY_OBJECT_TYPES = frozenset(("Activity", "GroupActivity"))
ACTIVITY_KEYS = frozenset(("objectType", "id", "definition"))
DEFINITION_KEYS = frozenset((
    "name", "description", "type", "moreInfo", "extensions", "interactionType", "correctResponsesPattern",
    "choices", "scale", "source", "target", "steps",
))
INTERACTION_TYPES = frozenset((
    "true-false", "choice", "fill-in", "long-fill-in", "matching", "performance", "sequencing", "likert",
    "numeric", "other",
))
INTERACTION_COMPONENT_LISTS = ("choices", "scale", "source", "target", "steps")
RESULT_KEYS = frozenset(("score", "success", "completion", "response", "duration", "extensions"))
SCORE_KEYS = frozenset(("scaled", "raw", "min", "max"))
CONTEXT_KEYS = frozenset((
    "registration", "instructor", "team", "contextActivities", "revision", "platform", "language", "statement",
    "extensions",
))
CONTEXT_ACTIVITY_KEYS = frozenset(("parent", "grouping", "category", "other"))
STATEMENT_REF_KEYS = frozenset(("objectType", "id"))

_NUMBER_TYPES = (int, float)


@lru_cache(maxsize=8192)
def _iri(value):
    return _IRI_RE.match(value) is not None


@lru_cache(maxsize=65536)  # block IRIs: a large site has tens of thousands
def _activity_id(value):
    return _IRI_RE.match(value) is not None or _ANY_CASE_UUID_RE.match(value) is not None


@lru_cache(maxsize=1024)
def _language_tag(value):
    return _LANGUAGE_TAG_RE.match(value) is not None


def is_iri(value):
    """True when ``value`` is a string holding an absolute IRI (``scheme:rest``, no spaces); cached."""
    return type(value) is str and _iri(value)  # pylint: disable=unidiomatic-typecheck


def is_activity_id(value):
    """True for an absolute IRI, or a bare UUID (tolerated; see the module docstring)."""
    return type(value) is str and _activity_id(value)  # pylint: disable=unidiomatic-typecheck


def is_language_tag(value):
    """True when ``value`` looks like an RFC 5646 language tag (``en``, ``en-US``, ``zh-Hans-CN``)."""
    return type(value) is str and _language_tag(value)  # pylint: disable=unidiomatic-typecheck


def _one_of(value, allowed):
    """``value in allowed`` for a string ``value``; False for anything else (even unhashable)."""
    return type(value) is str and value in allowed  # pylint: disable=unidiomatic-typecheck


def _valid_timestamp(value):
    """ISO 8601 extended form (``YYYY-MM-DDTHH:MM...``) with a UTC offset, and a real date and time."""
    if type(value) is not str or len(value) < 17:  # pylint: disable=unidiomatic-typecheck
        return False
    if value[4] != "-" or value[7] != "-" or value[10] != "T" or value[13] != ":":
        return False
    try:
        return datetime.fromisoformat(value).tzinfo is not None
    except ValueError:
        return False


def is_uuid(value):
    """True when ``value`` is a lowercase, hyphenated UUID string."""
    return isinstance(value, str) and _UUID_RE.match(value) is not None


#: The integers a JSON number can carry here: what orjson (our serializer) writes, -2**63 .. 2**64-1.
INT_MIN = -2**63
INT_MAX = 2**64 - 1


def is_number(value):
    """True for a finite float or an int orjson can write (``INT_MIN`` .. ``INT_MAX``); never for a bool."""
    kind = type(value)
    if kind is int:
        return INT_MIN <= value <= INT_MAX
    return kind is float and math.isfinite(value)


def is_unicode(value):
    """True for a string that is valid Unicode text: no lone surrogate (orjson refuses one)."""
    if value.isascii():
        return True
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


class _Checker:
    """One validation run: knows the transformer id so every failure can name it."""

    __slots__ = ("transformer",)

    def __init__(self, transformer):
        self.transformer = transformer

    def fail(self, path, reason):
        raise InvalidStatement(self.transformer, path, reason)

    def object_dict(self, value, path):
        if type(value) is not dict:  # pylint: disable=unidiomatic-typecheck
            self.fail(path, f"must be an object, not {type(value).__name__}")

    def known_keys(self, value, allowed, path):
        if not value.keys() <= allowed:
            unknown = sorted(key for key in value if key not in allowed)
            self.fail(path, f"unknown property {unknown[0]!r}")

    def iri(self, value, path):
        if not is_iri(value):
            self.fail(path, f"must be an absolute IRI, got {value!r}")

    def language_map(self, value, path):
        self.object_dict(value, path)
        for tag, text in value.items():
            if not is_language_tag(tag):
                self.fail(path, f"{tag!r} is not a language tag")
            if type(text) is not str:  # pylint: disable=unidiomatic-typecheck
                self.fail(f"{path}.{tag}", f"must be a string, not {type(text).__name__}")
            if not is_unicode(text):
                self.fail(f"{path}.{tag}", "holds a lone surrogate (not Unicode text)")

    def extensions(self, value, path):
        self.object_dict(value, path)
        for key in value:
            if not is_iri(key):
                self.fail(path, f"key {key!r} is not an absolute IRI")

    def boolean(self, value, path):
        if type(value) is not bool:  # pylint: disable=unidiomatic-typecheck
            self.fail(path, f"must be true or false, not {type(value).__name__}")

    def string(self, value, path):
        if type(value) is not str:  # pylint: disable=unidiomatic-typecheck
            self.fail(path, f"must be a string, not {type(value).__name__}")
        if not is_unicode(value):
            self.fail(path, "holds a lone surrogate (not Unicode text)")

    def uuid(self, value, path):
        if not is_uuid(value):
            self.fail(path, f"must be a lowercase UUID string, got {value!r}")

    # --- parts ----------------------------------------------------------------------------------

    def agent(self, value, path):
        self.object_dict(value, path)
        self.known_keys(value, AGENT_KEYS, path)
        object_type = value.get("objectType", "Agent")
        if object_type != "Agent":
            self.fail(f"{path}.objectType", f"must be 'Agent', got {object_type!r}")
        ifis = [key for key in IFI_KEYS if key in value]
        if len(ifis) != 1:
            self.fail(path, f"an Agent needs exactly one inverse functional identifier, found {len(ifis)}")
        ifi = ifis[0]
        identifier = value[ifi]
        if ifi == "account":
            self.account(identifier, f"{path}.account")
        elif ifi == "mbox":
            if not isinstance(identifier, str) or _MBOX_RE.match(identifier) is None:
                self.fail(f"{path}.mbox", f"must be 'mailto:' and an email address, got {identifier!r}")
        elif ifi == "mbox_sha1sum":
            if not isinstance(identifier, str) or _SHA1_RE.match(identifier) is None:
                self.fail(f"{path}.mbox_sha1sum", f"must be 40 hexadecimal digits, got {identifier!r}")
        else:
            self.iri(identifier, f"{path}.openid")
        if "name" in value:
            self.string(value["name"], f"{path}.name")

    def account(self, value, path):
        self.object_dict(value, path)
        self.known_keys(value, frozenset(("homePage", "name")), path)
        if "homePage" not in value:
            self.fail(f"{path}.homePage", "is required")
        self.iri(value["homePage"], f"{path}.homePage")
        name = value.get("name")
        if type(name) is not str or not name:  # pylint: disable=unidiomatic-typecheck
            self.fail(f"{path}.name", f"must be a non-empty string, got {name!r}")

    def verb(self, value, path):
        self.object_dict(value, path)
        self.known_keys(value, VERB_KEYS, path)
        if "id" not in value:
            self.fail(f"{path}.id", "is required")
        self.iri(value["id"], f"{path}.id")
        if "display" in value:
            self.language_map(value["display"], f"{path}.display")

    def activity(self, value, path, id_required=True):
        self.object_dict(value, path)
        self.known_keys(value, ACTIVITY_KEYS, path)
        object_type = value.get("objectType", "Activity")
        if not _one_of(object_type, ACTIVITY_OBJECT_TYPES):
            self.fail(f"{path}.objectType", f"must be 'Activity', got {object_type!r}")
        if "id" in value:
            if not is_activity_id(value["id"]):
                self.fail(f"{path}.id", f"must be an absolute IRI, got {value['id']!r}")
        elif id_required:
            self.fail(f"{path}.id", "is required")
        if "definition" in value:
            self.definition(value["definition"], f"{path}.definition")

    def definition(self, value, path):
        self.object_dict(value, path)
        self.known_keys(value, DEFINITION_KEYS, path)
        if "type" in value:
            self.iri(value["type"], f"{path}.type")
        if "name" in value:
            self.language_map(value["name"], f"{path}.name")
        if "description" in value:
            self.language_map(value["description"], f"{path}.description")
        if "moreInfo" in value:
            self.iri(value["moreInfo"], f"{path}.moreInfo")
        if "extensions" in value:
            self.extensions(value["extensions"], f"{path}.extensions")
        if "interactionType" in value and not _one_of(value["interactionType"], INTERACTION_TYPES):
            self.fail(f"{path}.interactionType", f"not an xAPI interaction type: {value['interactionType']!r}")
        if "correctResponsesPattern" in value:
            pattern = value["correctResponsesPattern"]
            if type(pattern) is not list:  # pylint: disable=unidiomatic-typecheck
                self.fail(f"{path}.correctResponsesPattern", "must be a list of strings")
            for index, item in enumerate(pattern):
                self.string(item, f"{path}.correctResponsesPattern[{index}]")
        for key in INTERACTION_COMPONENT_LISTS:
            if key in value:
                self.interaction_components(value[key], f"{path}.{key}")

    def interaction_components(self, value, path):
        if type(value) is not list:  # pylint: disable=unidiomatic-typecheck
            self.fail(path, "must be a list of interaction components")
        for index, component in enumerate(value):
            where = f"{path}[{index}]"
            self.object_dict(component, where)
            self.known_keys(component, frozenset(("id", "description")), where)
            if type(component.get("id")) is not str:  # pylint: disable=unidiomatic-typecheck
                self.fail(f"{where}.id", "must be a string")
            if "description" in component:
                self.language_map(component["description"], f"{where}.description")

    def statement_ref(self, value, path):
        self.object_dict(value, path)
        self.known_keys(value, STATEMENT_REF_KEYS, path)
        if value.get("objectType") != "StatementRef":
            self.fail(f"{path}.objectType", f"must be 'StatementRef', got {value.get('objectType')!r}")
        self.uuid(value.get("id"), f"{path}.id")

    def statement_object(self, value, path):
        self.object_dict(value, path)
        object_type = value.get("objectType", "Activity")
        if _one_of(object_type, ACTIVITY_OBJECT_TYPES):
            self.activity(value, path)
        elif object_type == "Agent":
            self.agent(value, path)
        elif object_type == "StatementRef":
            self.statement_ref(value, path)
        else:
            self.fail(f"{path}.objectType", f"must be 'Activity', 'Agent' or 'StatementRef', got {object_type!r}")

    def result(self, value, path):
        self.object_dict(value, path)
        self.known_keys(value, RESULT_KEYS, path)
        if "score" in value:
            self.score(value["score"], f"{path}.score")
        if "success" in value:
            self.boolean(value["success"], f"{path}.success")
        if "completion" in value:
            self.boolean(value["completion"], f"{path}.completion")
        if "response" in value:
            self.string(value["response"], f"{path}.response")
        if "duration" in value:
            duration = value["duration"]
            if type(duration) is not str or _DURATION_RE.match(duration) is None:  # pylint: disable=unidiomatic-typecheck
                self.fail(f"{path}.duration", f"must be an ISO 8601 duration, got {duration!r}")
        if "extensions" in value:
            self.extensions(value["extensions"], f"{path}.extensions")

    def score(self, value, path):
        self.object_dict(value, path)
        self.known_keys(value, SCORE_KEYS, path)
        for key, number in value.items():
            if not is_number(number):
                self.fail(f"{path}.{key}", f"must be a finite number, got {number!r}")
        scaled = value.get("scaled")
        if scaled is not None and not -1 <= scaled <= 1:
            self.fail(f"{path}.scaled", f"must be between -1 and 1, got {scaled!r}")
        low, high, raw = value.get("min"), value.get("max"), value.get("raw")
        if low is not None and high is not None and low > high:
            self.fail(f"{path}.min", f"min {low!r} is greater than max {high!r}")
        if raw is not None:
            if low is not None and raw < low:
                self.fail(f"{path}.raw", f"raw {raw!r} is less than min {low!r}")
            if high is not None and raw > high:
                self.fail(f"{path}.raw", f"raw {raw!r} is greater than max {high!r}")

    def context(self, value, path):
        self.object_dict(value, path)
        self.known_keys(value, CONTEXT_KEYS, path)
        if "contextActivities" in value:
            self.context_activities(value["contextActivities"], f"{path}.contextActivities")
        if "extensions" in value:
            self.extensions(value["extensions"], f"{path}.extensions")
        if "statement" in value:
            self.statement_ref(value["statement"], f"{path}.statement")
        if "registration" in value:
            self.uuid(value["registration"], f"{path}.registration")
        if "instructor" in value:
            self.agent(value["instructor"], f"{path}.instructor")
        if "team" in value:
            self.fail(f"{path}.team", "a Group team is not sent by this package")
        for key in ("revision", "platform"):
            if key in value:
                self.string(value[key], f"{path}.{key}")
        if "language" in value and not is_language_tag(value["language"]):
            self.fail(f"{path}.language", f"not a language tag: {value['language']!r}")

    def context_activities(self, value, path):
        self.object_dict(value, path)
        self.known_keys(value, CONTEXT_ACTIVITY_KEYS, path)
        for key, activities in value.items():
            where = f"{path}.{key}"
            if type(activities) is not list:  # pylint: disable=unidiomatic-typecheck
                self.fail(where, f"must be a list of Activities, not {type(activities).__name__}")
            for index, activity in enumerate(activities):
                self.activity(activity, f"{where}[{index}]")

    def statement(self, value):
        self.object_dict(value, "statement")
        if not value.keys() <= STATEMENT_KEYS:
            unknown = sorted(key for key in value if key not in STATEMENT_KEYS)
            self.fail(unknown[0], "unknown statement property")
        for key in ("id", "actor", "verb", "object", "timestamp", "version"):
            if key not in value:
                self.fail(key, "is required")
        self.uuid(value["id"], "id")
        self.agent(value["actor"], "actor")
        self.verb(value["verb"], "verb")
        self.statement_object(value["object"], "object")
        if "result" in value:
            self.result(value["result"], "result")
        if "context" in value:
            self.context(value["context"], "context")
        timestamp = value["timestamp"]
        if not _valid_timestamp(timestamp):
            self.fail("timestamp", f"must be an ISO 8601 timestamp with a UTC offset, got {timestamp!r}")
        version = value["version"]
        if type(version) is not str or _VERSION_RE.match(version) is None:  # pylint: disable=unidiomatic-typecheck
            self.fail("version", f"must be '1.0.x', got {version!r}")


# --- the fast path --------------------------------------------------------------------------------
# The same rules as _Checker, as one boolean pass that builds no path strings. It only answers
# "certainly valid"; on False, _Checker runs and finds the path and the reason (it is the authority:
# a statement it accepts is valid even if the fast pass was unsure).

_uuid_match = _UUID_RE.match
_version_match = _VERSION_RE.match


def _fast_language_map(value):
    if type(value) is not dict:  # pylint: disable=unidiomatic-typecheck
        return False
    for tag, text in value.items():
        if type(text) is not str or not is_language_tag(tag) or not is_unicode(text):  # pylint: disable=unidiomatic-typecheck
            return False
    return True


def _fast_extensions(value):
    if type(value) is not dict:  # pylint: disable=unidiomatic-typecheck
        return False
    for key in value:
        if not is_iri(key):
            return False
    return True


def _fast_activity(value, id_required=True):
    if type(value) is not dict or not value.keys() <= ACTIVITY_KEYS:  # pylint: disable=unidiomatic-typecheck
        return False
    if not _one_of(value.get("objectType", "Activity"), ACTIVITY_OBJECT_TYPES):
        return False
    activity_id = value.get("id")
    if activity_id is None:
        if id_required or "id" in value:
            return False
    elif not is_activity_id(activity_id):
        return False
    definition = value.get("definition")
    if definition is None:
        return "definition" not in value
    if type(definition) is not dict or not definition.keys() <= _FAST_DEFINITION_KEYS:  # pylint: disable=unidiomatic-typecheck
        return False
    for key, item in definition.items():
        if key == "type":
            if not is_iri(item):
                return False
        elif key == "name" or key == "description":  # pylint: disable=consider-using-in
            if not _fast_language_map(item):
                return False
        elif key == "extensions":
            if not _fast_extensions(item):
                return False
        elif not _one_of(item, INTERACTION_TYPES):  # interactionType
            return False
    return True


def _fast_result(value):  # pylint: disable=too-many-return-statements
    if type(value) is not dict or not value.keys() <= RESULT_KEYS:  # pylint: disable=unidiomatic-typecheck
        return False
    for key, item in value.items():
        if key == "extensions":
            if not _fast_extensions(item):
                return False
        elif key == "success" or key == "completion":  # pylint: disable=consider-using-in
            if type(item) is not bool:  # pylint: disable=unidiomatic-typecheck
                return False
        elif key == "response":
            if type(item) is not str:  # pylint: disable=unidiomatic-typecheck
                return False
        elif key == "duration":
            if type(item) is not str or _DURATION_RE.match(item) is None:  # pylint: disable=unidiomatic-typecheck
                return False
        elif not _fast_score(item):
            return False
    return True


def _fast_score(value):
    if type(value) is not dict or not value.keys() <= SCORE_KEYS:  # pylint: disable=unidiomatic-typecheck
        return False
    for number in value.values():
        if not is_number(number):
            return False
    scaled = value.get("scaled")
    if scaled is not None and not -1 <= scaled <= 1:
        return False
    low, high, raw = value.get("min"), value.get("max"), value.get("raw")
    if low is not None and high is not None and low > high:
        return False
    if raw is not None and ((low is not None and raw < low) or (high is not None and raw > high)):
        return False
    return True


#: Definition keys the fast pass knows; the rarer ones (choices, moreInfo, ...) go to _Checker.
_FAST_DEFINITION_KEYS = frozenset(("type", "name", "description", "extensions", "interactionType"))
_FAST_CONTEXT_KEYS = frozenset(("contextActivities", "extensions", "statement"))


def _fast_statement(statement, trusted=()):  # pylint: disable=too-many-return-statements,too-many-branches
    if type(statement) is not dict or not statement.keys() <= STATEMENT_KEYS:  # pylint: disable=unidiomatic-typecheck
        return False
    value = statement.get("id")
    if type(value) is not str or _uuid_match(value) is None:  # pylint: disable=unidiomatic-typecheck
        return False
    actor = statement.get("actor")
    if type(actor) is not dict or actor.get("objectType") != "Agent" or len(actor) != 2:  # pylint: disable=unidiomatic-typecheck
        return False
    account = actor.get("account")
    if type(account) is not dict or len(account) != 2 or not is_iri(account.get("homePage")):  # pylint: disable=unidiomatic-typecheck
        return False
    value = account.get("name")
    if type(value) is not str or not value or not is_unicode(value):  # pylint: disable=unidiomatic-typecheck
        return False
    verb = statement.get("verb")
    if type(verb) is not dict or len(verb) != 2 or not is_iri(verb.get("id")):  # pylint: disable=unidiomatic-typecheck
        return False
    if not _fast_language_map(verb.get("display")):
        return False
    if not _fast_activity(statement.get("object")):
        return False
    if "result" in statement and not _fast_result(statement["result"]):
        return False
    context = statement.get("context")
    if context is not None:
        if type(context) is not dict or not context.keys() <= _FAST_CONTEXT_KEYS:  # pylint: disable=unidiomatic-typecheck
            return False
        activities = context.get("contextActivities")
        if activities is not None:
            if type(activities) is not dict or not activities.keys() <= CONTEXT_ACTIVITY_KEYS:  # pylint: disable=unidiomatic-typecheck
                return False
            for items in activities.values():
                if type(items) is not list:  # pylint: disable=unidiomatic-typecheck
                    return False
                for item in items:
                    if id(item) not in trusted and not _fast_activity(item):
                        return False
        value = context.get("extensions")
        if value is not None and not _fast_extensions(value):
            return False
        if "statement" in context:
            value = context["statement"]
            if (type(value) is not dict or len(value) != 2  # pylint: disable=unidiomatic-typecheck
                    or value.get("objectType") != "StatementRef" or not is_uuid(value.get("id"))):
                return False
    elif "context" in statement:
        return False
    if not _valid_timestamp(statement.get("timestamp")):
        return False
    value = statement.get("version")
    return type(value) is str and _version_match(value) is not None  # pylint: disable=unidiomatic-typecheck


def is_valid_activity(activity):
    """True when ``activity`` (a dict) is a valid xAPI Activity with an id."""
    return _fast_activity(activity)


def validate_statement(statement, transformer_id, trusted=()):
    """
    Check ``statement`` (a dict) against the xAPI 1.0.3 structural rules; return it unchanged.

    ``trusted`` holds the ``id()`` of context activities the caller built from parts already checked
    with :func:`is_valid_activity` (the course activity every statement carries, checked once per
    course): the quick pass skips them. It is only a shortcut: when the quick pass fails, the full
    check runs over everything, trusted parts included.

    Raises:
        InvalidStatement: on the first rule broken, with ``transformer`` = ``transformer_id``,
            ``path`` (e.g. ``context.contextActivities.parent[0].id``) and ``reason``.
    """
    if not _fast_statement(statement, trusted):
        _Checker(transformer_id).statement(statement)
    return statement
