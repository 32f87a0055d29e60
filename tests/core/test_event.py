"""normalize: the live and the log form of an event give the same TrackingEvent; every InvalidEvent kind."""
import json
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from openedx_xapi_router.core.errors import InvalidEvent
from openedx_xapi_router.core.event import TrackingEvent, normalize
from openedx_xapi_router.core.context import TransformContext
from openedx_xapi_router.core.outcome import Invalid
from openedx_xapi_router.core.pipeline import process, transform_event
from tests.transformers import samples

TIME = "2020-07-15T06:36:01.917775+00:00"
COURSE = "course-v1:edX+DemoX+Demo_Course"
PAYLOAD = {"course_id": COURSE, "mode": "audit", "user_id": 3}
TOP_LEVEL = {
    "username": "edx", "session": "44c2f6b53a6aaf210797a56391a443bc", "ip": "172.18.0.1", "agent": "Mozilla/5.0",
    "host": "localhost:18000", "referer": "http://localhost:18000/about", "accept_language": "en-US",
    "page": None, "event_source": "server",
}
DEFAULT = object()  # "the usual payload", as opposed to an explicit None
LOG_CONTEXT = {"course_id": COURSE, "org_id": "edX", "user_id": 3, "path": "/change_enrollment"}


def live_event(payload=DEFAULT, name="edx.course.enrollment.activated"):
    payload = dict(PAYLOAD) if payload is DEFAULT else payload
    return {"name": name, "timestamp": TIME, "data": payload, "context": {**LOG_CONTEXT, **TOP_LEVEL}}


def log_event(payload=DEFAULT, name="edx.course.enrollment.activated", encode=False):
    payload = dict(PAYLOAD) if payload is DEFAULT else payload
    return {
        "name": name, "event_type": name, "time": TIME,
        "event": json.dumps(payload) if encode else payload,
        **TOP_LEVEL, "context": dict(LOG_CONTEXT),
    }


def without_context(event):
    """Every field of ``event`` (stored or read when asked) but ``context``, by name."""
    return {field: getattr(event, field) for field in TrackingEvent.FIELDS if field != "context"}


@pytest.mark.parametrize("encode", [False, True], ids=["object payload", "JSON-string payload"])
def test_live_and_log_forms_give_the_same_event(encode):
    live, log = normalize(live_event()), normalize(log_event(encode=encode))
    assert isinstance(live, TrackingEvent)
    # ``context`` (and ``raw``) is kept as given (the live one also holds the top-level fields);
    # every normalised field is the same.
    assert without_context(live) == without_context(log)
    assert (live.name, live.timestamp, live.data, live.data_text, live.event_source, live.session, live.username,
            live.user_id, live.course_id, live.org_id, live.event_type) == (
        "edx.course.enrollment.activated", TIME, PAYLOAD, None, "server", TOP_LEVEL["session"], "edx", 3, COURSE,
        "edX", "edx.course.enrollment.activated",
    )
    assert live.time.isoformat() == TIME
    for key in LOG_CONTEXT:
        assert live.context_value(key) == log.context_value(key)


def test_live_and_log_forms_give_the_same_statement():
    ctx = samples.reference_context()
    assert transform_event(live_event(), ctx) == transform_event(log_event(encode=True), ctx)


def test_name_wins_over_event_type_and_event_type_is_kept():
    raw = log_event(name="edx.video.played")
    raw["event_type"] = "play_video"
    event = normalize(raw)
    assert (event.name, event.event_type) == ("edx.video.played", "play_video")
    del raw["name"]
    assert normalize(raw).name == "play_video"


def test_a_query_string_payload_is_kept_as_text():
    query = "input_abc_2_1%5B%5D=choice_0&input_abc_2_1%5B%5D=choice_2&input_abc_3_1=yellow&empty="
    raw = log_event(payload=None, name="problem_check")
    raw["event"] = query
    raw["event_source"] = "browser"
    event = normalize(raw)
    assert (event.data, event.data_text) == ({}, query)


def test_a_list_payload_orjson_cannot_write_is_kept_as_text():
    """
    A live event's payload is whatever the LMS passed to ``tracker.emit`` (openedx/event-tracking
    ``eventtracking/tracker.py``: ``data`` is any object), so a list payload can hold a lone
    surrogate, an integer past 64 bits or a ``datetime``, which orjson refuses to write. The event
    is still read (it was a ``reader_bug`` failure) and the payload kept as JSON text.
    """
    when = datetime(2026, 3, 1, tzinfo=UTC)
    raw = {"name": "problem_graded", "timestamp": "2026-03-01T00:00:00+00:00", "context": {},
           "data": ["\ud800", 2**70, when]}
    event = normalize(raw)
    assert (event.data, event.data_text) == ({}, '["\ud800",1180591620717411303424,"2026-03-01 00:00:00+00:00"]')
    raw["context"] = {"user_id": 5, "course_id": "course-v1:edX+DemoX+Demo_Course"}
    outcome = process(raw, TransformContext.from_maps("https://lms.example.org", actor_secret="secret"))
    assert (type(outcome), outcome.kind, outcome.field) == (Invalid, "wrong_type", "data")


def test_other_payloads():
    assert normalize(log_event(payload=[1, 2])).data_text == "[1,2]"
    assert normalize(log_event(payload=[1, 2])).data == {}
    empty = log_event(payload=None)
    empty["event"] = ""
    assert (normalize(empty).data, normalize(empty).data_text) == ({}, None)
    assert normalize(log_event(payload={"a": {"b": 1}})).data_value("a.b") == 1
    assert normalize(log_event(payload={"a": {"b": 1}})).data_value("a.c", "none") == "none"


def test_empty_and_absent_values():
    raw = log_event()
    raw["session"] = ""
    raw["context"] = {"course_id": None}
    event = normalize(raw)
    assert (event.session, event.course_id, event.org_id, event.user_id) == (None, "", "", None)
    del raw["context"]
    assert normalize(raw).context == {}


def _changed(base, **changes):
    raw = dict(base)
    for key, value in changes.items():
        if value is DELETE:
            raw.pop(key, None)
        else:
            raw[key] = value
    return raw


DELETE = object()

INVALID = [
    ([1, 2], None, "", "non_object_json"),
    (_changed(log_event(), name=DELETE, event_type=DELETE), None, "name", "missing_event_type"),
    (_changed(log_event(), name="", event_type=None), None, "name", "missing_event_type"),
    (_changed(log_event(), name=7), None, "name", "wrong_type"),
    (_changed(log_event(), time=DELETE), "edx.course.enrollment.activated", "time", "missing_time"),
    (_changed(log_event(), time="yesterday"), "edx.course.enrollment.activated", "time", "bad_time"),
    (_changed(log_event(), time="2020-07-15T06:36:01"), "edx.course.enrollment.activated", "time", "bad_time"),
    (_changed(log_event(), time=1594795000), "edx.course.enrollment.activated", "time", "bad_time"),
    (_changed(live_event(), timestamp="2020-07-15"), "edx.course.enrollment.activated", "timestamp", "bad_time"),
    (_changed(log_event(), context="x"), "edx.course.enrollment.activated", "context", "wrong_type"),
    (_changed(log_event(), context={"course_id": "DemoX"}), "edx.course.enrollment.activated",
     "context.course_id", "invalid_course_key"),
    (_changed(log_event(), context={"course_id": ["x"]}), "edx.course.enrollment.activated",
     "context.course_id", "invalid_course_key"),
    (_changed(log_event(), context={"course_id": {"key": "course-v1:edX+DemoX+Demo_Course"}}),
     "edx.course.enrollment.activated", "context.course_id", "invalid_course_key"),
    (_changed(log_event(), event="{'python': 'repr'}"), "edx.course.enrollment.activated", "event",
     "unparseable_server_event"),
]


@pytest.mark.parametrize("raw,name,field,kind", INVALID, ids=[f"{case[3]}-{i}" for i, case in enumerate(INVALID)])
def test_each_invalid_event_kind_names_its_field(raw, name, field, kind):
    with pytest.raises(InvalidEvent) as invalid:
        normalize(raw)
    assert (invalid.value.event_name, invalid.value.field, invalid.value.kind) == (name, field, kind)


def test_a_course_id_found_valid_is_taken_again_and_an_invalid_one_still_refused():
    """normalize remembers the course ids it found valid; one it did not is parsed (and refused) each time."""
    good = "course-v1:edX+DemoX+Demo_Course"
    for _ in range(2):
        assert normalize(_changed(log_event(), context={"course_id": good})).course_id == good
        with pytest.raises(InvalidEvent) as invalid:
            normalize(_changed(log_event(), context={"course_id": good + "+"}))
        assert (invalid.value.field, invalid.value.kind) == ("context.course_id", "invalid_course_key")


def test_the_old_course_key_form_is_accepted():
    raw = _changed(log_event(), context={"course_id": "edX/DemoX/Demo_Course"})
    assert normalize(raw).course_id == "edX/DemoX/Demo_Course"


def test_require_names_the_missing_or_mistyped_field():
    event = normalize(log_event(payload={"count": 3, "flag": True, "empty": "", "nested": {"n": None}}))
    assert event.require("count", int) == 3
    assert event.require("flag", bool) is True
    for path in ("absent", "empty", "nested.n", "count.deeper"):
        with pytest.raises(InvalidEvent) as invalid:
            event.require(path)
        assert (invalid.value.field, invalid.value.kind) == (f"data.{path}", "missing_field")
    with pytest.raises(InvalidEvent) as invalid:
        event.require("flag", (int, float))
    assert (invalid.value.field, invalid.value.kind, invalid.value.reason) == (
        "data.flag", "wrong_type", "expected int or float, got bool",
    )
    with pytest.raises(InvalidEvent) as invalid:
        event.require("count", str)
    assert str(invalid.value) == (
        "event 'edx.course.enrollment.activated': field 'data.count': expected str, got int"
    )


ISO_TIME_FORMS = st.sampled_from([
    lambda moment: moment.isoformat(),
    lambda moment: moment.isoformat(sep=" "),
    lambda moment: moment.isoformat(timespec="microseconds"),
    lambda moment: moment.isoformat(timespec="milliseconds"),
    lambda moment: moment.isoformat(timespec="seconds"),
    lambda moment: moment.isoformat().replace("+00:00", "Z"),
    lambda moment: moment.isoformat().replace("+00:00", "-00:00"),
    lambda moment: moment.strftime("%Y%m%dT%H%M%S.%f%z"),
])


@settings(max_examples=2_000, derandomize=True, deadline=None)
@given(st.datetimes(min_value=datetime(1000, 1, 1), timezones=st.sampled_from([UTC, timezone(timedelta(hours=2)),
                                               timezone(timedelta(hours=-5, minutes=-30))])),
       st.sampled_from([0, 1, 58543, 999999, None]), ISO_TIME_FORMS)
def test_iso_time_is_the_isoformat_of_the_time_whatever_the_text(moment, microsecond, form):
    """
    ``iso_time`` is ``time.isoformat()`` (same type, same text) for every form of text
    ``datetime.fromisoformat`` reads: the shortcut that returns the text itself must not take one
    that ``isoformat`` writes otherwise (no fraction, ``000000``, ``Z``, ``-00:00``, a space, the
    basic format).
    """
    if microsecond is not None:
        moment = moment.replace(microsecond=microsecond)
    event = normalize({"name": "x", "time": form(moment)})
    assert type(event.iso_time) is str  # pylint: disable=unidiomatic-typecheck
    assert event.iso_time == event.time.isoformat()


def test_iso_time_of_a_log_line_is_its_own_text():
    event = normalize({"name": "x", "time": "2026-03-01T00:00:27.058543+00:00"})
    assert event.iso_time is event.timestamp
    assert normalize({"name": "x", "time": "2026-03-01T00:00:27.000000+00:00"}).iso_time == "2026-03-01T00:00:27+00:00"


def test_a_payload_not_starting_as_json_is_text_as_orjson_would_say():
    """
    ``_decode_payload`` asks orjson only about a payload whose first character can start JSON;
    for any other first character orjson refuses it too, so the outcome is the one it gives.
    """
    # pylint: disable-next=import-outside-toplevel
    from openedx_xapi_router.core.event import _JSON_STARTS
    import orjson  # pylint: disable=import-outside-toplevel
    for code in range(0x2100):
        first = chr(code)
        if first in _JSON_STARTS or 0xD800 <= code < 0xE000:
            continue
        for rest in ("", "{}", "1", '"a"', " []"):
            with pytest.raises(orjson.JSONDecodeError):
                orjson.loads(first + rest)
    for payload in ("input_a_2_1=x", "%7B%7D", "{}x", "[1,", " {}", "tru"):
        event = normalize({"name": "problem_check", "time": "2026-03-01T00:00:00+00:00", "event": payload,
                           "event_source": "browser"})
        try:
            decoded = orjson.loads(payload)
        except orjson.JSONDecodeError:
            decoded = None
        assert (event.data, event.data_text) == ((decoded, None) if isinstance(decoded, dict) else ({}, payload))
    with pytest.raises(InvalidEvent) as refused:
        normalize({"name": "x", "time": "2026-03-01T00:00:00+00:00", "event": "a=b", "event_source": "server"})
    assert refused.value.kind == "unparseable_server_event"
