"""
``normalize`` agrees with the one it replaced on every input.

:func:`openedx_xapi_router.core.event.normalize` is written as one flat function (no helper call on
a clean event's way, the TrackingEvent built with ``tuple.__new__``) because it runs once per event.
The function it replaced, kept unchanged as the oracle in ``tests/core/legacy_normalize.py``, had the
rules spelled out one helper each. Both must give, for every input, the same TrackingEvent (every
field of the same type and value) or the same :class:`InvalidEvent` (kind, field, event name and
message).

Inputs: every line of ``shared/corpus/{clean,dirty}-10k.log`` that parses as a JSON object (the
tracking-log generator's events, with its defects: bad times, bad course keys, payloads that are not
JSON...), and hypothesis events whose fields take the values that tell the rules apart: absent,
None, ``""``, text, numbers, booleans, lists, objects, JSON and non-JSON payload strings, live
``datetime`` timestamps with and without an offset.
"""
from datetime import datetime, timedelta, timezone, UTC

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from openedx_xapi_router.core.errors import InvalidEvent
from openedx_xapi_router.core.event import TrackingEvent, normalize
from tests.core import legacy_normalize
from tests.transformers.samples import SHARED_DIR, require_shared

CORPUS = SHARED_DIR / "corpus"


def outcome(function, raw):
    """``("event", typed fields)`` or ``("invalid", kind, field, event name, message)``."""
    try:
        event = function(raw)
    except InvalidEvent as invalid:
        return ("invalid", invalid.kind, invalid.field, invalid.event_name, str(invalid))
    if function is normalize:
        assert type(event) is TrackingEvent  # pylint: disable=unidiomatic-typecheck
    else:
        assert event._fields == TrackingEvent.FIELDS  # the oracle's event: the same fields, all stored
    # Field by field, by name: today's event reads some fields when asked (properties).
    return ("event", tuple((type(value), value) for value in (getattr(event, field) for field in TrackingEvent.FIELDS)))


def assert_agree(raw):
    assert outcome(normalize, raw) == outcome(legacy_normalize.normalize, raw)


@pytest.mark.parametrize("name", ["clean-10k.log", "dirty-10k.log"])
def test_every_corpus_event_normalises_as_before(name):
    path = CORPUS / name
    require_shared(path, "the shared tracking-log corpus")
    objects = 0
    events = 0
    with open(path, "rb") as log:
        for line in log:
            try:
                raw = orjson.loads(line)
            except orjson.JSONDecodeError:
                continue
            objects += 1
            assert_agree(raw)
            events += outcome(normalize, raw)[0] == "event"
    assert objects > 9_000
    assert events > 8_000


TEXT = st.sampled_from(["", "x", "browser", "server", "mobile", "/courses/x/about", "course-v1:edX+DemoX+T1",
                        "edX/DemoX/T1", "course-v1:edX+DemoX", "2026-03-01T00:00:27.058543+00:00",
                        "2026-03-01T00:00:27", "yesterday", "problem_check", "https://courses.example.org/x"])
#: The values the rules tell apart (absent is a key left out), drawn as often as text.
EDGE = st.sampled_from([None, "", "x", 0, 1, True, False, 1.5, [], {}, ["x"], {"a": 1}])
VALUE = st.one_of(EDGE, TEXT)
PAYLOAD = st.one_of(VALUE, st.sampled_from([
    '{"GET": {}, "POST": {}}', '{"a": 1}', "[1, 2]", "3", '"text"', "input_x=1&input_y=2", "{broken",
    '{"GET": ' + "x" * 504,
]))
GOOD_TIME = st.sampled_from(["2026-03-01T00:00:27.058543+00:00", "2026-03-01 00:00:27Z"])
TIMESTAMP = st.one_of(GOOD_TIME, GOOD_TIME, VALUE,
                      st.datetimes(timezones=st.sampled_from([None, UTC, timezone(timedelta(hours=-5))])))
#: Most drawn events get past the name, time and course checks, so the later rules are reached.
FIELD = {"name": st.one_of(st.sampled_from(["problem_check", "/courses/x/about"]), VALUE),
         "event_type": st.one_of(st.just("problem_check"), VALUE),
         "timestamp": TIMESTAMP, "time": TIMESTAMP, "data": PAYLOAD, "event": PAYLOAD}
CONTEXT_FIELD = {"course_id": st.one_of(st.sampled_from(["course-v1:edX+DemoX+T1", "edX/DemoX/T1"]), VALUE)}
CONTEXT_KEYS = ("course_id", "org_id", "user_id", "session", "username", "event_source", "referer", "page")
TOP_KEYS = ("name", "event_type", "timestamp", "time", "event_source", "session", "username", "referer", "page",
            "data", "event")


@st.composite
def event_dicts(draw):
    """An event dict: each known key absent or given a value that one of the rules reads differently."""
    raw = {}
    for key in TOP_KEYS:
        if draw(st.booleans()):
            raw[key] = draw(FIELD.get(key, VALUE))
    context_dict = st.fixed_dictionaries({}, optional={key: CONTEXT_FIELD.get(key, VALUE) for key in CONTEXT_KEYS})
    context = draw(st.one_of(context_dict, context_dict, context_dict, st.just("absent"), VALUE))
    if context != "absent":
        raw["context"] = context
    return raw


@settings(max_examples=3_000, derandomize=True, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(event_dicts())
def test_hypothesis_events_normalise_as_before(raw):
    assert_agree(raw)
    EVENTS_MADE.append(outcome(normalize, raw)[0] == "event")


EVENTS_MADE = []


def test_enough_hypothesis_events_reach_the_last_rules():
    """The strategy is biased so that one event in twenty at least normalises (refusals alone would test little)."""
    if not EVENTS_MADE:
        pytest.skip("runs after test_hypothesis_events_normalise_as_before")
    assert sum(EVENTS_MADE) >= len(EVENTS_MADE) // 20


def test_a_live_event_with_a_datetime_normalises_as_before():
    """The live form: event-tracking's ``Tracker.emit`` gives a ``datetime`` (aware) in ``timestamp``."""
    raw = {"name": "play_video", "timestamp": datetime(2026, 3, 1, 6, 30, 47, 897000, tzinfo=UTC),
           "data": {"id": "abc"}, "context": {"user_id": 16, "course_id": "course-v1:MITx+PH185+2025_T2",
                                              "username": "wei.cohen", "session": "s1", "referer": "r", "page": "p"}}
    assert_agree(raw)
    event = normalize(raw)
    assert (event.timestamp, event.session, event.username, event.referer, event.page) == (
        "2026-03-01T06:30:47.897000+00:00", "s1", "wei.cohen", "r", None)
