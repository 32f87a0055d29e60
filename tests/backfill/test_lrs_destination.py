"""
The backfill's LRS destination retries as the worker does: the one delivery policy
(``service.after_failure``: the endpoint's ``retry_limit``, the worker's back-off settings, the
LRS's ``Retry-After``), then dead letters ``retries_exhausted``, over real HTTP: the fault LRS
(``tests/fault_lrs.py``, on loopback) in front of the session's Ralph.

Events are what the pipeline produces (``core.event.normalize`` of the send path's enrollment event,
``tests/delivery/events.py``), statements what ``core.pipeline.transform_event`` makes of them.
Waits are recorded, not slept (``LrsDestination(sleep=...)``), so the schedule is checked exactly.
"""
import pytest

from openedx_xapi_router.backfill.counting import BackfillReport
from openedx_xapi_router.backfill.destinations import LrsDestination
from openedx_xapi_router.core.event import normalize
from openedx_xapi_router.core.pipeline import transform_event
from openedx_xapi_router.models import DeadLetter, LrsEndpoint
from openedx_xapi_router.resolvers import get_transform_context
from tests.delivery.events import enrollment_event
from tests.delivery.test_live_delivery import in_ralph
from tests.fault_lrs import FaultLrs

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]  # the delivery thread commits


@pytest.fixture(name="fault_in_front")
def fixture_fault_in_front(ralph_lrs):
    lrs = FaultLrs(ralph_lrs.statements_url, ralph_lrs.auth)
    try:
        yield lrs
    finally:
        lrs.close()


def endpoint_for(lrs, ralph_lrs, name, **fields):
    username, password = ralph_lrs.auth
    return LrsEndpoint.objects.create(name=name, statements_url=lrs.statements_url, username=username,
                                      password=password, batch_size=10, timeout=5.0, **fields)


def send_events(destination, base, count):
    ctx = get_transform_context()
    ids = []
    for number in range(base, base + count):
        raw = enrollment_event(number)
        statements = transform_event(raw, ctx)
        ids += [statement["id"] for statement in statements]
        destination.send(normalize(raw), statements)
    return ids


def test_retry_after_then_delivered(settings, fault_in_front, ralph_lrs, lrs_client):
    settings.XAPI_ROUTER_ALLOW_INSECURE_HTTP = True
    endpoint = endpoint_for(fault_in_front, ralph_lrs, "backfill-retry-after", retry_limit=3)
    fault_in_front.fail_next(2, 429, retry_after=7)
    report, waits = BackfillReport(), []
    destination = LrsDestination([endpoint], report, sleep=waits.append)
    ids = send_events(destination, 910_000, 4)
    destination.close()
    assert waits == [7.0, 7.0]  # the LRS's word beats the back-off (at most 2 s, then 4 s)
    assert fault_in_front.post_statuses() == [429, 429, 200]
    assert (report.destination["delivered"], report.destination["dead_lettered"]) == (4, 0)
    assert sorted(in_ralph(lrs_client, ids)) == sorted(ids)
    assert DeadLetter.objects.filter(endpoint=endpoint).count() == 0


def test_retries_exhausted_become_dead_letters(settings, fault_in_front, ralph_lrs, lrs_client):
    settings.XAPI_ROUTER_ALLOW_INSECURE_HTTP = True
    settings.XAPI_ROUTER_RETRY_BACKOFF_BASE = 1.0
    endpoint = endpoint_for(fault_in_front, ralph_lrs, "backfill-exhausted", retry_limit=2)
    fault_in_front.fail_next(10, 503)
    report, waits = BackfillReport(), []
    destination = LrsDestination([endpoint], report, sleep=waits.append)
    ids = send_events(destination, 920_000, 3)
    destination.close()
    assert len(waits) == 2  # base 1 s doubling, jitter taking up to half off
    assert 0.5 <= waits[0] <= 1.0
    assert 1.0 <= waits[1] <= 2.0
    assert fault_in_front.post_statuses() == [503, 503, 503]  # the first try and retry_limit retries
    assert (report.destination["delivered"], report.destination["dead_lettered"]) == (0, 3)
    letters = DeadLetter.objects.filter(endpoint=endpoint)
    assert sorted(letters.values_list("statement_id", flat=True)) == sorted(ids)
    assert set(letters.values_list("reason", "http_status", "attempts")) == {
        (DeadLetter.REASON_RETRIES_EXHAUSTED, 503, 3)}
    assert in_ralph(lrs_client, ids) == []
