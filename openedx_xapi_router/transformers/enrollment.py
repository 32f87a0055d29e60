"""
Enrollment and course-grade outcome events: the learner (un)registered in, passed or failed a course.

.. event_name: edx.course.enrollment.{activated,deactivated,mode_changed},
   edx.course.grade.{passed.first_time,now_passed,now_failed}
.. event_version: 1

The object is the course itself, with the enrollment mode as an activity extension.
"""
from openedx_xapi_router.core import vocab
from openedx_xapi_router.core.contract import Field, Producer, erb_fixture_evidence
from openedx_xapi_router.core.vocab import ActivityType, Extension
from openedx_xapi_router.core.registry import register
from openedx_xapi_router.transformers.base import XapiTransformer, drop_none


class CourseTransformer(XapiTransformer):
    """Statements whose object is the event's course; no parent activity."""

    def get_object(self):
        definition = {"type": ActivityType.COURSE}
        name = self.course_name
        if name is not None:
            definition["name"] = {vocab.EN: name}
        definition["extensions"] = drop_none({Extension.MODE: self.event.data_value("mode")})
        return {"id": self.course_iri(), "objectType": "Activity", "definition": definition}

    def get_context_activities(self):
        return None


@register
class EnrollmentActivated(CourseTransformer):
    """A learner enrolled in a course, or their enrollment mode changed."""

    event_names = ("edx.course.enrollment.activated", "edx.course.enrollment.mode_changed")
    family = "enrollment"
    erb = True
    contract = Producer(
        repo="openedx/edx-platform", path="common/djangoapps/student/models/course_enrollment.py",
        where="CourseEnrollment.emit_event", commit="163176a4b28277bdfa8391c04c1fdb8b6295adc3", source="server",
        names=("edx.course.enrollment.activated", "edx.course.enrollment.mode_changed"),
        fields=(Field("data.course_id", "str", "course-v1:edX+DemoX+Demo_Course", read=False),
                Field("data.user_id", "int", 42), Field("data.mode", "str", "audit")),
        evidence=erb_fixture_evidence("edx.course.enrollment.activated", "edx.course.enrollment.mode_changed"),
    )
    verb = vocab.REGISTERED


@register
class EnrollmentDeactivated(CourseTransformer):
    """A learner unenrolled from a course."""

    event_names = ("edx.course.enrollment.deactivated",)
    family = "enrollment"
    erb = True
    contract = Producer(
        repo="openedx/edx-platform", path="common/djangoapps/student/models/course_enrollment.py",
        where="CourseEnrollment.emit_event", commit="163176a4b28277bdfa8391c04c1fdb8b6295adc3", source="server",
        names=("edx.course.enrollment.deactivated",),
        fields=(Field("data.course_id", "str", "course-v1:edX+DemoX+Demo_Course", read=False),
                Field("data.user_id", "int", 42), Field("data.mode", "str", "audit")),
        evidence=erb_fixture_evidence("edx.course.enrollment.deactivated"),
    )
    verb = vocab.UNREGISTERED


@register
class CoursePassed(CourseTransformer):
    """A learner's course grade became passing (for the first time, or again)."""

    event_names = ("edx.course.grade.passed.first_time", "edx.course.grade.now_passed")
    family = "enrollment"
    erb = True
    contract = (
        Producer(
            repo="openedx/edx-platform", path="lms/djangoapps/grades/events.py", where="course_grade_passed_first_time",
            commit="07e16b2123c3eeaf66c9753dec8140eed9467838",
            source="server",
            names=("edx.course.grade.passed.first_time",),
            fields=(Field("data.user_id", "str", "42"),
            Field("data.course_id", "str", "course-v1:edX+DemoX+Demo_Course",
            read=False),
                    Field("data.event_transaction_id", "str", "a47772a0-3c7f-4a0e-9c11-7e903a03e503", read=False),
                    Field("data.event_transaction_type", "str", "edx.grades.problem.submitted", read=False)),
        ),
        Producer(
            repo="openedx/edx-platform", path="lms/djangoapps/grades/events.py", where="course_grade_now_passed",
            commit="07e16b2123c3eeaf66c9753dec8140eed9467838", source="server", names=("edx.course.grade.now_passed",),
            fields=(Field("data.user_id", "str", "42"),
            Field("data.course_id", "str", "course-v1:edX+DemoX+Demo_Course",
            read=False),
                    Field("data.event_transaction_id", "str", "a47772a0-3c7f-4a0e-9c11-7e903a03e503", read=False),
                    Field("data.event_transaction_type", "str", "edx.grades.problem.submitted", read=False)),
        ),
    )
    verb = vocab.PASSED


@register
class CourseFailed(CourseTransformer):
    """A learner's course grade became failing."""

    event_names = ("edx.course.grade.now_failed",)
    family = "enrollment"
    erb = True
    contract = Producer(
        repo="openedx/edx-platform", path="lms/djangoapps/grades/events.py", where="course_grade_now_failed",
        commit="07e16b2123c3eeaf66c9753dec8140eed9467838", source="server", names=("edx.course.grade.now_failed",),
        fields=(Field("data.user_id", "str", "42"),
        Field("data.course_id", "str", "course-v1:edX+DemoX+Demo_Course",
        read=False),
                Field("data.event_transaction_id", "str", "a47772a0-3c7f-4a0e-9c11-7e903a03e503", read=False),
                Field("data.event_transaction_type", "str", "edx.grades.problem.submitted", read=False)),
    )
    verb = vocab.FAILED
