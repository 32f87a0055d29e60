"""
Mirrors edx-platform ``openedx/core/djangoapps/content/course_overviews/apps.py``: the app config the
LMS installs.
"""
from django.apps import AppConfig


class CourseOverviewsConfig(AppConfig):
    """The course overviews app (label ``course_overviews``)."""

    name = "openedx.core.djangoapps.content.course_overviews"
    label = "course_overviews"
    default_auto_field = "django.db.models.AutoField"
