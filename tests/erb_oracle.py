"""
event-routing-backends (ERB) as a test oracle: its xAPI processor run on our events.

Sites that already send xAPI do so with ERB, and our statements must equal its statements (ids
included) for every event both handle. This module runs ERB's own ``XApiProcessor`` on events so
tests (``tests/transformers/test_differential_erb.py``) and the benchmark can compare against it::

    from tests import erb_oracle
    results = erb_oracle.transform_lines(lines)   # one entry per line
    # each entry: a list of statement dicts, or an erb_oracle.Refused

How ERB is made to run outside the LMS:

* **Django.** ERB imports Django models (``event_routing_backends.models``, which every
  transformer imports through its base mixin) and ``get_user_model()``. When Django is not
  configured (a plain script, or pytest with ``-p no:django``) this module configures a minimal
  in-memory one (``contenttypes``, ``auth``, ``event_routing_backends``). When it is already
  configured (pytest-django with ``tests.project.settings``) it is reused as is. If those settings
  do not list ``event_routing_backends`` in ``INSTALLED_APPS``, the app is installed only while
  ERB's modules are first imported (``apps.set_installed_apps`` / ``unset_installed_apps``, the
  mechanism ``override_settings(INSTALLED_APPS=...)`` uses), so the model class can be defined
  but the project's app registry, and the test database, stay as the settings declare them.
* **Settings.** ERB reads ``LMS_ROOT_URL``, ``XAPI_AGENT_IFI_TYPE``, ``RUNNING_WITH_TEST_SETTINGS``
  (which stamps ``event-routing-backends@1.1.1`` as transformer version) and two toggles. They are
  applied with ``override_settings`` only around ERB calls (:data:`ERB_SETTINGS`).
* **LMS lookups.** ERB calls ``get_anonymous_user_id`` and ``get_course_from_id`` from the LMS's
  database. Both are replaced, at every module that imports them, for the duration of a call, by
  the resolvers our own tests use (``tests/transformers/samples.py``): every learner is
  :data:`~tests.transformers.samples.ACTOR_NAME`, every course is "Demonstration Course". As in
  ERB, an event with no user (an anonymous browser event) gets no actor: ``ValueError``.
* **Log lines** are normalised as ERB's ``transform_tracking_logs`` does (``parse_json_event``):
  ``data`` is ``json.loads(event)`` when ``event`` is a JSON string, else ``event`` as is, and
  ``timestamp`` is ``time`` when absent.
"""
import contextlib
import json
import logging
import os
from dataclasses import dataclass
from unittest import mock

from tests.transformers import samples

#: The settings ERB reads, applied around every oracle call.
ERB_SETTINGS = {
    "LMS_ROOT_URL": samples.LMS_ROOT_URL,
    "XAPI_AGENT_IFI_TYPE": "external_id",
    "RUNNING_WITH_TEST_SETTINGS": True,
    "XAPI_EVENTS_ENABLED": True,
    "XAPI_EVENT_LOGGING_ENABLED": False,
}

#: Every module that imports one of the two LMS lookups by name (``grep -rn "get_anonymous_user_id\|
#: get_course_from_id" event_routing_backends``), with the names it imports.
LOOKUP_IMPORT_SITES = {
    "event_routing_backends.helpers": ("get_anonymous_user_id", "get_course_from_id"),
    "event_routing_backends.processors.xapi.transformer": ("get_anonymous_user_id", "get_course_from_id"),
    "event_routing_backends.processors.xapi.event_transformers.enrollment_events": ("get_course_from_id",),
    "event_routing_backends.processors.xapi.event_transformers.grading_events": ("get_course_from_id",),
    "event_routing_backends.processors.caliper.transformer": ("get_anonymous_user_id",),
    "event_routing_backends.processors.caliper.event_transformers.enrollment_events": ("get_course_from_id",),
    "event_routing_backends.processors.caliper.event_transformers.problem_interaction_events": (
        "get_anonymous_user_id",
    ),
}

#: Minimal settings for running ERB when nothing configured Django.
STANDALONE_SETTINGS = {
    "INSTALLED_APPS": ["django.contrib.contenttypes", "django.contrib.auth", "event_routing_backends"],
    "DATABASES": {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}},
    "USE_TZ": True,
    "SECRET_KEY": "erb-oracle-not-secret",
    "FERNET_KEYS": ["erb-oracle-not-secret"],
    "DEFAULT_AUTO_FIELD": "django.db.models.AutoField",
    "CACHES": {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}},
    "LOGGING_CONFIG": None,
}

ERB_APP = "event_routing_backends"


@dataclass(frozen=True)
class Refused:
    """
    ERB gave no statement for an event.

    Attributes:
        reason: ``no_transformer`` (no xAPI transformer for the name), ``error`` (the transformer
            raised), or ``no_statement`` (the processor dropped it, e.g. a statement without an
            object id).
        detail: the exception as ``Type: message`` for ``error``; "" otherwise.
    """

    reason: str
    detail: str = ""


NO_TRANSFORMER = Refused("no_transformer")
NO_STATEMENT = Refused("no_statement")


def _anonymous_user_id(username_or_id, external_type):  # pylint: disable=unused-argument
    """ERB's ``get_anonymous_user_id``, with every known learner mapped to the reference actor id."""
    if not username_or_id:
        # ERB's get_user() returns None for an empty user, and get_anonymous_user_id raises.
        raise ValueError(f"User with username {username_or_id} does not exist.")
    return samples.ACTOR_NAME


def _course_from_id(course_id):  # pylint: disable=unused-argument
    """ERB's ``get_course_from_id``: every course is the reference course."""
    return {"display_name": samples.COURSE_NAME}


_state = {}


def _configure_django():
    """Reuse the configured Django, or configure a minimal one; return the app registry, set up."""
    import django  # pylint: disable=import-outside-toplevel
    from django.conf import settings  # pylint: disable=import-outside-toplevel

    if not settings.configured and os.environ.get("DJANGO_SETTINGS_MODULE"):
        try:
            settings.INSTALLED_APPS  # noqa: B018  (loads the settings module)
        except ImportError:
            pass  # the named settings module is not importable: fall back to the standalone settings
    if not settings.configured:
        settings.configure(**STANDALONE_SETTINGS)
    from django.apps import apps  # pylint: disable=import-outside-toplevel

    if not apps.ready:
        django.setup()
    return apps


def processor():
    """ERB's ``XApiProcessor``, with Django set up and ERB's transformers registered (once)."""
    if "processor" in _state:
        return _state["processor"]
    erb_logger = logging.getLogger(ERB_APP)
    level = erb_logger.level
    # ERB's helpers log an ImportError traceback when the LMS is absent (it is, by design).
    erb_logger.setLevel(logging.CRITICAL + 1)
    apps = _configure_django()
    installed_temporarily = not apps.is_installed(ERB_APP)
    if installed_temporarily:
        # Define ERB's model class and run its AppConfig.ready() (which imports the transformers)
        # with the app installed; then give the project back its own app registry.
        apps.set_installed_apps([*(config.name for config in apps.get_app_configs()), ERB_APP])
    try:
        # pylint: disable=import-outside-toplevel
        from event_routing_backends.processors.xapi import event_transformers  # noqa: F401  pylint: disable=unused-import
        from event_routing_backends.processors.xapi.registry import XApiTransformersRegistry
        from event_routing_backends.processors.xapi.transformer_processor import XApiProcessor

        for module_name in LOOKUP_IMPORT_SITES:
            __import__(module_name)
    finally:
        erb_logger.setLevel(level)
        if installed_temporarily:
            apps.unset_installed_apps()
    _state["registry"] = XApiTransformersRegistry
    _state["processor"] = XApiProcessor()
    return _state["processor"]


def registered_names():
    """Every event name ERB has an xAPI transformer for."""
    processor()
    return set(_state["registry"].mapping)


@contextlib.contextmanager
def erb_environment():
    """ERB's settings, the reference lookups patched in, and ERB's logging silenced, for one batch of calls."""
    processor()
    from django.test.utils import override_settings  # pylint: disable=import-outside-toplevel

    with contextlib.ExitStack() as stack:
        stack.enter_context(override_settings(**ERB_SETTINGS))
        replacements = {"get_anonymous_user_id": _anonymous_user_id, "get_course_from_id": _course_from_id}
        for module_name, names in LOOKUP_IMPORT_SITES.items():
            for name in names:
                stack.enter_context(mock.patch(f"{module_name}.{name}", replacements[name]))
        erb_logger = logging.getLogger(ERB_APP)
        level = erb_logger.level
        erb_logger.setLevel(logging.CRITICAL + 1)
        stack.callback(erb_logger.setLevel, level)
        yield


def normalize_line(raw):
    """
    One tracking-log event (a dict) as ERB's ``transform_tracking_logs`` hands it to the processor.

    A copy: ``data`` is ``json.loads(event)`` when ``event`` is a JSON string, else ``event`` as is;
    ``timestamp`` is ``time`` when the line has no ``timestamp``. A dict without ``event`` (the live
    form) is returned unchanged.
    """
    event = dict(raw)
    if "event" in event:
        payload = event["event"]
        if isinstance(payload, str):
            try:
                payload = json.loads(payload)
            except json.JSONDecodeError:
                pass
        event["data"] = payload
    if "timestamp" not in event and "time" in event:
        event["timestamp"] = event["time"]
    return event


def _transform_one(xapi_processor, registry, event):
    if event.get("name") not in registry.mapping:
        return NO_TRANSFORMER
    try:
        statements = xapi_processor.transform_event(event)
    except Exception as error:  # pylint: disable=broad-except
        return Refused("error", f"{type(error).__name__}: {error}")
    if not statements:
        return NO_STATEMENT
    return statements


def transform_events(events):
    """
    ERB's statements for each event dict (already normalised or in the live form).

    Returns one entry per event: a list of statement dicts (``json.loads(statement.to_json())``, in
    ERB's order), or a :class:`Refused`.
    """
    xapi_processor = processor()
    registry = _state["registry"]
    with erb_environment():
        return [_transform_one(xapi_processor, registry, event) for event in events]


def transform_event(event):
    """ERB's statements for one event dict, or a :class:`Refused`."""
    return transform_events([event])[0]


def transform_lines(lines):
    """ERB's statements for each tracking-log line (str or bytes, one JSON object), normalised as ERB does."""
    return transform_events([normalize_line(json.loads(line)) for line in lines])
