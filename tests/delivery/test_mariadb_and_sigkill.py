"""
Delivery on MariaDB (row locks: two replays at once never send a row twice; the worker on MariaDB),
and a worker killed with SIGKILL in the middle of a batch (late acknowledgement: nothing is lost).
"""
import os
import signal
import threading
import time
from pathlib import Path

import pytest
from django.db import connection

from openedx_xapi_router.backends.tracking import XapiRouterBackend
from openedx_xapi_router.delivery import sending, store
from openedx_xapi_router.delivery.core import Item
from openedx_xapi_router.delivery.replay import replay_dead_letters
from openedx_xapi_router.models import DeadLetter
from tests.delivery.conftest import start_worker, wait_until
from tests.delivery.events import enrollment_event
from tests.delivery.test_live_delivery import delivered_count, in_ralph, statement_ids

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


@pytest.mark.mariadb
def test_worker_delivers_on_mariadb(delivery_worker, routed_to, make_endpoint, lrs_client, event_base):
    assert connection.vendor == "mysql"
    routed_to(delivery_worker)
    endpoint = make_endpoint("ralph-mariadb", batch_size=40)
    events = [enrollment_event(event_base + number) for number in range(100)]
    backend = XapiRouterBackend()
    for event in events:
        backend.send(event)
    wait_until(lambda: delivered_count(endpoint) >= 100, 20, message="100 statements delivered")
    assert sorted(in_ralph(lrs_client, statement_ids(events))) == sorted(statement_ids(events))
    assert delivered_count(endpoint) == 100


@pytest.mark.mariadb
def test_two_replays_at_once_never_send_a_row_twice(make_endpoint, fault_lrs, lrs_client, event_base):
    assert connection.vendor == "mysql"
    endpoint = make_endpoint("ralph-concurrent-replay", url=fault_lrs.statements_url)
    events = [enrollment_event(event_base + number) for number in range(10)]
    ids = statement_ids(events)
    from openedx_xapi_router.core.pipeline import transform_event  # pylint: disable=import-outside-toplevel
    from openedx_xapi_router.resolvers import get_transform_context  # pylint: disable=import-outside-toplevel

    items = [Item(transform_event(event, get_transform_context())[0], event["name"], "v") for event in events]
    store.dead_letter(endpoint.pk, items, DeadLetter.REASON_BROKER_UNAVAILABLE)
    fault_lrs.delay_next(1, 2.0)  # the first replay holds its row locks while its POST is slow
    results = {}

    def first_replay():
        try:
            results["first"] = replay_dead_letters(DeadLetter.objects.all())
        finally:
            connection.close()

    thread = threading.Thread(target=first_replay)
    thread.start()
    wait_until(lambda: fault_lrs.started >= 1, 10, interval=0.02, message="the first replay's POST")
    second = replay_dead_letters(DeadLetter.objects.all())
    thread.join(20)
    first = results["first"]
    assert (first.selected, first.delivered, first.still_failing, first.skipped_locked) == (10, 10, 0, 0)
    assert (second.selected, second.delivered, second.still_failing, second.skipped_locked) == (0, 0, 0, 10)
    assert fault_lrs.started == 1
    assert fault_lrs.accepted_ids == dict.fromkeys(ids, 1)
    assert sorted(in_ralph(lrs_client, ids)) == sorted(ids)
    assert DeadLetter.objects.filter(state=DeadLetter.STATE_REPLAYED).count() == 10


def test_worker_killed_mid_batch_loses_nothing(redis_url, routed_to, make_endpoint, fault_lrs, lrs_client,
                                               event_base, tmp_path):
    """
    SIGKILL while the batch's POST is in flight: the messages were not acknowledged, so Redis gives
    them back (after the visibility timeout) to the next worker, which delivers every statement.
    """
    (tmp_path / "first").mkdir()
    (tmp_path / "second").mkdir()
    first = start_worker(redis_url, tmp_path / "first", XAPI_ROUTER_VISIBILITY_TIMEOUT="2",
                         app_module="tests.delivery.worker_app")
    second = None
    try:
        routed_to(first)
        endpoint = make_endpoint("ralph-sigkill", url=fault_lrs.statements_url, batch_size=100)
        fault_lrs.delay_next(1, 30.0, status=503)  # the first POST hangs, nothing reaches Ralph
        events = [enrollment_event(event_base + number) for number in range(50)]
        ids = statement_ids(events)
        backend = XapiRouterBackend()
        for event in events:
            backend.send(event)
        wait_until(lambda: fault_lrs.started >= 1, 10, interval=0.05, message="the batch's POST")
        first.process.kill()
        first.process.wait(10)
        assert delivered_count(endpoint) == 0 and fault_lrs.accepted_ids == {}
        # The next worker starts once the messages are visible again. kombu 5.6 (the LMS's pin) scans
        # for visible unacknowledged messages when a worker starts, then only every 10th sweep of 10 s
        # (kombu/transport/redis.py, QoS.restore_visible's interval): a worker started before the
        # visibility timeout ran out would get them ~100 s later, not lost but past this test's wait.
        time.sleep(2.5)
        second = start_worker(redis_url, tmp_path / "second", XAPI_ROUTER_VISIBILITY_TIMEOUT="2",
                              app_module="tests.delivery.worker_app", queue=first.queue)
        wait_until(lambda: delivered_count(endpoint) >= 50, 40, message="50 statements delivered after the kill")
        assert sorted(in_ralph(lrs_client, ids)) == sorted(ids)
        assert sorted(fault_lrs.accepted_ids) == sorted(ids)
        assert DeadLetter.objects.count() == 0
    finally:
        if second is not None:
            second.stop()
        first.stop()


def child_pids(pid):
    """The pids of ``pid``'s children (read from /proc: Linux)."""
    children = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            children.append(int(entry.name))
    return children


def test_a_pool_child_killed_mid_batch_gives_its_message_back_at_once(redis_url, routed_to, make_endpoint, fault_lrs,
                                                                      lrs_client, event_base, tmp_path):
    """
    A prefork worker (2 children, prefetch multiplier 1, Redis ``visibility_timeout`` one hour): the
    pool child POSTing the batch is SIGKILLed. The batching strategy's error callback gives the
    batch's messages back to the broker at once and gives back their prefetch increments, the main
    process starts a new child, and every statement reaches Ralph exactly once, long before the
    visibility timeout.
    """
    worker = start_worker(redis_url, tmp_path, extra_args=("--pool", "prefork", "--concurrency", "2",
                                                           "--prefetch-multiplier", "1"))
    try:
        routed_to(worker)
        endpoint = make_endpoint("ralph-pool-death", url=fault_lrs.statements_url, batch_size=100)
        fault_lrs.delay_next(1, 30.0, status=503)  # the first POST hangs, nothing reaches Ralph
        events = [enrollment_event(event_base + number) for number in range(50)]
        ids = statement_ids(events)
        backend = XapiRouterBackend()
        for event in events:
            backend.send(event)
        wait_until(lambda: fault_lrs.started >= 1, 10, interval=0.05, message="the batch's POST")
        children = child_pids(worker.process.pid)
        assert len(children) == 2
        killed_at = time.monotonic()
        for pid in children:
            os.kill(pid, signal.SIGKILL)
        wait_until(lambda: delivered_count(endpoint) >= 50, 30, message="50 statements delivered after the kill")
        assert time.monotonic() - killed_at < 30  # not the hour of the visibility timeout
        assert worker.process.poll() is None  # the main process lives on, with new children
        assert sorted(in_ralph(lrs_client, ids)) == sorted(ids)
        assert fault_lrs.accepted_ids == dict.fromkeys(ids, 1)
        assert DeadLetter.objects.count() == 0
        assert delivered_count(endpoint) == 50
        log_text = worker.log_tail(300)
        assert "WorkerLostError" in log_text and "they go back to the broker" in log_text

        def prefetch_count():
            stats = worker.app.control.inspect([worker.node], timeout=2).stats() or {}
            return stats.get(worker.node, {}).get("prefetch_count")

        # Each buffered message raised the prefetch limit by one; all of it is given back (2 processes x 1).
        wait_until(lambda: prefetch_count() == 2, 10, interval=0.5, message="the prefetch limit back to 2")
    finally:
        worker.stop()


def test_a_black_hole_neighbour_is_tried_once_not_once_per_message(redis_url, routed_to, make_endpoint, fault_lrs,
                                                                   lrs_client, event_base, tmp_path):
    """
    Two endpoints take every event; one never answers (timeout 1 s). Thirty messages: the first
    request to the black hole opens its circuit (the watchdog, after a quarter of its timeout), so the other
    messages spend no time on it: their statements wait in retries (each counts as an attempt) and
    end as dead letters; the healthy endpoint gets everything. Counted, not timed.
    """
    worker = start_worker(redis_url, tmp_path, extra_args=("--pool", "prefork", "--concurrency", "2",
                                                           "--prefetch-multiplier", "1"))
    try:
        routed_to(worker)
        healthy = make_endpoint("healthy-beside-a-black-hole")
        hole = make_endpoint("black-hole", url=fault_lrs.statements_url, timeout=1.0, retry_limit=2)
        fault_lrs.delay_next(1000, 30.0, status=503)  # never answers within the timeout
        events = [enrollment_event(event_base + number) for number in range(30)]
        ids = statement_ids(events)
        backend = XapiRouterBackend()
        for event in events:
            backend.send(event)
            assert sending.publisher.flush(5)  # one event per message: thirty messages
        wait_until(lambda: delivered_count(healthy) >= 30, 30, message="30 statements to the healthy endpoint")
        wait_until(lambda: DeadLetter.objects.filter(endpoint=hole).count() >= 30, 60,
                   message="30 dead letters for the black hole")
        assert sorted(in_ralph(lrs_client, ids)) == sorted(ids)
        letters = DeadLetter.objects.filter(endpoint=hole)
        assert sorted(letters.values_list("statement_id", flat=True)) == sorted(ids)
        assert set(letters.values_list("reason", flat=True)) == {DeadLetter.REASON_RETRIES_EXHAUSTED}
        assert fault_lrs.started <= 6, fault_lrs.started  # the first request and a few probes, not 30 x 3
        assert DeadLetter.objects.filter(endpoint=healthy).count() == 0
    finally:
        worker.stop()
