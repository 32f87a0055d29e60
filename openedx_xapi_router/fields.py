"""
Encrypted model fields for LRS credentials.

Values are encrypted with Fernet under ``XAPI_ROUTER_ENCRYPTION_KEYS`` (first key encrypts, every
key decrypts: see README, "Rotating the encryption key"); with no key configured, the LMS's
``SECRET_KEY`` is used, as django-fernet-fields does.
"""
from django.conf import settings
from django.utils.functional import cached_property
from fernet_fields import EncryptedTextField


class EncryptedSecretField(EncryptedTextField):
    """A text field stored encrypted; the keys come from ``XAPI_ROUTER_ENCRYPTION_KEYS``."""

    @cached_property
    def keys(self):
        keys = list(getattr(settings, "XAPI_ROUTER_ENCRYPTION_KEYS", None) or [])
        return keys or [settings.SECRET_KEY]
