"""
Caliper endpoints on the live path, on real parts: our backend -> Redis -> a real Celery worker ->
the loopback Caliper 1.2 consumer (``tests/caliper/caliper_consumer.py``: it checks each envelope
against the 1.2 context and the bearer token) and the real Ralph LRS, side by side in one run.

What a Caliper endpoint receives is what the envelope code of event-routing-backends sends
(``event_routing_backends/processors/caliper/envelope_processor.py``, openedx/event-routing-backends
23d648f869bb29caa1db256945936bc57bcb771d: ``sensor``, ``sendTime``, ``data``, ``dataVersion``; the
sensor is ``settings.LMS_ROOT_URL``, ``event_routing_backends/utils/settings.py``), batched; and each
event is, byte for byte, what ``process(..., output_format="caliper")`` makes of the tracking event.
"""
# pylint: disable=redefined-outer-name
from collections import Counter

import orjson
import pytest

from openedx_xapi_router.backends.tracking import XapiRouterBackend
from openedx_xapi_router.core.pipeline import process, transform_event
from openedx_xapi_router.core.registry import CALIPER
from openedx_xapi_router.delivery import replay
from openedx_xapi_router.models import DeadLetter, DeliveryHour, LrsEndpoint
from openedx_xapi_router.resolvers import get_transform_context
from openedx_xapi_router.transformers.caliper import vocab
from tests.caliper.caliper_consumer import CaliperConsumer
from tests.delivery.conftest import wait_until
from tests.delivery.events import enrollment_event
from tests.delivery.test_live_delivery import in_ralph

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

SENSOR = "http://localhost:18000"  # tests/project/settings.py: LMS_ROOT_URL


@pytest.fixture
def consumer():
    with CaliperConsumer() as server:
        yield server


def caliper_endpoint(consumer, name, **fields):
    """An enabled Caliper endpoint for ``consumer`` (bearer token, the consumer's URL)."""
    fields.setdefault("batch_size", 100)
    fields.setdefault("timeout", 5.0)
    return LrsEndpoint.objects.create(name=name, statements_url=consumer.url, output_format=LrsEndpoint.FORMAT_CALIPER,
                                      auth_type=LrsEndpoint.AUTH_BEARER, token=consumer.token, **fields)


def expected_caliper(events):
    """The Caliper events the core makes of ``events``, as bytes, by id."""
    ctx = get_transform_context()
    made = {}
    for event in events:
        outcome = process(event, ctx, output_format=CALIPER)
        assert outcome.ok, outcome
        for caliper_event in outcome.statements:
            made[caliper_event["id"]] = orjson.dumps(caliper_event)
    return made


def delivered_count(endpoint):
    return sum(DeliveryHour.objects.filter(endpoint=endpoint).values_list("delivered", flat=True))


def assert_envelopes(consumer, batch_size, max_body_bytes):
    """Every envelope the consumer took is ERB's shape from our sensor, within the endpoint's limits."""
    assert consumer.envelopes
    for envelope in consumer.envelopes:
        assert list(envelope) == ["sensor", "sendTime", "dataVersion", "data"]
        assert (envelope["sensor"], envelope["dataVersion"]) == (SENSOR, vocab.CONTEXT)
        assert 1 <= len(envelope["data"]) <= batch_size
    assert max(consumer.bodies) <= max_body_bytes


def test_an_xapi_and_a_caliper_endpoint_in_the_same_run(delivery_worker, routed_to, make_endpoint, lrs_client,
                                                        consumer, event_base):
    """
    60 events to Ralph (xAPI) and to the Caliper consumer at once: 60 statements in Ralph by id, 60
    Caliper events each received once, byte-identical to the core's, in envelopes of at most 7
    events and 4,000 bytes (so both cuts happen), no refusal, no dead letter.
    """
    routed_to(delivery_worker)
    xapi = make_endpoint("side-xapi")
    caliper = caliper_endpoint(consumer, "side-caliper", batch_size=7, max_body_bytes=4000)
    events = [enrollment_event(event_base + number) for number in range(60)]
    backend = XapiRouterBackend()
    for event in events:
        backend.send(event)
    assert backend.errors == 0
    ctx = get_transform_context()
    xapi_ids = [transform_event(event, ctx)[0]["id"] for event in events]
    expected = expected_caliper(events)
    assert len(set(xapi_ids)) == 60 and len(expected) == 60
    wait_until(lambda: delivered_count(xapi) >= 60 and delivered_count(caliper) >= 60, 30,
               message="60 statements and 60 Caliper events delivered")
    assert sorted(in_ralph(lrs_client, xapi_ids)) == sorted(xapi_ids)
    received = Counter(event["id"] for event in consumer.events)
    assert received == Counter(dict.fromkeys(expected, 1))
    assert {event["id"]: orjson.dumps(event) for event in consumer.events} == expected
    assert consumer.refusals == []
    assert_envelopes(consumer, 7, 4000)
    assert len(consumer.envelopes) >= 60 // 7 + 1
    assert (delivered_count(xapi), delivered_count(caliper)) == (60, 60)
    assert DeadLetter.objects.count() == 0


def test_a_caliper_endpoint_alone_gets_caliper_only(delivery_worker, routed_to, consumer, event_base):
    """With only a Caliper endpoint enabled, its events arrive; no xAPI statement is made or sent."""
    routed_to(delivery_worker)
    endpoint = caliper_endpoint(consumer, "only-caliper", batch_size=50)
    events = [enrollment_event(event_base + number) for number in range(25)]
    backend = XapiRouterBackend()
    for event in events:
        backend.send(event)
    expected = expected_caliper(events)
    wait_until(lambda: delivered_count(endpoint) >= 25, 30, message="25 Caliper events delivered")
    assert {event["id"]: orjson.dumps(event) for event in consumer.events} == expected
    assert len(consumer.events) == 25
    assert_envelopes(consumer, 50, endpoint.max_body_bytes)
    assert DeadLetter.objects.count() == 0


def test_a_caliper_outage_dead_letters_then_replay_sends_each_once(delivery_worker, routed_to, consumer,
                                                                   event_base):
    """
    The consumer answers 500 to everything: after 1 retry the 12 events are dead letters
    (``retries_exhausted``, their ``urn:uuid:`` ids whole); the consumer healthy again, replay sends
    them back as Caliper envelopes: each id received exactly once, the rows ``replayed``.
    """
    routed_to(delivery_worker)
    consumer.failures = 10**6
    endpoint = caliper_endpoint(consumer, "caliper-outage", retry_limit=1, batch_size=5)
    events = [enrollment_event(event_base + number) for number in range(12)]
    backend = XapiRouterBackend()
    for event in events:
        backend.send(event)
    expected = expected_caliper(events)
    wait_until(lambda: DeadLetter.objects.filter(endpoint=endpoint).count() >= 12, 40, message="12 dead letters")
    letters = DeadLetter.objects.filter(endpoint=endpoint)
    assert sorted(letters.values_list("statement_id", flat=True)) == sorted(expected)
    assert all(len(statement_id) == 45 and statement_id.startswith("urn:uuid:") for statement_id in expected)
    assert set(letters.values_list("reason", "http_status", "state")) == {
        (DeadLetter.REASON_RETRIES_EXHAUSTED, 500, DeadLetter.STATE_PENDING)}
    assert {letter.statement_id: orjson.dumps(letter.statement) for letter in letters} == expected
    assert consumer.events == []
    consumer.failures = 0
    summary = replay.replay_dead_letters(DeadLetter.objects.filter(endpoint=endpoint))
    assert (summary.selected, summary.delivered, summary.still_failing) == (12, 12, 0)
    assert Counter(event["id"] for event in consumer.events) == Counter(dict.fromkeys(expected, 1))
    assert {event["id"]: orjson.dumps(event) for event in consumer.events} == expected
    assert_envelopes(consumer, 5, endpoint.max_body_bytes)
    assert set(letters.values_list("state", flat=True)) == {DeadLetter.STATE_REPLAYED}
