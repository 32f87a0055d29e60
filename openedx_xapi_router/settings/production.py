"""
Production settings of the xAPI router: overrides from the LMS's YAML configuration.

Which settings the YAML may set is the table's ``overridable`` column
(:data:`openedx_xapi_router.conf.OVERRIDABLE_SETTINGS`).
"""
from openedx_xapi_router.conf import OVERRIDABLE_SETTINGS
from openedx_xapi_router.settings import common


def plugin_settings(settings):
    """
    Take each overridable ``XAPI_ROUTER_*`` setting present in ``settings.ENV_TOKENS``, then apply
    the defaults and the backend wiring of :mod:`openedx_xapi_router.settings.common`.

    Only keys present in ``ENV_TOKENS`` override: a missing key keeps its current value.
    """
    env_tokens = getattr(settings, "ENV_TOKENS", None) or {}
    for name in OVERRIDABLE_SETTINGS:
        if name in env_tokens:
            setattr(settings, name, env_tokens[name])
    common.plugin_settings(settings)
