"""
Default settings of the xAPI router, and the wiring of its event-tracking backend.

The settings, their defaults and their Open edX annotations are the table of
:mod:`openedx_xapi_router.conf`: this module only applies it to the LMS's settings.
"""

import logging

from django.utils.module_loading import import_string

from openedx_xapi_router.conf import SETTINGS, router_settings, settings_of

log = logging.getLogger(__name__)

TRACKING_BACKEND_ENGINE = "openedx_xapi_router.backends.tracking.XapiRouterBackend"


def count_router_backends(config):
    """
    How many backend entries in ``config`` (``EVENT_TRACKING_BACKENDS``, or any part of it) have
    the router's ENGINE, searching nested options as well: event-routing-backends nests backends
    inside an ``AsyncRoutingBackend``'s ``OPTIONS["backends"]``, and processors sit in
    ``OPTIONS["processors"]``.
    """
    if isinstance(config, dict):
        own = 1 if config.get("ENGINE") == TRACKING_BACKEND_ENGINE else 0
        return own + sum(count_router_backends(value) for value in config.values())
    if isinstance(config, (list, tuple)):
        return sum(count_router_backends(value) for value in config)
    return 0


def plugin_settings(settings):
    """
    Set the defaults of every ``XAPI_ROUTER_*`` setting not already set, then wire the backend.

    Called by the LMS for the ``common`` settings type (and by ``production``/``test`` after they
    apply their overrides). Safe to call more than once.
    """
    for setting in SETTINGS:
        if not hasattr(settings, setting.name):
            setattr(settings, setting.name, setting.fresh_default())
    add_tracking_backend(settings)


def add_tracking_backend(settings):
    """
    Add the router's backend to ``settings.EVENT_TRACKING_BACKENDS`` while the router is enabled.

    Backends already configured are left exactly as they are; calling this twice leaves exactly
    one router backend. While ``XAPI_ROUTER_ENABLED`` is False nothing is added.
    """
    ours = settings_of(settings)
    if not ours.ENABLED:
        return
    backends = getattr(settings, "EVENT_TRACKING_BACKENDS", None)
    if backends is None:
        backends = {}
        settings.EVENT_TRACKING_BACKENDS = backends
    name = ours.BACKEND_NAME
    if name in backends:
        return
    backends[name] = {"ENGINE": TRACKING_BACKEND_ENGINE, "OPTIONS": {}}


def ensure_tracking_backend():
    """
    At start-up (the app's ``ready()``), while ``XAPI_ROUTER_ENABLED`` is True: put the router's
    backend back when the settings lost it after plugin settings ran, and log it.

    Two ways it gets lost, both seen in the LMS:

    * event-routing-backends' production plugin settings replace ``EVENT_TRACKING_BACKENDS`` with
      the YAML's when the YAML sets it (``settings.EVENT_TRACKING_BACKENDS =
      settings.ENV_TOKENS.get("EVENT_TRACKING_BACKENDS", ...)``), and plugins run in no set order;
    * a Python settings module sets ``XAPI_ROUTER_ENABLED = True`` after ``from lms.envs.test
      import *`` (or production): the plugin settings already ran with it False.

    The tracker is built from the settings by event-tracking's app (``eventtracking.django``),
    whose ``ready()`` runs before ours (it comes first in the LMS's ``INSTALLED_APPS``, plugins are
    appended): so the backend is also registered on the default tracker when that tracker is
    already built. Returns what was done: ``None`` (nothing to do), ``"settings"`` or
    ``"settings+tracker"``. The system check ``xapi_router.E008`` reports a backend still missing.
    """
    from django.conf import settings  # pylint: disable=import-outside-toplevel

    if not router_settings.ENABLED:
        return None

    if count_router_backends(getattr(settings, "EVENT_TRACKING_BACKENDS", None) or {}):
        return None
    add_tracking_backend(settings)
    done = "settings"
    try:
        from eventtracking import tracker  # pylint: disable=import-outside-toplevel
        from eventtracking.django.django_tracker import DjangoTracker  # pylint: disable=import-outside-toplevel
    except ImportError:  # pragma: no cover - event-tracking is a requirement
        tracker = None
    if tracker is not None:
        try:
            default = tracker.get_tracker()
        except KeyError:  # no tracker registered (EVENT_TRACKING_ENABLED is False): the settings will do
            default = None
        if isinstance(default, DjangoTracker) and router_settings.BACKEND_NAME not in default.backends:
            # By its ENGINE path, as event-tracking itself loads backends (no import cycle through the backend).
            backend_class = import_string(TRACKING_BACKEND_ENGINE)
            default.routing_backend.register_backend(router_settings.BACKEND_NAME, backend_class())
            done = "settings+tracker"
    log.warning(
        "xapi_router: XAPI_ROUTER_ENABLED is True but EVENT_TRACKING_BACKENDS had no xAPI router backend "
        "(replaced after the router's plugin settings ran, or XAPI_ROUTER_ENABLED set after them): "
        "added it again as %r (%s)", router_settings.BACKEND_NAME, done,
    )
    return done
