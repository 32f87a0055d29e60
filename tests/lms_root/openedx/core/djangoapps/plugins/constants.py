"""
Mirrors edx-platform ``openedx/core/djangoapps/plugins/constants.py``: the project and settings
types the LMS passes to edx-django-utils' plugin framework (entry point group ``lms.djangoapp``;
settings types ``common``, ``production``, ``test``).
"""


class ProjectType:
    """Entry-point groups of the plugin apps."""

    LMS = "lms.djangoapp"
    CMS = "cms.djangoapp"


class SettingsType:
    """The settings modules a plugin may provide."""

    PRODUCTION = "production"
    COMMON = "common"
    DEVSTACK = "devstack"
    TEST = "test"
