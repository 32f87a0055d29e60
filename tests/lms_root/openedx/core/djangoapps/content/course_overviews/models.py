"""
The LMS's cached summary of a course run.

Mirrors the part of edx-platform ``openedx/core/djangoapps/content/course_overviews/models.py``
(openedx/openedx-platform e57a655d77b614f19223984e9805b1fb940ab192) that its base serializer reads:
the primary key ``id`` is a ``CourseKeyField``; ``display_name`` may be null;
``display_name_with_default``, ``has_started()``, ``has_ended()`` and ``pacing`` are computed.
"""
from django.db import models
from django.utils import timezone
from opaque_keys.edx.django.models import CourseKeyField


class CourseOverview(models.Model):
    """One course run's overview."""

    id = CourseKeyField(db_index=True, primary_key=True, max_length=255)
    display_name = models.TextField(null=True)  # noqa: DJ001  (the LMS's field: None when unset)
    display_number_with_default = models.TextField(default="")
    display_org_with_default = models.TextField(default="")
    start = models.DateTimeField(null=True)
    end = models.DateTimeField(null=True)
    self_paced = models.BooleanField(default=False)

    class Meta:
        app_label = "course_overviews"

    def __str__(self):
        return str(self.id)

    @property
    def display_name_with_default(self):
        """The display name, else the course id's run-free form, as the LMS shows it."""
        return self.display_name or f"{self.id.org} {self.id.course}"

    def has_started(self):
        """True once the course's start has passed."""
        return self.start is not None and self.start <= timezone.now()

    def has_ended(self):
        """True once the course's end has passed."""
        return self.end is not None and self.end < timezone.now()

    @property
    def pacing(self):
        """``"self"`` or ``"instructor"``."""
        return "self" if self.self_paced else "instructor"
