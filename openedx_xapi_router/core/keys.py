"""
Course keys and usage keys: the one rule every transformer uses to read and build them.

The LMS writes three forms of course key in ``context.course_id`` (opaque-keys' ``CourseLocator``
and ``CCXLocator``, openedx/opaque-keys ``opaque_keys/edx/locator.py``):

=================================== ============================================================
course key                          usage key of its block ``<type>``/``<id>``
=================================== ============================================================
``course-v1:ORG+COURSE+RUN``        ``block-v1:ORG+COURSE+RUN+type@<type>+block@<id>``
``ccx-v1:ORG+COURSE+RUN+ccx@N``     ``ccx-block-v1:ORG+COURSE+RUN+ccx@N+type@<type>+block@<id>``
``ORG/COURSE/RUN`` (deprecated)     ``i4x://ORG/COURSE/<type>/<id>`` (no run: the old ``Location``)
=================================== ============================================================

Courses made before 2014 (and their logs) keep the deprecated form; every event of such a course
carries it, so every transformer accepts it. The old ``Location`` names a block in a page (and in
a browser event's ``id`` or form field names) by its HTML id, ``i4x-ORG-COURSE-<type>-<id>``
(``Location.html_id``: the ``tag``, ``org``, ``course``, ``category`` and ``name`` joined with ``-``,
in ``xmodule/modulestore/__init__.py`` of the edx-platform releases before opaque-keys, read
through the search index without a commit): :func:`block_usage_key` takes either that or the
bare ``<id>``.
"""
import re
from functools import lru_cache
from typing import NamedTuple

from openedx_xapi_router.core.errors import InvalidEvent

_PART = r"[\w.~-]+"
_COURSE_KEY_RE = re.compile(rf"^course-v1:({_PART})\+({_PART})\+({_PART})$", re.ASCII)
_CCX_KEY_RE = re.compile(rf"^ccx-v1:({_PART})\+({_PART})\+({_PART})\+ccx@(\d+)$", re.ASCII)
_OLD_COURSE_KEY_RE = re.compile(rf"^({_PART})/({_PART})/({_PART})$", re.ASCII)
#: A usage key, course key or id as the LMS writes them (``block-v1:O+C+R+type@problem+block@ab12``,
#: ``i4x://O/C/problem/ab12``): no whitespace, quotes, brackets, ``?`` or ``#``, so that it can sit
#: inside an IRI unchanged.
IRI_SAFE_KEY_RE = re.compile(r"^[\w.~:@+/=-]+$")


class CourseKey(NamedTuple):
    """
    A parsed course key.

    Attributes:
        text: the key as the event wrote it.
        org, course, run: its three parts.
        ccx: the custom course's number (a string) for a CCX key, else None.
        deprecated: True for the old ``ORG/COURSE/RUN`` form.
    """

    text: str
    org: str
    course: str
    run: str
    ccx: str | None = None
    deprecated: bool = False


@lru_cache(maxsize=4096)
def parse_course_key(value):
    """The :class:`CourseKey` of ``value``, or None when it is not a course key the LMS writes."""
    if not isinstance(value, str):
        return None
    match = _COURSE_KEY_RE.match(value)
    if match:
        return CourseKey(value, *match.groups())
    match = _CCX_KEY_RE.match(value)
    if match:
        return CourseKey(value, *match.groups())
    match = _OLD_COURSE_KEY_RE.match(value)
    if match:
        return CourseKey(value, *match.groups(), deprecated=True)
    return None


def valid_course_key(value):
    """True when ``value`` is a course key the LMS writes, in any of its three forms."""
    return parse_course_key(value) is not None


def block_usage_key(course_key, block_type, block_id):
    """
    The usage key of block ``block_id`` of type ``block_type`` in ``course_key`` (a
    :class:`CourseKey`), in the form that course's keys take (see the module's table).

    For a deprecated course, ``block_id`` may be the old HTML id (``i4x-ORG-COURSE-<type>-<id>``),
    as browser events name blocks there; its prefix is dropped.
    """
    if course_key.deprecated:
        html_prefix = f"i4x-{course_key.org}-{course_key.course}-{block_type}-"
        if block_id.startswith(html_prefix) and len(block_id) > len(html_prefix):
            block_id = block_id[len(html_prefix):]
        return f"i4x://{course_key.org}/{course_key.course}/{block_type}/{block_id}"
    course = f"{course_key.org}+{course_key.course}+{course_key.run}"
    if course_key.ccx is not None:
        return f"ccx-block-v1:{course}+ccx@{course_key.ccx}+type@{block_type}+block@{block_id}"
    return f"block-v1:{course}+type@{block_type}+block@{block_id}"


def checked_key(event_name, field, value):
    """
    ``value`` when it is a non-empty string usable inside an IRI as is (:data:`IRI_SAFE_KEY_RE`);
    raise :class:`InvalidEvent` naming ``field`` otherwise (``missing_field`` or ``invalid_id``).
    """
    if not isinstance(value, str) or not value:
        raise InvalidEvent(event_name, field, "required field is missing or empty", kind="missing_field")
    if not IRI_SAFE_KEY_RE.match(value):
        raise InvalidEvent(event_name, field, f"not an id that can be part of an IRI: {value[:80]!r}",
                           kind="invalid_id")
    return value
