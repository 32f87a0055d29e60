"""
Finding 2: an event lost to an error of ours on the live path is never silent. A course-name
resolver that raises (as the one reading ``overviews[0].display_name`` did on the LMS's serializer
dicts) is logged with its traceback (rate-limited per kind and event name), counted, set as a
monitoring attribute and shown on the endpoint status page.
"""
import logging

import pytest
from django.core.cache import cache
from django.urls import reverse

from openedx_xapi_router import resolvers
from openedx_xapi_router.core.context import TransformContext, PseudonymousActorResolver
from openedx_xapi_router.delivery import live_errors, monitoring, sending
from openedx_xapi_router.models import LrsEndpoint
from tests.delivery.events import enrollment_event

pytestmark = pytest.mark.django_db

HOME = "http://localhost:18000"


def broken_course_names(course_id):
    """A resolver with the bug of finding 1: it reads an attribute of the serializer's dict."""
    return {"id": course_id, "display_name": "Demo"}.display_name  # pylint: disable=no-member


@pytest.fixture(name="broken_context")
def fixture_broken_context():
    """The process's transform context with the broken resolver injected (and the old one back after)."""
    resolvers.reset_transform_context()
    resolvers._CONTEXT = TransformContext(  # pylint: disable=protected-access
        lms_root_url=HOME,
        actor_resolver=PseudonymousActorResolver(HOME, "secret"),
        course_name_resolver=broken_course_names,
    )
    sending.endpoint_cache.clear()
    live_errors.rate_limit.clear()
    cache.clear()
    sending.counters.clear()
    yield
    resolvers.reset_transform_context()
    sending.endpoint_cache.clear()
    live_errors.rate_limit.clear()
    cache.clear()


@pytest.fixture(name="attributes")
def fixture_attributes(monkeypatch):
    """The monitoring attributes set, read where edx-django-utils would receive them."""
    seen = []
    monkeypatch.setattr(monitoring, "set_custom_attribute", lambda name, value: seen.append((name, value)))
    return seen


def published():
    calls = []
    return calls, sending.BackgroundPublisher(publish=lambda app, events: calls.append(events), threaded=False)


@pytest.mark.usefixtures("broken_context")
def test_a_resolver_error_is_logged_with_its_traceback_counted_and_monitored(attributes, caplog):
    LrsEndpoint.objects.create(name="all", statements_url="http://127.0.0.1:9/statements")
    calls, publisher = published()
    with caplog.at_level(logging.ERROR, logger="openedx_xapi_router.delivery.live_errors"):
        assert sending.queue_event(enrollment_event(1), publisher=publisher) == 0
        assert sending.queue_event(enrollment_event(2), publisher=publisher) == 0
    assert calls == []
    assert sending.counters["transformer_bug"] == 2
    records = [record for record in caplog.records if record.name == "openedx_xapi_router.delivery.live_errors"]
    assert len(records) == 1  # the second within the interval is counted, not logged
    assert records[0].levelno == logging.ERROR
    assert records[0].exc_info[0] is AttributeError
    assert "'edx.course.enrollment.activated'" in records[0].getMessage()
    assert "transformer_bug" in records[0].getMessage()
    assert ("xapi_router.transform_error", "transformer_bug") in attributes
    assert ("xapi_router.transform_error_event", "edx.course.enrollment.activated") in attributes
    summary = live_errors.summary()
    assert summary["counts"] == {"transformer_bug": 2}
    assert summary["total"] == 2
    assert summary["last"]["event_name"] == "edx.course.enrollment.activated"
    assert "AttributeError" in summary["last"]["message"]


def test_the_log_says_how_many_it_held_back():
    clock = [0.0]
    limit = live_errors.RateLimitedLog(interval=60, clock=lambda: clock[0])
    assert limit.should_log(("transformer_bug", "a")) == (True, 0)
    assert limit.should_log(("transformer_bug", "a")) == (False, 0)
    assert limit.should_log(("transformer_bug", "b")) == (True, 0)  # its own key
    assert limit.should_log(("transformer_bug", "a")) == (False, 0)
    clock[0] = 61.0
    assert limit.should_log(("transformer_bug", "a")) == (True, 2)


@pytest.mark.usefixtures("broken_context")
def test_expected_outcomes_are_counted_not_logged(caplog, settings):
    settings.XAPI_ROUTER_ALLOWED_EVENT_NAMES = None
    LrsEndpoint.objects.create(name="all", statements_url="http://127.0.0.1:9/statements")
    _, publisher = published()
    invalid = {**enrollment_event(3), "timestamp": "not a time"}
    with caplog.at_level(logging.ERROR):
        assert sending.queue_event(invalid, publisher=publisher) == 0
    assert sending.counters.get("bad_time") == 1
    assert not [record for record in caplog.records if record.levelno >= logging.ERROR]
    assert live_errors.summary()["total"] == 0


@pytest.mark.usefixtures("broken_context")
def test_the_status_page_shows_the_errors(admin_client):
    endpoint = LrsEndpoint.objects.create(name="all", statements_url="http://127.0.0.1:9/statements")
    _, publisher = published()
    for number in range(3):
        sending.queue_event(enrollment_event(10 + number), publisher=publisher)
    page = admin_client.get(reverse("admin:xapi_router_lrsendpoint_status", args=[endpoint.pk])).content.decode()
    assert '<td id="live-errors-total">3</td>' in page
    assert '<td id="live-errors-transformer_bug">3</td>' in page
    assert "edx.course.enrollment.activated" in page
