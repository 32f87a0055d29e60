"""
The LMS's Celery singleton.

Mirrors edx-platform ``openedx/core/lib/celery/__init__.py`` (openedx/openedx-platform
e57a655d77b614f19223984e9805b1fb940ab192): ``Celery("proj")``, configured from Django's settings with no
namespace (so old-style names such as ``CELERY_ALWAYS_EAGER`` and ``BROKER_URL`` are read), and
``autodiscover_tasks()``, which imports ``<app>.tasks`` of every installed app and nothing deeper.
"""
from celery import Celery

APP = Celery("proj")
APP.config_from_object("django.conf:settings")
APP.autodiscover_tasks()
