"""
Property tests: real tracking-log events, mutated, never break the pipeline.

Real lines come from the generated clean log (``shared/corpus/clean-10k.log``). Each is mutated:
fields dropped, retyped, garbled, the event renamed to another registered name (so every
transformer meets every other event's payload), junk nested in, the payload re-encoded as a JSON
string. Then:

- ``transform_event`` raises nothing but :class:`XapiRouterError` subclasses;
- ``transform_lines`` never raises, and accounts for every line;
- every statement either produces passes ``validate_statement`` and serialises.

The transformers are whatever the registry holds, so this covers transformers added later.
Bounded for CI: a seeded sweep of 10,000 mutated events, then hypothesis (derandomized, no deadline)
on top.
"""
import copy
import itertools
import json
import random

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from openedx_xapi_router.core.context import TransformContext
from openedx_xapi_router.core.errors import TransformerBug, XapiRouterError
from openedx_xapi_router.core.pipeline import serialize, transform_event, transform_lines
from openedx_xapi_router.core.report import Report
from openedx_xapi_router.core.validate import validate_statement
from openedx_xapi_router.core.registry import default_registry
from tests.transformers.samples import SHARED_DIR, require_shared

registry = default_registry()

#: Mutated ids (``"null"``, text with spaces) reach some object ids unchecked; the validator stops
#: those statements (InvalidStatement, counted as an error). Nothing else may show up.
ALLOWED_ERRORS = {"invalid_statement"}
CLEAN_LOG = SHARED_DIR / "corpus" / "clean-10k.log"
REGISTERED = registry.event_names()
SWEEP_EVENTS = 10_000

CTX = TransformContext.from_maps(
    "https://courses.example.org", actor_map={"16": "learner-sixteen"}, actor_secret="property-secret",
    course_name_map={"*": "A Course"},
)


def _load_base_events():
    """Up to 3 real events per event name of the clean log (registered names first), as dicts."""
    if not CLEAN_LOG.exists():
        return []
    per_name = {}
    with open(CLEAN_LOG, "rb") as file:
        for line in file:
            event = orjson.loads(line)
            kept = per_name.setdefault(event["name"], [])
            if len(kept) < 3:
                kept.append(event)
    registered = [event for name in sorted(per_name) if name in REGISTERED for event in per_name[name]]
    others = [per_name[name][0] for name in sorted(per_name) if name not in REGISTERED][:40]
    return registered + others


BASE_EVENTS = _load_base_events()


@pytest.fixture(autouse=True)
def _need_the_corpus():
    if not BASE_EVENTS:
        require_shared(CLEAN_LOG, "the shared clean corpus")


# --- mutations -------------------------------------------------------------------------------------

#: Integers stay well inside 64 bits (2 ** 53): a transformer that scales a value (completion x 100)
#: could push 2 ** 63 - 1 past what JSON encoders write; see test_cli for how the CLI copes.
JUNK_SCALARS = [None, True, False, 0, -1, 2 ** 53, 1.5, -0.0, 1e300, "", "x", "ünïcödé ✓", "null", "{", "[]",
                "2020-13-45T99:99:99Z", "course-v1:a+b+c", "block-v1:x+y+z+type@problem+block@1", {}, []]


def _slots(value, found=None):
    """Every (container, key) pair inside ``value``, depth first."""
    found = [] if found is None else found
    if isinstance(value, dict):
        for key in list(value):
            found.append((value, key))
            _slots(value[key], found)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found.append((value, index))
            _slots(item, found)
    return found


def _junk(rng, depth=0):
    if depth < 3 and rng.random() < 0.3:
        if rng.random() < 0.5:
            return [_junk(rng, depth + 1) for _ in range(rng.randint(0, 3))]
        return {rng.choice(["id", "name", "data", "event", "x", "currentTime", "user_id"]): _junk(rng, depth + 1)
                for _ in range(rng.randint(0, 3))}
    return copy.deepcopy(rng.choice(JUNK_SCALARS))


def _garble(value, rng):
    text = value if isinstance(value, str) else json.dumps(value)
    choice = rng.randrange(5)
    if choice == 0:
        return text[: rng.randint(0, len(text))]
    if choice == 1:
        return text + rng.choice(["\u0000", "é", "\ud7ff", " ", "\"", "\\", "%"])
    if choice == 2:
        return text[::-1]
    if choice == 3:
        return text.upper()
    return "".join(rng.sample(text, len(text)))


def mutate(event, rng, count):
    """Apply ``count`` random mutations to a deep copy of ``event``; return it."""
    event = copy.deepcopy(event)
    payload_was_text = isinstance(event.get("event"), str)
    if payload_was_text:
        try:
            event["event"] = json.loads(event["event"])
        except ValueError:
            payload_was_text = False
    for _ in range(count):
        operation = rng.randrange(6)
        slots = _slots(event)
        if operation == 0 and REGISTERED:  # rename to another registered event
            name = rng.choice(REGISTERED)
            event["name"] = name
            if "event_type" in event or rng.random() < 0.5:
                event["event_type"] = name
            continue
        if not slots:
            continue
        container, key = rng.choice(slots)
        if operation == 1:  # drop
            if isinstance(container, dict):
                del container[key]
            else:
                container.pop(key)
        elif operation == 2:  # retype
            container[key] = copy.deepcopy(rng.choice(JUNK_SCALARS))
        elif operation == 3:  # garble
            container[key] = _garble(container[key], rng)
        elif operation == 4:  # nest junk
            container[key] = _junk(rng)
        elif isinstance(container[key], dict):  # add a junk key
            container[key][rng.choice(["module", "answers", "grade", "id", "submission", "x"])] = _junk(rng)
    if payload_was_text and "event" in event and rng.random() < 0.8:
        event["event"] = json.dumps(event["event"])
    return event


# --- the properties --------------------------------------------------------------------------------

def check_statements(statements):
    assert isinstance(statements, list) and statements
    for statement in statements:
        validate_statement(statement, "property")
        orjson.loads(serialize(statement))


def check_transform_event(raw):
    """transform_event raises only our errors (a bug shows as TransformerBug, which fails here too)."""
    try:
        statements = transform_event(raw, CTX)
    except TransformerBug as bug:
        raise AssertionError(f"{bug} on {json.dumps(raw)[:2000]}") from bug
    except XapiRouterError:
        return None
    check_statements(statements)
    return statements


def check_transform_lines(lines):
    """
    transform_lines never raises, accounts for every line, and meets no bug: the only error allowed
    is the validator stopping a statement built from a malformed value (``invalid_statement``).
    """
    report = Report()
    produced = list(transform_lines(list(enumerate(lines, 1)), CTX, report))
    for _, statements in produced:
        check_statements(statements)
    assert set(report.errors) <= ALLOWED_ERRORS, report.as_dict()["errors"]
    rejected = sum(entry["count"] for entry in report.rejected.values())
    invalid = sum(sum(fields.values()) for fields in report.invalid.values())
    assert report.lines == len(lines) == rejected + report.events
    assert report.events == (report.transformed + sum(report.unsupported.values()) + report.anonymous
                             + sum(report.skipped.values()) + invalid + sum(report.errors.values()))
    assert report.transformed == len(produced)
    return report


def _as_line(event, rng):
    line = json.dumps(event, ensure_ascii=rng.random() < 0.5).encode("utf-8", "surrogatepass")
    if rng.random() < 0.05:
        line = line[: rng.randint(0, len(line))]
    return line


def test_seeded_sweep_of_ten_thousand_mutated_events():
    rng = random.Random(20260301)
    totals = Report()
    transformed = 0
    batch = []
    for index, base in zip(range(SWEEP_EVENTS), itertools.cycle(BASE_EVENTS)):
        event = mutate(base, rng, rng.randint(0, 4))
        if check_transform_event(event) is not None:
            transformed += 1
        batch.append(_as_line(event, rng))
        if len(batch) == 500 or index == SWEEP_EVENTS - 1:
            totals.merge(check_transform_lines(batch))
            batch = []
    assert totals.lines == SWEEP_EVENTS
    # The sweep is not vacuous: many mutated events still give statements, many are refused.
    assert transformed > SWEEP_EVENTS // 10
    assert totals.transformed > SWEEP_EVENTS // 10
    assert sum(sum(fields.values()) for fields in totals.invalid.values()) > 100
    assert totals.rejected


def test_unmutated_base_events_of_registered_names_transform():
    """The base events themselves are clean: each one with a transformer gives statements or is skipped."""
    report = check_transform_lines([json.dumps(event).encode() for event in BASE_EVENTS])
    assert report.rejected == {}
    assert report.invalid == {}
    assert report.transformed > 0


@st.composite
def mutated_events(draw):
    base = draw(st.sampled_from(BASE_EVENTS)) if BASE_EVENTS else {}
    rng = random.Random(draw(st.integers(0, 2 ** 32 - 1)))
    return mutate(base, rng, draw(st.integers(0, 5)))


@settings(max_examples=1000, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(st.lists(mutated_events(), min_size=1, max_size=8))
def test_hypothesis_mutated_events(events):
    lines = []
    for event in events:
        check_transform_event(event)
        lines.append(json.dumps(event).encode("utf-8", "surrogatepass"))
    check_transform_lines(lines)


@settings(max_examples=500, deadline=None, derandomize=True)
@given(st.binary(max_size=300))
def test_arbitrary_bytes_never_break_transform_lines(raw):
    check_transform_lines([raw, b"{" + raw, b"2020-01-01 00:00:00,000 INFO 1 [tracking] x - {" + raw])


@settings(max_examples=1000, deadline=None, derandomize=True)
@given(st.dictionaries(st.sampled_from(["name", "event_type", "time", "timestamp", "event", "data", "context",
                                        "username", "session", "event_source"]),
                       st.recursive(st.none() | st.booleans() | st.integers(-2 ** 63, 2 ** 63 - 1)
                                    | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=20),
                                    lambda children: st.lists(children, max_size=3)
                                    | st.dictionaries(st.text(max_size=10), children, max_size=3),
                                    max_leaves=10)),
       st.sampled_from(REGISTERED or ["none"]))
def test_arbitrary_dicts_under_registered_names(raw, name):
    raw = dict(raw)
    raw.setdefault("name", name)
    raw.setdefault("time", "2026-03-01T06:30:47.897000+00:00")
    check_transform_event(raw)
