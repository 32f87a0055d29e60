"""
Caliper events for a learner's course membership, as event-routing-backends'
``enrollment_events.py`` gives them: a generic ``Event`` whose object is the course
(``data.course_id``) as a ``CourseOffering``, named by the injected course-name resolver, with the
enrollment ``mode`` (``data.mode``) as its only extension when the payload has one.

Payload fields and producer contracts: :mod:`openedx_xapi_router.transformers.enrollment`.
"""
from openedx_xapi_router.core.errors import EventSkipped
from openedx_xapi_router.transformers import enrollment
from openedx_xapi_router.core.registry import register
from openedx_xapi_router.transformers.caliper.base import CaliperTransformer
from openedx_xapi_router.transformers.caliper.vocab import Action, EntityType, EventType


class CaliperCourseTransformer(CaliperTransformer):
    """The course is the object (ERB drops the ``isPartOf`` extension here: the object is the course)."""

    family = "enrollment"
    event_type = EventType.EVENT

    def course_name(self):
        """The display name of the event's course (``context.course_id``, else ``data.course_id``), or None."""
        course_id = self.event.course_id or self.data("course_id")
        try:
            return self.ctx.course_name_resolver(course_id)
        except EventSkipped as skipped:
            skipped.event_name = self.event_name
            raise

    def get_object(self):
        mode = self.data_text("mode")
        return {
            "id": self.iri("course", self.data_key("course_id")),
            "type": EntityType.COURSE_OFFERING,
            "name": self.course_name(),
            "extensions": {"mode": mode} if mode is not None else None,
        }


@register
class CaliperEnrollmentActivated(CaliperCourseTransformer):
    """The learner enrolled in the course."""

    event_names = ("edx.course.enrollment.activated",)
    action = Action.ACTIVATED
    contract = enrollment.EnrollmentActivated.contract


@register
class CaliperEnrollmentDeactivated(CaliperCourseTransformer):
    """The learner unenrolled from the course."""

    event_names = ("edx.course.enrollment.deactivated",)
    action = Action.DEACTIVATED
    contract = enrollment.EnrollmentDeactivated.contract


@register
class CaliperCoursePassed(CaliperCourseTransformer):
    """The learner passed the course for the first time."""

    event_names = ("edx.course.grade.passed.first_time",)
    action = Action.COMPLETED
    contract = enrollment.CoursePassed.contract


TRANSFORMERS = (CaliperEnrollmentActivated, CaliperEnrollmentDeactivated, CaliperCoursePassed)
