"""
Findings 5 and 6 in the test project: the Error check for a missing router backend, the start-up
repair, and the ERB features saying how to get the ``[erb]`` extra when ERB is absent.
"""
import logging
import sys

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import CommandError, call_command
from eventtracking import tracker
from eventtracking.django.django_tracker import DjangoTracker

from openedx_xapi_router import checks
from openedx_xapi_router.settings.common import TRACKING_BACKEND_ENGINE, ensure_tracking_backend

ROUTER = {"ENGINE": TRACKING_BACKEND_ENGINE, "OPTIONS": {}}
LOGGER = {"ENGINE": "eventtracking.backends.logger.LoggerBackend", "OPTIONS": {"name": "tracking"}}


def test_enabled_without_the_backend_is_an_error(settings):
    settings.XAPI_ROUTER_ENABLED = True
    settings.EVENT_TRACKING_BACKENDS = {"tracking_logs": LOGGER}
    messages = checks.check_backend_present()
    assert [(message.id, message.level) for message in messages] == [("xapi_router.E008", 40)]
    assert "no xAPI router backend" in messages[0].msg
    assert TRACKING_BACKEND_ENGINE in messages[0].hint


@pytest.mark.parametrize("enabled, backends", [
    (False, {"tracking_logs": LOGGER}),
    (True, {"tracking_logs": LOGGER, "xapi_router": ROUTER}),
    (True, {"nested": {"ENGINE": "eventtracking.backends.routing.RoutingBackend",
                       "OPTIONS": {"backends": {"mine": ROUTER}}}}),
])
def test_no_error_when_disabled_or_present(settings, enabled, backends):
    settings.XAPI_ROUTER_ENABLED = enabled
    settings.EVENT_TRACKING_BACKENDS = backends
    assert checks.check_backend_present() == []


def test_the_check_is_registered():
    from django.core.checks import registry  # pylint: disable=import-outside-toplevel

    assert checks.check_backend_present in registry.registry.registered_checks


@pytest.fixture(name="django_tracker")
def fixture_django_tracker(settings):
    """The default tracker as event-tracking's app builds it from the settings (restored after)."""
    previous = tracker.TRACKERS.get(tracker.DEFAULT_TRACKER_NAME)
    settings.EVENT_TRACKING_BACKENDS = {"tracking_logs": LOGGER}
    built = DjangoTracker()
    tracker.register_tracker(built)
    yield built
    if previous is None:
        del tracker.TRACKERS[tracker.DEFAULT_TRACKER_NAME]
    else:
        tracker.register_tracker(previous)


def test_start_up_without_a_tracker_fixes_the_settings(settings):
    """No default tracker (event-tracking's app not installed, or EVENT_TRACKING_ENABLED False)."""
    assert tracker.DEFAULT_TRACKER_NAME not in tracker.TRACKERS
    settings.XAPI_ROUTER_ENABLED = True
    settings.EVENT_TRACKING_BACKENDS = {}
    assert ensure_tracking_backend() == "settings"
    assert settings.EVENT_TRACKING_BACKENDS == {"xapi_router": ROUTER}


def test_start_up_puts_the_backend_back_into_settings_and_tracker(settings, django_tracker, caplog):
    settings.XAPI_ROUTER_ENABLED = True
    with caplog.at_level(logging.WARNING, logger="openedx_xapi_router.settings.common"):
        assert ensure_tracking_backend() == "settings+tracker"
    assert settings.EVENT_TRACKING_BACKENDS["xapi_router"] == ROUTER
    assert type(django_tracker.backends["xapi_router"]).__name__ == "XapiRouterBackend"
    assert checks.check_backend_present() == []
    assert [record.levelno for record in caplog.records] == [logging.WARNING]
    assert "added it again as 'xapi_router' (settings+tracker)" in caplog.records[0].getMessage()
    assert ensure_tracking_backend() is None  # once is enough
    assert checks.count_router_backends(settings.EVENT_TRACKING_BACKENDS) == 1


def test_start_up_changes_nothing_while_disabled(settings, django_tracker):
    settings.XAPI_ROUTER_ENABLED = False
    assert ensure_tracking_backend() is None
    assert "xapi_router" not in settings.EVENT_TRACKING_BACKENDS
    assert "xapi_router" not in django_tracker.backends


@pytest.fixture(name="without_erb")
def fixture_without_erb(monkeypatch):
    """As in an LMS without event-routing-backends: the package cannot be found."""
    monkeypatch.setitem(sys.modules, "event_routing_backends", None)


@pytest.mark.usefixtures("without_erb")
def test_the_drop_in_processor_says_how_to_get_erb():
    from openedx_xapi_router.erb.processor import XapiRouterProcessor  # pylint: disable=import-outside-toplevel

    with pytest.raises(ImproperlyConfigured, match=r'pip install "openedx-xapi-router\[erb\]"'):
        XapiRouterProcessor()


@pytest.mark.usefixtures("without_erb")
def test_the_import_command_says_how_to_get_erb():
    with pytest.raises(CommandError, match=r'pip install "openedx-xapi-router\[erb\]"'):
        call_command("import_erb_router_configurations", "--dry-run")
