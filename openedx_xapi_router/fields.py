"""
Encrypted model fields for LRS credentials.

Values are encrypted with Fernet under ``XAPI_ROUTER_ENCRYPTION_KEYS`` (first key encrypts, every
key decrypts: see README, "Rotating the encryption key"); with no key configured, the LMS's
``SECRET_KEY`` is used, as django-fernet-fields does.
"""
import re
from urllib.parse import urlsplit, urlunsplit

from django import forms
from django.conf import settings
from django.core.validators import URLValidator
from django.db import models
from django.utils.functional import cached_property
from fernet_fields import EncryptedTextField

from openedx_xapi_router.conf import router_settings


class EncryptedSecretField(EncryptedTextField):
    """A text field stored encrypted; the keys come from ``XAPI_ROUTER_ENCRYPTION_KEYS``."""

    @cached_property
    def keys(self):
        keys = list(router_settings.ENCRYPTION_KEYS or [])
        return keys or [settings.SECRET_KEY]


class LrsUrlValidator(URLValidator):
    """
    Django's URL validation, which also takes a single-label host name (``http://ralph:8100/...``).

    Django's ``URLValidator`` wants a dotted domain with a top-level domain (or ``localhost``), but
    an LRS is often a service on the deployment's own network, named by one label: Aspects' Ralph is
    ``http://ralph:8100/xAPI/`` (tutor-contrib-aspects 6.1.0, ``templates/aspects/jobs/init/lms/
    init-lms.sh``), and Docker Compose and Kubernetes services resolve by their bare names.
    """

    def __call__(self, value):
        parts = urlsplit(str(value))
        host = parts.hostname or ""
        if SINGLE_LABEL_HOST.fullmatch(host):
            # Validate the rest of the URL as Django does, with a host Django accepts in its place.
            credentials, _, host_port = parts.netloc.rpartition("@")
            host_port = host_port.replace(host, f"{host}.internal", 1)
            value = urlunsplit(parts._replace(netloc=f"{credentials}@{host_port}" if credentials else host_port))
        super().__call__(value)


# A host name of one label (RFC 1123): letters, digits, inner hyphens; not all digits.
SINGLE_LABEL_HOST = re.compile(r"(?!\d+$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?", re.IGNORECASE)


class LrsUrlFormField(forms.URLField):
    """The admin's statements URL field, validated with :class:`LrsUrlValidator`."""

    default_validators = [LrsUrlValidator(schemes=["http", "https"])]


class LrsUrlField(models.URLField):
    """
    A ``URLField`` validated with :class:`LrsUrlValidator` (model and form).

    The column is a ``URLField``'s, so migrations record it as ``django.db.models.URLField``: only
    validation differs, which the database never sees.
    """

    default_validators = [LrsUrlValidator(schemes=["http", "https"])]

    def formfield(self, **kwargs):
        # A URL typed without a scheme becomes https:// (Django 6's default, said now to silence its warning).
        return super().formfield(**{"form_class": LrsUrlFormField, "assume_scheme": "https", **kwargs})

    def deconstruct(self):
        name, _path, args, kwargs = super().deconstruct()
        return name, "django.db.models.URLField", args, kwargs
