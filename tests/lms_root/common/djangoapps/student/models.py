"""
Mirrors ``get_potentially_retired_user_by_username`` of edx-platform ``common.djangoapps.student.models``
(openedx/openedx-platform e57a655d77b614f19223984e9805b1fb940ab192, ``common/djangoapps/student/models/user.py``).

``get_potentially_retired_user_by_username(username)`` returns the user whose username is
``username`` or one of its retired forms (``RETIRED_USERNAME_FMT`` filled with a salted hash,
one per ``RETIRED_USER_SALTS``), preferring a live user; it raises ``User.DoesNotExist`` when
there is none. The hash here is our own stand-in for the LMS's (edx user-util's): the router only
relies on "a retired username is found, an unknown one raises DoesNotExist".
"""
import hashlib

from django.conf import settings
from django.contrib.auth import get_user_model


def _retired_usernames(username):
    fmt = getattr(settings, "RETIRED_USERNAME_FMT", "retired__user_{}")
    salts = getattr(settings, "RETIRED_USER_SALTS", ["abc"])
    return [fmt.format(hashlib.sha256((salt + username.lower()).encode("utf8")).hexdigest()) for salt in salts]


def get_potentially_retired_user_by_username(username):
    """The live or retired user named ``username``; raises ``User.DoesNotExist`` when none."""
    user_model = get_user_model()
    candidates = list(user_model.objects.filter(username__in=[username, *_retired_usernames(username)]))
    if not candidates:
        raise user_model.DoesNotExist(f"no live or retired user {username!r}")
    live = [user for user in candidates if user.username == username]
    return (live or candidates)[0]
