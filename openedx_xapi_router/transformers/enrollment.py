"""
Enrollment and course-grade outcome events: the learner (un)registered in, passed or failed a course.

The object is the course itself, with the enrollment mode as an activity extension.
"""
from openedx_xapi_router.core import vocab
from openedx_xapi_router.core.vocab import ActivityType, Extension
from openedx_xapi_router.transformers import registry
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


@registry.register
class EnrollmentActivated(CourseTransformer):
    """A learner enrolled in a course, or their enrollment mode changed."""

    event_names = ("edx.course.enrollment.activated", "edx.course.enrollment.mode_changed")
    verb = vocab.REGISTERED


@registry.register
class EnrollmentDeactivated(CourseTransformer):
    """A learner unenrolled from a course."""

    event_names = ("edx.course.enrollment.deactivated",)
    verb = vocab.UNREGISTERED


@registry.register
class CoursePassed(CourseTransformer):
    """A learner's course grade became passing (for the first time, or again)."""

    event_names = ("edx.course.grade.passed.first_time", "edx.course.grade.now_passed")
    verb = vocab.PASSED


@registry.register
class CourseFailed(CourseTransformer):
    """A learner's course grade became failing."""

    event_names = ("edx.course.grade.now_failed",)
    verb = vocab.FAILED
