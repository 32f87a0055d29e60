"""
Test settings of the xAPI router, as the LMS loads them for its own test runs.
"""
from openedx_xapi_router.settings import common


def plugin_settings(settings):
    """
    Apply the common defaults, then allow plain-HTTP LRSs (tests talk to a local Ralph).

    The router stays disabled unless the test settings turned it on.
    """
    common.plugin_settings(settings)
    settings.XAPI_ROUTER_ALLOW_INSECURE_HTTP = True
