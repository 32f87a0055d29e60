"""
Caliper endpoints below the worker: the model's rules, the system checks, ``lrs_endpoints --format``,
the send path's per-format transformation, and the client POSTing envelopes to the loopback
Caliper consumer (``caliper_consumer.py``), whose checks are the consumer's side of the contract:
a Caliper 1.2 endpoint takes an envelope (``sensor``, ``sendTime``, ``dataVersion``, ``data``)
with ``Authorization: Bearer`` and answers 2xx (event-routing-backends' ``utils/http_client.py``
counts any 2xx as sent, openedx/event-routing-backends 9.3.8; no list of ids comes back).
"""
# pylint: disable=redefined-outer-name
from io import StringIO
from pathlib import Path

import orjson
import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.test import override_settings

from openedx_xapi_router import checks
from openedx_xapi_router.core.pipeline import transform_event
from openedx_xapi_router.core.registry import CALIPER, XAPI
from openedx_xapi_router.delivery import client as delivery_client
from openedx_xapi_router.delivery import core, sending
from openedx_xapi_router.delivery.core import Item, chunks, deliver_batch
from openedx_xapi_router.lrs.client import LrsClient
from openedx_xapi_router.lrs.messages import build_post_caliper, caliper_body_overhead
from openedx_xapi_router.models import BearerAuth, LrsEndpoint
from openedx_xapi_router.resolvers import get_transform_context, reset_transform_context
from openedx_xapi_router.transformers.caliper import vocab
from openedx_xapi_router.transformers.caliper.validate import validate_event
from tests.caliper.caliper_consumer import CaliperConsumer
from tests.delivery.events import enrollment_event

SENSOR = "http://localhost:18000"
URL = "https://caliper.example.org/caliper"


@pytest.fixture
def consumer():
    with CaliperConsumer() as server:
        yield server


def caliper_events(count, base=5000):
    ctx = get_transform_context()
    return [transform_event(enrollment_event(base + number), ctx, output_format=CALIPER)[0] for number in range(count)]


def xapi_statement(number=1):
    return transform_event(enrollment_event(number), get_transform_context())[0]


@pytest.fixture(autouse=True)
def fresh_context():
    reset_transform_context()
    sending.endpoint_cache.clear()
    yield
    sending.endpoint_cache.clear()
    delivery_client.close_clients()


# --- the pure parts ---------------------------------------------------------------------------


def test_the_format_is_read_off_the_statement():
    assert core.statement_format(caliper_events(1)[0]) == CALIPER
    assert core.statement_format(xapi_statement()) == XAPI


def test_a_statement_of_another_format_is_a_misconfigured_dead_letter_never_sent():
    posted = []
    caliper, xapi = caliper_events(2), xapi_statement()
    items = [Item(caliper[0], "e", "v"), Item(xapi, "e", "v"), Item(caliper[1], "e", "v")]
    result = deliver_batch(posted.append, items, CALIPER)
    assert posted == [[caliper[0], caliper[1]]]
    assert [item.statement["id"] for item in result.delivered] == [caliper[0]["id"], caliper[1]["id"]]
    assert [(rejection.item.statement_id, rejection.reason) for rejection in result.rejected] == [
        (xapi["id"], core.MISCONFIGURED)]
    assert "a xapi statement, but the endpoint takes caliper now" in result.rejected[0].detail
    posted.clear()
    result = deliver_batch(posted.append, items, XAPI)
    assert posted == [[xapi]] and len(result.rejected) == 2


def test_batches_are_cut_by_the_envelopes_real_bytes():
    """Every batch's envelope, as sent, fits the limit, and the next event would not have fitted."""
    events = caliper_events(40)
    items = [Item(event) for event in events]
    overhead = caliper_body_overhead(SENSOR)
    assert overhead == len(build_post_caliper(URL, [{}], SENSOR).body) - 2
    limit = 3000
    batches = chunks(items, 100, limit, overhead)
    assert sum(len(batch) for batch in batches) == 40 and len(batches) > 1
    for number, batch in enumerate(batches):
        body = build_post_caliper(URL, [item.statement for item in batch], SENSOR).body
        assert len(body) <= limit
        if number + 1 < len(batches):
            longer = [item.statement for item in batch] + [batches[number + 1][0].statement]
            assert len(build_post_caliper(URL, longer, SENSOR).body) > limit
    assert [item.statement for batch in batches for item in batch] == events


# --- the client against the consumer ----------------------------------------------------------


def caliper_client(consumer, **options):
    return LrsClient(consumer.url, BearerAuth(consumer.token), timeout=5, allow_insecure_http=True,
                     output_format=CALIPER, sensor_id=SENSOR, **options)


def test_the_client_posts_one_envelope_per_batch(consumer):
    events = caliper_events(3)
    with caliper_client(consumer) as client:
        response = client.post_statements(events)
    assert response.status_code == 200
    assert consumer.refusals == []
    [envelope] = consumer.envelopes
    assert (envelope["sensor"], envelope["dataVersion"], envelope["data"]) == (SENSOR, vocab.CONTEXT, events)
    assert consumer.bodies == [len(orjson.dumps(envelope))]


def test_a_413_splits_and_an_event_too_large_alone_is_rejected(consumer):
    """The consumer's body limit answers 413: the batch is bisected down to what fits; alone, a dead letter."""
    events = caliper_events(8)
    one = len(build_post_caliper(consumer.url, events[:1], SENSOR).body)
    consumer.max_body = one * 2 + 10
    with caliper_client(consumer) as client:
        result = deliver_batch(client.post_statements, [Item(event) for event in events], CALIPER)
    assert sorted(item.statement_id for item in result.delivered) == sorted(event["id"] for event in events)
    assert sorted(event["id"] for event in consumer.events) == sorted(event["id"] for event in events)
    assert result.rejected == [] and [status for status, _ in consumer.refusals] == [413, 413, 413]
    consumer.max_body = one - 1
    with caliper_client(consumer) as client:
        result = deliver_batch(client.post_statements, [Item(events[0])], CALIPER)
    assert [(rejection.status_code, rejection.reason) for rejection in result.rejected] == [(413, core.REJECTED)]


def test_a_500_is_retried_and_a_401_rejected(consumer):
    events = caliper_events(2)
    consumer.failures = 1
    with caliper_client(consumer) as client:
        result = deliver_batch(client.post_statements, [Item(event) for event in events], CALIPER)
    assert (len(result.retry), result.retry_error.status_code, result.delivered) == (2, 500, [])
    with LrsClient(consumer.url, BearerAuth("wrong"), timeout=5, allow_insecure_http=True,
                   output_format=CALIPER, sensor_id=SENSOR) as client:
        result = deliver_batch(client.post_statements, [Item(events[0])], CALIPER)
    assert [(rejection.status_code, rejection.reason) for rejection in result.rejected] == [(401, core.REJECTED)]
    assert consumer.events == []


@pytest.mark.django_db
@override_settings(XAPI_ROUTER_ALLOW_INSECURE_HTTP=True)
def test_test_connection_posts_one_marked_event_and_names_a_401(consumer):
    """
    "Test connection" of a Caliper endpoint (the admin action and ``lrs_endpoints test`` share
    ``test_connection``): a Caliper 1.2 endpoint has no resource to read (the spec's Sensor API is
    one POST of an envelope; event-routing-backends' ``utils/http_client.py`` at 9.3.8 only POSTs),
    and the consumer refuses an envelope without events (400), so the probe POSTs one envelope with
    one marked test event. Against the loopback consumer: OK with the token, FAILED naming the 401.
    """
    endpoint = LrsEndpoint.objects.create(name="cal", statements_url=consumer.url, output_format=CALIPER,
                                          auth_type="bearer", token=consumer.token)
    ok, message = delivery_client.test_connection(endpoint)
    assert (ok, message) == (True, "cal: OK; POST envelope with 1 test event: HTTP 200")
    assert consumer.refusals == [] and consumer.unknown_terms == {}
    [envelope] = consumer.envelopes
    [event] = envelope["data"]
    assert envelope["sensor"] == SENSOR
    assert set(event) == {"@context", "id", "type", "action", "actor", "object", "eventTime", "extensions"}
    assert (event["type"], event["action"], event["actor"], event["object"], event["extensions"]) == (
        "Event", "Used", {"id": SENSOR, "type": "SoftwareApplication"}, {"id": SENSOR, "type": "SoftwareApplication"},
        {"openedx_xapi_router_connection_test": True})
    validate_event(event, "connection-test")  # the core's own Caliper rules pass too
    out = StringIO()
    call_command("lrs_endpoints", "test", "cal", stdout=out)
    assert out.getvalue() == "cal: OK; POST envelope with 1 test event: HTTP 200\n"
    assert len(consumer.envelopes) == 2 and consumer.envelopes[1]["data"][0]["id"] != event["id"]

    endpoint.token = "wrong-token"
    endpoint.save()
    ok, message = delivery_client.test_connection(endpoint)
    assert not ok
    assert message.startswith("cal: FAILED; POST envelope with 1 test event: HTTP 401: ")
    assert "missing or wrong bearer token" in message and "wrong-token" not in message
    from django.core.management.base import CommandError  # pylint: disable=import-outside-toplevel

    with pytest.raises(CommandError, match="1 of 1 LRS endpoint"):
        call_command("lrs_endpoints", "test", "cal", stdout=out)
    assert [status for status, _ in consumer.refusals] == [401, 401] and len(consumer.envelopes) == 2


# --- the model, the checks, the command ------------------------------------------------------


@pytest.mark.django_db
def test_a_caliper_endpoint_needs_a_bearer_token():
    endpoint = LrsEndpoint(name="c", statements_url=URL, output_format=CALIPER, username="u", password="p")
    with pytest.raises(ValidationError, match="bearer token"):
        endpoint.full_clean()
    endpoint.auth_type = LrsEndpoint.AUTH_BEARER
    endpoint.username = endpoint.password = ""
    with pytest.raises(ValidationError, match="needs a bearer token"):
        endpoint.full_clean()
    endpoint.token = "tok"
    endpoint.full_clean()
    endpoint.save()
    assert delivery_client.make_delivery_client(endpoint).output_format == CALIPER
    LrsEndpoint.objects.filter(pk=endpoint.pk).update(auth_type=LrsEndpoint.AUTH_BASIC)
    endpoint.refresh_from_db()
    with pytest.raises(ValueError, match="bearer token"):  # the worker's usable_client: a misconfigured dead letter
        delivery_client.make_delivery_client(endpoint)


@pytest.mark.django_db
def test_checks_e012_and_w013():
    LrsEndpoint.objects.create(name="ok", statements_url=URL, output_format=CALIPER, auth_type="bearer", token="t")
    LrsEndpoint.objects.create(name="basic", statements_url=URL, output_format=CALIPER, username="u", password="p")
    LrsEndpoint.objects.create(name="versioned", statements_url=URL, output_format=CALIPER, auth_type="bearer",
                               token="t", xapi_version="2.0.0")
    LrsEndpoint.objects.create(name="off", statements_url=URL, output_format=CALIPER, enabled=False)
    LrsEndpoint.objects.create(name="xapi", statements_url=URL, xapi_version="2.0.0")
    messages = checks.check_caliper_endpoints(databases=["default"])
    assert [(message.id, message.msg.split(" have ")[0]) for message in messages] == [
        ("xapi_router.E012", "Caliper endpoint(s) basic"), ("xapi_router.W013", "Caliper endpoint(s) versioned")]
    assert not checks.check_caliper_endpoints(databases=None)


@pytest.mark.django_db
def test_lrs_endpoints_add_with_format(monkeypatch):
    monkeypatch.setenv("CALIPER_TOKEN", "tok-123")
    out = StringIO()
    call_command("lrs_endpoints", "add", "cal", URL, "--format", "caliper", "--auth-type", "bearer", "--token-env",
                 "CALIPER_TOKEN", stdout=out)
    endpoint = LrsEndpoint.objects.get(name="cal")
    assert (endpoint.output_format, endpoint.auth_type, endpoint.token) == (CALIPER, "bearer", "tok-123")
    call_command("lrs_endpoints", "list", "--json", stdout=out)
    assert '"output_format": "caliper"' in out.getvalue()
    from django.core.management.base import CommandError  # pylint: disable=import-outside-toplevel

    with pytest.raises(CommandError, match="bearer token"):
        call_command("lrs_endpoints", "add", "cal2", URL, "--format", "caliper", stdout=out)


# --- the send path ---------------------------------------------------------------------------


class Capture:
    """The publisher's interface, capturing what the send path hands it."""

    def __init__(self):
        self.calls = []

    def submit(self, part):
        self.calls.append([part])

    def submit_all(self, parts):
        self.calls.append(list(parts))


@pytest.mark.django_db
@override_settings(XAPI_ROUTER_LOG_STATEMENTS=False)
@pytest.mark.parametrize("formats", [(XAPI,), (CALIPER,), (XAPI, CALIPER)])
def test_the_send_path_transforms_into_the_formats_of_the_matching_endpoints(formats, monkeypatch):
    endpoints = {}
    for output_format in formats:
        endpoints[output_format] = LrsEndpoint.objects.create(
            name=output_format, statements_url=URL, output_format=output_format, auth_type="bearer", token="t")
    LrsEndpoint.objects.create(name="elsewhere", statements_url=URL, orgs=["Other"])  # never matches
    ran = []
    original = sending.process_event

    def counting(*args, **kwargs):
        outcome = original(*args, **kwargs)
        ran.append((kwargs.get("output_format", XAPI), outcome.key))
        return outcome

    monkeypatch.setattr(sending, "process_event", counting)
    capture = Capture()
    event = enrollment_event(7)
    assert sending.queue_event(event, publisher=capture) == len(formats)
    # One transformation per format wanted (an xAPI-only site's once); the event is read once: when the
    # first format (xAPI while an xAPI endpoint is enabled) has no matching endpoint, it is routed only.
    transformed = [(output_format, "transformed") for output_format in formats]
    assert ran == (transformed if formats[0] == XAPI else [(XAPI, sending.OTHER_FORMAT), *transformed])
    assert len(capture.calls) == 1
    parts = capture.calls[0]
    ctx = get_transform_context()
    assert [[part[0], part[1], part[3]] for part in parts] == [
        [[endpoints[output_format].pk], event["name"], transform_event(event, ctx, output_format=output_format)]
        for output_format in formats]
    assert [part[2].endswith("edx.course.enrollment.activated@1") for part in parts] == [True] * len(formats)
    assert [core.statement_format(part[3][0]) for part in parts] == list(formats)


@pytest.mark.django_db
@override_settings(XAPI_ROUTER_LOG_STATEMENTS=False)
@pytest.mark.parametrize(("value", "formats"), [(None, [XAPI]), ("*", [XAPI, CALIPER])])
def test_the_send_path_applies_the_caliper_default_names(settings, value, formats):
    """
    ``show_transcript`` is in the xAPI default but not in ERB's Caliper allow-list
    (``tests/aspects/test_event_names.py`` derives both): by default an xAPI and a Caliper endpoint
    side by side get it as xAPI only; with ``"*"`` both formats are sent.
    """
    settings.XAPI_ROUTER_ALLOWED_EVENT_NAMES = value
    for output_format in (XAPI, CALIPER):
        LrsEndpoint.objects.create(name=output_format, statements_url=URL, output_format=output_format,
                                   auth_type="bearer", token="t")
    fixture = orjson.loads((Path(__file__).parents[1] / "contracts" / "fixtures" / "show_transcript.json").read_bytes())
    event = next(case["event"] for case in fixture["cases"] if case["expect"] == "statements")
    capture = Capture()
    assert sending.queue_event(event, publisher=capture) == len(formats)
    assert len(capture.calls) == 1
    parts = capture.calls[0]
    assert [core.statement_format(part[3][0]) for part in parts] == formats
    assert [part[1] for part in parts] == ["show_transcript"] * len(formats)
