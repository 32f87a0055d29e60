"""
Production settings of the xAPI router: overrides from the LMS's YAML configuration.
"""
from openedx_xapi_router.settings import common

# The settings an operator may set in the LMS's YAML configuration (``ENV_TOKENS``).
OVERRIDABLE_SETTINGS = (
    "XAPI_ROUTER_ENABLED",
    "XAPI_ROUTER_BACKEND_NAME",
    "XAPI_ROUTER_TRANSFORMER_VERSIONS",
    "XAPI_ROUTER_ALLOWED_EVENT_NAMES",
    "XAPI_ROUTER_CELERY_QUEUE",
    "XAPI_ROUTER_DEAD_LETTER_ALERT_THRESHOLD",
    "XAPI_ROUTER_RETRY_BACKOFF_BASE",
    "XAPI_ROUTER_RETRY_BACKOFF_MAX",
    "XAPI_ROUTER_ENCRYPTION_KEYS",
    "XAPI_ROUTER_ALLOW_INSECURE_HTTP",
    "XAPI_ROUTER_ACTOR_SECRET",
    "XAPI_ROUTER_PUBLISH_IN_BACKGROUND",
    "XAPI_ROUTER_LMS_ROOT_URL",
    "XAPI_ROUTER_ACTOR_ID_SOURCE",
    "XAPI_ROUTER_COURSE_NAME_SOURCE",
    "XAPI_ROUTER_LOG_STATEMENTS",
)


def plugin_settings(settings):
    """
    Take each ``XAPI_ROUTER_*`` setting present in ``settings.ENV_TOKENS``, then apply the defaults
    and the backend wiring of :mod:`openedx_xapi_router.settings.common`.

    Only keys present in ``ENV_TOKENS`` override: a missing key keeps its current value.
    """
    env_tokens = getattr(settings, "ENV_TOKENS", None) or {}
    for name in OVERRIDABLE_SETTINGS:
        if name in env_tokens:
            setattr(settings, name, env_tokens[name])
    common.plugin_settings(settings)
