"""
``xapi_router.W006``/``W007``: event-routing-backends' xAPI routing and ours both enabled (settings),
and feeding the same LRS (database: ERB's router rows and our endpoints).
"""
# pylint: disable=redefined-outer-name
import copy

import pytest
from django.core import checks as django_checks
from event_routing_backends.utils.settings import event_tracking_backends_config

from openedx_xapi_router import checks
from openedx_xapi_router.settings.common import TRACKING_BACKEND_ENGINE
from tests.erb.conftest import OUR_PROCESSOR

ERB_PATH = "EVENT_TRACKING_BACKENDS.event_transformer.xapi"


def erb_backends(settings):
    """ERB's default EVENT_TRACKING_BACKENDS (its plugin settings), as in an LMS."""
    names = ["edx.course.enrollment.activated"]
    return event_tracking_backends_config(settings, names, names)


@pytest.fixture
def both_enabled(settings):
    settings.EVENT_TRACKING_BACKENDS = {**erb_backends(settings),
                                        "xapi_router": {"ENGINE": TRACKING_BACKEND_ENGINE, "OPTIONS": {}}}
    settings.XAPI_EVENTS_ENABLED = True
    settings.XAPI_ROUTER_ENABLED = True
    return settings


def ids(messages):
    return [message.id for message in messages]


def test_w006_names_the_settings(both_enabled):  # pylint: disable=unused-argument
    [message] = checks.check_erb_double_delivery()
    assert message.id == "xapi_router.W006"
    assert message.level == django_checks.WARNING
    assert message.msg == (
        f"event-routing-backends routes xAPI statements ({ERB_PATH} (XApiProcessor); XAPI_EVENTS_ENABLED is True) "
        "and the xAPI router is enabled too (XAPI_ROUTER_ENABLED): every event would be sent by both."
    )
    assert "set XAPI_EVENTS_ENABLED to False" in message.hint and "XAPI_ROUTER_ENABLED to False" in message.hint
    assert "xapi_router.W006" in ids(django_checks.run_checks())


def test_w006_also_for_erb_with_our_processor(both_enabled):
    xapi = both_enabled.EVENT_TRACKING_BACKENDS["event_transformer"]["OPTIONS"]["backends"]["xapi"]
    xapi["OPTIONS"]["processors"][1] = copy.deepcopy(OUR_PROCESSOR)
    [message] = checks.check_erb_double_delivery()
    assert f"({ERB_PATH} (XapiRouterProcessor);" in message.msg


@pytest.mark.parametrize("change", [
    {"XAPI_EVENTS_ENABLED": False},                       # ERB's xAPI off: step 3 of the guide
    {"XAPI_ROUTER_ENABLED": False},                       # ours off (ERB with our processor, or not yet switched)
])
def test_no_w006_when_one_side_is_off(both_enabled, change):
    for name, value in change.items():
        setattr(both_enabled, name, value)
    assert not checks.check_erb_double_delivery()


def test_no_w006_without_erb_xapi_router(both_enabled):
    del both_enabled.EVENT_TRACKING_BACKENDS["event_transformer"]["OPTIONS"]["backends"]["xapi"]
    assert not checks.check_erb_double_delivery()


@pytest.mark.django_db
def test_w007_same_lrs(both_enabled, make_router):
    from openedx_xapi_router.models import LrsEndpoint  # pylint: disable=import-outside-toplevel

    router = make_router("https://LRS.example.org:443/xAPI", "u", "p")
    make_router("https://other.example.org/xAPI/", "u", "p")
    make_router("https://disabled.example.org/xAPI/", "u", "p", enabled=False)
    LrsEndpoint.objects.create(name="same", statements_url="https://lrs.example.org/xAPI/statements/")
    LrsEndpoint.objects.create(name="elsewhere", statements_url="https://elsewhere.example.org/xAPI/statements")
    LrsEndpoint.objects.create(name="erb-off", statements_url="https://disabled.example.org/xAPI/statements")
    LrsEndpoint.objects.create(name="ours-off", statements_url="https://other.example.org/xAPI/statements",
                               enabled=False)
    assert not checks.check_erb_same_lrs()  # not a database run
    [message] = checks.check_erb_same_lrs(databases=["default"])
    assert message.id == "xapi_router.W007"
    assert message.msg.startswith(
        f"The same LRS is fed by event-routing-backends and by the xAPI router: same = ERB router {router.pk} "
        "(https://lrs.example.org/xAPI/statements/). ")
    assert ids(django_checks.run_checks(databases=["default"])).count("xapi_router.W007") == 1
    both_enabled.XAPI_EVENTS_ENABLED = False
    assert not checks.check_erb_same_lrs(databases=["default"])
