"""
The typed accessors of a TrackingEvent (one per kind of field) and the one course/usage key rule.

Every transformer reads a payload field through one of these, so a shape a producer sends is read
the same way everywhere: a browser's ``3.0`` is the integer 3, ``""`` is no text, a bool is never a
number, and an old-style course key is a course key.
"""
import pytest

from openedx_xapi_router.core.errors import InvalidEvent
from openedx_xapi_router.core.event import normalize
from openedx_xapi_router.core.keys import CourseKey, block_usage_key, parse_course_key


def event(course_id="course-v1:edX+DemoX+Demo_Course", **data):
    return normalize({"name": "some.event", "time": "2026-03-01T09:46:59+00:00", "event": data,
                      "context": {"course_id": course_id, "user_id": 4}})


def refused(call):
    with pytest.raises(InvalidEvent) as error:
        call()
    return error.value.field, error.value.kind


def test_text():
    assert event(title="Week 1").text("title") == "Week 1"
    assert event(title="").text("title") is None
    assert event(title=None).text("title") is None
    assert event().text("title") is None
    assert refused(lambda: event(title="").text("title", required=True)) == ("data.title", "missing_field")
    assert refused(lambda: event(title=3).text("title")) == ("data.title", "wrong_type")


def test_integer_takes_the_javascript_form_of_an_integer():
    assert event(page=3).integer("page") == 3
    assert event(page=3.0).integer("page") == 3 and isinstance(event(page=3.0).integer("page"), int)
    assert event(page=None).integer("page") is None
    assert refused(lambda: event(page=3.5).integer("page")) == ("data.page", "wrong_type")
    assert refused(lambda: event(page=True).integer("page")) == ("data.page", "wrong_type")
    assert refused(lambda: event(page="3").integer("page")) == ("data.page", "wrong_type")
    assert refused(lambda: event(page=0).integer("page", minimum=1)) == ("data.page", "wrong_type")
    assert refused(lambda: event().integer("page", required=True)) == ("data.page", "missing_field")


def test_number_and_flag():
    assert event(grade=0.5).number("grade") == 0.5
    assert event(grade=2).number("grade") == 2
    assert event(grade=None).number("grade") is None
    assert refused(lambda: event(grade=False).number("grade")) == ("data.grade", "wrong_type")
    assert refused(lambda: event(grade="1").number("grade")) == ("data.grade", "wrong_type")
    assert event(ok=False).flag("ok") is False and event().flag("ok") is None
    assert refused(lambda: event(ok="true").flag("ok")) == ("data.ok", "wrong_type")


def test_usage_key():
    key = "block-v1:edX+DemoX+Demo_Course+type@problem+block@ab12"
    assert event(block=key).usage_key("block") == key
    assert event(block="i4x://edX/DemoX/problem/ab12").usage_key("block") == "i4x://edX/DemoX/problem/ab12"
    assert refused(lambda: event(block="").usage_key("block")) == ("data.block", "missing_field")
    assert refused(lambda: event(block="a b").usage_key("block")) == ("data.block", "invalid_id")


@pytest.mark.parametrize("text,key", [
    ("course-v1:edX+DemoX+Demo_Course", CourseKey("course-v1:edX+DemoX+Demo_Course", "edX", "DemoX", "Demo_Course")),
    ("ccx-v1:edX+DemoX+Demo_Course+ccx@4",
     CourseKey("ccx-v1:edX+DemoX+Demo_Course+ccx@4", "edX", "DemoX", "Demo_Course", ccx="4")),
    ("edX/DemoX/Demo_Course", CourseKey("edX/DemoX/Demo_Course", "edX", "DemoX", "Demo_Course", deprecated=True)),
])
def test_the_three_forms_of_a_course_key(text, key):
    assert parse_course_key(text) == key
    assert event(course_id=text).course_key == key


@pytest.mark.parametrize("text", ["course-v1:edX+DemoX", "edX/DemoX", "edX/Demo X/run", "", None, 7])
def test_what_is_not_a_course_key(text):
    assert parse_course_key(text) is None


@pytest.mark.parametrize("course,block_id,expected", [
    ("course-v1:edX+DemoX+Demo_Course", "ab12", "block-v1:edX+DemoX+Demo_Course+type@video+block@ab12"),
    ("ccx-v1:edX+DemoX+Demo_Course+ccx@4", "ab12", "ccx-block-v1:edX+DemoX+Demo_Course+ccx@4+type@video+block@ab12"),
    ("edX/DemoX/Demo_Course", "ab12", "i4x://edX/DemoX/video/ab12"),
    ("edX/DemoX/Demo_Course", "i4x-edX-DemoX-video-ab12", "i4x://edX/DemoX/video/ab12"),
    # Another course's HTML id is not this course's: kept whole.
    ("edX/DemoX/Demo_Course", "i4x-MITx-6002x-video-ab12", "i4x://edX/DemoX/video/i4x-MITx-6002x-video-ab12"),
])
def test_one_rule_builds_a_block_key_in_the_courses_form(course, block_id, expected):
    assert block_usage_key(parse_course_key(course), "video", block_id) == expected


def test_no_course_key_when_the_event_has_no_course():
    assert event(course_id="").course_key is None
