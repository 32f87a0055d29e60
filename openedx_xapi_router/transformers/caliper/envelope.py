"""
The Caliper 1.2 envelope: how Caliper events travel to an endpoint. Pure: building the body and
the headers never touches the network (the transport is the delivery layer's).

An envelope is a JSON object with exactly ``sensor`` (the IRI of the sending system), ``sendTime``
(when it is sent: ISO 8601 UTC with milliseconds), ``dataVersion`` (the Caliper 1.2 context IRI)
and ``data`` (the events). event-routing-backends sends one event per envelope
(``CaliperEnvelopeProcessor``); an envelope may carry several, and :func:`build_envelope` takes a
batch. An endpoint authenticates the sensor with a bearer token (``Authorization: Bearer <token>``)
and takes ``Content-Type: application/json``.
"""
from datetime import UTC, datetime

import orjson

from openedx_xapi_router.core.errors import ConfigurationError
from openedx_xapi_router.core.validate import is_iri
from openedx_xapi_router.transformers.caliper import vocab
from openedx_xapi_router.transformers.caliper.base import caliper_time

CONTENT_TYPE = "application/json"


def build_envelope(events, sensor_id, send_time=None):
    """
    The envelope carrying ``events`` (a non-empty list of validated Caliper event dicts) from
    ``sensor_id`` (an absolute IRI, e.g. the LMS root URL); ``send_time`` (an aware datetime)
    defaults to now.

    Raises:
        ConfigurationError: ``sensor_id`` is not an absolute IRI.
        ValueError: ``events`` is empty.
    """
    if not is_iri(sensor_id):
        raise ConfigurationError(f"a Caliper sensor id must be an absolute IRI, got {sensor_id!r}")
    if not events:
        raise ValueError("a Caliper envelope carries at least one event")
    moment = send_time if send_time is not None else datetime.now(UTC)
    return {"sensor": sensor_id, "sendTime": caliper_time(moment), "dataVersion": vocab.CONTEXT,
            "data": list(events)}


def serialize_envelope(envelope):
    """The envelope as compact JSON bytes (key order as built, so byte-stable)."""
    return orjson.dumps(envelope)


def request_headers(token):
    """The headers of a request to a Caliper endpoint authenticated by bearer ``token``."""
    if not token or not isinstance(token, str):
        raise ConfigurationError("a Caliper endpoint needs a bearer token (a non-empty string)")
    return {"Authorization": f"Bearer {token}", "Content-Type": CONTENT_TYPE}


#: The ``extensions`` key that marks the connection test's event, so a store can tell it apart.
CONNECTION_TEST_EXTENSION = "openedx_xapi_router_connection_test"


def connection_test_event(sensor_id, event_id, moment):
    """
    The one event the "Test connection" probe of a Caliper endpoint sends (Caliper 1.2 has no
    read-only resource to probe, and an endpoint refuses an envelope without events): a generic
    ``Event`` in which the sensor (``SoftwareApplication`` ``sensor_id``) ``Used`` itself, marked
    by ``extensions`` ``{CONNECTION_TEST_EXTENSION: true}``. ``event_id`` is a UUID; ``moment`` an
    aware datetime. It names no learner and no course.
    """
    application = {"id": sensor_id, "type": "SoftwareApplication"}
    return {"@context": vocab.CONTEXT, "id": f"urn:uuid:{event_id}", "type": "Event", "action": "Used",
            "actor": application, "object": dict(application), "eventTime": caliper_time(moment),
            "extensions": {CONNECTION_TEST_EXTENSION: True}}
