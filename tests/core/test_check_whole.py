"""
Statements made whole, and the parts they are made of, give the verdicts of the full check (issue #19).

The shortcuts here: a vocabulary ``Verb``'s own statement dict, checked once (``Verb.valid``); an
``Actor`` checked once when made (``Actor.valid``); results whose score :func:`score` made in range
(``MADE_RESULT``); ``problem_check``'s objects and children from a skeleton checked at import; and a
statement all of whose parts are made or found valid by the check's own part walks, taken whole
(``MADE_WHOLE``). Each must take only what the ordered walk accepts, and a part broken in the event,
or replaced in a copy of the statement, must still be refused, with the path it was refused at before.
"""
import copy
import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from openedx_xapi_router.core import vocab
from openedx_xapi_router.core.context import Actor, TransformContext
from openedx_xapi_router.core.errors import InvalidStatement
from openedx_xapi_router.core.event import normalize
from openedx_xapi_router.core.validate import AGENT, CONTEXT, MADE_CONTEXT, MADE_OBJECT, MADE_RESULT, MADE_WHOLE
from openedx_xapi_router.core.validate import RESULT, SCORE, VERB
from openedx_xapi_router.core.validate import STATEMENT_OBJECT
from openedx_xapi_router.core.validate import _quick_statement, check_statement, is_valid_agent, is_valid_context
from openedx_xapi_router.core.validate import is_valid_object, is_valid_result
from openedx_xapi_router.core.registry import default_registry
from openedx_xapi_router.transformers.base import VOCABULARY_EXTENSION_KEYS, XapiTransformer
from openedx_xapi_router.transformers.grading import made_score, score
from tests.core.test_check_shortcuts import CORPORA, CTX, MADE, POOL, _Block, mutate
from tests.core.test_event import live_event
from tests.transformers import samples
from tests.transformers.test_problem import PC_SERVER_MULTI_EVENT
from tests.transformers.test_problem_browser import PROBLEM_GRADED


def _whole(made):
    return made[MADE_WHOLE]


def test_every_corpus_statement_is_made_whole_and_passes_the_ordered_walk():
    """The transformers make only valid statements from the corpora (clean and dirty): each is taken whole."""
    samples.require_shared(samples.SHARED_DIR / "corpus" / CORPORA[0], "the shared corpus")
    statements = [(statement, made) for name in CORPORA for statement, _, made in MADE[name]]
    whole = [statement for statement, made in statements if any(statement is item for item in _whole(made))]
    assert len(whole) == len(statements)
    for statement in whole:
        assert check_statement(statement) is None


def test_a_copy_of_a_whole_statement_with_a_part_changed_is_walked_and_refused():
    """
    A copy of a whole statement is taken as whole while it equals it; with a property replaced, added
    or removed it is walked (the very statement made whole is, like every made dict, never changed).
    """
    samples.require_shared(samples.SHARED_DIR / "corpus" / CORPORA[0], "the shared corpus")
    statement, trusted, made = next(item for item in MADE[CORPORA[0]] if item[0] in _whole(item[2]))
    assert _quick_statement(statement, trusted, made) is True
    for change, path in (
        (lambda s: s.__setitem__("verb", {"id": "not an iri"}), "verb.id"),
        (lambda s: s.__setitem__("object", {**s["object"], "id": "not an iri"}), "object.id"),
        (lambda s: s.__setitem__("extra", 1), "extra"),
        (lambda s: s.__delitem__("timestamp"), "timestamp"),
        (lambda s: s.__setitem__("actor", {"objectType": "Agent"}), "actor"),
    ):
        changed = dict(statement)  # the same parts, a new dict: equal to the whole one until changed
        assert _quick_statement(changed, trusted, made) is True
        change(changed)
        assert _quick_statement(changed, trusted, made) is False
        assert check_statement(changed)[0] == path


def test_a_vocabulary_verb_is_checked_once_and_shares_its_dict():
    assert vocab.PLAYED.valid and vocab.PLAYED.statement_dict == vocab.PLAYED.as_dict()
    assert vocab.PLAYED.statement_dict is not vocab.PLAYED.as_dict()
    for verb in (vocab.Verb("not an iri", "x"), vocab.Verb("http://example.org/v", "\ud800")):
        assert not verb.valid
        assert VERB.explain(verb.statement_dict) is not None


def test_an_actor_is_checked_when_made():
    assert Actor.account("https://courses.example.org", "someone").valid
    for actor in (Actor.account("https://courses.example.org", ""), Actor.account("not an iri", "someone"),
                  Actor({"objectType": "Agent"}, "{}"), Actor("not a dict", "{}")):
        assert not actor.valid
        assert not is_valid_agent(actor.statement_dict)
        if isinstance(actor.statement_dict, dict):
            assert AGENT.explain(actor.statement_dict) is not None


def test_a_statement_of_an_invalid_actor_is_not_whole_and_is_refused_as_before():
    ctx = TransformContext("https://courses.example.org", lambda user, username=None: Actor.account(
        "https://courses.example.org", ""), lambda course_id: "Demonstration Course")
    event = normalize({**PC_SERVER_MULTI_EVENT, "time": "2025-03-01T10:00:00+00:00", "event_source": "server",
                       "event_type": "problem_check"})
    transformer = default_registry().get("problem_check", {})(event, ctx)
    statements = transformer.statements()
    assert not _whole(transformer.made)
    with pytest.raises(InvalidStatement) as refused:
        transformer.validate(statements[0])
    assert refused.value.path == "actor.account.name"


NUMBERS = st.one_of(st.none(), st.integers(min_value=-10**6, max_value=10**6),
                    st.floats(allow_nan=True, allow_infinity=True), st.sampled_from([0, 1, -1, 1e308, -1e308]))


@settings(max_examples=2000, derandomize=True, deadline=None)
@given(NUMBERS, NUMBERS, NUMBERS)
def test_a_made_score_passes_the_score_rules(raw, maximum, scaled):
    """Whatever :func:`score` is given, a score :func:`made_score` takes as made is valid."""
    made = score(raw, maximum, scaled)
    if made_score(made):
        assert SCORE.explain(made) is None, made
    if raw is not None and maximum is not None and scaled is not None and \
            all(math.isfinite(value) for value in (raw, maximum, scaled)) and max(abs(raw), abs(maximum)) < 1e300:
        assert made_score(made)


def _problem_check(**submission_changes):
    event = copy.deepcopy(PC_SERVER_MULTI_EVENT)
    for question, (key, value) in submission_changes.items():
        event["event"]["submission"][question][key] = value
    event = normalize({**event, "time": "2025-03-01T10:00:00+00:00", "event_source": "server",
                       "event_type": "problem_check"})
    return default_registry().get("problem_check", {})(event, CTX)


def test_problem_check_statements_are_made_whole():
    transformer = _problem_check()
    statements = transformer.statements()
    assert len(statements) == 4
    assert all(statement in _whole(transformer.made) for statement in statements)
    for statement in statements:
        assert check_statement(statement) is None
        transformer.validate(statement)


QUESTION = "7c7b08c1663e7cb16535b254a02c24f4_2_1"


@pytest.mark.parametrize("key, value, path", [
    ("question", "\ud800", "object.definition.description.en-US"),
    ("answer", "\ud800", "result.response"),
])
def test_a_bad_text_in_a_question_makes_nothing_and_is_refused_as_before(key, value, path):
    """The statements holding the bad text (the question's own, and the parent's when it describes it) are refused."""
    transformer = _problem_check(**{QUESTION: (key, value)})
    statements = transformer.statements()
    refused = {}
    for statement in statements:
        failure = check_statement(statement)
        if failure is None:
            transformer.validate(statement)
            continue
        assert statement not in _whole(transformer.made)
        with pytest.raises(InvalidStatement) as error:
            transformer.validate(statement)
        assert (error.value.path, error.value.reason) == failure
        refused[failure[0]] = statement
    assert path in refused


def _transformer(raw, ctx=CTX):
    event = normalize(raw)
    return default_registry().get(event.name, {})(event, ctx)


@pytest.mark.parametrize("answers, whole", [("input_1324b5467175f904c69b1a1a79afcd3f_2_1=na2", True),
                                            ("input_1324b5467175f904c69b1a1a79afcd3f_2_1=\ud800", False)])
def test_a_graded_browser_problem_is_whole_unless_its_response_is_bad(answers, whole):
    transformer = _transformer(PROBLEM_GRADED)
    # the payload as read, set directly: the event forms the tests build cannot carry a lone surrogate there
    transformer.__dict__["payload"] = (answers, PROBLEM_GRADED["event"][1])
    [statement] = transformer.statements()
    assert (statement in _whole(transformer.made)) is whole
    if whole:
        transformer.validate(statement)
    else:
        with pytest.raises(InvalidStatement) as refused:
            transformer.validate(statement)
        assert refused.value.path == "result.response"


def test_a_context_not_made_still_lists_its_trusted_course_activity():
    """A subclass's extra context keys end the made context; its course activity is then listed as trusted."""
    cls = type("Extra", (_Block,), {"get_context_extra": lambda self: {"revision": "r1"}})
    transformer = cls(normalize(live_event(name="test.made")), CTX)
    [statement] = transformer.statements()
    [activity] = statement["context"]["contextActivities"]["parent"]
    assert statement["context"] is not transformer.made[MADE_CONTEXT]
    assert id(activity) in transformer.trusted_parts
    transformer.validate(statement)


def test_a_course_activity_is_made_once_per_course_when_the_context_keeps_a_memo():
    """With a ``course_memo`` every statement of a course holds its one checked activity; without, a fresh one."""
    cls = type("Extra", (_Block,), {"get_context_extra": lambda self: {"revision": "r1"}})
    memo_less = TransformContext("https://courses.example.org", CTX.actor_resolver, lambda course_id: "A course")
    assert memo_less.course_memo is None
    for ctx, shared in ((CTX, True), (memo_less, False)):
        transformers = [cls(normalize(live_event(name="test.made")), ctx) for _ in range(2)]
        activities = [transformer.statements()[0]["context"]["contextActivities"]["parent"][0]
                      for transformer in transformers]
        assert (activities[0] is activities[1]) is shared and activities[0] == activities[1]
        for transformer, activity in zip(transformers, activities, strict=True):
            assert id(activity) in transformer.trusted_parts


# --- the part walks take_whole runs give the ordered walk's verdicts ---------------------------------

PART_RULES = (("actor", AGENT, is_valid_agent), ("object", STATEMENT_OBJECT, is_valid_object),
              ("result", RESULT, is_valid_result), ("context", CONTEXT, is_valid_context))


def test_the_part_walks_agree_with_the_ordered_walk_on_every_corpus_part():
    samples.require_shared(samples.SHARED_DIR / "corpus" / CORPORA[0], "the shared corpus")
    for name in CORPORA:
        for statement, _, _ in MADE[name]:
            for key, rule, walk in PART_RULES:
                if key in statement:
                    assert walk(statement[key]) is (rule.explain(statement[key]) is None) is True


@settings(max_examples=3000, derandomize=True, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.data())
def test_the_part_walks_agree_with_the_ordered_walk_on_mutated_parts(data):
    samples.require_shared(samples.SHARED_DIR / "corpus" / CORPORA[0], "the shared corpus")
    statement = data.draw(st.sampled_from(POOL))[0]
    key, rule, walk = data.draw(st.sampled_from([part for part in PART_RULES if part[0] in statement]))
    part = copy.deepcopy(statement[key])
    mutate(data, part, ["extra", "id", "name", "en", "objectType", "score", "raw"])
    assert walk(part) is (rule.explain(part) is None)


class _Vocabulary(XapiTransformer):
    """A statement whose object has definition extensions and whose result is flags and extensions."""

    event_names = ("test.vocabulary",)
    family = "test"
    erb = False
    verb = vocab.PLAYED
    extension_key = vocab.Extension.TOTAL_ITEMS
    completion = True

    def get_object(self):
        return self.activity("https://courses.example.org/xblock/block-v1:edX+DemoX+Demo_Course+type@video+block@v",
                             vocab.ActivityType.VIDEO, {self.extension_key: 3})

    def get_result(self):
        return self.vocabulary_result({self.extension_key: 1.5}, completion=self.completion)


def _vocabulary_statement(**attributes):
    transformer = type("_Case", (_Vocabulary,), attributes)(normalize(live_event()), CTX)
    [statement] = transformer.statements()
    return transformer, statement


def test_vocabulary_extensions_make_the_object_and_the_result():
    """Definition and result extensions whose keys are vocabulary IRIs, and a bool flag: both parts made."""
    transformer, statement = _vocabulary_statement()
    assert transformer.made[MADE_OBJECT] is statement["object"]
    assert transformer.made[MADE_RESULT] is statement["result"]
    assert statement["result"] == {"completion": True, "extensions": {vocab.Extension.TOTAL_ITEMS: 1.5}}
    assert _whole(transformer.made) == (statement,)
    transformer.validate(statement)


@pytest.mark.parametrize("attributes, path", [
    ({"extension_key": "total items"}, "object.definition.extensions"),
    ({"completion": "yes"}, "result.completion"),
])
def test_a_key_outside_the_vocabulary_or_a_flag_not_a_bool_makes_nothing_and_is_refused(attributes, path):
    """A key that is not a vocabulary IRI (here not an IRI at all) or a completion not a bool: not made, refused."""
    transformer, statement = _vocabulary_statement(**attributes)
    assert (transformer.made[MADE_OBJECT] is statement["object"]) is ("extension_key" not in attributes)
    assert transformer.made[MADE_RESULT] is not statement["result"]
    assert _whole(transformer.made) == ()
    with pytest.raises(InvalidStatement) as refused:
        transformer.validate(statement)
    assert path in str(refused.value)


def test_every_vocabulary_extension_key_is_an_iri():
    """VOCABULARY_EXTENSION_KEYS holds every Extension constant (all IRIs), so no key is left out silently."""
    constants = {value for name, value in vars(vocab.Extension).items() if not name.startswith("_")}
    assert VOCABULARY_EXTENSION_KEYS == constants
    assert len(constants) == len([name for name in vars(vocab.Extension) if not name.startswith("_")])


def test_a_copy_equal_to_a_whole_statement_in_python_but_not_in_json_is_walked_and_refused():
    """
    ``False == 0 == 0.0`` in Python: a copy of a graded statement whose score ``min`` is ``false``
    compares equal to the made one, but is not valid xAPI (a score's bounds are numbers). The whole
    statement is taken by identity only, so the copy is walked and refused (hypothesis found it).
    """
    samples.require_shared(samples.SHARED_DIR / "corpus" / CORPORA[0], "the shared corpus")
    statement, trusted, made = next(item for item in POOL if item[0].get("result", {}).get("score", {}).get("min") == 0)
    assert _whole(made) and statement in _whole(made)
    mutated = copy.deepcopy(statement)
    mutated["result"]["score"]["min"] = False
    assert mutated == statement
    assert _quick_statement(mutated, trusted, made) is False
    assert check_statement(mutated) == ("result.score.min", "must be a finite number, got False")
