"""
``process``: every outcome kind, with exact content, for every form of input; ``Report.count``.

The input shapes are the LMS's: the live form is what event-tracking's ``Tracker.emit`` hands a
backend (openedx/event-tracking ``eventtracking/tracker.py``: ``name``, ``timestamp`` as a
``datetime``, ``data``, ``context``), and the log form what ``TrackMiddleware`` and the
``tracking`` logger write (openedx/edx-platform ``common/djangoapps/track/``, commit
eaeb3256aba36e154964f38e7c109c0749e5c866): see :mod:`tests.core.test_event`.
"""
# Outcomes are asserted by their exact type: every refusal derives from one base, so isinstance would hide a mix-up.
# pylint: disable=unidiomatic-typecheck
import logging
from datetime import datetime

import orjson
import pytest

from openedx_xapi_router.core import vocab
from openedx_xapi_router.core.errors import EventSkipped, InvalidStatement, TransformerBug
from openedx_xapi_router.core.outcome import (
    Failed,
    Filtered,
    Invalid,
    Rejected,
    Skipped,
    Transformed,
    Unsupported,
)
from openedx_xapi_router.core.pipeline import process, serialize, serialize_lines, transform_event
from openedx_xapi_router.core.registry import TransformerRegistry
from openedx_xapi_router.core.report import Report
from openedx_xapi_router.transformers.base import XapiTransformer
from openedx_xapi_router.transformers.enrollment import EnrollmentActivated
from tests.core.test_event import TIME, live_event, log_event
from tests.transformers import samples

CTX = samples.reference_context()
ENROLLED = "edx.course.enrollment.activated"
ENROLLED_VERSION = "openedx-xapi-router/edx.course.enrollment.activated@1"
STATEMENT_ID = "bb946682-b0b9-5dc2-a17c-605ef5833c98"
PREFIX = b"2020-07-15 06:36:01,917 INFO 7 [tracking] [user 3] [ip 172.18.0.1] logger.py:41 - "


class _Test(XapiTransformer):
    verb = vocab.VIEWED
    family = "test"
    erb = False

    def get_object(self):
        return {"id": self.course_iri(), "objectType": "Activity"}


class Good(_Test):
    event_names = ("test.good",)


class Broken(_Test):
    event_names = ("test.broken",)

    def get_object(self):
        return 1 / 0


class Needy(_Test):
    event_names = ("test.needy",)

    def get_object(self):
        self.event.require("needed")
        return super().get_object()


class Wrong(_Test):
    event_names = ("test.wrong",)

    def get_object(self):
        return {"id": "not an IRI", "objectType": "Activity"}


def make_registry():
    registry = TransformerRegistry()
    for cls in (Good, Broken, Needy, Wrong):
        registry.register(cls)
    return registry


REGISTRY = make_registry()


def test_a_live_event_is_transformed():
    outcome = process(live_event(), CTX)
    assert type(outcome) is Transformed and outcome.ok and outcome.error is None
    assert outcome.transformer is EnrollmentActivated
    assert outcome.version == ENROLLED_VERSION
    assert outcome.recovered is None
    assert outcome.event.name == ENROLLED
    assert outcome.statements == transform_event(live_event(), CTX)
    [statement] = outcome.statements
    assert statement["id"] == STATEMENT_ID
    assert statement["context"]["extensions"][vocab.Extension.TRANSFORMER_VERSION] == ENROLLED_VERSION


@pytest.mark.parametrize("form", ["live dict", "log dict", "line bytes", "line str", "TrackingEvent"])
def test_every_form_of_the_same_event_gives_the_same_statements(form):
    raw = {
        "live dict": live_event(),
        "log dict": log_event(encode=True),
        "line bytes": orjson.dumps(log_event(encode=True)),
        "line str": orjson.dumps(log_event(encode=True)).decode(),
        "TrackingEvent": process(live_event(), CTX).event,
    }[form]
    outcome = process(raw, CTX)
    assert type(outcome) is Transformed
    assert [s["id"] for s in outcome.statements] == [STATEMENT_ID]
    assert outcome.statements == process(live_event(), CTX).statements


def test_a_live_datetime_timestamp_is_normalised_like_its_text():
    """event-tracking's ``Tracker.emit`` gives ``timestamp`` as a datetime; the log holds its ``isoformat()``."""
    event = live_event()
    event["timestamp"] = datetime.fromisoformat(TIME)
    outcome = process(event, CTX)
    assert outcome.event.timestamp == TIME
    assert outcome.statements == process(live_event(), CTX).statements


def test_a_naive_datetime_is_refused():
    event = live_event()
    event["timestamp"] = datetime(2020, 7, 15, 6, 36, 1)
    outcome = process(event, CTX)
    assert (type(outcome), outcome.kind) == (Rejected, "bad_time")


def test_a_recovered_line_says_how():
    outcome = process(PREFIX + orjson.dumps(log_event(encode=True)), CTX)
    assert (type(outcome), outcome.recovered, outcome.version) == (Transformed, "logger_prefix", ENROLLED_VERSION)
    padded = process(b"\x00" * 7 + orjson.dumps(log_event()), CTX)
    assert (type(padded), padded.recovered) == (Transformed, "nul_padding")


@pytest.mark.parametrize(("raw", "kind"), [
    (b"", "blank_line"),
    (b"   ", "blank_line"),
    (b'{"name": "play_video", ', "truncated_json"),
    (b"[1, 2]", "non_object_json"),
    (b"hello", "not_json"),
    (b'{"name": "x", "time": "2020-07-15T06:36:01.917775"}', "bad_time"),
    (b'{"time": "2020-07-15T06:36:01.917775+00:00"}', "missing_event_type"),
    (b"{\xff}", "invalid_utf8"),
    ([1, 2], "non_object_json"),
    (None, "non_object_json"),
    ({"name": ENROLLED}, "missing_time"),
    ({"name": ENROLLED, "timestamp": TIME, "context": {"course_id": "nope"}}, "invalid_course_key"),
])
def test_inputs_without_a_usable_event_are_rejected(raw, kind):
    outcome = process(raw, CTX)
    assert type(outcome) is Rejected and not outcome.ok
    assert (outcome.kind, outcome.event, outcome.statements) == (kind, None, ())
    assert outcome.reason == str(outcome.error) or outcome.reason == outcome.error.reason


def test_an_event_nobody_transforms_is_unsupported():
    outcome = process(live_event(name="edx.nobody.handles.this"), CTX)
    assert (type(outcome), outcome.event_name, outcome.statements) == (Unsupported, "edx.nobody.handles.this", ())
    assert outcome.event.name == "edx.nobody.handles.this"


def test_allowed_names_and_the_callers_filter():
    not_allowed = process(live_event(), CTX, allowed_names=frozenset({"play_video"}))
    assert (type(not_allowed), not_allowed.reason) == (Filtered, "not_allowed")
    assert type(process(live_event(), CTX, allowed_names=frozenset({ENROLLED}))) is Transformed
    # Unsupported wins over not allowed: the name has no transformer at all.
    assert type(process(live_event(name="edx.nobody"), CTX, allowed_names=frozenset())) is Unsupported
    # The caller's filter runs first, before the registry is asked.
    seen = []

    def event_filter(event):
        seen.append(event.name)
        return "since"

    filtered = process(live_event(name="edx.nobody"), CTX, event_filter=event_filter)
    assert (type(filtered), filtered.reason, seen) == (Filtered, "since", ["edx.nobody"])
    assert type(process(live_event(), CTX, event_filter=lambda event: None)) is Transformed


def test_anonymous_and_unknown_learners_are_skipped():
    event = live_event(payload={"course_id": "course-v1:edX+DemoX+Demo_Course", "mode": "audit"})
    event["context"] = {**event["context"], "user_id": None, "username": None}
    outcome = process(event, CTX)
    assert (type(outcome), outcome.reason, outcome.statements) == (Skipped, "anonymous", ())

    def unknown(user, username=None):
        raise EventSkipped(None, "unknown_user", f"no user {user}")

    ctx = type(CTX)(CTX.lms_root_url, unknown, CTX.course_name_resolver)
    outcome = process(live_event(), ctx)
    assert (type(outcome), outcome.reason, outcome.error.event_name) == (Skipped, "unknown_user", ENROLLED)


def test_an_event_missing_a_field_is_invalid():
    outcome = process(live_event(name="test.needy"), CTX, REGISTRY)
    assert (type(outcome), outcome.kind, outcome.field) == (Invalid, "missing_field", "data.needed")
    assert str(outcome.error) == "event 'test.needy': field 'data.needed': required field is missing or empty"


def test_a_transformer_bug_is_a_failed_outcome_with_its_cause():
    outcome = process(live_event(name="test.broken"), CTX, REGISTRY)
    assert (type(outcome), outcome.kind, outcome.ok) == (Failed, "transformer_bug", False)
    assert isinstance(outcome.error, TransformerBug)
    assert isinstance(outcome.error.__cause__, ZeroDivisionError)
    assert str(outcome.error) == (
        "openedx-xapi-router/test.broken@1 failed on event 'test.broken': ZeroDivisionError: division by zero"
    )


def test_each_statement_is_validated_by_its_transformer():
    calls = []

    class Watched(Good):
        event_names = ("test.watched",)

        def take_whole(self, statement):
            """Nothing handed to the check as made whole: each statement goes through ``validate``."""

        def validate(self, statement):
            calls.append(statement["id"])
            super().validate(statement)

    registry = TransformerRegistry()
    registry.register(Watched)
    outcome = process(live_event(name="test.watched"), CTX, registry)
    assert type(outcome) is Transformed and calls == [outcome.statements[0]["id"]]
    wrong = process(live_event(name="test.wrong"), CTX, REGISTRY)
    assert (type(wrong), wrong.kind) == (Failed, "invalid_statement")
    assert isinstance(wrong.error, InvalidStatement) and wrong.error.path == "object.id"


def test_a_statement_made_whole_is_taken_without_the_checks_call_and_only_that_very_one():
    """
    The pipeline takes a statement its transformer made whole (``take_whole``) by identity, without
    calling ``validate``; every other statement of the event, an equal copy of the made one too, is
    checked, and an invalid one among them fails the event.
    """
    checked = []

    class Whole(Good):
        event_names = ("test.whole",)

        def get_object(self):
            return self.block_activity("block-v1:edX+DemoX+Demo_Course+type@html+block@intro", "http://a.example/html")

        def child_statements(self, parent):
            copy = orjson.loads(orjson.dumps(parent))  # equal to the made one, not it
            if self.event.data.get("broken"):
                copy["object"] = {"id": "not an IRI", "objectType": "Activity"}
            return [copy]

        def validate(self, statement):
            checked.append(statement)
            super().validate(statement)

    registry = TransformerRegistry()
    registry.register(Whole)
    outcome = process(live_event(name="test.whole"), CTX, registry)
    assert type(outcome) is Transformed and len(outcome.statements) == 2
    parent, child = outcome.statements
    assert child == parent and child is not parent
    assert len(checked) == 1 and checked[0] is child
    checked.clear()
    broken = process(live_event({**live_event()["data"], "broken": True}, name="test.whole"), CTX, registry)
    assert (type(broken), broken.kind) == (Failed, "invalid_statement")
    assert broken.error.path == "object.id" and len(checked) == 1


def test_a_pinned_version_that_does_not_exist_is_a_configuration_failure():
    ctx = samples.reference_context(transformer_versions={ENROLLED: 9})
    outcome = process(live_event(), ctx)
    assert (type(outcome), outcome.kind) == (Failed, "configuration")
    assert "pins 'edx.course.enrollment.activated' to version 9" in str(outcome.error)


def test_process_never_raises_even_when_the_registry_breaks():
    class Exploding:
        def finder(self, *args, **kwargs):
            def find(event_name):
                raise KeyError("boom")
            return find

    outcome = process(live_event(), CTX, Exploding())
    assert (type(outcome), outcome.kind, outcome.event.name) == (Failed, "internal_error", ENROLLED)
    assert isinstance(outcome.error, KeyError)


def test_report_counts_every_outcome_and_logs_errors_of_ours(caplog):
    inputs = [
        (1, live_event()),
        (2, b""),
        (3, PREFIX + orjson.dumps(log_event(encode=True))),
        (4, live_event(name="edx.nobody")),
        (5, live_event(name="test.needy")),
        (6, live_event(name="test.broken")),
        (7, live_event(name="test.wrong")),
        (8, live_event(name="test.good")),
    ]
    registry = TransformerRegistry()
    for cls in (Good, Broken, Needy, Wrong, EnrollmentActivated):
        registry.register(cls)
    report = Report()
    with caplog.at_level(logging.ERROR, logger="openedx_xapi_router.core.report"):
        for line, raw in inputs:
            report.count(process(raw, CTX, registry, allowed_names=frozenset({ENROLLED, "test.needy",
                                                                                "test.broken", "test.wrong"})),
                         line)
    assert report.as_dict() == {
        "lines": 8, "events": 7, "filtered": {"not_allowed": 1}, "transformed": 2, "statements": 2,
        "unsupported": {"edx.nobody": 1}, "page_view_paths": {}, "anonymous": 0, "skipped": {},
        "recovered": {"logger_prefix": 1}, "rejected": {"blank_line": {"count": 1, "lines": [2]}},
        "invalid": {"missing_field": {"data.needed": 1}},
        "errors": {"invalid_statement": 1, "transformer_bug": 1},
    }
    logged = [(record.getMessage().split(":")[0], record.exc_info is not None) for record in caplog.records]
    assert logged == [("6", True), ("7", True)]
    assert "ZeroDivisionError" in caplog.records[0].exc_text


def test_each_outcome_has_a_one_word_key_and_failures_go_to_the_reports_hook():
    registry = TransformerRegistry()
    for cls in (Good, Broken, Needy, EnrollmentActivated):
        registry.register(cls)
    keys = [process(raw, CTX, registry, allowed_names=frozenset({ENROLLED, "test.needy", "test.broken"})).key
            for raw in (live_event(), b"", live_event(name="edx.nobody"), live_event(name="test.needy"),
                        live_event(name="test.broken"), live_event(name="test.good"))]
    assert keys == ["transformed", "blank_line", "unsupported", "missing_field", "transformer_bug", "not_allowed"]
    seen = []
    report = Report(on_failure=lambda outcome, location: seen.append((outcome.kind, location)))
    report.count(process(live_event(name="test.broken"), CTX, registry), "test.broken")
    assert seen == [("transformer_bug", "test.broken")] and report.errors == {"transformer_bug": 1}


def test_serialize_lines_is_serialize_and_a_line_ending_each_and_leaves_out_what_orjson_refuses(caplog):
    """orjson refuses an integer beyond 64 bits (a TypeError): that statement alone is left out, logged, counted."""
    statements = [{"id": "a", "n": 1}, {"id": "b", "n": 2**70}, {"id": "c", "s": "é\u2028"}]
    report = Report()
    with caplog.at_level(logging.WARNING, logger="openedx_xapi_router.core.pipeline"):
        lines = serialize_lines(statements, report)
        assert lines == serialize(statements[0]) + b"\n" + serialize(statements[2]) + b"\n"
        assert serialize_lines(statements[:1], report) == b'{"id":"a","n":1}\n'
        assert serialize_lines([statements[1]], report) == b""
        assert serialize_lines([], report) == b""
    assert report.errors == {"unserializable_statement": 2}
    assert [record.getMessage()[:27] for record in caplog.records] == ["statement b cannot be seria"] * 2
