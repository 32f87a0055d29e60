"""
The validator's two walks agree, and agree with the checker it replaced.

:mod:`openedx_xapi_router.core.validate` writes the xAPI rules once (a table of shapes) and reads
the table two ways: the quick walk compiled from it (``is_valid_statement``, what runs per
statement) and the ordered walk that names the first broken rule (``check_statement``). Here every
statement the shared corpora and samples give, and hypothesis mutations of them (wrong types,
missing and unknown keys, bad IRIs, out-of-range and huge numbers, lone surrogates), must get:

- the same verdict from both walks, and from ``validate_statement`` the ordered walk's path and
  reason (whichever walk ran first);
- the same verdict, path and reason as the checker this module held before the table
  (``tests/core/legacy_validate.py``, kept as the oracle), except where the table is deliberately
  stricter: a string holding a lone surrogate (in an IRI, an account name, an mbox, an interaction
  component id) is refused, since orjson cannot write it;
- for a statement found valid whose mutation did not land in extension values (not checked), a
  successful ``orjson.dumps``: what passes serialises (``is_number``'s -2**63 .. 2**64-1 is orjson's).

Inputs: ``shared/corpus/{clean,dirty}-10k.log`` through ``transform_lines`` (the CLI's path), and
``shared/xapi/expected/*.json``, event-routing-backends' reference statements (openedx/event-routing-
backends ``event_routing_backends/processors/xapi/tests/fixtures/expected``, as copied into
``shared/xapi``, see its README), plus our statements for ``shared/xapi/events``.
"""
import copy
import json
import re

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from openedx_xapi_router.core.context import TransformContext
from openedx_xapi_router.core.errors import InvalidStatement, XapiRouterError
from openedx_xapi_router.core.pipeline import transform_event, transform_lines
from openedx_xapi_router.core.reader import read_lines
from openedx_xapi_router.core.report import Report
from openedx_xapi_router.core import validate as validate_quick
from openedx_xapi_router.core.validate import (
    INT_MAX,
    INT_MIN,
    QUICK_SOURCE,
    check_statement,
    is_number,
    is_valid_statement,
    validate_statement,
)
from tests.core import legacy_validate
from tests.transformers import samples

CORPORA = ("clean-10k.log", "dirty-10k.log")
CTX = TransformContext.from_maps("https://courses.example.org", actor_secret="agreement",
                                 course_name_map={"*": "Demonstration Course"})
LONE_SURROGATE = "holds a lone surrogate (not Unicode text)"


def _corpus_statements(name):
    path = samples.SHARED_DIR / "corpus" / name
    if not path.exists():
        return []
    report = Report()
    with open(path, "rb") as handle:
        return [statement for _, statements in transform_lines(read_lines(handle, name), CTX, report)
                for statement in statements]


def _sample_statements():
    found = []
    for path in sorted((samples.XAPI_DIR / "expected").glob("*.json")):
        loaded = json.loads(path.read_text())
        found += loaded if isinstance(loaded, list) else [loaded]
    for name in samples.sample_names():
        try:
            found += transform_event(samples.load_event(name), samples.reference_context())
        except XapiRouterError:
            pass  # the refused samples: tests/transformers covers them
    return found


CORPUS = {name: _corpus_statements(name) for name in CORPORA}
SAMPLES = _sample_statements()
POOL = [statement for name in CORPORA for statement in CORPUS[name][:300]] + SAMPLES


def legacy_verdict(statement):
    """The replaced checker's verdict: None or (path, reason)."""
    try:
        legacy_validate._Checker("t").statement(statement)  # pylint: disable=protected-access
    except InvalidStatement as error:
        return error.path, error.reason
    return None


def _at(statement, path):
    """The value at ``path`` (``a.b[0].c``) of ``statement``."""
    value = statement
    for key, index in re.findall(r"([^.\[\]]+)|\[(\d+)\]", path):
        value = value[int(index)] if index else value[key]
    return value


def _has_lone_surrogate(value):
    return isinstance(value, str) and not value.isascii() and any(0xD800 <= ord(c) <= 0xDFFF for c in value)


def assert_agreement(statement):
    """Every claim of the module docstring, for one statement; returns the verdict."""
    failure = check_statement(statement)
    assert is_valid_statement(statement) is (failure is None), (failure, statement)
    try:
        validate_statement(statement, "t")
    except InvalidStatement as error:
        assert (error.path, error.reason) == failure
    else:
        assert failure is None
    legacy = legacy_verdict(statement)
    if legacy != failure:
        # Deliberately stricter: the table refuses a lone surrogate where the old checker let it by.
        assert failure is not None, (legacy, statement)
        assert _has_lone_surrogate(_at(statement, failure[0])) or failure[1] == LONE_SURROGATE, (failure, legacy)
    return failure


def test_the_inputs_are_there():
    """Exact counts, so a missing corpus or a changed transformer shows here and not as fewer checks."""
    for name in CORPORA:
        samples.require_shared(samples.SHARED_DIR / "corpus" / name, f"the shared corpus {name}")
    samples.require_samples()
    assert {name: len(CORPUS[name]) for name in CORPORA} == {"clean-10k.log": 9910, "dirty-10k.log": 9481}
    assert len(SAMPLES) == 58 + 91


@pytest.mark.parametrize("name", CORPORA)
def test_every_corpus_statement_is_valid_for_both_walks_and_the_old_checker(name):
    samples.require_shared(samples.SHARED_DIR / "corpus" / name, f"the shared corpus {name}")
    for statement in CORPUS[name]:
        assert assert_agreement(statement) is None


def test_every_sample_statement_gets_the_same_verdict():
    samples.require_samples()
    verdicts = [assert_agreement(statement) for statement in SAMPLES]
    # The one reference statement ERB sends with no object id (tests/transformers/samples.py REFUSED).
    assert [verdict for verdict in verdicts if verdict] == [("object.id", "is required")]


# --- mutations -------------------------------------------------------------------------------------

def _paths(value, prefix=()):
    """Every (container path, key or index) inside ``value``."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield prefix, key
            yield from _paths(item, prefix + (key,))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield prefix, index
            yield from _paths(item, prefix + (index,))


JUNK = st.one_of(
    st.sampled_from([None, True, False, 0, 1, -1, 1.5, -0.0, float("nan"), float("inf"), float("-inf"),
                     INT_MIN, INT_MIN - 1, INT_MAX, INT_MAX + 1, 2 ** 200, "", " ", "x", "not an iri",
                     "http://example.org/has space", "mailto:x", "\ud800", "http://example.org/\udfff",
                     "ünïcödé", "438AD672-DE2C-4F0B-8876-35444E7DD746", "Activity", "Agent", "GroupActivity",
                     "StatementRef", "en-US", "PT1M", "1.0.3", "2020-07-14T14:39:26+00:00", [], {}, ["x"],
                     {"objectType": "Agent"}, {"en-US": "x"}, {"id": "http://example.org/a"}]),
    st.integers(min_value=-2 ** 70, max_value=2 ** 70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=6),
)
MUTATION = st.sampled_from(["replace", "delete", "add_key", "replace", "replace"])


@settings(max_examples=3000, derandomize=True, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.data())
def test_mutated_statements_get_the_same_verdict_path_and_reason(data):
    if not POOL:
        samples.require_samples()
    statement = copy.deepcopy(data.draw(st.sampled_from(POOL)))
    mutated_extension_value = False
    for _ in range(data.draw(st.integers(min_value=1, max_value=3))):
        places = list(_paths(statement))
        container_path, key = data.draw(st.sampled_from(places)) if places else ((), None)
        container = statement
        for step in container_path:
            container = container[step]
        mutated_extension_value |= "extensions" in container_path
        kind = data.draw(MUTATION)
        if key is None or kind == "add_key" and isinstance(container, dict):
            new_key = data.draw(st.sampled_from(["stored", "extra", "objectType", "id", "name", "en_US",
                                                 "http://example.org/x", "team", "score", "raw"]))
            if isinstance(container, dict):
                container[new_key] = copy.deepcopy(data.draw(JUNK))  # a fresh copy: JUNK holds shared [] and {}
                mutated_extension_value |= container_path[-1:] == ("extensions",)
        elif kind == "delete":
            del container[key]
        else:
            container[key] = copy.deepcopy(data.draw(JUNK))
    failure = assert_agreement(statement)
    if failure is None and not mutated_extension_value:
        orjson.dumps(statement)  # what passes serialises


def test_is_number_is_what_orjson_writes():
    """#13: the integers orjson writes are exactly -2**63 .. 2**64-1; no bool, nan or infinity."""
    for value in (INT_MIN, INT_MAX, 0, -1.5, 1e308):
        assert is_number(value) and orjson.dumps(value)
    for value in (INT_MIN - 1, INT_MAX + 1):
        assert not is_number(value)
        with pytest.raises(orjson.JSONEncodeError):
            orjson.dumps(value)
    for value in (True, False, float("nan"), float("inf"), "1", None):
        assert not is_number(value)


def test_the_quick_walk_is_compiled_from_the_table():
    """The walks (statement, activity, verb, agent; the check), every part inlined, no path strings or call per part."""
    assert [line.split("(")[0] for line in QUICK_SOURCE.splitlines() if line.startswith("def ")] == [
        "def quick_statement", "def quick_activity", "def quick_verb", "def quick_agent", "def quick_result",
        "def quick_object", "def quick_context", "def validate_statement"]
    assert "f\"" not in QUICK_SOURCE and "explain" not in QUICK_SOURCE


def test_a_shared_actor_is_walked_once_and_an_invalid_one_never_remembered():
    """The quick walk remembers valid actor dicts by identity; a refused one is refused every time."""
    statement = copy.deepcopy(SAMPLES[0]) if SAMPLES else samples.require_samples()
    actor = statement["actor"]
    assert is_valid_statement(statement)
    assert validate_quick._SHARED.valid[id(actor)] is actor  # pylint: disable=protected-access
    again = copy.deepcopy(statement)
    again["actor"] = actor  # the same object, as every statement of one learner has it
    assert is_valid_statement(again)
    broken = copy.deepcopy(statement)
    broken["actor"]["account"]["homePage"] = "not an iri"
    for _ in range(2):
        assert not is_valid_statement(broken)
        assert check_statement(broken) == ("actor.account.homePage", "must be an absolute IRI, got 'not an iri'")
    assert id(broken["actor"]) not in validate_quick._SHARED.valid  # pylint: disable=protected-access
