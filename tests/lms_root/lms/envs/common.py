"""
The test LMS's common settings: the parts of edx-platform ``lms/envs/common.py`` the router meets.

Mirrored (openedx/openedx-platform e57a655d77b614f19223984e9805b1fb940ab192):

* ``EVENT_TRACKING_BACKENDS``: ``tracking_logs`` and ``segmentio``, each an event-tracking
  ``RoutingBackend`` with the LMS's processors (``common.djangoapps.track.shim``'s
  ``LegacyFieldMappingProcessor`` then ``PrefixedEventProcessor`` for the tracking log; a
  ``NameWhitelistProcessor`` with an empty list for Segment); ``EVENT_TRACKING_PROCESSORS = []``;
* ``INSTALLED_APPS`` lists event-tracking's Django app before the plugin apps, which are appended
  last with ``get_plugin_apps(ProjectType.LMS)``;
* the settings end with ``add_plugins(__name__, ProjectType.LMS, SettingsType.COMMON)``: every
  plugin's ``common`` settings run here, before any YAML is read (``lms.envs.production``).

Ours, not the LMS's: SQLite at ``$XAPI_ROUTER_TEST_LMS_DB``, a console log, no Segment backend
(its whitelist is empty, so it is never reached; the ``analytics`` package is not installed).
"""
# pylint: disable=invalid-name
import importlib.util
import os

from edx_django_utils.plugins import add_plugins, get_plugin_apps

from openedx.core.djangoapps.plugins.constants import ProjectType, SettingsType

SECRET_KEY = "insecure-secret-of-the-test-lms"
DEBUG = False
ALLOWED_HOSTS = ["*"]
USE_TZ = True
TIME_ZONE = "UTC"
LMS_ROOT_URL = "http://localhost:18000"
ROOT_URLCONF = "lms.urls"
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"
STATIC_URL = "/static/"

DATABASES = {
    "default": {"ENGINE": "django.db.backends.sqlite3", "NAME": os.environ.get("XAPI_ROUTER_TEST_LMS_DB", ":memory:")},
}
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.admin",
    "eventtracking.django.apps.EventTrackingConfig",
    "openedx.core.djangoapps.external_user_ids",
    "openedx.core.djangoapps.content.course_overviews.apps.CourseOverviewsConfig",
]
# The LMS always installs these; here only when their package is (event-routing-backends needs them).
INSTALLED_APPS += [app for app in ("config_models", "celery_utils") if importlib.util.find_spec(app)]

TEMPLATES = [{
    "BACKEND": "django.template.backends.django.DjangoTemplates",
    "APP_DIRS": True,
    "OPTIONS": {"context_processors": [
        "django.template.context_processors.request",
        "django.contrib.auth.context_processors.auth",
        "django.contrib.messages.context_processors.messages",
    ]},
}]
MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
]

# Retired learners (common.djangoapps.student.models.get_potentially_retired_user_by_username).
RETIRED_USERNAME_PREFIX = "retired__user_"
RETIRED_USERNAME_FMT = RETIRED_USERNAME_PREFIX + "{}"
RETIRED_USER_SALTS = ["abc", "123"]

############################# Event tracking (as the LMS) #############################
TRACK_MAX_EVENT = 50000
EVENT_TRACKING_ENABLED = True
EVENT_TRACKING_BACKENDS = {
    "tracking_logs": {
        "ENGINE": "eventtracking.backends.routing.RoutingBackend",
        "OPTIONS": {
            "backends": {
                "logger": {
                    "ENGINE": "eventtracking.backends.logger.LoggerBackend",
                    "OPTIONS": {"name": "tracking", "max_event_size": TRACK_MAX_EVENT},
                },
            },
            "processors": [
                {"ENGINE": "common.djangoapps.track.shim.LegacyFieldMappingProcessor"},
                {"ENGINE": "common.djangoapps.track.shim.PrefixedEventProcessor"},
            ],
        },
    },
    "segmentio": {
        "ENGINE": "eventtracking.backends.routing.RoutingBackend",
        "OPTIONS": {
            "backends": {},
            "processors": [
                {"ENGINE": "eventtracking.processors.whitelist.NameWhitelistProcessor", "OPTIONS": {"whitelist": []}},
            ],
        },
    },
}
EVENT_TRACKING_PROCESSORS = []
EVENT_TRACKING_SEGMENTIO_EMIT_WHITELIST = []

############################# Celery (the LMS's names) #############################
CELERY_BROKER_TRANSPORT = "redis"
CELERY_BROKER_HOSTNAME = "127.0.0.1:6379"
CELERY_BROKER_VHOST = "0"
CELERY_BROKER_USER = ""
CELERY_BROKER_PASSWORD = ""
CELERY_DEFAULT_QUEUE = "edx.lms.core.default"
CELERY_IGNORE_RESULT = True
CELERY_TIMEZONE = "UTC"
CELERYD_HIJACK_ROOT_LOGGER = False

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {
        "openedx_xapi_router": {"level": "INFO"},
        "tracking": {"level": "CRITICAL"},  # the tracking log itself: not needed on the console
    },
}

############################# Plugins (last, as in the LMS) #############################
INSTALLED_APPS.extend(get_plugin_apps(ProjectType.LMS))
add_plugins(__name__, ProjectType.LMS, SettingsType.COMMON)
