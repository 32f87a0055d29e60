"""
What an LRS answer means for delivery, on the real HTTP path: our delivery client and
``service.deliver_now`` against the fault LRS (a real HTTP server on loopback) in front of the
session's Ralph, and the real worker for the retry that follows.

The contract of a statements POST is xAPI 1.0.3's (Statement Resource, POST: the answer is the array
of the ids stored) as Ralph 5.1 implements it: ``ralph/api/routers/statements.py``,
``_post_statements_standard``, answers 200 with the list of the ids it stored, leaves out those it
already held, and 204 when it held them all (read in the Ralph this project runs, ``.venv-ralph``).
"""
import time

import pytest

from openedx_xapi_router.backends.tracking import XapiRouterBackend
from openedx_xapi_router.delivery import service
from openedx_xapi_router.delivery.client import DeliveryClient, MisconfiguredEndpointError, RetryableLrsError
from openedx_xapi_router.delivery.core import Item
from openedx_xapi_router.models import DeadLetter
from tests.delivery.conftest import wait_until
from tests.delivery.events import enrollment_event
from tests.delivery.test_live_delivery import delivered_count, in_ralph, statement_ids
from tests.fault_lrs import FaultLrs

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


def items_of(events):
    from openedx_xapi_router.core.pipeline import transform_event  # pylint: disable=import-outside-toplevel
    from openedx_xapi_router.resolvers import get_transform_context  # pylint: disable=import-outside-toplevel

    ctx = get_transform_context()
    return [Item(transform_event(event, ctx)[0], event["name"], "v") for event in events]


def deliver(endpoint, count, event_base):
    items = items_of([enrollment_event(event_base + number) for number in range(count)])
    return items, service.deliver_now(endpoint, items)


HTML = b"<html><body><h1>200 OK</h1>Welcome to nginx!</body></html>"


@pytest.mark.parametrize("answer", [
    pytest.param({"body": HTML, "headers": {"Content-Type": "text/html"}}, id="html-from-a-proxy"),
    pytest.param({"body": b'["4b1d'}, id="truncated-json"),
    pytest.param({"body": b'["00000000-0000-4000-8000-000000000000"]'}, id="other-ids"),
    pytest.param({"body": b'[]'}, id="empty-list"),
    pytest.param({"body": b'["a', "declared_length": 400}, id="content-length-not-met"),
])
def test_a_200_that_does_not_confirm_the_batch_is_a_retry(make_endpoint, fault_lrs, lrs_client, event_base, answer):
    endpoint = make_endpoint("unconfirmed", url=fault_lrs.statements_url)
    fault_lrs.answer_next(1, 200, **answer)
    items, result = deliver(endpoint, 3, event_base)
    assert result.delivered == [] and result.retry == items
    assert isinstance(result.retry_error, RetryableLrsError)
    assert result.retry_error.status_code == 200
    assert fault_lrs.started == 1 and fault_lrs.accepted_ids == {}
    assert in_ralph(lrs_client, [item.statement_id for item in items]) == []
    assert DeadLetter.objects.count() == 0
    assert delivered_count(endpoint) == 0


def test_ralph_answers_confirm_a_batch_including_204_for_one_it_holds(make_endpoint, lrs_client, event_base):
    endpoint = make_endpoint("ralph-confirms")
    items, first = deliver(endpoint, 3, event_base)
    assert (len(first.delivered), first.retry, first.last_status) == (3, [], 200)
    _, again = deliver(endpoint, 3, event_base)  # Ralph holds all three: 204
    assert (len(again.delivered), again.retry, again.last_status) == (3, [], 204)
    more = items + items_of([enrollment_event(event_base + 3)])  # holds three of four: 200 with one id
    mixed = service.deliver_now(endpoint, more)
    assert (len(mixed.delivered), mixed.retry, mixed.last_status) == (4, [], 200)
    ids = [item.statement_id for item in more]
    assert sorted(in_ralph(lrs_client, ids)) == sorted(ids)


def test_the_worker_retries_an_unconfirmed_batch_until_ralph_holds_it(delivery_worker, routed_to, make_endpoint,
                                                                      fault_lrs, lrs_client, event_base):
    routed_to(delivery_worker)
    endpoint = make_endpoint("unconfirmed-then-ok", url=fault_lrs.statements_url)
    fault_lrs.answer_next(2, 200, body=HTML, headers={"Content-Type": "text/html"})
    events = [enrollment_event(event_base + number) for number in range(5)]
    backend = XapiRouterBackend()
    for event in events:
        backend.send(event)
    wait_until(lambda: delivered_count(endpoint) >= 5, 30, message="5 statements delivered after 2 proxy pages")
    ids = statement_ids(events)
    assert sorted(in_ralph(lrs_client, ids)) == sorted(ids)
    assert fault_lrs.accepted_ids == dict.fromkeys(ids, 1)
    assert fault_lrs.post_statuses()[:2] == [200, 200] and len(fault_lrs.posts) == 3
    assert DeadLetter.objects.count() == 0


@pytest.mark.parametrize("status", [301, 302, 303])
def test_a_redirect_that_would_turn_the_post_into_a_get_is_a_misconfiguration(make_endpoint, fault_lrs, lrs_client,
                                                                              event_base, status):
    endpoint = make_endpoint("moved", url=fault_lrs.statements_url, batch_size=2)
    moved_to = f"http://127.0.0.1:{fault_lrs.port}/new/xAPI/statements"
    fault_lrs.answer_next(10, status, headers={"Location": moved_to})
    items, result = deliver(endpoint, 3, event_base)
    assert result.delivered == [] and result.retry == []
    assert len(fault_lrs.posts) == 2  # one POST per chunk of 2: no bisection, never a GET, never followed
    assert fault_lrs.paths == ["/xAPI/statements"] * 2
    letters = DeadLetter.objects.filter(endpoint=endpoint)
    assert sorted(letters.values_list("statement_id", flat=True)) == sorted(item.statement_id for item in items)
    assert set(letters.values_list("reason", "http_status")) == {(DeadLetter.REASON_MISCONFIGURED, status)}
    assert all(moved_to in detail for detail in letters.values_list("detail", flat=True))
    endpoint.refresh_from_db()
    assert endpoint.last_error.startswith("configuration: ") and moved_to in endpoint.last_error
    assert in_ralph(lrs_client, [item.statement_id for item in items]) == []


@pytest.mark.parametrize("status", [307, 308])
def test_a_307_or_308_to_the_same_origin_is_followed_with_the_same_post(make_endpoint, fault_lrs, lrs_client,
                                                                        event_base, status):
    endpoint = make_endpoint("same-origin-redirect", url=fault_lrs.statements_url)
    fault_lrs.answer_next(1, status, headers={"Location": "/moved/xAPI/statements"})
    items, result = deliver(endpoint, 3, event_base)
    ids = [item.statement_id for item in items]
    assert (len(result.delivered), result.retry, result.rejected) == (3, [], [])
    assert fault_lrs.paths == ["/xAPI/statements", "/moved/xAPI/statements"]
    assert [posted for _, posted in fault_lrs.posts] == [ids, ids]
    assert fault_lrs.accepted_ids == dict.fromkeys(ids, 1)
    assert sorted(in_ralph(lrs_client, ids)) == sorted(ids)


def test_a_307_to_another_origin_is_not_followed_and_gets_no_credentials(make_endpoint, fault_lrs, event_base):
    elsewhere = FaultLrs()  # another port: another origin
    try:
        endpoint = make_endpoint("cross-origin-redirect", url=fault_lrs.statements_url)
        fault_lrs.answer_next(1, 307, headers={"Location": elsewhere.statements_url})
        items, result = deliver(endpoint, 2, event_base)
        assert result.delivered == [] and elsewhere.started == 0 and elsewhere.paths == []
        letters = DeadLetter.objects.filter(endpoint=endpoint, reason=DeadLetter.REASON_MISCONFIGURED)
        assert letters.count() == len(items)
        assert elsewhere.statements_url in letters.first().detail
    finally:
        elsewhere.close()


def test_an_answer_trickled_a_byte_at_a_time_fails_at_the_deadline(ralph_lrs, event_base):
    """Timeout 1 s, the answer's 40 bytes come one every 0.2 s (8 s in all): the POST fails after about 1 s."""
    lrs = FaultLrs(ralph_lrs.statements_url, ralph_lrs.auth)
    try:
        lrs.trickle_next(1, 0.2, body=b"[" + b'"x",' * 9 + b'"x"]')
        client = DeliveryClient(lrs.statements_url, ralph_lrs.auth, timeout=1.0, allow_insecure_http=True)
        items = items_of([enrollment_event(event_base)])
        started = time.monotonic()
        with pytest.raises(RetryableLrsError) as raised:
            client.post_statements([item.statement for item in items])
        elapsed = time.monotonic() - started
        assert 0.9 <= elapsed < 2.0, elapsed
        assert "longer than 1.0s" in str(raised.value) or "broke off" in str(raised.value)
        client.close()
    finally:
        lrs.close()


def test_misconfigured_is_not_bisected_or_retried():
    error = MisconfiguredEndpointError(301, "moved")
    assert error.whole_batch and not error.retryable
