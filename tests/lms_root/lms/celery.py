"""
The LMS's Celery module, as the worker command names it (``celery --app lms.celery worker``).

Mirrors edx-platform ``lms/celery.py`` (openedx/openedx-platform e57a655d77b614f19223984e9805b1fb940ab192):
the default settings module is ``lms.envs.production``, and the app is the shared singleton of
``openedx.core.lib.celery``.
"""
import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lms.envs.production")
from openedx.core.lib.celery import APP  # noqa: E402,F401  pylint: disable=wrong-import-position
