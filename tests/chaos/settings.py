"""
Settings of the chaos suite's processes: the test project's, with event-tracking wired as the
LMS wires it and the router enabled.

As in the LMS (``lms/envs/common.py``: ``EVENT_TRACKING_ENABLED = True``, the app
``eventtracking.django.apps.EventTrackingConfig`` whose ``ready()`` calls
``override_default_tracker()``), the default tracker is a ``DjangoTracker`` built from
``EVENT_TRACKING_BACKENDS``. The router adds its backend there (``plugin_settings`` with
``XAPI_ROUTER_ENABLED = True``). Beside it, ``chaos_ledger`` (:class:`tests.chaos.lms_process.LedgerBackend`)
reports each event as the tracker hands it to the backends: event-tracking's ``RoutingBackend``
calls its backends in sorted name order (``eventtracking/backends/routing.py``, event-tracking
4.0.2), so the ledger sees an event before the router does.

Environment: ``XAPI_ROUTER_PUBLISH_IN_BACKGROUND=1`` turns on background publishing; the rest is
the test project's (``XAPI_ROUTER_BROKER_URL``, ``XAPI_ROUTER_DATABASE_URL``,
``XAPI_ROUTER_CELERY_QUEUE``, ``XAPI_ROUTER_TEST_ENCRYPTION_KEYS``, ``XAPI_ROUTER_TEST_ALLOW_INSECURE_HTTP``).
"""
import os
import sys

from openedx_xapi_router.settings import common as _router_settings
from tests.project.settings import *  # noqa: F401,F403  pylint: disable=wildcard-import,unused-wildcard-import
from tests.project.settings import INSTALLED_APPS as _PROJECT_APPS

INSTALLED_APPS = [*_PROJECT_APPS, "eventtracking.django.apps.EventTrackingConfig"]
EVENT_TRACKING_ENABLED = True
EVENT_TRACKING_BACKENDS = {"chaos_ledger": {"ENGINE": "tests.chaos.lms_process.LedgerBackend", "OPTIONS": {}}}
XAPI_ROUTER_ENABLED = True
XAPI_ROUTER_PUBLISH_IN_BACKGROUND = os.environ.get("XAPI_ROUTER_PUBLISH_IN_BACKGROUND", "") == "1"
# ``0``: the worker takes Redis messages with kombu's own BRPOP (the cause of issue 13's known failure).
XAPI_ROUTER_REDIS_RELIABLE_FETCH = os.environ.get("XAPI_ROUTER_REDIS_RELIABLE_FETCH", "1") != "0"
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(process)d %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {"event_routing_backends.helpers": {"level": "CRITICAL"},
                "openedx_xapi_router": {"level": "INFO"},
                # the id-level trace of each message through the worker (buffered, flushed, settled)
                "openedx_xapi_router.delivery.batching": {"level": "DEBUG"}},
}

_router_settings.add_tracking_backend(sys.modules[__name__])
