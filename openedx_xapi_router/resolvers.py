"""
The resolvers the live path and the backfill command inject into the pure core, built from Django
settings and, inside the LMS, from the LMS's own data.

Inside the LMS:

- the actor is the learner's external id of type ``xapi``, read (or made, on first use) with the
  LMS's own ``ExternalId.add_new_user_id`` (``openedx.core.djangoapps.external_user_ids``): the
  very call event-routing-backends' ``get_anonymous_user_id`` makes, so a site that switches from
  event-routing-backends keeps every actor id, and event-routing-backends is not needed;
- a Caliper event's actor is the learner's external id of type ``caliper`` (the same LMS call with
  ``ExternalIdType.CALIPER``), as event-routing-backends' Caliper transformer names it
  (``get_anonymous_user_id(..., 'CALIPER')``): a learner's xAPI and Caliper ids differ, as in ERB;
- a course's display name comes from the LMS's course overview API, ``get_course_overviews``,
  which returns serializer data: a list of dicts (``course["display_name"]``).

Both are cached in-process for a bounded time. A user the LMS does not know, or a retired user,
and a course it does not know, give no statement: the core counts them as skipped by reason
(``unknown_user``, ``retired_user``, ``unknown_course``). The router never invents a random actor
id or an "Unknown Course" name.

Outside the LMS (the standalone project, tests, a backfill on another machine), the actor id is a
pseudonym derived from the user id with ``XAPI_ROUTER_ACTOR_SECRET``, or an email form
(``mbox``/``mbox_sha1sum``).
"""
import logging
import time
from collections import OrderedDict

from django.conf import settings

from openedx_xapi_router.conf import router_settings
from openedx_xapi_router.core.context import (
    Actor,
    EmailActorResolver,
    PseudonymousActorResolver,
    TransformContext,
)
from openedx_xapi_router.core.errors import ConfigurationError, EventSkipped

log = logging.getLogger(__name__)

#: The actor id sources ``XAPI_ROUTER_ACTOR_ID_SOURCE`` accepts.
ACTOR_ID_SOURCES = ("lms_external_id", "pseudonymous", "mbox", "mbox_sha1sum")

RETIRED_USERNAME_PREFIX_DEFAULT = "retired__user_"


class TtlCache:
    """
    A small LRU cache whose entries expire: learners retire and courses get renamed, so a long-lived
    LMS process must not keep an answer for ever. Negative answers (skips) are cached too.
    """

    def __init__(self, maxsize=20000, ttl=300.0, clock=time.monotonic):
        self.maxsize = maxsize
        self.ttl = ttl
        self.clock = clock
        self._data = OrderedDict()

    def get_or_compute(self, key, compute):
        """The cached value for ``key``, else ``compute()`` stored; a raised EventSkipped is cached and re-raised."""
        now = self.clock()
        entry = self._data.get(key)
        if entry is not None and entry[0] > now:
            self._data.move_to_end(key)
            value = entry[1]
        else:
            try:
                value = compute()
            except EventSkipped as skipped:
                value = skipped
            self._data[key] = (now + self.ttl, value)
            self._data.move_to_end(key)
            while len(self._data) > self.maxsize:
                self._data.popitem(last=False)
        if isinstance(value, EventSkipped):
            raise EventSkipped(value.event_name, value.reason, value.detail)
        return value

    def clear(self):
        """Forget everything."""
        self._data.clear()


class LmsActorResolver:
    """
    Actor ids from the LMS: the learner's external id of type ``xapi`` (the same id
    event-routing-backends sends), as an account on the LMS.

    Arguments:
        home_page: the LMS root URL.
        user_finder: ``callable(user_id_or_username) -> user or None``.
        retired_check: ``callable(user) -> bool``.
        external_id: ``callable(user) -> str``, the xAPI external id.
    """

    def __init__(self, home_page, user_finder, retired_check, external_id, cache=None):
        self.home_page = home_page
        self.find_user = user_finder
        self.is_retired = retired_check
        self.external_id = external_id
        self.cache = cache or TtlCache()

    def _resolve(self, user_key):
        user = self.find_user(user_key)
        if user is None:
            raise EventSkipped(None, "unknown_user", f"no user {user_key!r}")
        if self.is_retired(user):
            raise EventSkipped(None, "retired_user", f"user id {user.id} is retired")
        return Actor.account(self.home_page, str(self.external_id(user)))

    def __call__(self, user_key, username=None):
        return self.cache.get_or_compute(str(user_key), lambda: self._resolve(user_key))


class LmsCourseNameResolver:
    """
    Course display names from the LMS's course overviews.

    Arguments:
        find_display_name: ``callable(course_id) -> display name, or None when the course is unknown``.
    """

    def __init__(self, find_display_name, cache=None):
        self.find_display_name = find_display_name
        self.cache = cache or TtlCache(maxsize=5000)

    def _resolve(self, course_id):
        name = self.find_display_name(course_id)
        if name is None:
            raise EventSkipped(None, "unknown_course", f"no course {course_id!r}")
        return name

    def __call__(self, course_id):
        return self.cache.get_or_compute(course_id, lambda: self._resolve(course_id))


def find_user(user_key):
    """The user with id ``user_key`` (an int or digit string), else with that username; None if none."""
    from django.contrib.auth import get_user_model  # pylint: disable=import-outside-toplevel

    user_model = get_user_model()
    if isinstance(user_key, int) or (isinstance(user_key, str) and user_key.isdigit()):
        user = user_model.objects.filter(id=int(user_key)).first()
        if user is not None:
            return user
    user = user_model.objects.filter(username=str(user_key)).first()
    if user is None:
        user = _find_retired_user(str(user_key))
    return user


def _find_retired_user(username):
    """
    The user the LMS's ``get_potentially_retired_user_by_username(username)`` finds (a live user of
    that name, or the retired user whose hashed name it is), None when it raises
    ``User.DoesNotExist`` (edx-platform ``common.djangoapps.student.models``) or outside the LMS.
    """
    from django.core.exceptions import ObjectDoesNotExist  # pylint: disable=import-outside-toplevel

    try:
        # pylint: disable=import-outside-toplevel
        from common.djangoapps.student.models import get_potentially_retired_user_by_username
    except ImportError:
        return None
    try:
        return get_potentially_retired_user_by_username(username)
    except ObjectDoesNotExist:
        return None


def is_retired(user):
    """True for a user the LMS has retired (username or email rewritten with the retired prefix)."""
    prefix = getattr(settings, "RETIRED_USERNAME_PREFIX", RETIRED_USERNAME_PREFIX_DEFAULT)
    return user.username.startswith(prefix) or (not user.is_active and user.email.endswith("@retired.invalid"))


def _lms_external_id(user, type_name):
    """The learner's external id of type ``type_name`` (an ``ExternalIdType`` constant), made on first use."""
    # pylint: disable=import-outside-toplevel,import-error
    from openedx.core.djangoapps.external_user_ids.models import ExternalId

    external_id, _created = ExternalId.add_new_user_id(user, type_name)
    if external_id is None:
        raise ConfigurationError(
            f"the LMS has no external id type {type_name!r} (ExternalIdType): run the LMS's migrations "
            "(external_user_ids), or set XAPI_ROUTER_ACTOR_ID_SOURCE to 'pseudonymous'"
        )
    return str(external_id.external_user_id)


def lms_external_id(user):
    """
    The learner's external id of type ``xapi``, from the LMS's ``ExternalId.add_new_user_id(user,
    ExternalIdType.XAPI)`` (it returns ``(external_id, created)``, ``(None, False)`` when the type
    does not exist), as a string: the value event-routing-backends' ``get_anonymous_user_id(user,
    "XAPI")`` gives for the same learner.

    Contract: edx-platform ``openedx/core/djangoapps/external_user_ids/models.py`` (openedx/
    openedx-platform e57a655d77b614f19223984e9805b1fb940ab192); event-routing-backends 9.3.8
    ``helpers.get_anonymous_user_id``.

    Raises:
        ConfigurationError: the LMS has no external id type ``xapi`` (its data migration did not run).
    """
    from openedx.core.djangoapps.external_user_ids.models import ExternalIdType  # pylint: disable=import-error

    return _lms_external_id(user, ExternalIdType.XAPI)


def lms_caliper_external_id(user):
    """
    The learner's external id of type ``caliper`` (``ExternalId.add_new_user_id(user,
    ExternalIdType.CALIPER)``), as a string: the id event-routing-backends' Caliper actor carries,
    ``get_anonymous_user_id(self.extract_username_or_userid(), 'CALIPER')`` in its
    ``processors/caliper/transformer.py`` (``CaliperTransformer._add_actor_info``;
    openedx/event-routing-backends 000a1028dfa7e197f079d72d4af2cd92f2722b32 and 9.3.8), which reads
    ``getattr(ExternalIdType, 'CALIPER')`` (``helpers.get_anonymous_user_id``).

    Raises:
        ConfigurationError: the LMS has no external id type ``caliper``.
    """
    from openedx.core.djangoapps.external_user_ids.models import ExternalIdType  # pylint: disable=import-error

    return _lms_external_id(user, ExternalIdType.CALIPER)


def lms_course_display_name(course_id):
    """
    The course's display name from the LMS's course overview, or None when there is none.

    ``get_course_overviews(course_ids)`` returns ``CourseOverviewBaseSerializer(..., many=True).data``:
    a list of dicts, one per known course (edx-platform
    ``openedx/core/djangoapps/content/course_overviews/api.py``, openedx/openedx-platform
    e57a655d77b614f19223984e9805b1fb940ab192).
    """
    # pylint: disable=import-outside-toplevel
    from opaque_keys import InvalidKeyError
    from opaque_keys.edx.keys import CourseKey

    from openedx.core.djangoapps.content.course_overviews.api import get_course_overviews  # pylint: disable=import-error

    try:
        overviews = get_course_overviews([CourseKey.from_string(course_id)])
    except InvalidKeyError:
        return None
    if not overviews:
        return None
    return overviews[0]["display_name"]


def _user_email(user_key):
    user = find_user(user_key)
    if user is None or is_retired(user):
        return None
    return user.email


def build_actor_resolver(source, home_page):
    """The actor resolver for ``XAPI_ROUTER_ACTOR_ID_SOURCE``."""
    if source == "lms_external_id":
        return LmsActorResolver(home_page, find_user, is_retired, lms_external_id)
    if source == "pseudonymous":
        return PseudonymousActorResolver(home_page, router_settings.ACTOR_SECRET)
    if source in ("mbox", "mbox_sha1sum"):
        return EmailActorResolver(_user_email, hashed=source == "mbox_sha1sum")
    raise ConfigurationError(
        f"XAPI_ROUTER_ACTOR_ID_SOURCE is {source!r}; it must be one of {', '.join(ACTOR_ID_SOURCES)}"
    )


def build_caliper_actor_resolver(source, home_page):
    """
    The actor resolver of Caliper events for ``XAPI_ROUTER_ACTOR_ID_SOURCE``: with
    ``lms_external_id``, the learner's external id of type ``caliper`` (:func:`lms_caliper_external_id`);
    with any other source None (Caliper events name the learner as the xAPI statements do).
    """
    if source == "lms_external_id":
        return LmsActorResolver(home_page, find_user, is_retired, lms_caliper_external_id)
    return None


def build_course_name_resolver(source):
    """The course-name resolver for ``XAPI_ROUTER_COURSE_NAME_SOURCE`` (``lms`` or ``none``)."""
    if source == "lms":
        return LmsCourseNameResolver(lms_course_display_name)
    if source == "none":
        return lambda course_id: None
    raise ConfigurationError(f"XAPI_ROUTER_COURSE_NAME_SOURCE is {source!r}; it must be 'lms' or 'none'")


def lms_root_url():
    """
    This site's LMS root URL (``XAPI_ROUTER_LMS_ROOT_URL``, else the LMS's ``LMS_ROOT_URL``), without a
    trailing slash: object ids and actor home pages are built from it, and it is the sensor of
    Caliper envelopes. Raises :class:`ConfigurationError` when neither is set.
    """
    root = router_settings.LMS_ROOT_URL or getattr(settings, "LMS_ROOT_URL", None)
    if not root:
        raise ConfigurationError("set LMS_ROOT_URL (or XAPI_ROUTER_LMS_ROOT_URL): object ids are built from it")
    return root.rstrip("/")


_CONTEXT = None


def get_transform_context():
    """
    The :class:`TransformContext` built from settings, made once per process (the resolvers keep
    their caches); :func:`reset_transform_context` drops it (tests, settings changes).
    """
    global _CONTEXT  # pylint: disable=global-statement
    if _CONTEXT is None:
        root = lms_root_url()
        _CONTEXT = TransformContext(
            lms_root_url=root,
            actor_resolver=build_actor_resolver(
                router_settings.ACTOR_ID_SOURCE, root.rstrip("/")
            ),
            course_name_resolver=build_course_name_resolver(router_settings.COURSE_NAME_SOURCE),
            transformer_versions=dict(router_settings.TRANSFORMER_VERSIONS or {}),
            caliper_actor_resolver=build_caliper_actor_resolver(router_settings.ACTOR_ID_SOURCE, root),
        )
    return _CONTEXT


def reset_transform_context():
    """Forget the context made by :func:`get_transform_context`."""
    global _CONTEXT  # pylint: disable=global-statement
    _CONTEXT = None
