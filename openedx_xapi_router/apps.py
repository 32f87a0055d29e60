"""
The Django app config that lets the Open edX LMS find and load this plugin.

The LMS discovers the app through the ``lms.djangoapp`` entry point (see ``setup.py``) and reads
``plugin_app`` to find our settings modules, as edx-django-utils' plugin framework describes.
"""
from django.apps import AppConfig
from edx_django_utils.plugins.constants import PluginSettings

# edx-platform names these in openedx.core.djangoapps.plugins.constants; the plugin framework in
# edx-django-utils takes plain strings, so we spell them once here.
LMS_PROJECT_TYPE = "lms.djangoapp"
COMMON_SETTINGS = "common"
PRODUCTION_SETTINGS = "production"
TEST_SETTINGS = "test"


class XapiRouterConfig(AppConfig):
    """
    Open edX plugin app that turns tracking-log events into xAPI statements and sends them to LRSs.
    """

    name = "openedx_xapi_router"
    label = "xapi_router"
    verbose_name = "xAPI router"
    default_auto_field = "django.db.models.BigAutoField"

    plugin_app = {
        PluginSettings.CONFIG: {
            LMS_PROJECT_TYPE: {
                COMMON_SETTINGS: {PluginSettings.RELATIVE_PATH: "settings.common"},
                PRODUCTION_SETTINGS: {PluginSettings.RELATIVE_PATH: "settings.production"},
                TEST_SETTINGS: {PluginSettings.RELATIVE_PATH: "settings.test"},
            },
        },
    }

    def ready(self):
        """
        Register the router's system checks (``openedx_xapi_router/checks.py``), and make sure the
        router's backend is wired while ``XAPI_ROUTER_ENABLED`` is True (see
        :func:`openedx_xapi_router.settings.common.ensure_tracking_backend`).
        """
        from openedx_xapi_router import checks  # pylint: disable=import-outside-toplevel
        from openedx_xapi_router.settings.common import ensure_tracking_backend  # pylint: disable=import-outside-toplevel

        checks.register_checks()
        ensure_tracking_backend()
