"""
Caliper envelopes to a Caliper endpoint: the envelope builder, bearer auth, and the events as a
consumer reading them under the Caliper 1.2 JSON-LD context sees them.

The endpoint is :class:`tests.caliper.caliper_consumer.CaliperConsumer`, a loopback server (no
Caliper consumer is available from the package registries), which checks the envelope and reads
each event's terms against the 1.2 context's. The envelope shape is also compared with
event-routing-backends' ``CaliperEnvelopeProcessor`` (``event_routing_backends/processors/caliper/
envelope_processor.py``, edx-event-routing-backends 9.3.8).
"""
# pytest fixtures are parameters named after the fixture functions.
# pylint: disable=redefined-outer-name
import collections
from datetime import UTC, datetime

import pytest
import requests

from openedx_xapi_router.core.errors import ConfigurationError, EventSkipped, InvalidEvent, UnsupportedEvent
from openedx_xapi_router.transformers.caliper import vocab
from openedx_xapi_router.transformers.caliper.envelope import build_envelope, request_headers, serialize_envelope
from tests.caliper import erb_caliper_oracle
from tests.caliper.caliper_consumer import CaliperConsumer
from tests.caliper.helpers import transform
from tests.transformers import samples

SENSOR = samples.LMS_ROOT_URL

#: The terms of ERB-shaped Caliper events that the 1.2 context does not define, all kept for parity
#: (docs/caliper.rst): the link page's ``Webpage`` type (the class is ``WebPage``); the closed-caption
#: actions as the specification's MediaEvent table spells them (the context says ``...CloseCaptioning``);
#: the graded check's ``generated`` wrapper key ``score`` and the Score's ``attempts``.
ERB_TERMS_OUTSIDE_THE_CONTEXT = {
    ("type", "Webpage"), ("action", "EnabledClosedCaptioning"), ("action", "DisabledClosedCaptioning"),
    ("property", "score"), ("property", "attempts"),
}


@pytest.fixture
def consumer():
    with CaliperConsumer() as running:
        yield running


def _sample_events():
    """Our Caliper event for every shared sample that gives one, by sample name."""
    samples.require_samples()
    events = {}
    for name in samples.sample_names():
        try:
            events[name] = transform(samples.load_event(name))[0]
        except (EventSkipped, InvalidEvent, UnsupportedEvent):
            continue
    return events


def _post(consumer, body, headers):
    return requests.post(consumer.url, data=body, headers=headers, timeout=10)


def test_every_sample_event_reaches_the_endpoint(consumer):
    events = _sample_events()
    assert len(events) == 47
    names = sorted(events)
    for start in range(0, len(names), 10):  # batches of 10 events per envelope
        envelope = build_envelope([events[name] for name in names[start:start + 10]], SENSOR)
        response = _post(consumer, serialize_envelope(envelope), request_headers(consumer.token))
        assert response.status_code == 200, response.text
    assert len(consumer.envelopes) == 5
    assert [event["id"] for event in consumer.events] == [events[name]["id"] for name in names]
    assert set(consumer.unknown_terms) == ERB_TERMS_OUTSIDE_THE_CONTEXT
    assert consumer.refusals == []


def test_envelope_shape_is_erbs():
    samples.require_samples()
    event = transform(samples.load_event("play_video"))[0]
    moment = datetime(2026, 12, 2, 1, 2, 3, 456789, tzinfo=UTC)
    ours = build_envelope([event], SENSOR, send_time=moment)
    erb_caliper_oracle.registered_names()  # Django and ERB set up
    from event_routing_backends.processors.caliper.envelope_processor import (  # pylint: disable=import-outside-toplevel
        CaliperEnvelopeProcessor,
    )
    erb = CaliperEnvelopeProcessor(SENSOR)([event])[0]
    assert list(ours) == ["sensor", "sendTime", "dataVersion", "data"]
    assert set(ours) == set(erb)
    assert {key: ours[key] for key in ("sensor", "dataVersion", "data")} == \
        {key: erb[key] for key in ("sensor", "dataVersion", "data")}
    assert ours["sendTime"] == "2026-12-02T01:02:03.456Z"
    assert ours["dataVersion"] == vocab.CONTEXT


@pytest.mark.parametrize(("headers", "status"), [
    ({"Content-Type": "application/json"}, 401),
    ({"Authorization": "Bearer wrong", "Content-Type": "application/json"}, 401),
    ({"Authorization": "Basic Y2FsaXBlcjp4", "Content-Type": "application/json"}, 401),
    ({"Authorization": "Bearer caliper-test-token", "Content-Type": "text/plain"}, 415),
])
def test_endpoint_refuses_without_bearer_and_json(consumer, headers, status):
    samples.require_samples()
    body = serialize_envelope(build_envelope([transform(samples.load_event("play_video"))[0]], SENSOR))
    response = _post(consumer, body, headers)
    assert response.status_code == status
    assert consumer.envelopes == [] and [s for s, _ in consumer.refusals] == [status]


def test_endpoint_refuses_a_broken_envelope(consumer):
    samples.require_samples()
    envelope = build_envelope([transform(samples.load_event("play_video"))[0]], SENSOR)
    envelope["dataVersion"] = "http://purl.imsglobal.org/ctx/caliper/v1p1"
    response = _post(consumer, serialize_envelope(envelope), request_headers(consumer.token))
    assert response.status_code == 400
    assert "dataVersion" in response.json()["error"]


def test_builder_refuses_bad_arguments():
    with pytest.raises(ConfigurationError, match="absolute IRI"):
        build_envelope([{}], "courses.example.org")
    with pytest.raises(ValueError, match="at least one event"):
        build_envelope([], SENSOR)
    with pytest.raises(ConfigurationError, match="bearer token"):
        request_headers("")
    assert request_headers("t0k") == {"Authorization": "Bearer t0k", "Content-Type": "application/json"}


def test_unknown_terms_are_counted_per_event(consumer):
    """The consumer's term check is not vacuous: a clean event adds nothing, a broken one is named."""
    samples.require_samples()
    event = transform(samples.load_event("play_video"))[0]
    broken = dict(event, verb="played", object=dict(event["object"], type="Video"))
    for payload in ([event], [broken]):
        response = _post(consumer, serialize_envelope(build_envelope(payload, SENSOR)), request_headers(consumer.token))
        assert response.status_code == 200
    assert consumer.unknown_terms == collections.Counter({("property", "verb"): 1, ("type", "Video"): 1})
