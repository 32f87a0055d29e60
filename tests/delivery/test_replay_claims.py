"""
Replay claims its rows in short transactions and holds no lock across an HTTP request; the admin's
"Replay now" queues a task on the real worker instead of replaying in the web request.

On MariaDB (InnoDB row locks), another connection locks the claimed dead letters and the endpoint
row with ``SELECT ... FOR UPDATE NOWAIT`` while the replay's POST is held by the fault LRS: a lock
held by the replay would make that fail at once (MariaDB error 1205/3572).
"""
import threading
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.utils import timezone

from openedx_xapi_router.delivery import store
from openedx_xapi_router.delivery.replay import CLAIM_TIMEOUT, claim, replay_dead_letters
from openedx_xapi_router.models import DeadLetter, LrsEndpoint
from tests.delivery.conftest import wait_until
from tests.delivery.events import enrollment_event
from tests.delivery.test_live_delivery import in_ralph
from tests.delivery.test_lrs_answers import items_of

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


def dead_letters(endpoint, event_base, count):
    items = items_of([enrollment_event(event_base + number) for number in range(count)])
    store.dead_letter(endpoint.pk, items, DeadLetter.REASON_RETRIES_EXHAUSTED, 503, "down")
    return [item.statement_id for item in items]


@pytest.mark.mariadb
def test_no_lock_is_held_while_the_replay_posts(make_endpoint, fault_lrs, lrs_client, event_base):
    assert connection.vendor == "mysql"
    endpoint = make_endpoint("replay-no-lock", url=fault_lrs.statements_url)
    ids = dead_letters(endpoint, event_base, 5)
    fault_lrs.delay_next(1, 2.0)  # the replay's POST is held two seconds, then forwarded to Ralph
    results = {}

    def replay():
        try:
            results["summary"] = replay_dead_letters(DeadLetter.objects.all())
        finally:
            connection.close()

    thread = threading.Thread(target=replay)
    thread.start()
    try:
        wait_until(lambda: fault_lrs.started >= 1, 10, interval=0.02, message="the replay's POST")
        with transaction.atomic():
            locked = list(DeadLetter.objects.select_for_update(nowait=True).filter(endpoint=endpoint))
            assert {row.state for row in locked} == {DeadLetter.STATE_REPLAYING}  # the claim is committed
            assert LrsEndpoint.objects.select_for_update(nowait=True).filter(pk=endpoint.pk).update(
                last_error="a live worker's update") == 1
        assert fault_lrs.accepted_ids == {}  # all of that happened while the POST was still held
    finally:
        thread.join(20)
    summary = results["summary"]
    assert (summary.selected, summary.delivered, summary.still_failing, summary.skipped_locked) == (5, 5, 0, 0)
    assert set(DeadLetter.objects.values_list("state", flat=True)) == {DeadLetter.STATE_REPLAYED}
    assert sorted(in_ralph(lrs_client, ids)) == sorted(ids)


def test_a_fresh_claim_is_skipped_and_a_stale_one_taken_over(make_endpoint, event_base):
    endpoint = make_endpoint("claims")
    dead_letters(endpoint, event_base, 4)
    then = timezone.now() - CLAIM_TIMEOUT - timedelta(minutes=1)
    first, held = claim(DeadLetter.objects.all(), now=then)  # a replay that died long ago
    assert (len(first), held) == (4, 0)
    assert set(DeadLetter.objects.values_list("state", flat=True)) == {DeadLetter.STATE_REPLAYING}
    second, held = claim(DeadLetter.objects.all())  # takes the stale claims over
    assert (sorted(second), held) == (sorted(first), 0)
    third, held = claim(DeadLetter.objects.all())  # a fresh claim: skipped, and counted
    assert (third, held) == ([], 4)
    dry = replay_dead_letters(DeadLetter.objects.all(), dry_run=True)
    assert (dry.selected, dry.skipped_locked) == (0, 4)


def test_a_replay_that_stops_early_gives_its_rows_back(make_endpoint, fault_lrs, event_base):
    endpoint = make_endpoint("replay-stops", url=fault_lrs.statements_url, batch_size=2)
    dead_letters(endpoint, event_base, 6)
    fault_lrs.fail_next(10, 503)
    summary = replay_dead_letters(DeadLetter.objects.all(), retries=0)
    assert (summary.selected, summary.delivered, summary.still_failing) == (6, 0, 6)
    assert len(fault_lrs.posts) == 1  # stopped after the first chunk
    assert set(DeadLetter.objects.values_list("state", flat=True)) == {DeadLetter.STATE_PENDING}
    assert list(DeadLetter.objects.exclude(claimed_at=None).filter(state=DeadLetter.STATE_REPLAYING)) == []


def test_the_admin_queues_the_replay_on_the_worker(admin_client, delivery_worker, routed_to, make_endpoint, fault_lrs,
                                                   lrs_client, event_base):
    routed_to(delivery_worker)  # the worker's (not eager) Celery app is the current one, as in the LMS
    endpoint = make_endpoint("replay-from-admin", url=fault_lrs.statements_url)
    ids = dead_letters(endpoint, event_base, 3)
    fault_lrs.delay_next(1, 2.0)
    response = admin_client.post("/admin/xapi_router/deadletter/", {
        "action": "replay_now", "_selected_action": list(DeadLetter.objects.values_list("pk", flat=True)),
    }, follow=True)
    page = response.content.decode()
    assert "Replay of 3 dead letters queued (task " in page and "the counts above show its progress" in page
    assert fault_lrs.accepted_ids == {}  # the web request did not wait for the LRS
    wait_until(lambda: DeadLetter.objects.filter(state=DeadLetter.STATE_REPLAYED).count() == 3, 20,
               message="3 dead letters replayed by the worker")
    assert fault_lrs.accepted_ids == dict.fromkeys(ids, 1)
    assert sorted(in_ralph(lrs_client, ids)) == sorted(ids)
