"""
The statement check's shortcuts give the verdicts of the full check (issue #19).

The transformers pass the check what they made by construction (``XapiTransformer.made``:
a ``datetime.isoformat()`` timestamp, the statements made whole, and the verb,
object and context dicts made from parts already checked), and the quick walk keeps copies of the
verbs and objects it found valid (``_ValueMemo``) to take an equal value without walking it. Here,
over every statement the shared clean and dirty corpora give (made by the transformers themselves,
with their own ``made_*`` values) and over hypothesis mutations of them, the quick walk with every
shortcut must say what the ordered walk (``check_statement``, no shortcut) says; what the shortcuts
take as made must pass the rules whatever it was made from; and a bad part is not made.
"""
import copy
from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from openedx_xapi_router.core import ids, vocab
from openedx_xapi_router.core.context import TransformContext
from openedx_xapi_router.core.errors import InvalidStatement, LineRejected, XapiRouterError
from openedx_xapi_router.core.event import normalize
from openedx_xapi_router.core.reader import read_event, read_lines
from openedx_xapi_router.core.registry import default_registry
from openedx_xapi_router.core.validate import MADE_CONTEXT, MADE_OBJECT, MADE_TIME, MADE_VERB, NOTHING_MADE
from openedx_xapi_router.core.validate import TIMESTAMP, UUID, check_statement, validate_statement
from openedx_xapi_router.core.validate import _quick_statement
from openedx_xapi_router.transformers.base import XapiTransformer
from tests.core.test_event import live_event
from tests.transformers import samples

CORPORA = ("clean-10k.log", "dirty-10k.log")
CTX = TransformContext.from_maps("https://courses.example.org", actor_secret="shortcuts",
                                 course_name_map={"*": "Demonstration Course"})


def _made(name):
    """``(statement, trusted, made)`` of every statement the transformers make from corpus ``name``."""
    path = samples.SHARED_DIR / "corpus" / name
    if not path.exists():
        return []
    registry, found = default_registry(), []
    with open(path, "rb") as handle:
        for _, raw in read_lines(handle, name):
            try:
                event, _ = read_event(raw)
                transformer = registry.get(event.name, CTX.transformer_versions)(event, CTX)
                statements = transformer.statements()
            except (LineRejected, XapiRouterError):
                continue
            found += [(statement, transformer.trusted_parts, transformer.made)
                      for statement in statements]
    return found


MADE = {name: _made(name) for name in CORPORA}
POOL = [item for name in CORPORA for item in MADE[name][:400]]


def quick_verdict(statement, trusted, made):
    """The quick walk with every shortcut, twice (the second time the memo holds what the first found valid)."""
    verdicts = [_quick_statement(statement, trusted, made) for _ in range(2)]
    assert verdicts[0] is verdicts[1]
    return verdicts[0]


def test_the_inputs_are_there():
    for name in CORPORA:
        samples.require_shared(samples.SHARED_DIR / "corpus" / name, f"the shared corpus {name}")
    assert {name: len(MADE[name]) for name in CORPORA} == {"clean-10k.log": 9910, "dirty-10k.log": 9481}
    # Every statement's timestamp is the one its transformer made (so the shortcut is exercised).
    assert all(statement["timestamp"] is made[MADE_TIME] for name in CORPORA for statement, _, made in MADE[name])
    # Most verbs and contexts, and the block objects, are made dicts (so that shortcut is exercised too).
    statements = [(statement, made) for name in CORPORA for statement, _, made in MADE[name]]
    for key, place, share in (("verb", MADE_VERB, 0.9), ("context", MADE_CONTEXT, 0.6), ("object", MADE_OBJECT, 0.2)):
        assert sum(statement.get(key) is made[place] for statement, made in statements) > share * len(statements), key


@pytest.mark.parametrize("name", CORPORA)
def test_every_corpus_statement_gets_the_full_checks_verdict(name):
    samples.require_shared(samples.SHARED_DIR / "corpus" / name, f"the shared corpus {name}")
    for statement, trusted, made in MADE[name]:
        assert check_statement(statement) is None
        assert quick_verdict(statement, trusted, made) is True
        validate_statement(statement, "t", trusted, made)


def mutate(data, value, added_keys):
    """
    Change ``value`` (a statement or a part of one, changed in place) one to three times, as
    ``data`` (hypothesis) draws: a value somewhere in it replaced by junk, deleted, or a key of
    ``added_keys`` added to a dict with a junk value.
    """
    for _ in range(data.draw(st.integers(min_value=1, max_value=3))):
        places = list(_places(value))
        if not places:
            return
        path, key = data.draw(st.sampled_from(places))
        container = value
        for step in path:
            container = container[step]
        kind = data.draw(st.sampled_from(["replace", "replace", "delete", "add"]))
        if kind == "delete":
            del container[key]
        elif kind == "add" and isinstance(container, dict):
            container[data.draw(st.sampled_from(added_keys))] = copy.deepcopy(data.draw(JUNK))
        else:
            container[key] = copy.deepcopy(data.draw(JUNK))


def _places(value, prefix=()):
    if isinstance(value, dict):
        for key, item in value.items():
            yield prefix, key
            yield from _places(item, prefix + (key,))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield prefix, index
            yield from _places(item, prefix + (index,))


JUNK = st.one_of(
    st.sampled_from([None, True, False, 0, 1, 1.0, -1, float("nan"), 2 ** 70, "", "x", "not an iri", "\ud800",
                     "http://example.org/\udfff", "1.0.3", "1.0", "2.0.0", "2020-07-14T14:39:26+00:00",
                     "2020-02-30T14:39:26+00:00", "438AD672-DE2C-4F0B-8876-35444E7DD746",
                     "9a1bc2d1-0000-5000-8000-000000000000", "Activity", "GroupActivity", "Agent", "en", "en-US",
                     "http://adlnet.gov/expapi/verbs/attempted", [], {}, ["x"], {"en": "x"}, {"en": 1},
                     {"id": "http://example.org/a"}, {"id": "http://adlnet.gov/expapi/verbs/attempted"}]),
    st.text(max_size=4),
)


@settings(max_examples=3000, derandomize=True, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.data())
def test_mutated_statements_get_the_full_checks_verdict(data):
    """
    A deep copy keeps the made strings (the same objects: strings are immutable), so an untouched id
    or timestamp is still taken as made; a replaced one is tested. Its dicts are new ones, not the
    made verb, object or context: they are walked (a made dict is taken only as the very dict made).
    The copy is checked after the original, so the memo holds the original's verb and object: a
    mutated one must not pass for it.
    """
    samples.require_shared(samples.SHARED_DIR / "corpus" / CORPORA[0], "the shared corpus")
    original, trusted, made = data.draw(st.sampled_from(POOL))
    assert quick_verdict(original, trusted, made) is True
    statement = copy.deepcopy(original)  # new dicts: nothing of the copy is a trusted part
    mutate(data, statement, ["extra", "id", "display", "name", "en", "objectType"])
    assert quick_verdict(statement, trusted, made) is (check_statement(statement) is None)


def test_a_memoised_verb_or_object_changed_in_place_is_walked_again():
    """The memo keeps copies: changing the very dict it found valid does not make the change valid."""
    samples.require_shared(samples.SHARED_DIR / "corpus" / CORPORA[0], "the shared corpus")
    statement, trusted, _ = copy.deepcopy(POOL[0])
    made = NOTHING_MADE  # nothing made: the verb and object go through the memo
    assert quick_verdict(statement, trusted, made) is True
    statement["verb"]["display"]["en"] = "\ud800"
    assert quick_verdict(statement, trusted, made) is False
    assert check_statement(statement) == ("verb.display.en", "holds a lone surrogate (not Unicode text)")
    statement["verb"]["display"]["en"] = "attempted"
    statement["object"]["objectType"] = "Agent"
    assert quick_verdict(statement, trusted, made) is False
    assert check_statement(statement) is not None


@settings(max_examples=500, derandomize=True, deadline=None)
@given(st.text(), st.text(), st.datetimes(timezones=st.builds(
    lambda minutes: timezone(timedelta(minutes=minutes)), st.integers(min_value=-1439, max_value=1439))))
def test_what_the_shortcuts_take_as_made_passes_the_rules(verb_json, actor_json, moment):
    """Any statement id ``core/ids.py`` makes is a lowercase UUID; any aware ``isoformat()`` a timestamp."""
    made_id = ids.statement_id(verb_json, actor_json, moment.isoformat())
    assert UUID.ok(made_id), made_id
    assert TIMESTAMP.ok(moment.isoformat()), moment.isoformat()
    assert isinstance(moment, datetime)


# --- what the base transformer takes as made -----------------------------------------------------

class _Block(XapiTransformer):
    """A block statement: the base's verb, block object and context, each made unless a part is bad."""

    event_names = ("test.made",)
    family = "test"
    erb = False
    verb = vocab.VIEWED
    block = "block-v1:edX+DemoX+Demo_Course+type@html+block@intro"
    activity_type = vocab.ActivityType.RESOURCE
    extra = {}

    def get_object(self):
        return self.block_activity(self.block, self.activity_type)

    def extra_context_extensions(self):
        return self.extra


def _made_and_refused(**declaration):
    """``(made parts the statement holds, InvalidStatement path or None)`` for a ``_Block`` with ``declaration``."""
    cls = type("Made", (_Block,), declaration)
    transformer = cls(normalize(live_event(name="test.made")), CTX)
    [statement] = transformer.statements()
    made = {key for key, place in (("verb", MADE_VERB), ("object", MADE_OBJECT), ("context", MADE_CONTEXT))
            if statement[key] is transformer.made[place]}
    try:
        transformer.validate(statement)
    except InvalidStatement as refused:
        return made, refused.path
    return made, None


def test_the_base_makes_its_verb_block_object_and_context_from_checked_parts():
    assert _made_and_refused() == ({"verb", "object", "context"}, None)
    assert _made_and_refused(extra={vocab.Extension.SESSION_ID: 1}) == ({"verb", "object", "context"}, None)


@pytest.mark.parametrize("declaration, unmade, path", [
    ({"verb": vocab.Verb("not an iri", "viewed")}, "verb", "verb.id"),
    ({"verb": vocab.Verb("http://example.org/v", "\ud800")}, "verb", "verb.display.en"),
    ({"block": "a block with spaces"}, "object", "object.id"),
    ({"activity_type": "not a type"}, "object", "object.definition.type"),
    ({"extra": {"not an iri": 1}}, "context", "context.extensions"),
])
def test_a_bad_part_makes_nothing_and_the_statement_is_refused_as_before(declaration, unmade, path):
    made, refused = _made_and_refused(**declaration)
    assert unmade not in made and refused == path
