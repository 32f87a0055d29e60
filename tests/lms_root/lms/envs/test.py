"""
The test LMS's test settings: common, then Celery eager, then the plugins' ``test`` settings.

Mirrors edx-platform ``lms/envs/test.py`` (openedx/openedx-platform
e57a655d77b614f19223984e9805b1fb940ab192): ``from .common import *``, Celery in eager mode
(``CELERY_ALWAYS_EAGER = True``: tasks run in the calling process), and near the end
``add_plugins(__name__, ProjectType.LMS, SettingsType.TEST)``.
"""
# pylint: disable=wildcard-import,unused-wildcard-import,invalid-name
from edx_django_utils.plugins import add_plugins

from openedx.core.djangoapps.plugins.constants import ProjectType, SettingsType

from .common import *  # noqa: F403

CELERY_ALWAYS_EAGER = True
BROKER_URL = "memory://"

add_plugins(__name__, ProjectType.LMS, SettingsType.TEST)
