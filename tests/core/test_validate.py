"""
validate_statement: every golden statement passes, and every rule has a failing case whose path and
reason are asserted exactly.
"""
import copy
import glob
import json

import pytest

from openedx_xapi_router.core.errors import InvalidStatement
from openedx_xapi_router.core.validate import validate_statement
from tests.transformers import samples

TRANSFORMER = "test/transformer@1"
STATEMENT_ID = "0b1c9d4e-1f2a-5b3c-8d4e-5f6a7b8c9d0e"
HOME = "http://localhost:18000"


def good_statement():
    """A statement using every part validate_statement checks, all valid."""
    return {
        "id": STATEMENT_ID,
        "actor": {"objectType": "Agent", "account": {"homePage": HOME, "name": "learner-1"}},
        "verb": {"id": "http://adlnet.gov/expapi/verbs/answered", "display": {"en": "answered"}},
        "object": {
            "id": f"{HOME}/xblock/block-v1:edX+DemoX+Demo_Course+type@problem+block@abc",
            "objectType": "Activity",
            "definition": {
                "type": "http://adlnet.gov/expapi/activities/cmi.interaction",
                "name": {"en-US": "Question 1"},
                "description": {"en-US": "What color?"},
                "interactionType": "choice",
                "extensions": {"http://id.tincanapi.com/extension/attempt-id": 1},
            },
        },
        "result": {
            "score": {"scaled": 0.5, "raw": 1, "min": 0, "max": 2.0},
            "success": True,
            "completion": False,
            "response": "blue",
            "duration": "PT03M15S",
            "extensions": {"https://w3id.org/xapi/video/extensions/time": 1.5},
        },
        "context": {
            "contextActivities": {
                "parent": [{
                    "id": f"{HOME}/course/course-v1:edX+DemoX+Demo_Course",
                    "objectType": "Activity",
                    "definition": {"type": "http://adlnet.gov/expapi/activities/course", "name": {"en-US": "Demo"}},
                }],
                "grouping": [{"id": "438AD672-DE2C-4F0B-8876-35444E7DD746", "objectType": "Activity"}],
            },
            "statement": {"objectType": "StatementRef", "id": STATEMENT_ID},
            "extensions": {"https://w3id.org/xapi/openedx/extension/transformer-version": "x@1"},
        },
        "timestamp": "2020-07-14T14:39:26.906232+00:00",
        "version": "1.0.3",
    }


def expected_statements():
    statements = []
    for path in sorted(glob.glob(str(samples.XAPI_DIR / "expected" / "*.json"))):
        with open(path, encoding="utf-8") as file:
            loaded = json.load(file)
        for index, statement in enumerate(loaded if isinstance(loaded, list) else [loaded]):
            statements.append(pytest.param(statement, id=f"{path.rsplit('/', 1)[-1]}[{index}]"))
    return statements


def test_good_statement_is_valid_and_returned_unchanged():
    statement = good_statement()
    assert validate_statement(statement, TRANSFORMER) is statement
    assert statement == good_statement()


@pytest.mark.parametrize("statement", expected_statements() or [pytest.param(None, id="<samples missing>")])
def test_every_golden_expected_statement_validates(statement):
    samples.require_samples()
    if "id" not in statement["object"]:
        # The one reference statement with no object id (problem_check(browser).required.only.data),
        # which we refuse to build: see tests/transformers/samples.py REFUSED.
        with pytest.raises(InvalidStatement):
            validate_statement(statement, TRANSFORMER)
        return
    assert validate_statement(statement, TRANSFORMER) is statement


def test_the_golden_statements_are_all_there():
    samples.require_samples()
    assert len(expected_statements()) == 58


def _set(statement, path, value):
    """Set (or with value DELETE, remove) the item at ``path`` (a list of keys and indexes)."""
    target = statement
    for key in path[:-1]:
        target = target[key]
    if value is DELETE:
        del target[path[-1]]
    else:
        target[path[-1]] = value


DELETE = object()
PARENT = ["context", "contextActivities", "parent", 0]

#: (where to change, new value, expected path, expected reason)
VIOLATIONS = [
    # top level
    (["stored"], "2020-01-01T00:00:00Z", "stored", "unknown statement property"),
    (["id"], DELETE, "id", "is required"),
    (["id"], STATEMENT_ID.upper(), "id", f"must be a lowercase UUID string, got {STATEMENT_ID.upper()!r}"),
    (["id"], "not-a-uuid", "id", "must be a lowercase UUID string, got 'not-a-uuid'"),
    (["actor"], DELETE, "actor", "is required"),
    (["verb"], DELETE, "verb", "is required"),
    (["object"], DELETE, "object", "is required"),
    (["timestamp"], DELETE, "timestamp", "is required"),
    (["version"], DELETE, "version", "is required"),
    (["timestamp"], "2020-07-14T14:39:26", "timestamp",
     "must be an ISO 8601 timestamp with a UTC offset, got '2020-07-14T14:39:26'"),
    (["timestamp"], "2020-07-14 14:39:26+00:00", "timestamp",
     "must be an ISO 8601 timestamp with a UTC offset, got '2020-07-14 14:39:26+00:00'"),
    (["timestamp"], "2020-13-14T14:39:26+00:00", "timestamp",
     "must be an ISO 8601 timestamp with a UTC offset, got '2020-13-14T14:39:26+00:00'"),
    (["timestamp"], 1594737566, "timestamp", "must be an ISO 8601 timestamp with a UTC offset, got 1594737566"),
    (["version"], "2.0.0", "version", "must be '1.0.x', got '2.0.0'"),
    (["version"], 1.0, "version", "must be '1.0.x', got 1.0"),
    # actor
    (["actor"], "learner", "actor", "must be an object, not str"),
    (["actor", "objectType"], "Group", "actor.objectType", "must be 'Agent', got 'Group'"),
    (["actor", "account"], DELETE, "actor", "an Agent needs exactly one inverse functional identifier, found 0"),
    (["actor", "mbox"], "mailto:a@example.org", "actor",
     "an Agent needs exactly one inverse functional identifier, found 2"),
    (["actor", "nickname"], "x", "actor", "unknown property 'nickname'"),
    (["actor", "account", "homePage"], "localhost", "actor.account.homePage",
     "must be an absolute IRI, got 'localhost'"),
    (["actor", "account", "homePage"], DELETE, "actor.account.homePage", "is required"),
    (["actor", "account", "name"], "", "actor.account.name", "must be a non-empty string, got ''"),
    (["actor", "account", "name"], 7, "actor.account.name", "must be a non-empty string, got 7"),
    (["actor", "account", "id"], 7, "actor.account", "unknown property 'id'"),
    (["actor", "name"], ["x"], "actor.name", "must be a string, not list"),
    # verb
    (["verb", "id"], "answered", "verb.id", "must be an absolute IRI, got 'answered'"),
    (["verb", "id"], "http://example.org/has space", "verb.id",
     "must be an absolute IRI, got 'http://example.org/has space'"),
    (["verb", "id"], DELETE, "verb.id", "is required"),
    (["verb", "display"], "answered", "verb.display", "must be an object, not str"),
    (["verb", "display"], {"en": 1}, "verb.display.en", "must be a string, not int"),
    (["verb", "display"], {"en_US": "x"}, "verb.display", "'en_US' is not a language tag"),
    (["verb", "extra"], 1, "verb", "unknown property 'extra'"),
    # object
    (["object", "objectType"], "SubStatement", "object.objectType",
     "must be 'Activity', 'Agent' or 'StatementRef', got 'SubStatement'"),
    (["object", "objectType"], ["Activity"], "object.objectType",
     "must be 'Activity', 'Agent' or 'StatementRef', got ['Activity']"),
    (["object", "id"], "edX+DemoX+type@problem", "object.id", "must be an absolute IRI, got 'edX+DemoX+type@problem'"),
    (["object", "id"], "/xblock/abc", "object.id", "must be an absolute IRI, got '/xblock/abc'"),
    (["object", "id"], None, "object.id", "must be an absolute IRI, got None"),
    (["object", "name"], "x", "object", "unknown property 'name'"),
    (["object", "definition"], [], "object.definition", "must be an object, not list"),
    (["object", "definition", "type"], "cmi.interaction", "object.definition.type",
     "must be an absolute IRI, got 'cmi.interaction'"),
    (["object", "definition", "name"], {"en-US": None}, "object.definition.name.en-US",
     "must be a string, not NoneType"),
    (["object", "definition", "description"], ["x"], "object.definition.description", "must be an object, not list"),
    (["object", "definition", "extensions"], {"attempt-id": 1}, "object.definition.extensions",
     "key 'attempt-id' is not an absolute IRI"),
    (["object", "definition", "interactionType"], "multiple-choice", "object.definition.interactionType",
     "not an xAPI interaction type: 'multiple-choice'"),
    (["object", "definition", "correctResponsesPattern"], "a", "object.definition.correctResponsesPattern",
     "must be a list of strings"),
    (["object", "definition", "correctResponsesPattern"], ["a", 2], "object.definition.correctResponsesPattern[1]",
     "must be a string, not int"),
    (["object", "definition", "choices"], [{"id": 1}], "object.definition.choices[0].id", "must be a string"),
    (["object", "definition", "moreInfo"], "nope", "object.definition.moreInfo", "must be an absolute IRI, got 'nope'"),
    (["object", "definition", "title"], "x", "object.definition", "unknown property 'title'"),
    # result
    (["result"], [], "result", "must be an object, not list"),
    (["result", "score", "scaled"], 1.5, "result.score.scaled", "must be between -1 and 1, got 1.5"),
    (["result", "score", "scaled"], -1.01, "result.score.scaled", "must be between -1 and 1, got -1.01"),
    (["result", "score", "scaled"], True, "result.score.scaled", "must be a finite number, got True"),
    (["result", "score", "raw"], float("nan"), "result.score.raw", "must be a finite number, got nan"),
    (["result", "score", "raw"], "1", "result.score.raw", "must be a finite number, got '1'"),
    (["result", "score", "raw"], 3, "result.score.raw", "raw 3 is greater than max 2.0"),
    (["result", "score", "raw"], -1, "result.score.raw", "raw -1 is less than min 0"),
    (["result", "score", "min"], 5, "result.score.min", "min 5 is greater than max 2.0"),
    (["result", "score", "weight"], 1, "result.score", "unknown property 'weight'"),
    (["result", "success"], "true", "result.success", "must be true or false, not str"),
    (["result", "completion"], 1, "result.completion", "must be true or false, not int"),
    (["result", "response"], ["blue"], "result.response", "must be a string, not list"),
    (["result", "duration"], "195", "result.duration", "must be an ISO 8601 duration, got '195'"),
    (["result", "duration"], "PT", "result.duration", "must be an ISO 8601 duration, got 'PT'"),
    (["result", "duration"], "P", "result.duration", "must be an ISO 8601 duration, got 'P'"),
    (["result", "extensions"], {"time": 1}, "result.extensions", "key 'time' is not an absolute IRI"),
    (["result", "grade"], "A", "result", "unknown property 'grade'"),
    # context
    (["context", "course"], "x", "context", "unknown property 'course'"),
    (["context", "contextActivities", "parent"], {"id": HOME}, "context.contextActivities.parent",
     "must be a list of Activities, not dict"),
    (["context", "contextActivities", "siblings"], [], "context.contextActivities", "unknown property 'siblings'"),
    (PARENT + ["id"], "course/course-v1:edX+DemoX", "context.contextActivities.parent[0].id",
     "must be an absolute IRI, got 'course/course-v1:edX+DemoX'"),
    (PARENT + ["id"], DELETE, "context.contextActivities.parent[0].id", "is required"),
    (PARENT + ["objectType"], "Agent", "context.contextActivities.parent[0].objectType",
     "must be 'Activity', got 'Agent'"),
    (PARENT + ["definition", "type"], "course", "context.contextActivities.parent[0].definition.type",
     "must be an absolute IRI, got 'course'"),
    (["context", "contextActivities", "grouping", 0, "id"], "438AD672", "context.contextActivities.grouping[0].id",
     "must be an absolute IRI, got '438AD672'"),
    (["context", "extensions"], {"session-id": "x"}, "context.extensions", "key 'session-id' is not an absolute IRI"),
    (["context", "extensions"], "x", "context.extensions", "must be an object, not str"),
    (["context", "statement", "objectType"], "Statement", "context.statement.objectType",
     "must be 'StatementRef', got 'Statement'"),
    (["context", "statement", "id"], "abc", "context.statement.id", "must be a lowercase UUID string, got 'abc'"),
    (["context", "registration"], "abc", "context.registration", "must be a lowercase UUID string, got 'abc'"),
    (["context", "team"], {"objectType": "Group"}, "context.team", "a Group team is not sent by this package"),
    (["context", "language"], "english language", "context.language", "not a language tag: 'english language'"),
    (["context", "platform"], 1, "context.platform", "must be a string, not int"),
    # lone surrogates: orjson cannot write them, so the check refuses them (the old checker let these by)
    (["object", "id"], HOME + "/xblock/\ud800", "object.id",
     "must be an absolute IRI, got " + repr(HOME + "/xblock/\ud800")),
    (["actor", "account", "name"], "\udfff", "actor.account.name", "must be a non-empty string, got '\\udfff'"),
    (["object", "definition", "choices"], [{"id": "\ud800"}], "object.definition.choices[0].id",
     "holds a lone surrogate (not Unicode text)"),
    (["context", "extensions"], {"http://example.org/\ud800": 1}, "context.extensions",
     "key 'http://example.org/\\ud800' is not an absolute IRI"),
]


@pytest.mark.parametrize(
    "where,value,path,reason", VIOLATIONS, ids=[f"{'.'.join(map(str, v[0]))}={v[1]!r:.30}" for v in VIOLATIONS]
)
def test_each_rule_names_its_path_and_reason(where, value, path, reason):
    statement = good_statement()
    _set(statement, where, value)
    with pytest.raises(InvalidStatement) as raised:
        validate_statement(statement, TRANSFORMER)
    assert (raised.value.transformer, raised.value.path, raised.value.reason) == (TRANSFORMER, path, reason)
    assert str(raised.value) == f"{TRANSFORMER} built an invalid statement: {path}: {reason}"


def test_a_statement_that_is_not_a_dict():
    with pytest.raises(InvalidStatement) as raised:
        validate_statement(["x"], TRANSFORMER)
    assert (raised.value.path, raised.value.reason) == ("statement", "must be an object, not list")


@pytest.mark.parametrize("actor", [
    {"objectType": "Agent", "mbox": "mailto:learner@example.org"},
    {"mbox_sha1sum": "a" * 40},
    {"objectType": "Agent", "openid": "https://openid.example.org/learner"},
    {"objectType": "Agent", "name": "Ünïcödé", "account": {"homePage": HOME, "name": "learner-1"}},
])
def test_other_agent_identifiers_are_valid(actor):
    statement = good_statement()
    statement["actor"] = actor
    assert validate_statement(statement, TRANSFORMER) is statement


@pytest.mark.parametrize("key,value,path,reason", [
    ("mbox", "learner@example.org", "actor.mbox", "must be 'mailto:' and an email address, got 'learner@example.org'"),
    ("mbox_sha1sum", "a" * 39, "actor.mbox_sha1sum", f"must be 40 hexadecimal digits, got {'a' * 39!r}"),
    ("openid", "not an iri", "actor.openid", "must be an absolute IRI, got 'not an iri'"),
])
def test_bad_agent_identifiers(key, value, path, reason):
    statement = good_statement()
    statement["actor"] = {"objectType": "Agent", key: value}
    with pytest.raises(InvalidStatement) as raised:
        validate_statement(statement, TRANSFORMER)
    assert (raised.value.path, raised.value.reason) == (path, reason)


def test_tolerances_for_erb_parity():
    """A GroupActivity and a bare-UUID activity id: shapes ERB sends, sites hold and Ralph accepts."""
    statement = good_statement()
    statement["object"]["objectType"] = "GroupActivity"
    statement["context"]["contextActivities"]["parent"][0]["objectType"] = "GroupActivity"
    statement["context"]["contextActivities"]["parent"][0]["id"] = "438AD672-DE2C-4F0B-8876-35444E7DD746"
    assert validate_statement(statement, TRANSFORMER) is statement


def test_an_activity_object_without_id_is_refused():
    """ERB sends one (a browser problem_check naming no problem); an LRS refuses it (Ralph: 422)."""
    statement = good_statement()
    del statement["object"]["id"]
    with pytest.raises(InvalidStatement) as error:
        validate_statement(statement, TRANSFORMER)
    assert (error.value.path, error.value.reason) == ("object.id", "is required")


def test_optional_parts_may_be_absent():
    statement = good_statement()
    for key in ("result", "context"):
        del statement[key]
    del statement["object"]["definition"]
    del statement["verb"]["display"]
    assert validate_statement(statement, TRANSFORMER) is statement


def test_statement_ref_and_agent_objects():
    statement = good_statement()
    statement["object"] = {"objectType": "StatementRef", "id": STATEMENT_ID}
    assert validate_statement(statement, TRANSFORMER) is statement
    statement["object"] = {"objectType": "Agent", "mbox": "mailto:a@example.org"}
    assert validate_statement(statement, TRANSFORMER) is statement


def test_validation_does_not_change_the_statement():
    statement = good_statement()
    before = copy.deepcopy(statement)
    validate_statement(statement, TRANSFORMER)
    assert statement == before


def test_the_iri_rule_spells_out_every_whitespace_character():
    """
    ``_IRI_RE`` lists ``\\s``'s characters in a plain set (a table lookup per character): the set must
    hold every code point ``\\s`` matches, and the rule must still give ``\\s``'s verdicts, a trailing
    newline included (``$`` matches before one).
    """
    import re  # pylint: disable=import-outside-toplevel
    import sys  # pylint: disable=import-outside-toplevel
    from openedx_xapi_router.core.validate import _IRI_RE, _WHITESPACE  # pylint: disable=import-outside-toplevel

    spaces = "".join(chr(code) for code in range(sys.maxunicode + 1) if re.match(r"\s", chr(code)))
    assert _WHITESPACE == spaces and len(spaces) == 29
    reference = re.compile(r'^[A-Za-z][A-Za-z0-9+.\-]*:[^\s<>"{}|\\^`]+$')
    for space in spaces + "<>\"{}|\\^`":
        assert _IRI_RE.match(f"https://lms.example.org/x{space}y") is None, repr(space)
        for value in (f"https://lms.example.org/x{space}", f"a:{space}"):  # "\n" last: taken, by both
            assert (_IRI_RE.match(value) is None) is (reference.match(value) is None), repr(value)
    for value in ("https://lms.example.org/xblock/block-v1:a+b+c+type@video+block@v", "urn:uuid:1\n", "a:b", "1a:b"):
        assert (_IRI_RE.match(value) is None) is (reference.match(value) is None), repr(value)
