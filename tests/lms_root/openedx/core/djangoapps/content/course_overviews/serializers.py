"""
Mirrors edx-platform ``openedx/core/djangoapps/content/course_overviews/serializers.py``
(openedx/openedx-platform e57a655d77b614f19223984e9805b1fb940ab192): ``CourseOverviewBaseSerializer``
is a DRF ``ModelSerializer`` of every field, plus ``display_name_with_default``,
``has_started``, ``has_ended`` and ``pacing``. Its data is plain dicts, not model objects.
"""
from rest_framework import serializers

from openedx.core.djangoapps.content.course_overviews.models import CourseOverview


class CourseOverviewBaseSerializer(serializers.ModelSerializer):
    """A course run overview as a dict."""

    class Meta:
        model = CourseOverview
        fields = "__all__"

    def to_representation(self, instance):
        representation = super().to_representation(instance)
        representation["display_name_with_default"] = instance.display_name_with_default
        representation["has_started"] = instance.has_started()
        representation["has_ended"] = instance.has_ended()
        representation["pacing"] = instance.pacing
        return representation
