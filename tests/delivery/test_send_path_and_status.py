"""
The send path's filtering (publishing recorded in-process), ``test_connection`` against the real
Ralph, and the status dict the admin shows.
"""
import threading
from datetime import timedelta

import pytest
from django.utils import timezone

from openedx_xapi_router.backends.tracking import XapiRouterBackend
from openedx_xapi_router.delivery import sending
from openedx_xapi_router.delivery.client import test_connection as probe_endpoint
from openedx_xapi_router.delivery.status import endpoint_status, queue_depth
from openedx_xapi_router.models import DeadLetter, DeliveryHour, LrsEndpoint
from tests.delivery.events import COURSE, enrollment_event

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_cache():
    sending.endpoint_cache.clear()
    yield
    sending.endpoint_cache.clear()


def recorder():
    """A publisher that publishes in the caller's thread, recording instead of talking to a broker."""
    calls = []

    def publish(app, events):  # pylint: disable=unused-argument
        for endpoint_ids, event_name, version, statements in events:
            calls.append((endpoint_ids, event_name, version, [statement["id"] for statement in statements]))

    return calls, sending.BackgroundPublisher(publish=publish, threaded=False)


def endpoint(name, **fields):
    return LrsEndpoint.objects.create(name=name, statements_url=f"http://127.0.0.1:9/{name}/statements", **fields)


def test_only_matching_endpoints_get_the_statements():
    everything = endpoint("all")
    this_course = endpoint("course", courses=[COURSE])
    endpoint("other-org", orgs=["OtherX"])
    endpoint("denied", denied_event_names=["edx.course.enrollment.activated"])
    endpoint("disabled", enabled=False)
    calls, publish = recorder()
    assert sending.queue_event(enrollment_event(1), publisher=publish) == 1
    assert len(calls) == 1
    endpoint_ids, name, version, ids = calls[0]
    assert endpoint_ids == [everything.pk, this_course.pk]
    assert name == "edx.course.enrollment.activated" and len(ids) == 1
    assert version.endswith("/edx.course.enrollment.activated@1")


def test_filtered_events_are_not_transformed_nor_published(settings):
    endpoint("all")
    calls, publish = recorder()
    assert sending.queue_event({"name": "edx.ui.lms.link_clicked", "timestamp": "x"}, publisher=publish) == 0
    settings.XAPI_ROUTER_ALLOWED_EVENT_NAMES = ["edx.video.played"]
    assert sending.queue_event(enrollment_event(2), publisher=publish) == 0
    settings.XAPI_ROUTER_ALLOWED_EVENT_NAMES = None
    broken = enrollment_event(3)
    broken["timestamp"] = "not a time"
    assert sending.queue_event(broken, publisher=publish) == 0
    assert calls == []


def test_no_endpoint_means_no_work():
    calls, publish = recorder()
    assert sending.queue_event(enrollment_event(4), publisher=publish) == 0
    assert calls == []


def test_the_backend_never_raises(monkeypatch):
    endpoint("all")
    backend = XapiRouterBackend()
    before = dict(sending.counters)
    assert backend.send("not an event") is None
    assert backend.send({"name": None}) is None
    # Not events: refusals the pipeline names and the send path counts, not errors.
    assert backend.errors == 0
    assert sending.counters.get("not_json", 0) == before.get("not_json", 0) + 1  # a str is read as a line
    assert sending.counters.get("missing_event_type", 0) == before.get("missing_event_type", 0) + 1
    # An error escaping the send path is counted and logged, never raised into the LMS.
    monkeypatch.setattr(sending, "process_event", lambda event, event_filter=None: 1 / 0)
    assert backend.send(enrollment_event(30)) is None
    assert backend.errors == 1


def test_the_endpoint_cache_is_not_a_query_per_event(django_assert_num_queries):
    endpoint("all")
    calls, publish = recorder()
    sending.queue_event(enrollment_event(5), publisher=publish)
    with django_assert_num_queries(0):
        for number in range(6, 16):
            sending.queue_event(enrollment_event(number), publisher=publish)
    assert len(calls) == 11


def test_broker_errors_become_dead_letters_for_each_matching_endpoint():
    first, second = endpoint("first"), endpoint("second")

    def broken_publish(app, events):
        raise ConnectionRefusedError("redis://user:secret@127.0.0.1:1/0 refused")

    publisher = sending.BackgroundPublisher(publish=broken_publish, threaded=False)
    assert sending.queue_event(enrollment_event(20), publisher=publisher) == 1  # handed over, then dead-lettered
    letters = DeadLetter.objects.order_by("endpoint_id")
    assert [letter.endpoint_id for letter in letters] == [first.pk, second.pk]
    assert {letter.reason for letter in letters} == {DeadLetter.REASON_BROKER_UNAVAILABLE}
    assert "secret" not in letters[0].detail and "***@" in letters[0].detail


@pytest.mark.services
def test_connection_to_ralph(ralph_lrs):
    username, password = ralph_lrs.auth
    good = LrsEndpoint.objects.create(name="ralph", statements_url=ralph_lrs.statements_url,
                                      username=username, password=password)
    ok, message = probe_endpoint(good)
    assert ok
    assert message == "ralph: OK; about: HTTP 404; statements?limit=1: HTTP 200"
    wrong = LrsEndpoint.objects.create(name="wrong", statements_url=ralph_lrs.statements_url,
                                       username=username, password="not-the-password")
    ok, message = probe_endpoint(wrong)
    assert not ok
    assert message.startswith("wrong: FAILED; about: HTTP 404; statements?limit=1: HTTP 401")
    assert "not-the-password" not in message


def test_status_counts(settings):
    settings.XAPI_ROUTER_CELERY_QUEUE = "xapi-router-test-status"
    now = timezone.now()
    lrs = endpoint("status")
    hour = now.replace(minute=0, second=0, microsecond=0)
    DeliveryHour.objects.create(endpoint=lrs, hour=hour, delivered=30, failed=10, requests=3)
    DeliveryHour.objects.create(endpoint=lrs, hour=hour - timedelta(hours=5), delivered=60, failed=0, requests=1)
    DeliveryHour.objects.create(endpoint=lrs, hour=hour - timedelta(days=3), delivered=999, failed=999, requests=1)
    DeadLetter.objects.create(endpoint=lrs, statement_id="a", statement={"id": "a"}, event_name="e",
                              reason=DeadLetter.REASON_REJECTED)
    DeadLetter.objects.create(endpoint=lrs, statement_id="b", statement={"id": "b"}, event_name="e",
                              reason=DeadLetter.REASON_REJECTED, state=DeadLetter.STATE_REPLAYED)
    status = endpoint_status(lrs, now=now)
    assert {key: value for key, value in status.items() if key != "queue_depth"} == {
        "last_success_at": None, "last_failure_at": None, "last_error": "",
        "delivered_last_hour": 30, "delivered_last_day": 90, "failed_last_day": 10,
        "error_rate_last_day": 0.1, "pending_dead_letters": 1, "deleted_endpoint_dead_letters": 0,
    }
    assert endpoint_status(endpoint("idle"), now=now)["error_rate_last_day"] is None


@pytest.mark.services
def test_queue_depth_from_the_real_broker(redis_url):
    from tests.project.celery_app import make_app  # pylint: disable=import-outside-toplevel

    app = make_app(broker_url=redis_url, set_as_current=False)
    queue = "xapi-router-test-depth"
    try:
        with app.connection_for_write() as connection:
            producer = connection.Producer()
            for number in range(3):
                producer.publish({"n": number}, routing_key=queue, declare=[__import__("kombu").Queue(queue)])
        assert queue_depth(queue, app=app) == 3
        assert queue_depth("xapi-router-test-never-declared", app=app) == 0
    finally:
        import redis  # pylint: disable=import-outside-toplevel

        redis.Redis.from_url(redis_url).delete(queue)
        app.close()
    down = make_app(broker_url="redis://127.0.0.1:1/0", set_as_current=False)
    assert queue_depth(queue, app=down, timeout=0.5) is None
    down.close()


def test_alert_when_pending_dead_letters_pass_the_threshold(settings, caplog):
    from openedx_xapi_router.delivery import store  # pylint: disable=import-outside-toplevel
    from openedx_xapi_router.delivery.core import Item  # pylint: disable=import-outside-toplevel

    settings.XAPI_ROUTER_DEAD_LETTER_ALERT_THRESHOLD = 3
    lrs = endpoint("alerting")
    store.dead_letter(lrs.pk, [Item({"id": "a"}, "e"), Item({"id": "b"}, "e")], DeadLetter.REASON_REJECTED, 400)
    assert "pending dead letters" not in caplog.text
    store.dead_letter(lrs.pk, [Item({"id": "c"}, "e")], DeadLetter.REASON_REJECTED, 400)
    assert f"endpoint {lrs.pk} has 3 pending dead letters (alert threshold 3)" in caplog.text
    store.dead_letter(lrs.pk, [Item({"id": "c"}, "e")], DeadLetter.REASON_REJECTED, 422)  # same row, updated
    assert DeadLetter.objects.get(statement_id="c").attempts == 2
    assert DeadLetter.objects.count() == 3


def test_one_pooled_client_per_endpoint_rebuilt_when_the_endpoint_changes():
    from openedx_xapi_router.delivery.client import client_for, close_clients  # pylint: disable=import-outside-toplevel

    lrs = endpoint("pooled", timeout=3.0)
    first = client_for(lrs)
    assert client_for(LrsEndpoint.objects.get(pk=lrs.pk)) is first
    lrs.timeout = 7.0
    lrs.save()
    second = client_for(lrs)
    assert second is not first and second.timeout == 7.0
    close_clients()


@pytest.mark.parametrize("in_background", [True, False])
def test_publish_in_background_toggle(settings, in_background):
    """With the toggle off, ``submit`` publishes in the caller's thread before it returns."""
    settings.XAPI_ROUTER_PUBLISH_IN_BACKGROUND = in_background
    threads = []
    publisher = sending.BackgroundPublisher(publish=lambda app, events: threads.append(threading.current_thread()))
    publisher.submit([[1], "edx.test", "v@1", [{"id": "s1"}]])
    if in_background:
        assert publisher.flush(5)
        assert len(threads) == 1 and threads[0] is not threading.current_thread()
    else:
        assert threads == [threading.current_thread()]  # published already, no flush needed
