"""
Django settings of the standalone test project (``DJANGO_SETTINGS_MODULE=tests.project.settings``).

* Database: SQLite under ``var/`` by default; MySQL/MariaDB (through PyMySQL) when
  ``XAPI_ROUTER_DATABASE_URL`` is set, e.g. ``mysql://root:@127.0.0.1:3306/test``.
* Celery: eager by default; a real broker when ``XAPI_ROUTER_BROKER_URL`` is set (see
  ``tests/project/celery_app.py``).

``event_routing_backends`` (ERB) is installed, so its ``RouterConfiguration`` table exists for the
switching tests (``tests/erb``): its models need only django-config-models' abstract base and
fernet-fields (keyed by ``SECRET_KEY``). Its LMS helpers (external user ids, course overviews) are
absent; ERB's own transformers run with them replaced (``tests/erb_oracle.py``). Its toggles
(``XAPI_EVENTS_ENABLED``...) are left unset (off), as in an LMS without ERB's plugin settings.
"""
import os
import sys
from pathlib import Path
from urllib.parse import unquote, urlsplit

from openedx_xapi_router.settings import test as xapi_router_test_settings

BASE_DIR = Path(__file__).resolve().parents[2]
VAR_DIR = BASE_DIR / "var"

SECRET_KEY = "insecure-secret-for-the-xapi-router-test-project-only"
DEBUG = False
ALLOWED_HOSTS = ["localhost", "127.0.0.1"]
USE_TZ = True
TIME_ZONE = "UTC"
ROOT_URLCONF = "tests.project.urls"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
LMS_ROOT_URL = "http://localhost:18000"
STATIC_URL = "/static/"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",  # the admin's CSS and JS, served by the live server (browser test)
    "openedx_xapi_router",
    "event_routing_backends",  # its router configurations, for the switching tests (tests/erb)
    "celery_utils",  # ERB's tasks import its FailedTask model (edx-celeryutils)
]

MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
]

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]


def database_from_url(url):
    """
    The ``DATABASES["default"]`` entry for a database URL: ``sqlite:///path``, or
    ``mysql://user:password@host:port/name`` (also ``mariadb://``), or SQLite under ``var/`` when
    ``url`` is empty.
    """
    if not url:
        VAR_DIR.mkdir(exist_ok=True)
        # The test database is a file too (one per test run), so a Celery worker subprocess can share
        # it (delivery tests).
        return {"ENGINE": "django.db.backends.sqlite3", "NAME": str(VAR_DIR / "xapi_router.sqlite3"),
                "TEST": {"NAME": str(VAR_DIR / f"test_xapi_router_{os.getpid()}.sqlite3")}}
    parts = urlsplit(url)
    if parts.scheme == "sqlite":
        return {"ENGINE": "django.db.backends.sqlite3", "NAME": unquote(parts.path[1:]) or ":memory:"}
    if parts.scheme in ("mysql", "mariadb"):
        import pymysql  # pylint: disable=import-outside-toplevel

        pymysql.install_as_MySQLdb()
        return {
            "ENGINE": "django.db.backends.mysql",
            "NAME": unquote(parts.path.lstrip("/")) or "test",
            "USER": unquote(parts.username or "root"),
            "PASSWORD": unquote(parts.password or ""),
            "HOST": parts.hostname or "127.0.0.1",
            "PORT": str(parts.port or 3306),
            "OPTIONS": {"charset": "utf8mb4"},
            # One test database per pytest process: two runs on one server (a developer's and CI's)
            # must not drop each other's tables.
            "TEST": {"NAME": f"test_xapi_router_{os.getpid()}", "CHARSET": "utf8mb4",
                     "COLLATION": "utf8mb4_unicode_ci"},
        }
    raise ValueError(f"XAPI_ROUTER_DATABASE_URL must be sqlite:// or mysql://, got scheme {parts.scheme!r}")


DATABASES = {"default": database_from_url(os.environ.get("XAPI_ROUTER_DATABASE_URL", ""))}

CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# The LMS's event-tracking configuration starts with its own backends; the router adds its own
# beside them (see openedx_xapi_router.settings.common) only when XAPI_ROUTER_ENABLED is True.
EVENT_TRACKING_BACKENDS = {}
XAPI_ROUTER_ENABLED = False
XAPI_ROUTER_ACTOR_SECRET = "insecure-actor-secret-for-tests"
# The LMS-only actor and course-name lookups do not exist here.
XAPI_ROUTER_ACTOR_ID_SOURCE = "pseudonymous"
XAPI_ROUTER_COURSE_NAME_SOURCE = "none"
# A delivery test's Celery worker subprocess takes its queue and back-off from its environment.
XAPI_ROUTER_CELERY_QUEUE = os.environ.get("XAPI_ROUTER_CELERY_QUEUE") or None
XAPI_ROUTER_RETRY_BACKOFF_BASE = float(os.environ.get("XAPI_ROUTER_RETRY_BACKOFF_BASE", "2.0"))

# Celery settings, read by tests/project/celery_app.py (namespace CELERY_).
CELERY_BROKER_URL = os.environ.get("XAPI_ROUTER_BROKER_URL", "")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
    # ERB's helpers log an ImportError traceback at import when the LMS is absent (here, by design).
    "loggers": {"event_routing_backends.helpers": {"level": "CRITICAL"}},
}

# Apply the plugin's own test settings to this module, as the LMS does for its plugins.
xapi_router_test_settings.plugin_settings(sys.modules[__name__])

# A delivery test's worker subprocess may run with settings the LMS's do not match (a configuration
# the worker cannot use): plain HTTP refused, other encryption keys.
if os.environ.get("XAPI_ROUTER_TEST_ALLOW_INSECURE_HTTP") == "0":
    XAPI_ROUTER_ALLOW_INSECURE_HTTP = False
if os.environ.get("XAPI_ROUTER_TEST_ENCRYPTION_KEYS"):
    XAPI_ROUTER_ENCRYPTION_KEYS = os.environ["XAPI_ROUTER_TEST_ENCRYPTION_KEYS"].split(",")
