"""
Batches sized by bytes as well as count, and a 413 that splits, never drops: the worker's send
(``service.deliver_now``, what the ``deliver_statements`` task runs) and the backfill's LRS
destination (``LrsDestination``, with ``max_in_flight`` POSTs at once), over real HTTP: the fault
LRS (``tests/fault_lrs.py``, on loopback) in front of the session's Ralph, answering 413 above a
body size as nginx does above its ``client_max_body_size``
(nginx/nginx, src/http/ngx_http_request_body.c, ``ngx_http_discard_request_body`` /
``NGX_HTTP_REQUEST_ENTITY_TOO_LARGE``; the default ``client_max_body_size 1m`` is in
src/http/ngx_http_core_module.c).

The body sizes are read where the LRS sees them: the fault LRS records the length of each body it
received; a statement's size is that of ``orjson.dumps`` of it, the serialiser of the client
(``openedx_xapi_router/lrs/messages.py``, ``build_post_statements``). Events are the send path's
enrollment event (``tests/delivery/events.py``), statements what ``core.pipeline.transform_event``
makes of them.
"""
from collections import Counter

import orjson
import pytest

from openedx_xapi_router.backfill.counting import BackfillReport
from openedx_xapi_router.backfill.destinations import LrsDestination
from openedx_xapi_router.core.event import normalize
from openedx_xapi_router.core.pipeline import transform_event
from openedx_xapi_router.delivery import service
from openedx_xapi_router.delivery.core import Item
from openedx_xapi_router.models import DeadLetter, LrsEndpoint
from openedx_xapi_router.resolvers import get_transform_context
from tests.delivery.events import enrollment_event
from tests.delivery.test_live_delivery import in_ralph
from tests.fault_lrs import FaultLrs

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]  # the delivery threads commit


@pytest.fixture(name="fault_in_front")
def fixture_fault_in_front(ralph_lrs, settings):
    settings.XAPI_ROUTER_ALLOW_INSECURE_HTTP = True
    lrs = FaultLrs(ralph_lrs.statements_url, ralph_lrs.auth)
    try:
        yield lrs
    finally:
        lrs.close()


def endpoint_for(lrs, ralph_lrs, name, **fields):
    username, password = ralph_lrs.auth
    return LrsEndpoint.objects.create(name=name, statements_url=lrs.statements_url, username=username,
                                      password=password, timeout=5.0, retry_limit=0, **fields)


def events_and_statements(base, count):
    """``[(event, statements)]`` for ``count`` enrollment events numbered from ``base``."""
    ctx = get_transform_context()
    made = []
    for number in range(base, base + count):
        raw = enrollment_event(number)
        made.append((normalize(raw), transform_event(raw, ctx)))
    return made


def items_of(made):
    return [Item(statement, event.name) for event, statements in made for statement in statements]


def body(statements):
    """The body the client POSTs for ``statements``."""
    return orjson.dumps(list(statements))


def test_worker_send_413_splits_never_drops(fault_in_front, ralph_lrs, lrs_client):
    items = items_of(events_and_statements(930_000, 16))
    statements = [item.statement for item in items]
    assert len(statements) == 16
    quarters = [statements[start:start + 4] for start in range(0, 16, 4)]
    limit = max(len(body(quarter)) for quarter in quarters)
    assert len(body(statements[:8])) > limit and len(body(statements[8:])) > limit
    fault_in_front.limit_body(limit)
    endpoint = endpoint_for(fault_in_front, ralph_lrs, "body-413-worker", batch_size=8, max_body_bytes=10_000_000)

    result = service.deliver_now(endpoint, items)

    # Each batch of 8: refused whole (413), bisected, both halves of 4 delivered.
    assert fault_in_front.post_statuses() == [413, 200, 200, 413, 200, 200]
    assert (len(result.delivered), len(result.rejected), len(result.retry), result.requests) == (16, 0, 0, 6)
    ids = [statement["id"] for statement in statements]
    assert fault_in_front.accepted_ids == Counter(ids)
    assert sorted(in_ralph(lrs_client, ids)) == sorted(ids)
    assert DeadLetter.objects.filter(endpoint=endpoint).count() == 0


def test_worker_send_cuts_batches_at_the_body_limit(fault_in_front, ralph_lrs, lrs_client):
    items = items_of(events_and_statements(931_000, 20))
    statements = [item.statement for item in items]
    sizes = {len(orjson.dumps(statement)) for statement in statements}
    assert len(sizes) == 1  # same-length numbers: every statement has the same size
    size = sizes.pop()
    per_post = 3
    max_body = 2 + per_post * size + (per_post - 1)  # exactly 3 statements fit, 4 do not
    fault_in_front.limit_body(max_body)  # any larger body would be answered 413
    endpoint = endpoint_for(fault_in_front, ralph_lrs, "body-cut-worker", batch_size=100, max_body_bytes=max_body)

    result = service.deliver_now(endpoint, items)

    assert fault_in_front.post_statuses() == [200] * 7  # 3+3+3+3+3+3+2, no 413
    assert fault_in_front.body_sizes == [max_body] * 6 + [2 + 2 * size + 1]
    assert (len(result.delivered), result.requests) == (20, 7)
    ids = [statement["id"] for statement in statements]
    assert fault_in_front.accepted_ids == Counter(ids)
    assert sorted(in_ralph(lrs_client, ids)) == sorted(ids)


def test_a_statement_too_large_alone_is_sent_alone_then_a_413_makes_it_a_rejected_dead_letter(
        fault_in_front, ralph_lrs):
    items = items_of(events_and_statements(932_000, 3))
    size = len(orjson.dumps(items[0].statement))
    assert size > 512
    fault_in_front.limit_body(size - 1)  # no statement gets through
    endpoint = endpoint_for(fault_in_front, ralph_lrs, "body-too-large", batch_size=100, max_body_bytes=512)

    result = service.deliver_now(endpoint, items)

    # Larger than max_body_bytes on its own: each statement goes alone (one POST each, no bisection).
    assert fault_in_front.post_statuses() == [413, 413, 413]
    assert fault_in_front.body_sizes == [size + 2] * 3
    assert (len(result.delivered), len(result.rejected), len(result.retry)) == (0, 3, 0)
    letters = DeadLetter.objects.filter(endpoint=endpoint).order_by("statement_id")
    assert sorted(letter.statement_id for letter in letters) == sorted(item.statement_id for item in items)
    for letter in letters:
        assert (letter.reason, letter.http_status) == (DeadLetter.REASON_REJECTED, 413)
        assert f"HTTP 413: the statement alone is {size + 2} bytes as a POST body" in letter.detail


def test_backfill_destination_413_splits_with_four_posts_in_flight(fault_in_front, ralph_lrs, lrs_client):
    made = events_and_statements(933_000, 32)
    statements = [statement for _, produced in made for statement in produced]
    assert len(statements) == 32
    limit = max(len(body(statements[start:start + 4])) for start in range(0, 32, 4))
    assert all(len(body(statements[start:start + 8])) > limit for start in range(0, 32, 8))
    fault_in_front.limit_body(limit)
    fault_in_front.delay_next(4, 0.5)  # the first four POSTs are slow: the others start meanwhile
    endpoint = endpoint_for(fault_in_front, ralph_lrs, "body-413-backfill", batch_size=8,
                            max_body_bytes=10_000_000, max_in_flight=4)
    report = BackfillReport()
    destination = LrsDestination([endpoint], report)
    for event, produced in made:
        destination.send(event, produced)
    destination.close()

    statuses = fault_in_front.post_statuses()
    assert Counter(statuses) == Counter({413: 4, 200: 8})  # 4 batches of 8, each bisected into 2 of 4
    assert fault_in_front.max_concurrent == 4
    assert (report.destination["delivered"], report.destination["rejected"], report.destination["requests"]) \
        == (32, 0, 12)
    ids = [statement["id"] for statement in statements]
    assert fault_in_front.accepted_ids == Counter(ids)
    assert sorted(in_ralph(lrs_client, ids)) == sorted(ids)
    assert DeadLetter.objects.filter(endpoint=endpoint).count() == 0
