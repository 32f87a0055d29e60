"""
A backfill (``transform_tracking_logs``) into a Caliper endpoint (the loopback Caliper 1.2 consumer,
``tests/caliper/caliper_consumer.py``) and Ralph (xAPI) in the same run, synchronously and through
``--queue`` to a real Celery worker: every event of the shared generator's clean log that the core
makes a Caliper event of arrives once, byte for byte the core's ``process(..., "caliper")``, and
every xAPI statement arrives in Ralph once.
"""
# pylint: disable=redefined-outer-name
from collections import Counter

import orjson
import pytest

from openedx_xapi_router.core.event_names import allowed_event_names
from openedx_xapi_router.core.pipeline import process
from openedx_xapi_router.core.reader import read_lines
from openedx_xapi_router.core.registry import CALIPER
from openedx_xapi_router.models import DeadLetter, DeliveryHour, LrsEndpoint
from openedx_xapi_router.resolvers import get_transform_context
from tests.backfill.conftest import all_statement_ids
from tests.backfill.helpers import core_statements, read_report, run_command
# fresh_caches (autouse) and queue_worker are fixtures: importing them applies them here.
from tests.backfill.test_ralph import fresh_caches, ids_of, queue_worker  # noqa: F401  pylint: disable=unused-import
from tests.caliper.caliper_consumer import CaliperConsumer
from tests.delivery.conftest import wait_until

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def consumer():
    with CaliperConsumer() as server:
        yield server


def caliper_endpoint(consumer, name, **fields):
    return LrsEndpoint.objects.create(name=name, statements_url=consumer.url, output_format=LrsEndpoint.FORMAT_CALIPER,
                                      auth_type=LrsEndpoint.AUTH_BEARER, token=consumer.token, **fields)


def core_caliper(path):
    """``({id: bytes}, events with none)``: the core's Caliper events of the log's events that give statements."""
    ctx = get_transform_context()
    made, none = {}, 0
    with open(path, "rb") as file:
        for _, raw in read_lines(file, str(path)):
            xapi = process(raw, ctx)
            if not xapi.ok:
                continue
            outcome = process(xapi.event, ctx, output_format=CALIPER)
            if not outcome.ok:
                none += 1
            for event in outcome.statements:
                assert event["id"] not in made
                made[event["id"]] = orjson.dumps(event)
    return made, none


def delivered(endpoint):
    return sum(DeliveryHour.objects.filter(endpoint=endpoint).values_list("delivered", flat=True))


def test_backfill_sends_caliper_to_caliper_and_xapi_to_xapi(clean_log, tmp_path, ralph_endpoint, fresh_ralph,
                                                            consumer):
    path, _ = clean_log
    expected_xapi = core_statements(path)
    expected, without = core_caliper(path)
    assert len(expected) > 1000  # the clean log's Caliper names (enrollment, video, problem, navigation)
    xapi = ralph_endpoint(fresh_ralph, "backfill-xapi", batch_size=200)
    caliper = caliper_endpoint(consumer, "backfill-caliper", batch_size=50, max_body_bytes=20_000)
    before = Counter(all_statement_ids(fresh_ralph))
    report_path = tmp_path / "report.json"
    run_command(path, "--report", report_path)
    report = read_report(report_path)
    stored = Counter(all_statement_ids(fresh_ralph)) - before
    assert set(stored) == set(ids_of(expected_xapi)) and set(stored.values()) == {1}
    assert Counter(event["id"] for event in consumer.events) == Counter(dict.fromkeys(expected, 1))
    assert {event["id"]: orjson.dumps(event) for event in consumer.events} == expected
    assert consumer.refusals == []
    assert all(len(envelope["data"]) <= 50 for envelope in consumer.envelopes) and max(consumer.bodies) <= 20_000
    assert (delivered(xapi), delivered(caliper)) == (len(expected_xapi), len(expected))
    assert report["destination"]["delivered"] == len(expected_xapi) + len(expected)
    assert report["destination"].get("caliper_unsupported", 0) == without
    assert DeadLetter.objects.count() == 0


@pytest.mark.usefixtures("queue_worker")
def test_backfill_queue_sends_caliper_envelopes_through_the_worker(tmp_path, consumer):
    from tests.backfill.conftest import generate  # pylint: disable=import-outside-toplevel

    path = tmp_path / "small.log"
    generate(path, 300, 23)
    expected, _ = core_caliper(path)
    caliper = caliper_endpoint(consumer, "queued-caliper", batch_size=100)
    run_command(path, "--queue")
    wait_until(lambda: delivered(caliper) >= len(expected), 60, message=f"{len(expected)} Caliper events delivered")
    assert {event["id"]: orjson.dumps(event) for event in consumer.events} == expected
    assert len(consumer.events) == len(expected) == delivered(caliper)
    assert DeadLetter.objects.count() == 0


def test_backfill_sends_caliper_the_caliper_default_names(tmp_path, consumer):
    """
    Without ``--all-event-names`` the backfill applies ``XAPI_ROUTER_ALLOWED_EVENT_NAMES``'s default
    per format: a Caliper endpoint gets only ERB's default Caliper names
    (``core.event_names.ERB_DEFAULT_CALIPER_EVENT_NAMES``), even for events the xAPI default sends.
    """
    from tests.backfill.conftest import generate  # pylint: disable=import-outside-toplevel

    path = tmp_path / "small.log"
    generate(path, 600, 29)
    ctx = get_transform_context()
    xapi_names, caliper_names = allowed_event_names(None), allowed_event_names(None, output_format=CALIPER)
    expected, left_out = {}, Counter()
    with open(path, "rb") as file:
        for _, raw in read_lines(file, str(path)):
            xapi = process(raw, ctx, allowed_names=xapi_names)
            if not xapi.ok:
                continue
            outcome = process(xapi.event, ctx, output_format=CALIPER)
            if outcome.ok and xapi.event.name not in caliper_names:
                left_out[xapi.event.name] += 1  # one event, counted once as caliper_not_allowed
            elif outcome.ok:
                expected.update((event["id"], orjson.dumps(event)) for event in outcome.statements)
    assert expected and left_out  # the log has both kinds
    assert set(left_out) <= {"show_transcript", "hide_transcript", "edx.video.transcript.shown",
                             "edx.video.transcript.hidden", "edx.video.closed_captions.shown",
                             "edx.video.closed_captions.hidden", "video_show_cc_menu", "video_hide_cc_menu",
                             "speed_change_video"}
    caliper = caliper_endpoint(consumer, "default-names-caliper", batch_size=100)
    report_path = tmp_path / "report.json"
    run_command(path, "--report", report_path, all_names=False)
    assert {event["id"]: orjson.dumps(event) for event in consumer.events} == expected
    assert len(consumer.events) == len(expected) == delivered(caliper)
    assert read_report(report_path)["destination"]["caliper_not_allowed"] == sum(left_out.values())
