"""
The broker is unreachable while the LMS sends (a real Redis client to a port nothing listens on):
nothing is raised, the statements become ``broker_unavailable`` dead letters of every matching
endpoint, and ``manage.py replay_failed_statements`` delivers them into the real Ralph.
"""
import io
import socket
import time

import pytest
from celery import Celery
from django.core.management import CommandError, call_command
from kombu.utils import functional as kombu_functional

from openedx_xapi_router.backends.tracking import XapiRouterBackend
from openedx_xapi_router.delivery import sending
from openedx_xapi_router.delivery.replay import discard_dead_letters, replay_dead_letters
from openedx_xapi_router.models import DeadLetter
from tests.delivery.events import enrollment_event
from tests.delivery.test_live_delivery import in_ralph, statement_ids

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


def closed_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def broker_down(settings):
    """The current Celery app publishes to a Redis port where nothing listens."""
    from tests.project.celery_app import app as project_app  # pylint: disable=import-outside-toplevel

    app = Celery("broker-down", broker=f"redis://127.0.0.1:{closed_port()}/0", set_as_current=False)
    app.conf.broker_connection_timeout = 1
    settings.XAPI_ROUTER_CELERY_QUEUE = "xapi-router-test-broker-down"
    sending.endpoint_cache.clear()
    app.set_current()
    yield app
    project_app.set_current()
    sending.endpoint_cache.clear()
    app.close()


@pytest.mark.usefixtures("broker_down")
def test_broker_down_during_send_then_replay(make_endpoint, lrs_client, event_base, monkeypatch):
    # The send path must not wait on a broker that refuses: the seconds it asks to sleep (kombu's
    # publish retry and the Redis client's own back-off) are counted, not timed.
    slept = []
    real_sleep = time.sleep

    def recording_sleep(seconds):
        slept.append(seconds)
        real_sleep(seconds)

    monkeypatch.setattr(kombu_functional, "sleep", recording_sleep)
    monkeypatch.setattr(time, "sleep", recording_sleep)
    first = make_endpoint("ralph-a")
    second = make_endpoint("ralph-b", courses=["course-v1:edX+Other+Run"])  # matches none of these events
    third = make_endpoint("ralph-c", batch_size=7)
    events = [enrollment_event(event_base + number) for number in range(12)]
    ids = statement_ids(events)
    backend = XapiRouterBackend()
    for event in events:
        backend.send(event)  # raises nothing
    monkeypatch.setattr(time, "sleep", real_sleep)
    assert backend.errors == 0
    # The broker refuses at once: the request dead-letters and goes on, with at most the publish
    # policy's one retry interval per event (sending.PUBLISH_RETRY_POLICY).
    assert sum(slept) <= len(events) * sending.PUBLISH_RETRY_POLICY["interval_max"]
    assert sending.publisher.flush(30)
    assert DeadLetter.objects.filter(endpoint=second).count() == 0
    for endpoint in (first, third):
        letters = DeadLetter.objects.filter(endpoint=endpoint)
        assert sorted(letters.values_list("statement_id", flat=True)) == sorted(ids)
        assert set(letters.values_list("reason", "state", "event_name")) == {
            (DeadLetter.REASON_BROKER_UNAVAILABLE, DeadLetter.STATE_PENDING, "edx.course.enrollment.activated")}
        assert all("OperationalError" in detail for detail in letters.values_list("detail", flat=True))
    assert in_ralph(lrs_client, ids) == []

    dry = io.StringIO()
    call_command("replay_failed_statements", "--dry-run", stdout=dry)
    assert dry.getvalue().strip() == "dry run: 24 pending dead letters would be replayed (0 held by another replay)"
    assert DeadLetter.objects.filter(state=DeadLetter.STATE_PENDING).count() == 24

    out = io.StringIO()
    call_command("replay_failed_statements", "--endpoint", "ralph-a", "--limit", "5", stdout=out)
    assert out.getvalue().strip() == "5 selected, 5 delivered, 0 still failing, 0 skipped (held by another replay)"
    out = io.StringIO()
    call_command("replay_failed_statements", "--event-name", "edx.course.enrollment.activated", "--batch-size", "4",
                 stdout=out)
    assert out.getvalue().strip() == "19 selected, 19 delivered, 0 still failing, 0 skipped (held by another replay)"
    assert sorted(in_ralph(lrs_client, ids)) == sorted(ids)
    assert DeadLetter.objects.filter(state=DeadLetter.STATE_REPLAYED).count() == 24
    assert DeadLetter.objects.filter(state=DeadLetter.STATE_PENDING).count() == 0
    out = io.StringIO()
    call_command("replay_failed_statements", stdout=out)
    assert out.getvalue().strip() == "0 selected, 0 delivered, 0 still failing, 0 skipped (held by another replay)"


def test_replay_exits_non_zero_while_statements_still_fail(make_endpoint, fault_lrs, lrs_client, event_base):
    endpoint = make_endpoint("ralph-replay-reject", url=fault_lrs.statements_url)
    events = [enrollment_event(event_base + number) for number in range(6)]
    ids = statement_ids(events)
    from openedx_xapi_router.delivery import store  # pylint: disable=import-outside-toplevel
    from openedx_xapi_router.delivery.core import Item  # pylint: disable=import-outside-toplevel
    from openedx_xapi_router.core.pipeline import transform_event  # pylint: disable=import-outside-toplevel
    from openedx_xapi_router.resolvers import get_transform_context  # pylint: disable=import-outside-toplevel

    items = [Item(transform_event(event, get_transform_context())[0], event["name"], "v") for event in events]
    store.dead_letter(endpoint.pk, items, DeadLetter.REASON_RETRIES_EXHAUSTED, 503, "down")
    fault_lrs.reject_ids([ids[2]], status=400)
    with pytest.raises(CommandError) as error:
        call_command("replay_failed_statements", "--since", "2000-01-01", "--until", "2999-01-01",
                     stdout=io.StringIO())
    assert error.value.returncode == 1
    assert str(error.value) == "1 statements still fail"
    rejected = DeadLetter.objects.get(state=DeadLetter.STATE_PENDING)
    assert (rejected.statement_id, rejected.reason, rejected.http_status, rejected.attempts) == (
        ids[2], DeadLetter.REASON_REJECTED, 400, 2)
    assert DeadLetter.objects.filter(state=DeadLetter.STATE_REPLAYED).count() == 5
    assert sorted(in_ralph(lrs_client, ids)) == sorted(i for i in ids if i != ids[2])
    # An LRS that is down: rows stay pending with their attempts counted.
    fault_lrs.stop()
    summary = replay_dead_letters(DeadLetter.objects.all(), retries=1, retry_wait=0.1)
    assert (summary.selected, summary.delivered, summary.still_failing) == (1, 0, 1)
    rejected.refresh_from_db()
    assert (rejected.reason, rejected.http_status, rejected.attempts) == (DeadLetter.REASON_RETRIES_EXHAUSTED, None, 3)
    assert discard_dead_letters(DeadLetter.objects.all()) == 1
    assert DeadLetter.objects.get(pk=rejected.pk).state == DeadLetter.STATE_DISCARDED
    with pytest.raises(CommandError):
        call_command("replay_failed_statements", "--endpoint", "no-such-endpoint")
