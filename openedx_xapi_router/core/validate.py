"""
The last check before a statement leaves the core: xAPI 1.0.3 structural rules, written once.

``validate_statement`` checks one statement dict and raises
``openedx_xapi_router.core.errors.InvalidStatement`` on the first rule it breaks, naming the
path (``object.definition.type``, ``context.contextActivities.parent[0].id``) and the rule. A
statement that fails here is a transformer bug: it would be refused by an LRS (HTTP 400) and, in a
batch, take the good statements down with it.

It checks what this package sends (an Agent actor, Activity objects, results, contexts), not every
corner of the specification.

How it is built
    The rules are a table: one ``Shape`` per xAPI object (``STATEMENT``, ``AGENT``,
    ``ACTIVITY``, ``RESULT``, ...) listing, in order, its properties and the rule of each, the
    required ones, and the cross-property checks (exactly one identifier, min <= raw <= max). Leaf
    rules are small ``Leaf`` objects (a predicate and the reason it gives). Every shape is
    interpreted two ways, both from the same table:

    * ``Shape.ok``, the hot path: a boolean walk over the properties the value has, that
      builds no path strings (the verdict of an unordered walk is the verdict of an ordered one);
      a statement the caller made whole (``MADE_WHOLE``) is taken with one test, parts it made by
      construction by identity (``made``), context activities it lists as already checked are
      skipped (``trusted``), an actor dict already found valid (the same object: a resolver's
      cached actor) is not walked again (``_SharedParts``), a verb or object equal to one already
      found valid is not walked (``_ValueMemo``), and extension keys already found IRIs pass with
      one subset test (``_IriKeys``). The walks of a statement's parts (``is_valid_object``,
      ``is_valid_result``...) are compiled from the same table, and so is ``validate_statement``
      itself (the statement walk, a refusal handed to the ordered walk). Its cost is the Python it
      runs per statement (about 50 machine instructions a bytecode), so the compiled walk does as
      little as it can in Python: few locals, no ``keys() <=`` view per object, lookups only where
      most properties are there;
    * ``Shape.explain``, run only when ``ok`` says no: the same rules in the table's order,
      returning the first broken rule as ``(path, reason)``.

    ``tests/core/test_validate_agreement.py`` proves the two agree (verdict, path and reason) on
    every statement the shared corpora and samples produce and on hypothesis-mutated statements,
    and that both agree with the checker this module held before the table
    (``tests/core/legacy_validate.py``).

Why one module past 300 lines: the table, the rule kinds that read it and the compiler of the
quick walk change together (a new rule kind needs its ordered reading and its compiled form side
by side); split, a rule could be added to one reader and not the other.

Two known tolerances, both for parity with the statements event-routing-backends sends and Open
edX sites already hold (the golden samples have these shapes, and Ralph accepts them):

- an Activity id may be a bare UUID (any case) instead of an IRI: special-exam statements group
  under the exam attempt's external id, e.g. ``438AD672-DE2C-4F0B-8876-35444E7DD746``.
- an Activity's ``objectType`` may be ``GroupActivity`` (not an xAPI object type): a multi-question
  ``problem_check`` marks the problem that way, as object and as its children's parent.

Every string the rules check must also be Unicode text (no lone surrogate), and every number one
orjson writes (``is_number``): what passes here serialises. Extension values are not checked.
"""
import math
import re
from datetime import datetime
from functools import lru_cache

from orjson import dumps as _dumps
from orjson import loads as _loads

from openedx_xapi_router.core.errors import InvalidStatement

_UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
_ANY_CASE_UUID_RE = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
#: An absolute IRI: a scheme, a colon, then at least one character with no space or forbidden delimiter.
#: ``\s`` spelled out as the characters it matches (``str.isspace``; none lies past U+3000, the
#: ideographic space: tests/core/test_validate.py checks every code point), so that the class below
#: is a plain character set: the regex engine tests a set with a table lookup per character, but
#: calls a Unicode category function per character for ``\s`` (an IRI of 155 characters: 2,300
#: instructions against 4,400).
_WHITESPACE = "".join(chr(code) for code in range(0x3001) if chr(code).isspace())
_IRI_RE = re.compile(r'^[A-Za-z][A-Za-z0-9+.\-]*:[^' + re.escape(_WHITESPACE) + r'<>"{}|\\^`]+$')
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
ACCOUNT_KEYS = frozenset(("homePage", "name"))
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
INTERACTION_COMPONENT_KEYS = frozenset(("id", "description"))
RESULT_KEYS = frozenset(("score", "success", "completion", "response", "duration", "extensions"))
SCORE_KEYS = frozenset(("scaled", "raw", "min", "max"))
CONTEXT_KEYS = frozenset((
    "registration", "instructor", "team", "contextActivities", "revision", "platform", "language", "statement",
    "extensions",
))
CONTEXT_ACTIVITY_KEYS = frozenset(("parent", "grouping", "category", "other"))
STATEMENT_REF_KEYS = frozenset(("objectType", "id"))

#: The integers a JSON number can carry here: what orjson (our serializer) writes, -2**63 .. 2**64-1.
INT_MIN = -2**63
INT_MAX = 2**64 - 1

# pylint: disable=unidiomatic-typecheck
# ``type(x) is str``, not isinstance: a bool is an int, and the rules are about JSON types.


# --- predicates ------------------------------------------------------------------------------------

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


def is_text(value):
    """True for a string that is Unicode text: the rule of every text value (a language map's, a response)."""
    return type(value) is str and is_unicode(value)


@lru_cache(maxsize=8192)
def _iri(value):
    return _IRI_RE.match(value) is not None and is_unicode(value)


@lru_cache(maxsize=65536)  # block IRIs: a large site has tens of thousands
def _activity_id(value):
    return (_IRI_RE.match(value) is not None or _ANY_CASE_UUID_RE.match(value) is not None) and is_unicode(value)


@lru_cache(maxsize=1024)
def _language_tag(value):
    return _LANGUAGE_TAG_RE.match(value) is not None


def is_iri(value):
    """True when ``value`` is a string holding an absolute IRI (``scheme:rest``, no spaces); cached."""
    return type(value) is str and _iri(value)


def is_activity_id(value):
    """True for an absolute IRI, or a bare UUID (tolerated; see the module docstring)."""
    return type(value) is str and _activity_id(value)


def is_language_tag(value):
    """True when ``value`` looks like an RFC 5646 language tag (``en``, ``en-US``, ``zh-Hans-CN``)."""
    return type(value) is str and _language_tag(value)


def is_uuid(value):
    """True when ``value`` is a lowercase, hyphenated UUID string."""
    return type(value) is str and _UUID_RE.match(value) is not None


def _is_timestamp(value):
    """ISO 8601 extended form (``YYYY-MM-DDTHH:MM...``) with a UTC offset, and a real date and time."""
    if type(value) is not str or len(value) < 17:
        return False
    if value[4] != "-" or value[7] != "-" or value[10] != "T" or value[13] != ":":
        return False
    try:
        return datetime.fromisoformat(value).tzinfo is not None
    except ValueError:
        return False


def _matches(pattern):
    match = pattern.match
    return lambda value: type(value) is str and match(value) is not None and is_unicode(value)


def _one_of(allowed):
    """``value in allowed`` for a string ``value``; False for anything else (even unhashable)."""
    return lambda value: type(value) is str and value in allowed


def _type_name(value):
    return type(value).__name__


# --- the rule kinds --------------------------------------------------------------------------------
# A rule has ok(value) -> bool and explain(value) -> None or (path suffix, reason); the suffix is
# relative to the value (".id", "[0].name", "" for the value itself).

class Leaf:
    """
    A rule on one value: ``test(value)`` says whether it holds, ``reason(value)`` why not.
    ``expr``, when given, is the same test as a Python expression on ``{v}``, inlined by the quick
    walk's compiler (``_QuickCompiler``); the agreement tests hold it to ``test``.
    """

    __slots__ = ("ok", "reason", "expr")

    def __init__(self, test, reason, expr=None):
        self.ok = test
        self.reason = reason
        self.expr = expr

    def explain(self, value):
        return None if self.ok(value) else ("", self.reason(value))


def _leaf(test, reason, expr=None):
    """A ``Leaf`` whose reason is ``reason`` formatted with the value's repr (``{value!r}``)."""
    return Leaf(test, lambda value: reason.format(value=value), expr)


IRI = _leaf(is_iri, "must be an absolute IRI, got {value!r}", "(type({v}) is str and _iri({v}))")
ACTIVITY_ID = _leaf(is_activity_id, "must be an absolute IRI, got {value!r}",
                    "(type({v}) is str and _activity_id({v}))")
UUID = _leaf(is_uuid, "must be a lowercase UUID string, got {value!r}",
             "(type({v}) is str and _uuid_match({v}) is not None)")
TIMESTAMP = _leaf(_is_timestamp, "must be an ISO 8601 timestamp with a UTC offset, got {value!r}")
XAPI_VERSION = _leaf(_matches(_VERSION_RE), "must be '1.0.x', got {value!r}",
                     # the pattern is ASCII; "1.0.3", the version every statement of ours carries, needs no match
                     "(type({v}) is str and ({v} == '1.0.3' or _version_match({v}) is not None))")
DURATION = _leaf(_matches(_DURATION_RE), "must be an ISO 8601 duration, got {value!r}")
MBOX = _leaf(_matches(_MBOX_RE), "must be 'mailto:' and an email address, got {value!r}")
SHA1 = _leaf(_matches(_SHA1_RE), "must be 40 hexadecimal digits, got {value!r}")
LANGUAGE = _leaf(is_language_tag, "not a language tag: {value!r}")
NUMBER = _leaf(is_number, "must be a finite number, got {value!r}",
                "((type({v}) is int and INT_MIN <= {v} <= INT_MAX) or (type({v}) is float and _isfinite({v})))")
BOOLEAN = Leaf(lambda value: type(value) is bool, lambda value: f"must be true or false, not {_type_name(value)}",
               "(type({v}) is bool)")
NON_EMPTY_TEXT = _leaf(lambda value: type(value) is str and value != "" and is_unicode(value),
                       "must be a non-empty string, got {value!r}",
                       "(type({v}) is str and {v} != '' and ({v}.isascii() or _is_unicode({v})))")
_TEXT_EXPR = "(type({v}) is str and ({v}.isascii() or _is_unicode({v})))"
COMPONENT_ID = Leaf(is_text, lambda value: "must be a string" if type(value) is not str
                    else "holds a lone surrogate (not Unicode text)", _TEXT_EXPR)
NEVER_TEAM = Leaf(lambda value: False, lambda value: "a Group team is not sent by this package")
INTERACTION_TYPE = _leaf(_one_of(INTERACTION_TYPES), "not an xAPI interaction type: {value!r}",
                         f"(type({{v}}) is str and {{v}} in {tuple(sorted(INTERACTION_TYPES))!r})")


class _Text:
    """A string that is Unicode text (two reasons: not a string; a lone surrogate)."""

    __slots__ = ()

    ok = staticmethod(is_text)
    expr = _TEXT_EXPR

    @staticmethod
    def explain(value):
        if type(value) is not str:
            return "", f"must be a string, not {_type_name(value)}"
        if not is_unicode(value):
            return "", "holds a lone surrogate (not Unicode text)"
        return None


TEXT = _Text()


class LanguageMap:
    """``{language tag: text}``."""

    __slots__ = ()

    @staticmethod
    def ok(value):
        if type(value) is not dict:
            return False
        for tag, text in value.items():
            if type(text) is not str or not is_language_tag(tag) or not is_unicode(text):
                return False
        return True

    @staticmethod
    def explain(value):
        if type(value) is not dict:
            return "", f"must be an object, not {_type_name(value)}"
        for tag, text in value.items():
            if not is_language_tag(tag):
                return "", f"{tag!r} is not a language tag"
            failure = TEXT.explain(text)
            if failure:
                return f".{tag}", failure[1]
        return None


LANGUAGE_MAP = LanguageMap()


class Extensions:
    """``{IRI: any JSON value}`` (the values are not checked)."""

    __slots__ = ()

    @staticmethod
    def ok(value):
        if type(value) is not dict:
            return False
        for key in value:
            if not is_iri(key):
                return False
        return True

    @staticmethod
    def explain(value):
        if type(value) is not dict:
            return "", f"must be an object, not {_type_name(value)}"
        for key in value:
            if not is_iri(key):
                return "", f"key {key!r} is not an absolute IRI"
        return None


EXTENSIONS = Extensions()


class ListOf:
    """
    A list whose every item follows ``item``; ``reason(value)`` when it is not a list.
    ``trustable``: the quick walk skips items whose ``id()`` the caller lists as already checked.
    """

    __slots__ = ("item", "reason", "trustable")

    def __init__(self, item, reason, trustable=False):
        self.item = item
        self.reason = reason
        self.trustable = trustable

    def explain(self, value):
        if type(value) is not list:
            return "", self.reason(value)
        for index, item in enumerate(value):
            failure = self.item.explain(item)
            if failure:
                return f"[{index}]{failure[0]}", failure[1]
        return None


class Check:
    """
    A rule on the whole object, beyond its properties one by one (exactly one identifier, the
    score's bounds): ``test(obj)`` returns None when it holds, else ``(path suffix, reason)``.
    """

    __slots__ = ("test", "expr")

    def __init__(self, test, expr=None):
        self.test = test
        self.expr = expr  # the same verdict as a Python expression on ``value``, for the quick walk


_ABSENT = object()

#: ``made`` for ``validate_statement`` when the caller made nothing: positions ``MADE_TIME``,
#: ``MADE_VERB``, ``MADE_OBJECT``, ``MADE_CONTEXT``, ``MADE_RESULT``, each holding a value no statement
#: holds, and ``MADE_WHOLE``, the statements made whole (none). A caller that makes parts fills a
#: list copy of it (``[*NOTHING_MADE]``).
NOTHING_MADE = (_ABSENT, _ABSENT, _ABSENT, _ABSENT, _ABSENT, ())
MADE_TIME, MADE_VERB, MADE_OBJECT, MADE_CONTEXT, MADE_RESULT, MADE_WHOLE = range(6)


class Field:
    """
    One property of a ``Shape`` and its rule. ``required``: its absence is the failure
    ``"is required"`` at this point of the order. ``default``: when absent, the rule is applied to
    this value instead (``None`` for a property the rule then refuses with its own reason).
    ``shared``: the value is usually one object shared by many statements (the actor: a resolver's
    cached ``openedx_xapi_router.core.context.Actor``), so the quick walk remembers, by
    identity, the objects it found valid (``_SharedParts``) and walks each one once.
    """

    __slots__ = ("key", "rule", "required", "default", "shared", "memo")

    def __init__(self, key, rule, required=False, default=_ABSENT, shared=False, memo=False):  # pylint: disable=too-many-arguments
        self.key = key
        self.rule = rule
        self.required = required
        self.default = default
        self.shared = shared
        #: The value is usually equal to one already found valid (the verb; the object, the same block
        #: for many learners): the quick walk keeps a copy of each valid value by its ``id`` and takes
        #: a value equal to the copy of its id without walking it (``_ValueMemo``).
        self.memo = memo


class Shape:
    """
    An xAPI object: a dict with the properties ``allowed``, each present one following the rule of
    its ``Field``; ``Check`` items add whole-object rules.

    ``explain`` reports the first failure in this order: not a dict; an unknown property (the
    first in sorted order; ``unknown`` formats it); a property of ``required_first`` missing; then
    the steps in the table's order (or, with ``in_value_order``, the fields in the order the
    value holds them, then the checks). ``ok`` gives the same verdict without the order.
    """

    __slots__ = ("allowed", "steps", "fields", "rules", "required", "required_first", "defaults", "checks",
                 "in_value_order", "unknown", "dense", "frequent")

    def __init__(self, allowed, steps, required_first=(), in_value_order=False, unknown=None,  # pylint: disable=too-many-arguments
                 dense=False, frequent=()):
        self.allowed = frozenset(allowed)
        self.steps = tuple(steps)
        self.fields = tuple(step for step in self.steps if isinstance(step, Field))
        self.checks = tuple(step.test for step in self.steps if isinstance(step, Check))
        self.rules = {field.key: field.rule for field in self.fields}
        self.required_first = tuple(required_first)
        self.required = self.required_first + tuple(field.key for field in self.fields if field.required)
        self.defaults = tuple((field.key, field.default) for field in self.fields if field.default is not _ABSENT)
        self.in_value_order = in_value_order
        self.unknown = unknown or (lambda key: ("", f"unknown property {key!r}"))
        #: Usually holds all its properties (a score): the quick walk looks each one up (see
        #: ``_QuickCompiler.LOOKUP_MAX``). Only a matter of speed.
        self.dense = dense
        #: The properties most values hold, most frequent first: a walked object's quick walk tests
        #: them first (``_QuickCompiler``). Only a matter of speed: the verdict is the same in any order.
        self.frequent = tuple(frequent)
        if not self.rules.keys() <= self.allowed or not set(self.required) <= self.rules.keys():
            raise ValueError(f"a Shape's fields must be among its allowed properties: {sorted(self.rules)}")

    def explain(self, value):
        if type(value) is not dict:
            return "", f"must be an object, not {_type_name(value)}"
        if not value.keys() <= self.allowed:
            return self.unknown(sorted(key for key in value if key not in self.allowed)[0])
        for key in self.required_first:
            if key not in value:
                return f".{key}", "is required"
        if self.in_value_order:
            for key, item in value.items():
                failure = self._explain_field(self.rules.get(key), key, item)
                if failure:
                    return failure
            steps = [Check(test) for test in self.checks]
        else:
            steps = self.steps
        for step in steps:
            if isinstance(step, Check):
                failure = step.test(value)
            elif step.key in value:
                failure = self._explain_field(step.rule, step.key, value[step.key])
            elif step.required:
                failure = f".{step.key}", "is required"
            elif step.default is not _ABSENT:
                failure = self._explain_field(step.rule, step.key, step.default)
            else:
                continue
            if failure:
                return failure
        return None

    @staticmethod
    def _explain_field(rule, key, item):
        failure = rule.explain(item) if rule is not None else None
        return None if failure is None else (f".{key}{failure[0]}", failure[1])


class OneOfShapes:
    """An object whose ``objectType`` (``default`` when absent) picks its shape."""

    __slots__ = ("default", "shapes", "reason")

    def __init__(self, default, shapes, reason):
        self.default = default
        self.shapes = shapes
        self.reason = reason

    def explain(self, value):
        if type(value) is not dict:
            return "", f"must be an object, not {_type_name(value)}"
        object_type = value.get("objectType", self.default)
        shape = self.shapes.get(object_type) if type(object_type) is str else None
        if shape is None:
            return ".objectType", self.reason(object_type)
        return shape.explain(value)


# --- the table -------------------------------------------------------------------------------------

def _constant(expected, reason):
    return _leaf(lambda value: value == expected, reason, f"({{v}} == {expected!r})")


def _one_identifier(agent):
    found = sum(1 for key in IFI_KEYS if key in agent)
    if found != 1:
        return "", f"an Agent needs exactly one inverse functional identifier, found {found}"
    return None


def _score_bounds(score):
    scaled = score.get("scaled")
    if scaled is not None and not -1 <= scaled <= 1:
        return ".scaled", f"must be between -1 and 1, got {scaled!r}"
    low, high, raw = score.get("min"), score.get("max"), score.get("raw")
    if low is not None and high is not None and low > high:
        return ".min", f"min {low!r} is greater than max {high!r}"
    if raw is not None:
        if low is not None and raw < low:
            return ".raw", f"raw {raw!r} is less than min {low!r}"
        if high is not None and raw > high:
            return ".raw", f"raw {raw!r} is greater than max {high!r}"
    return None


ACCOUNT = Shape(ACCOUNT_KEYS, [
    Field("homePage", IRI, required=True),
    Field("name", NON_EMPTY_TEXT, default=None),
])

AGENT = Shape(AGENT_KEYS, [
    Field("objectType", _constant("Agent", "must be 'Agent', got {value!r}")),
    Check(_one_identifier, f"len(value.keys() & {set(IFI_KEYS)!r}) == 1"),
    Field("account", ACCOUNT),
    Field("mbox", MBOX),
    Field("mbox_sha1sum", SHA1),
    Field("openid", IRI),
    Field("name", TEXT),
])

VERB = Shape(VERB_KEYS, [Field("id", IRI, required=True), Field("display", LANGUAGE_MAP)])

INTERACTION_COMPONENT = Shape(INTERACTION_COMPONENT_KEYS, [
    Field("id", COMPONENT_ID, default=None),
    Field("description", LANGUAGE_MAP),
])
INTERACTION_COMPONENTS = ListOf(INTERACTION_COMPONENT, lambda value: "must be a list of interaction components")

DEFINITION = Shape(DEFINITION_KEYS, [
    Field("type", IRI),
    Field("name", LANGUAGE_MAP),
    Field("description", LANGUAGE_MAP),
    Field("moreInfo", IRI),
    Field("extensions", EXTENSIONS),
    Field("interactionType", INTERACTION_TYPE),
    Field("correctResponsesPattern", ListOf(TEXT, lambda value: "must be a list of strings")),
    *(Field(key, INTERACTION_COMPONENTS) for key in INTERACTION_COMPONENT_LISTS),
])

ACTIVITY = Shape(ACTIVITY_KEYS, [
    Field("objectType", _leaf(_one_of(ACTIVITY_OBJECT_TYPES), "must be 'Activity', got {value!r}",
                              f"(type({{v}}) is str and {{v}} in {tuple(sorted(ACTIVITY_OBJECT_TYPES))!r})")),
    Field("id", ACTIVITY_ID, required=True),
    Field("definition", DEFINITION),
])

STATEMENT_REF = Shape(STATEMENT_REF_KEYS, [
    Field("objectType", _constant("StatementRef", "must be 'StatementRef', got {value!r}"), default=None),
    Field("id", UUID, default=None),
])

STATEMENT_OBJECT = OneOfShapes(
    "Activity", {"Activity": ACTIVITY, "GroupActivity": ACTIVITY, "Agent": AGENT, "StatementRef": STATEMENT_REF},
    lambda object_type: f"must be 'Activity', 'Agent' or 'StatementRef', got {object_type!r}",
)

#: The numbers are checked in the order the score holds them, then the bounds.
SCORE = Shape(SCORE_KEYS, [*(Field(key, NUMBER) for key in ("scaled", "raw", "min", "max")), Check(_score_bounds)],
              in_value_order=True, dense=True)

RESULT = Shape(RESULT_KEYS, [
    Field("score", SCORE),
    Field("success", BOOLEAN),
    Field("completion", BOOLEAN),
    Field("response", TEXT),
    Field("duration", DURATION),
    Field("extensions", EXTENSIONS),
], frequent=("extensions", "completion"))  # the results left to walk: video and completion ones

#: The lists are checked in the order the context holds them.
CONTEXT_ACTIVITIES = Shape(CONTEXT_ACTIVITY_KEYS, [
    Field(key, ListOf(ACTIVITY, lambda value: f"must be a list of Activities, not {_type_name(value)}",
                      trustable=True))
    for key in ("parent", "grouping", "category", "other")
], in_value_order=True)

CONTEXT = Shape(CONTEXT_KEYS, [
    Field("contextActivities", CONTEXT_ACTIVITIES),
    Field("extensions", EXTENSIONS),
    Field("statement", STATEMENT_REF),
    Field("registration", UUID),
    Field("instructor", AGENT),
    Field("team", NEVER_TEAM),
    Field("revision", TEXT),
    Field("platform", TEXT),
    Field("language", LANGUAGE),
])

#: Every required property is looked for before any is checked.
STATEMENT = Shape(STATEMENT_KEYS, [
    Field("id", UUID),
    Field("actor", AGENT, shared=True),
    Field("verb", VERB, memo=True),
    Field("object", STATEMENT_OBJECT, memo=True),
    Field("result", RESULT),
    Field("context", CONTEXT),
    Field("timestamp", TIMESTAMP),
    Field("version", XAPI_VERSION),
], required_first=("id", "actor", "verb", "object", "timestamp", "version"),
    unknown=lambda key: (f".{key}", "unknown statement property"))


# --- the quick walk, compiled from the table ---------------------------------------------------------

class _SharedParts:
    """
    The shared parts (see ``Field``) the quick walk found valid, by ``id()``, each kept alive
    here so its id cannot be reused by another object while it is remembered. A shared part is
    never changed once built (it is already in every statement of its learner); forgotten past
    ``limit`` entries. The ordered walk does not use it.
    """

    def __init__(self, limit=65_536):
        self.valid = {}
        self.limit = limit

    def remember(self, part):
        if len(self.valid) >= self.limit:
            self.valid.clear()
        self.valid[id(part)] = part


_SHARED = _SharedParts()


class _IriKeys:
    """
    The extension keys the quick walk found to be IRIs, so that an extensions object whose keys are
    all among them passes with one subset test (``valid.issuperset``, in C) instead of a test per key:
    a transformer's extension keys are a few vocabulary IRIs. A set holds strings, and a string is
    equal only to a string (a subclass of str is no JSON value a transformer makes, as in
    ``_ValueMemo``). Forgotten past ``limit`` keys.
    """

    def __init__(self, limit=4096):
        self.valid = set()
        self.limit = limit

    def remember(self, extensions):
        if len(self.valid) >= self.limit:
            self.valid.clear()
        self.valid.update(extensions)


_IRI_KEYS = _IriKeys()
#: ``_IRI_KEYS.valid.issuperset``, bound once (the set is cleared and filled, never replaced): a
#: bound method's call costs about two thirds of ``keys() <= valid``, which makes a view per test.
_iri_keys_cover = _IRI_KEYS.valid.issuperset


def has_iri_keys(extensions):
    """True when every key of ``extensions`` (a dict) is an absolute IRI: the rule of an extensions object."""
    if _iri_keys_cover(extensions):
        return True
    for key in extensions:
        if not is_iri(key):
            return False
    _IRI_KEYS.remember(extensions)
    return True


def _json_copy(value):
    """A deep copy of JSON-like data (dicts, lists, scalars)."""
    if type(value) is dict:
        return {key: _json_copy(item) for key, item in value.items()}
    if type(value) is list:
        return [_json_copy(item) for item in value]
    return value


def _valid_copy(value):
    """
    A deep copy of ``value`` (found valid) to compare later values with: through orjson (in C) when
    it can write it, else ``_json_copy``. orjson's copy may differ from ``value`` only in extension
    values, which no rule reads (a tuple comes back a list, NaN null): a later value equal to such a
    copy has the same verdict, and one equal to ``value`` but not to its copy is merely walked.
    """
    try:
        return _loads(_dumps(value))
    except TypeError:  # a lone surrogate, a non-str key, an int past 64 bits: all in extension values
        return _json_copy(value)


class _ValueMemo:
    """
    Copies of values the quick walk found valid at one ``memo`` field (see ``Field``), by their
    ``id`` property, a few per id (the same block is the object of several transformers' statements,
    each with its own definition): a value equal (``==``) to one of the copies kept for its id is
    valid without a walk. Equality implies the same verdict: the rules at every checked place hold
    strings, dicts and lists (a str equals only a str, a dict only a dict...), and where a number or a
    bool could compare equal to another type (``1 == True``), in extension values, nothing is
    checked. A subclass of dict, list or str is no JSON value a transformer makes, and is not
    considered. The copies are deep, so a change to a statement afterwards changes no copy; at most
    ``per_id`` per id (the oldest dropped first), all forgotten past ``limit`` ids.
    """

    def __init__(self, limit=16_384, per_id=4):
        self.valid = {}
        self.limit = limit
        self.per_id = per_id

    def remember(self, key, value):
        copies = self.valid.get(key)
        if copies is None:
            if len(self.valid) >= self.limit:
                self.valid.clear()
            self.valid[key] = [_valid_copy(value)]
            return
        if len(copies) >= self.per_id:
            del copies[0]
        copies.append(_valid_copy(value))


class _QuickCompiler:
    """
    Writes the quick walk of a rule as one Python function, ``ok(value, t=())``, from the table:
    every nested shape, list and map inlined (no call per part), leaf tests with an ``expr``
    inlined, the others called; no path strings. Any broken rule returns False at once.
    """

    #: Shapes with at most this many properties look each one up; larger ones walk what is there, and
    #: so do those with no required property (a result, context activities: few of their properties
    #: are there, and a lookup costs as much for an absent one).
    LOOKUP_MAX = 8
    #: The statement properties whose value the caller may have made valid by construction (``made``,
    #: see ``validate_statement``: its timestamp, a ``datetime.isoformat()``, and the verb, object,
    #: context and result dicts it made from parts already checked): such a value is taken without its
    #: test, by identity (one ``is``: cheaper than a memo's lookup and compare, or a walk). Strings are
    #: immutable, so a made timestamp is the one made whatever was done to the statement since.
    MADE = {"timestamp": f"{{v}} is made[{MADE_TIME}]", "verb": f"{{v}} is made[{MADE_VERB}]",
            "object": f"{{v}} is made[{MADE_OBJECT}]", "context": f"{{v}} is made[{MADE_CONTEXT}]",
            "result": f"{{v}} is made[{MADE_RESULT}]"}

    def __init__(self):
        self.namespace = {
            "_iri": _iri, "_activity_id": _activity_id, "_language_tag": _language_tag,
            "_uuid_match": _UUID_RE.match, "_version_match": _VERSION_RE.match, "_isfinite": math.isfinite,
            "_is_unicode": is_unicode, "_ABSENT": _ABSENT, "INT_MIN": INT_MIN, "INT_MAX": INT_MAX,
            "NOTHING_MADE": NOTHING_MADE, "_shared": _SHARED.valid, "_shared_remember": _SHARED.remember,
            "_iri_keys_cover": _iri_keys_cover, "_has_iri_keys": has_iri_keys, "_refuse": _refuse,
        }
        self.memos = []
        self.source = []

    def ref(self, obj):
        name = f"_c{len(self.namespace)}"
        self.namespace[name] = obj
        return name

    @staticmethod
    def var(stem, depth):
        """
        The local named ``stem`` at nesting ``depth``: siblings reuse one name (each is done with it
        before the next starts), deeper code gets its own. Few locals make a cheap frame: each call
        clears every local of the function, so one per place of the table would cost per statement.
        """
        return f"{stem}{depth}"

    def compile(self, rule, name, check=False):
        """
        The function ``name``: True when its argument follows ``rule``. With ``check``, the same walk
        as the check itself, ``name(value, transformer_id, t=(), made=NOTHING_MADE)``: it
        returns ``value`` where the walk says True and hands it to ``_refuse`` where it says False
        (one call per statement, not a call of the walk from a wrapper).
        """
        # A required property is read with ``[]``: its absence raises KeyError, the one refusal taken
        # as an exception (an invalid statement then gets the ordered walk anyway). A KeyError from
        # anything else the walk calls can only turn a verdict into False, which the ordered walk decides.
        body = self.emit(rule, "value", 2)
        if check:
            refuse, accept = "return _refuse(value, transformer_id)", "return value"
            body = [line.replace("return False", refuse).replace("return True", accept) for line in body]
            lines = [f"def {name}(value, transformer_id, t=(), made=NOTHING_MADE):", "    try:", *body,
                     "    except KeyError:", f"        {refuse}", f"    {accept}"]
        else:
            lines = [f"def {name}(value, t=(), made=NOTHING_MADE):", "    try:", *body,
                     "    except KeyError:", "        return False", "    return True"]
        code = "\n".join(lines) + "\n"
        self.source.append(code)
        exec(compile(code, f"<validate quick walk {name}>", "exec"), self.namespace)  # pylint: disable=exec-used
        return self.namespace[name]

    def emit(self, rule, var, depth):
        """Lines (indented ``depth`` levels) that return False when ``var`` breaks ``rule``."""
        pad = "    " * depth
        if isinstance(rule, Shape):
            return self._shape(rule, var, depth)
        if isinstance(rule, ListOf):
            item = self.var("item", depth)
            lines = [f"{pad}if type({var}) is not list:", f"{pad}    return False", f"{pad}for {item} in {var}:"]
            if rule.trustable:
                lines += [f"{pad}    if id({item}) in t:", f"{pad}        continue"]
            return lines + self.emit(rule.item, item, depth + 1)
        if isinstance(rule, OneOfShapes):
            return self._one_of(rule, var, depth)
        if rule is LANGUAGE_MAP:
            tag, text = self.var("tag", depth), self.var("text", depth)
            return [f"{pad}if type({var}) is not dict:", f"{pad}    return False",
                    f"{pad}for {tag}, {text} in {var}.items():",
                    f"{pad}    if not (type({text}) is str and type({tag}) is str and _language_tag({tag})"
                    f" and ({text}.isascii() or _is_unicode({text}))):",
                    f"{pad}        return False"]
        if rule is EXTENSIONS:  # one subset test when every key is one already found valid (``_IriKeys``)
            return [f"{pad}if type({var}) is not dict:", f"{pad}    return False",
                    f"{pad}if not (_iri_keys_cover({var}) or _has_iri_keys({var})):", f"{pad}    return False"]
        test = rule.expr.format(v=var) if getattr(rule, "expr", None) else f"{self.ref(rule.ok)}({var})"
        return [f"{pad}if not {test}:", f"{pad}    return False"]

    def _shape(self, shape, var, depth):
        pad = "    " * depth
        # A default the rule refuses makes the property required; one it accepts changes nothing.
        required = shape.required + tuple(key for key, default in shape.defaults if not shape.rules[key].ok(default))
        looked_up = len(shape.fields) <= self.LOOKUP_MAX and (required or len(shape.fields) <= 2 or shape.dense)
        # No unknown property, without a ``keys() <=`` test (a view made and walked per object):
        # every allowed property has a field, so a looked-up object holds only what its lookups
        # found (its length is the count of them) and a walked one sends a key no field names to
        # the ``else`` of the walk.
        counted = shape.allowed == shape.rules.keys()
        optional = [field.key for field in shape.fields if field.key not in required] if looked_up else []
        count = self.var("n", depth)
        if not counted:
            lines = [f"{pad}if type({var}) is not dict or not {var}.keys() <= {self.ref(shape.allowed)}:",
                     f"{pad}    return False"]
        elif not looked_up:
            lines = [f"{pad}if type({var}) is not dict:", f"{pad}    return False"]
        elif not optional:
            lines = [f"{pad}if type({var}) is not dict or len({var}) != {len(required)}:", f"{pad}    return False"]
        else:
            lines = [f"{pad}if type({var}) is not dict:", f"{pad}    return False",
                     f"{pad}{count} = len({var})" + (f" - {len(required)}" if required else "")]
        if shape is STATEMENT:  # a statement the caller made whole: taken as made (``MADE_WHOLE``)
            # By identity only: ``in`` would take an equal copy, and Python's equality is not JSON's
            # (``False == 0 == 0.0``: a score's ``min`` of ``false`` equals a made ``0.0``).
            lines[2:2] = [f"{pad}for whole in made[{MADE_WHOLE}]:", f"{pad}    if whole is {var}:",
                          f"{pad}        return True"]
        for key in required:
            if not looked_up or key not in shape.rules:
                lines += [f"{pad}if {key!r} not in {var}:", f"{pad}    return False"]
        if looked_up:
            for field in shape.fields:
                item = self.var("v", depth)
                body = self.emit(field.rule, item, depth + 1)
                if field.shared:
                    body = [f"{pad}    if _shared.get(id({item}), _ABSENT) is not {item}:",
                            *["    " + line for line in body], f"{pad}        _shared_remember({item})"]
                if field.memo:
                    memo = _ValueMemo()
                    self.memos.append(memo)
                    valid, remember, key = self.ref(memo.valid), self.ref(memo.remember), self.var("id", depth)
                    body = [f"{pad}    {key} = {item}.get('id') if type({item}) is dict else None",
                            f"{pad}    if type({key}) is not str or {item} not in {valid}.get({key}, ()):",
                            *["    " + line for line in body],
                            f"{pad}        if type({key}) is str:", f"{pad}            {remember}({key}, {item})"]
                made = self.MADE.get(field.key) if shape is STATEMENT else None
                if made:  # the value the caller made: taken as made, before any memo; any other is tested
                    body = [f"{pad}    if not ({made.format(v=item)}):", *["    " + line for line in body]]
                if field.key in required:  # one lookup: absent is the failure (a KeyError, see ``compile``)
                    lines += [f"{pad}{item} = {var}[{field.key!r}]", *[line[4:] for line in body]]
                else:
                    lines += [f"{pad}if {field.key!r} in {var}:", f"{pad}    {item} = {var}[{field.key!r}]",
                              *([f"{pad}    {count} -= 1"] if counted else []), *body]
            if counted and optional:
                lines += [f"{pad}if {count}:", f"{pad}    return False"]
        else:
            key, item = self.var("k", depth), self.var("v", depth)
            lines.append(f"{pad}for {key}, {item} in {var}.items():")
            fields = sorted(shape.fields, key=lambda field: shape.frequent.index(field.key)
                            if field.key in shape.frequent else len(shape.frequent))
            for index, field in enumerate(fields):
                lines += [f"{pad}    {'if' if index == 0 else 'elif'} {key} == {field.key!r}:",
                          *self.emit(field.rule, item, depth + 2)]
            if counted:
                lines += [f"{pad}    else:", f"{pad}        return False"]
        for check in shape.steps:
            if isinstance(check, Check):
                test = (check.expr or f"{self.ref(check.test)}(value) is None").replace("value", var)
                lines += [f"{pad}if not ({test}):", f"{pad}    return False"]
        return lines

    def _one_of(self, rule, var, depth):
        pad = "    " * depth
        object_type = self.var("object_type", depth)
        lines = [f"{pad}if type({var}) is not dict:", f"{pad}    return False",
                 f"{pad}{object_type} = {var}.get('objectType', {rule.default!r})"]
        by_shape = {}
        for name, shape in rule.shapes.items():
            by_shape.setdefault(id(shape), (shape, []))[1].append(name)
        for index, (shape, names) in enumerate(by_shape.values()):
            condition = " or ".join(f"{object_type} == {name!r}" for name in names)
            lines += [f"{pad}{'if' if index == 0 else 'elif'} {condition}:", *self.emit(shape, var, depth + 1)]
        return lines + [f"{pad}else:", f"{pad}    return False"]


def _refuse(statement, transformer_id):
    """What the check does with a statement its quick walk says no to: the ordered walk decides."""
    failure = check_statement(statement)
    if failure is not None:
        raise InvalidStatement(transformer_id, *failure)
    return statement


_COMPILER = _QuickCompiler()
_quick_statement = _COMPILER.compile(STATEMENT, "quick_statement")
_quick_activity = _COMPILER.compile(ACTIVITY, "quick_activity")
_quick_verb = _COMPILER.compile(VERB, "quick_verb")
_quick_agent = _COMPILER.compile(AGENT, "quick_agent")
_quick_result = _COMPILER.compile(RESULT, "quick_result")
_quick_object = _COMPILER.compile(STATEMENT_OBJECT, "quick_object")
_quick_context = _COMPILER.compile(CONTEXT, "quick_context")
#: ``validate_statement(statement, transformer_id, trusted=(), made=NOTHING_MADE)``: the
#: quick walk compiled as the check itself (see ``_QuickCompiler.compile``; its docstring below).
validate_statement = _COMPILER.compile(STATEMENT, "validate_statement", check=True)
#: The quick walk's source (read it to see what runs per statement).
QUICK_SOURCE = "\n".join(_COMPILER.source)


# --- the API -----------------------------------------------------------------------------------------

def check_statement(statement):
    """
    The first xAPI rule ``statement`` breaks, as ``(path, reason)``, or None when it is valid.

    The table's ordered walk (``Shape.explain``): the authority on paths and reasons.
    """
    if type(statement) is not dict:
        return "statement", f"must be an object, not {_type_name(statement)}"
    failure = STATEMENT.explain(statement)
    return None if failure is None else (failure[0][1:], failure[1])


def is_valid_statement(statement):
    """True when ``statement`` breaks no rule: the table's quick walk."""
    return _quick_statement(statement)


def is_valid_activity(activity):
    """True when ``activity`` (a dict) is a valid xAPI Activity with an id."""
    return _quick_activity(activity)


def is_valid_verb(verb):
    """True when ``verb`` (a dict) is a valid xAPI Verb."""
    return _quick_verb(verb)


def is_valid_result(result):
    """True when ``result`` (a dict) is a valid xAPI Result."""
    return _quick_result(result)


def is_valid_object(statement_object):
    """True when ``statement_object`` (a dict) is a valid statement object (an Activity, an Agent, a StatementRef)."""
    return _quick_object(statement_object)


def is_valid_context(context, trusted=()):
    """True when ``context`` (a dict) is a valid xAPI Context; ``trusted`` as ``validate_statement`` takes it."""
    return _quick_context(context, trusted)


def is_valid_agent(agent):
    """True when ``agent`` (a dict) is a valid xAPI Agent (a statement's actor)."""
    return _quick_agent(agent)


validate_statement.__doc__ = """
Check ``statement`` (a dict) against the xAPI 1.0.3 structural rules; return it unchanged.

``trusted`` holds the ``id()`` of context activities the caller built from parts already checked
with ``is_valid_activity`` (the course activity every statement carries, checked once per
course): the quick walk skips them. ``made`` (``NOTHING_MADE`` when nothing was): at ``MADE_TIME`` the
timestamp the caller made by construction, at ``MADE_VERB``, ``MADE_OBJECT``, ``MADE_CONTEXT``
and ``MADE_RESULT`` the dicts it made for the statement's ``verb``, ``object``, ``context`` and
``result`` from parts already checked; each is taken as valid when the statement holds that very
value (``_QuickCompiler.MADE``). At ``MADE_WHOLE``, the statements the caller made whole (every
property made by construction, one of those made parts, a valid actor, or found valid by this
module's own walks: ``is_valid_object``, ``is_valid_context``, ``is_valid_result``): a statement
that is one of them (the very dict: an equal copy is walked, as Python's equality is not JSON's,
``False == 0.0``) is valid with that one test; a copy, changed or not, is walked. A trusted or
made dict, a whole statement included, must not be changed once made: the quick walk does not look
into it. All are only shortcuts: when the quick walk says no, the ordered
walk checks everything, trusted and made parts included, and it decides.

Raises:
    InvalidStatement: on the first rule broken, with ``transformer`` = ``transformer_id``,
        ``path`` (e.g. ``context.contextActivities.parent[0].id``) and ``reason``.
"""
