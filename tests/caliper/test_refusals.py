"""
Bad input gets a clear error and no Caliper event: each transformer's required fields and types.

The inputs are ERB's fixture events (../shared/xapi/events) with one field broken; ERB's own
Caliper transformers raise a bare ValueError (or TypeError) for the same inputs.
"""
import copy

import pytest

from openedx_xapi_router.core.errors import EventSkipped, InvalidEvent
from tests.caliper.helpers import transform
from tests.transformers import samples


def _without(name, section, key, value=...):
    samples.require_samples()
    event = copy.deepcopy(samples.load_event(name))
    if value is ...:
        event[section].pop(key)
    else:
        event[section][key] = value
    return event


CASES = [
    ("play_video", "data", "id", ..., "data.id", "missing_field"),
    ("play_video", "data", "id", "a b", "data.id", "invalid_id"),
    ("play_video", "context", "course_id", ..., "context.course_id", "missing_field"),
    ("play_video", "data", "currentTime", "12.5", "data.currentTime", "wrong_type"),
    ("play_video", "data", "duration", "195", "data.duration", "wrong_type"),
    ("play_video", "data", "duration", 1e300, "data.duration", "wrong_type"),
    ("seek_video", "data", "new_time", [1], "data.new_time", "wrong_type"),
    ("edx.ui.lms.link_clicked", "data", "target_url", ..., "data.target_url", "missing_field"),
    ("edx.ui.lms.link_clicked", "data", "target_url", "", "data.target_url", "missing_field"),
    ("edx.ui.lms.sequence.next_selected", "data", "id", ..., "data.id", "missing_field"),
    ("edx.course.enrollment.activated", "data", "course_id", ..., "data.course_id", "missing_field"),
    ("edx.course.enrollment.activated", "data", "course_id", "a course", "data.course_id", "invalid_id"),
    ("edx.course.enrollment.activated", "data", "mode", 3, "data.mode", "wrong_type"),
    ("edx.ui.lms.link_clicked", "data", "target_url", "/courses/x/jump_to/y", "data.target_url", "invalid_id"),
    ("edx.ui.lms.outline.selected", "data", "target_name", ["Unit 1"], "data.target_name", "wrong_type"),
    ("play_video", "context", "session", {"key": "x"}, "session", "wrong_type"),
    ("play_video", "context", "session", "a b", "session", "invalid_id"),
    ("problem_check(server)", "data", "max_grade", "1", "data.max_grade", "wrong_type"),
    ("problem_check(server)", "data", "attempts", 1.5, "data.attempts", "wrong_type"),
    ("problem_check(server)", "data", "problem_id", "block v1", "data.problem_id", "invalid_id"),
    ("edx.problem.hint.demandhint_displayed", "data", "hint_index", "first hint", "data.hint_index", "wrong_type"),
]


@pytest.mark.parametrize(("name", "section", "key", "value", "field", "kind"), CASES,
                         ids=[f"{c[0]}:{c[1]}.{c[2]}={c[3]!r}" for c in CASES])
def test_invalid_input_is_refused(name, section, key, value, field, kind):
    with pytest.raises(InvalidEvent) as error:
        transform(_without(name, section, key, value))
    assert (error.value.field, error.value.kind) == (field, kind)
    assert error.value.event_name == samples.load_event(name)["name"]


def test_unknown_user_is_skipped_with_the_resolvers_reason():
    samples.require_samples()
    from openedx_xapi_router.core.context import TransformContext  # pylint: disable=import-outside-toplevel

    ctx = TransformContext.from_maps(samples.LMS_ROOT_URL, actor_map={"nobody": "x"})
    with pytest.raises(EventSkipped) as error:
        transform(samples.load_event("play_video"), ctx)
    assert (error.value.event_name, error.value.reason) == ("play_video", "unknown_user")


def test_the_input_is_not_changed():
    """ERB's navigation transformer pops ``data.id`` from the event it is given; ours leaves it alone."""
    samples.require_samples()
    event = samples.load_event("edx.ui.lms.sequence.next_selected")
    before = copy.deepcopy(event)
    transform(event)
    assert event == before
