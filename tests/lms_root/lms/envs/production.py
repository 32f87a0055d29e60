"""
The test LMS's production settings: YAML over common, then the plugins' production settings.

Mirrors the order of edx-platform ``lms/envs/production.py`` (openedx/openedx-platform
8e468527763428d595d4566781b2460b728b07d4):

#. ``from .common import *`` (so every plugin's ``common`` settings already ran);
#. the YAML file named by ``LMS_CFG`` becomes settings, key by key (``vars().update``), except
   the special keys, among them ``EVENT_TRACKING_BACKENDS``;
#. ``BROKER_URL`` is built from ``CELERY_BROKER_TRANSPORT``, ``_USER``, ``_PASSWORD``,
   ``_HOSTNAME``, ``_VHOST``;
#. a YAML ``EVENT_TRACKING_BACKENDS`` is merged into ``tracking_logs``' nested backends;
#. ``ENV_TOKENS = _YAML_TOKENS``, then ``add_plugins(__name__, ProjectType.LMS,
   SettingsType.PRODUCTION)``: each plugin's ``production`` settings run last, in entry-point order.
"""
# pylint: disable=wildcard-import,unused-wildcard-import,invalid-name,undefined-variable
import os

import yaml
from edx_django_utils.plugins import add_plugins

from openedx.core.djangoapps.plugins.constants import ProjectType, SettingsType

from .common import *  # noqa: F403

with open(os.environ["LMS_CFG"], encoding="utf-8") as config_file:
    _YAML_TOKENS = yaml.safe_load(config_file) or {}

vars().update({
    key: value for key, value in _YAML_TOKENS.items()
    if key not in ["FEATURES", "TRACKING_BACKENDS", "EVENT_TRACKING_BACKENDS", "JWT_AUTH", "CELERY_QUEUES",
                   "REST_FRAMEWORK", "EVENT_BUS_PRODUCER_CONFIG", "DEFAULT_FILE_STORAGE", "STATICFILES_STORAGE"]
})

BROKER_URL = (
    f"{CELERY_BROKER_TRANSPORT}://{CELERY_BROKER_USER}:{CELERY_BROKER_PASSWORD}"  # noqa: F405
    f"@{CELERY_BROKER_HOSTNAME}/{CELERY_BROKER_VHOST}"  # noqa: F405
)
CELERYD_PREFETCH_MULTIPLIER = 1

EVENT_TRACKING_BACKENDS["tracking_logs"]["OPTIONS"]["backends"].update(  # noqa: F405
    _YAML_TOKENS.get("EVENT_TRACKING_BACKENDS", {})
)

ENV_TOKENS = _YAML_TOKENS
AUTH_TOKENS = _YAML_TOKENS
add_plugins(__name__, ProjectType.LMS, SettingsType.PRODUCTION)
