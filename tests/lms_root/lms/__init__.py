"""
The test LMS's ``lms`` package. Mirrors edx-platform ``lms/__init__.py`` (openedx/openedx-platform
e57a655d77b614f19223984e9805b1fb940ab192): importing ``lms`` imports ``lms.celery``, so the LMS's
Celery app is the current app whenever LMS code runs and ``shared_task`` tasks bind to it.
"""
from .celery import APP as CELERY_APP  # noqa: F401
