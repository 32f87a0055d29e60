"""
The course overview API the router calls.

Mirrors edx-platform ``openedx/core/djangoapps/content/course_overviews/api.py``
(openedx/openedx-platform e57a655d77b614f19223984e9805b1fb940ab192):
``get_course_overviews(course_ids)`` takes an iterable of ``CourseKey`` and returns
``CourseOverviewBaseSerializer(overviews, many=True).data``: a list of **dicts**, one per known
course (``course["display_name"]``), empty when none is known.
"""
from openedx.core.djangoapps.content.course_overviews.models import CourseOverview
from openedx.core.djangoapps.content.course_overviews.serializers import CourseOverviewBaseSerializer


def get_course_overviews(course_ids):
    """The serialized overviews (dicts) of the courses of ``course_ids`` the LMS knows."""
    overviews = CourseOverview.objects.filter(id__in=course_ids)
    return CourseOverviewBaseSerializer(overviews, many=True).data
