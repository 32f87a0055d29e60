"""
External user ids, the ids the LMS sends out of Open edX instead of its user ids.

Mirrors edx-platform ``openedx/core/djangoapps/external_user_ids/models.py`` (openedx/openedx-platform
e57a655d77b614f19223984e9805b1fb940ab192):

* ``ExternalIdType`` has a unique ``name`` and the constants ``CALIPER``, ``XAPI`` (``"xapi"``) and
  ``LTI``; the LMS's data migrations create the rows (here, the test's set-up does);
* ``ExternalId`` links a user to one random UUID (``external_user_id``) per type, unique per
  (user, type);
* ``ExternalId.add_new_user_id(user, type_name)`` returns ``(external_id, created)``, or
  ``(None, False)`` when no type has that name.

The LMS's history tables (django-simple-history) and its batch helper are left out: the router
does not use them.
"""
import uuid

from django.conf import settings
from django.db import models


class ExternalIdType(models.Model):
    """The purpose of an external id (one id per user per purpose)."""

    CALIPER = "caliper"
    XAPI = "xapi"
    LTI = "lti"

    name = models.CharField(max_length=32, unique=True, db_index=True)
    description = models.TextField()

    class Meta:
        app_label = "external_user_ids"

    def __str__(self):
        return self.name


class ExternalId(models.Model):
    """One user's external id of one type."""

    external_user_id = models.UUIDField(default=uuid.uuid4, editable=False, unique=True)
    external_id_type = models.ForeignKey(ExternalIdType, db_index=True, on_delete=models.CASCADE)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, db_index=True, on_delete=models.CASCADE)

    class Meta:
        app_label = "external_user_ids"
        unique_together = (("user", "external_id_type"),)

    def __str__(self):
        return str(self.external_user_id)

    @classmethod
    def add_new_user_id(cls, user, type_name):
        """``(external_id, created)`` for ``user`` and the type named ``type_name``; ``(None, False)`` if none."""
        type_obj = ExternalIdType.objects.filter(name=type_name).first()
        if type_obj is None:
            return None, False
        return cls.objects.get_or_create(user=user, external_id_type=type_obj)
