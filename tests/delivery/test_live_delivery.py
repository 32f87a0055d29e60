"""
Live delivery on real services: event-tracking's tracker -> our backend -> Redis -> a real Celery
worker -> the real Ralph LRS (or the fault LRS in front of it). Every test reads the statements
back from Ralph by id and counts the dead-letter store exactly.
"""
import time

import pytest
from eventtracking.tracker import Tracker

from openedx_xapi_router.backends.tracking import XapiRouterBackend
from openedx_xapi_router.core.pipeline import transform_event
from openedx_xapi_router.lrs.client import LrsError
from openedx_xapi_router.models import DeadLetter, DeliveryHour, LrsEndpoint
from openedx_xapi_router.resolvers import get_transform_context
from tests.delivery.conftest import wait_until
from tests.delivery.events import enrollment_event

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


def statement_ids(events):
    ctx = get_transform_context()
    return [transform_event(event, ctx)[0]["id"] for event in events]


def in_ralph(lrs_client, ids):
    """The ids of ``ids`` that Ralph holds, read back one by one."""
    found = []
    for statement_id in ids:
        try:
            found.append(lrs_client.get_statement(statement_id)["id"])
        except LrsError as error:
            if error.status_code != 404:
                raise
    return found


def delivered_count(endpoint):
    return sum(DeliveryHour.objects.filter(endpoint=endpoint).values_list("delivered", flat=True))


def test_happy_path_through_the_tracker(delivery_worker, routed_to, make_endpoint, lrs_client, event_base):
    """Events emitted through event-tracking's tracker (the LMS's path) arrive in Ralph, read back by id."""
    routed_to(delivery_worker)
    endpoint = make_endpoint("ralph-happy")
    backend = XapiRouterBackend()
    tracker = Tracker(backends={"xapi_router": backend})
    sent = []
    original_send = backend.send

    def recording_send(event):  # keep what the tracker hands the backend, to compute the ids
        sent.append(event)
        return original_send(event)

    backend.send = recording_send
    for number in range(20):
        event = enrollment_event(event_base + number)
        with tracker.context("request", {**event["context"], "username": event["username"]}):
            tracker.emit(event["name"], event["data"])
    assert len(sent) == 20
    ids = statement_ids([{**event, "timestamp": event["timestamp"].isoformat()} for event in sent])
    assert len(set(ids)) == 20
    wait_until(lambda: delivered_count(endpoint) >= 20, 20, message="20 statements delivered")
    assert sorted(in_ralph(lrs_client, ids)) == sorted(ids)
    endpoint.refresh_from_db()
    assert delivered_count(endpoint) == 20
    assert endpoint.last_success_at is not None
    assert DeadLetter.objects.count() == 0


def test_statements_arrive_in_ralph_by_id(delivery_worker, routed_to, make_endpoint, lrs_client, event_base):
    routed_to(delivery_worker)
    endpoint = make_endpoint("ralph-by-id", batch_size=50)
    backend = XapiRouterBackend()
    events = [enrollment_event(event_base + number) for number in range(120)]
    for event in events:
        backend.send(event)
    assert backend.errors == 0
    ids = statement_ids(events)
    wait_until(lambda: delivered_count(endpoint) >= 120, 20, message="120 statements delivered")
    assert sorted(in_ralph(lrs_client, ids)) == sorted(ids)
    assert delivered_count(endpoint) == 120
    assert DeadLetter.objects.count() == 0


def test_one_rejected_statement_in_a_batch_of_500(delivery_worker, routed_to, make_endpoint, fault_lrs, lrs_client,
                                                  event_base):
    routed_to(delivery_worker)
    endpoint = make_endpoint("ralph-bisect", url=fault_lrs.statements_url, batch_size=500)
    events = [enrollment_event(event_base + number) for number in range(500)]
    ids = statement_ids(events)
    fault_lrs.reject_ids([ids[137]], status=422)
    backend = XapiRouterBackend()
    for event in events:
        backend.send(event)
    wait_until(lambda: DeadLetter.objects.filter(endpoint=endpoint).exists()
               and delivered_count(endpoint) >= 499, 30, message="499 delivered and 1 dead letter")
    letter = DeadLetter.objects.get()
    assert (letter.statement_id, letter.reason, letter.http_status, letter.state) == (
        ids[137], DeadLetter.REASON_REJECTED, 422, DeadLetter.STATE_PENDING)
    assert "scripted rejection" in letter.detail
    assert letter.event_name == "edx.course.enrollment.activated"
    assert letter.transformer_version.endswith("edx.course.enrollment.activated@1")
    assert letter.statement["id"] == ids[137]
    expected = [i for i in ids if i != ids[137]]
    assert sorted(in_ralph(lrs_client, ids)) == sorted(expected)
    assert sum(fault_lrs.accepted_ids.values()) == 499  # each good statement accepted exactly once
    assert delivered_count(endpoint) == 499


def test_lrs_down_then_back(delivery_worker, routed_to, make_endpoint, fault_lrs, lrs_client, event_base):
    """Connection refused for a while: every statement arrives exactly once when the LRS is back."""
    routed_to(delivery_worker)
    endpoint = make_endpoint("ralph-down-up", url=fault_lrs.statements_url, batch_size=20)
    fault_lrs.stop()
    events = [enrollment_event(event_base + number) for number in range(60)]
    ids = statement_ids(events)
    backend = XapiRouterBackend()
    for event in events:
        backend.send(event)
    wait_until(lambda: LrsEndpoint.objects.get(pk=endpoint.pk).last_failure_at is not None, 10,
               message="a failed delivery attempt")
    assert "connection failed" in LrsEndpoint.objects.get(pk=endpoint.pk).last_error
    fault_lrs.start()
    wait_until(lambda: delivered_count(endpoint) >= 60, 40, message="60 statements delivered")
    assert sorted(in_ralph(lrs_client, ids)) == sorted(ids)
    assert fault_lrs.accepted_ids == dict.fromkeys(ids, 1)  # exactly once each
    assert delivered_count(endpoint) == 60
    assert DeadLetter.objects.count() == 0


def test_two_endpoints_one_down(delivery_worker, routed_to, make_endpoint, fault_lrs, lrs_client, event_base):
    """The healthy endpoint gets everything at once; the down one ends in the dead-letter store."""
    routed_to(delivery_worker)
    healthy = make_endpoint("ralph-healthy")
    fault_lrs.stop()
    down = make_endpoint("ralph-gone", url=fault_lrs.statements_url, retry_limit=2)
    events = [enrollment_event(event_base + number) for number in range(30)]
    ids = statement_ids(events)
    backend = XapiRouterBackend()
    for event in events:
        backend.send(event)
    wait_until(lambda: delivered_count(healthy) >= 30, 10, message="30 statements to the healthy endpoint")
    assert sorted(in_ralph(lrs_client, ids)) == sorted(ids)
    wait_until(lambda: DeadLetter.objects.filter(endpoint=down).count() >= 30, 30, message="30 dead letters")
    letters = DeadLetter.objects.filter(endpoint=down)
    assert sorted(letters.values_list("statement_id", flat=True)) == sorted(ids)
    assert set(letters.values_list("reason", "attempts", "http_status", "state")) == {
        (DeadLetter.REASON_RETRIES_EXHAUSTED, 3, None, DeadLetter.STATE_PENDING)}
    assert DeadLetter.objects.filter(endpoint=healthy).count() == 0
    assert delivered_count(healthy) == 30 and delivered_count(down) == 0


def test_429_with_retry_after_is_honoured(delivery_worker, routed_to, make_endpoint, fault_lrs, lrs_client,
                                          event_base):
    routed_to(delivery_worker)
    endpoint = make_endpoint("ralph-429", url=fault_lrs.statements_url)
    fault_lrs.fail_next(1, 429, retry_after=2)
    events = [enrollment_event(event_base + number) for number in range(10)]
    ids = statement_ids(events)
    backend = XapiRouterBackend()
    for event in events:
        backend.send(event)
    wait_until(lambda: delivered_count(endpoint) >= 10, 20, message="10 statements delivered")
    assert fault_lrs.post_statuses() == [429, 200]
    assert fault_lrs.post_times[1] - fault_lrs.post_times[0] >= 2.0  # Retry-After: 2, not the 0.2 s back-off
    assert sorted(in_ralph(lrs_client, ids)) == sorted(ids)
    assert DeadLetter.objects.count() == 0


def test_503_storm_then_delivered_once(delivery_worker, routed_to, make_endpoint, fault_lrs, lrs_client, event_base):
    routed_to(delivery_worker)
    endpoint = make_endpoint("ralph-503", url=fault_lrs.statements_url, retry_limit=8)
    fault_lrs.fail_next(4, 503)
    events = [enrollment_event(event_base + number) for number in range(25)]
    ids = statement_ids(events)
    backend = XapiRouterBackend()
    for event in events:
        backend.send(event)
    wait_until(lambda: delivered_count(endpoint) >= 25, 40, message="25 statements delivered")
    assert fault_lrs.post_statuses() == [503] * 4 + [200]
    assert fault_lrs.accepted_ids == dict.fromkeys(ids, 1)
    assert sorted(in_ralph(lrs_client, ids)) == sorted(ids)
    assert DeadLetter.objects.count() == 0


def test_503_storm_longer_than_the_retry_limit(delivery_worker, routed_to, make_endpoint, fault_lrs, event_base):
    routed_to(delivery_worker)
    endpoint = make_endpoint("ralph-503-forever", url=fault_lrs.statements_url, retry_limit=3)
    fault_lrs.fail_next(100, 503)
    events = [enrollment_event(event_base + number) for number in range(8)]
    ids = statement_ids(events)
    backend = XapiRouterBackend()
    for event in events:
        backend.send(event)
    wait_until(lambda: DeadLetter.objects.filter(endpoint=endpoint).count() >= 8, 30, message="8 dead letters")
    assert fault_lrs.post_statuses() == [503] * 4  # the first try and 3 retries
    assert sorted(DeadLetter.objects.values_list("statement_id", flat=True)) == sorted(ids)
    assert set(DeadLetter.objects.values_list("reason", "http_status", "attempts")) == {
        (DeadLetter.REASON_RETRIES_EXHAUSTED, 503, 4)}
    assert delivered_count(endpoint) == 0


def test_slow_replies_time_out_and_are_retried(delivery_worker, routed_to, make_endpoint, fault_lrs, lrs_client,
                                               event_base):
    """Replies slower than the endpoint's timeout count as retryable; Ralph ends with each statement once."""
    routed_to(delivery_worker)
    endpoint = make_endpoint("ralph-slow", url=fault_lrs.statements_url, timeout=0.5)
    fault_lrs.delay_next(2, 1.5, status=503)
    events = [enrollment_event(event_base + number) for number in range(15)]
    ids = statement_ids(events)
    backend = XapiRouterBackend()
    for event in events:
        backend.send(event)
    wait_until(lambda: delivered_count(endpoint) >= 15, 30, message="15 statements delivered")
    assert fault_lrs.started == 3
    assert fault_lrs.accepted_ids == dict.fromkeys(ids, 1)
    assert sorted(in_ralph(lrs_client, ids)) == sorted(ids)
    endpoint.refresh_from_db()
    assert "timed out after 0.5s" in endpoint.last_error
    assert DeadLetter.objects.count() == 0


def test_a_lone_event_is_flushed_by_time(delivery_worker, routed_to, make_endpoint, event_base):
    """A quiet site: one event, no more coming; the worker's timer flushes it within about a second."""
    routed_to(delivery_worker)
    endpoint = make_endpoint("ralph-quiet")
    started = time.monotonic()
    XapiRouterBackend().send(enrollment_event(event_base))
    wait_until(lambda: delivered_count(endpoint) == 1, 10, interval=0.02, message="the lone statement delivered")
    assert time.monotonic() - started < 3.0  # 1 s of batching, plus the POST and bookkeeping
