"""
The distributed backfill on real parts: three Celery worker processes (prefork, one pool process
each, as three machines would run them), a Redis broker of the test's own, the test database
shared by every process (SQLite file, or MariaDB in the MariaDB pass), and a fresh Ralph as the
LRS. One worker is SIGKILLed (its main process and its pool process together, as when its
machine dies) while its unit is half done; another worker resumes that unit from its last
checkpoint in the database once its lease has expired. In the second test only a worker's pool
process is SIGKILLed: Celery gives its message back (``reject_on_worker_lost``), the new pool
process finds the unit still leased, sends it again with a countdown, and resumes it once the
lease has expired.

Counted: every statement id the pure core computes for the same inputs is in Ralph exactly once
(Ralph keeps one statement per id: re-sending the lines after the last checkpoint is safe), and
the run's totals equal a single-process ``transform_tracking_logs`` run of the same inputs.

The worker command is the one docs/operator/backfill.rst gives (``--queues <the run's queue>
--concurrency 1 --prefetch-multiplier 1``), with the test project's app and ``--include
openedx_xapi_router.tasks`` (what the LMS's ``autodiscover_tasks`` imports). Celery's prefork pool
with ``acks_late`` and ``reject_on_worker_lost`` is what ``BackfillUnitTask`` declares.
"""
import gzip
import io
import re
import signal
import threading
import uuid
from collections import Counter

import orjson
import pytest
from django.core.management import call_command

from openedx_xapi_router.backfill.counting import report_from_dict
from openedx_xapi_router.backfill.models import BackfillRun, BackfillUnit
from openedx_xapi_router.resolvers import reset_transform_context
from tests import services
from tests.backfill.conftest import all_statement_ids, generate
from tests.backfill.helpers import ALL_NAMES, core_statements, read_report, run_command
from tests.backfill.test_distributed import COUNTED
from tests.chaos.harness import OwnRedis, children_of, signal_pid, wait_for
from tests.delivery.conftest import database_url

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

#: Bounds of the waits (seconds).
START_TIMEOUT = 60
RUN_TIMEOUT = 90
WORKERS = 3
#: The lease (seconds) of the pool-process test: see the comment where it is given.
POOL_KILL_LEASE = 10


def start_workers(broker_url, queue, log_dir, count=WORKERS):
    """``count`` worker processes for ``queue``, started side by side (each answers a ping)."""
    workers = [services.CeleryWorker(broker_url, queue=queue) for _ in range(count)]
    errors = []
    env = {"XAPI_ROUTER_DATABASE_URL": database_url()}
    args = ("--pool", "prefork", "--concurrency", "1", "--prefetch-multiplier", "1",
            "--include", "openedx_xapi_router.tasks")

    def start(worker, number):
        directory = log_dir / f"worker-{number}"
        directory.mkdir()
        try:
            worker.start(directory, timeout=START_TIMEOUT, extra_env=env, extra_args=args)
        except Exception as error:  # pylint: disable=broad-except  # reported below
            errors.append(error)

    threads = [threading.Thread(target=start, args=(worker, number)) for number, worker in enumerate(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(START_TIMEOUT + 30)
    if errors:
        for worker in workers:
            worker.stop()
        raise errors[0]
    return workers


def kill_machine(worker):
    """SIGKILL the worker's main process and its pool process at once."""
    children = children_of(worker.process.pid)
    signal_pid(worker.process.pid, signal.SIGKILL)
    for pid in children:
        signal_pid(pid, signal.SIGKILL)
    worker.process.wait(10)
    return children


def run_of(output):
    """The run the command's output names."""
    return BackfillRun.objects.get(pk=int(re.match(r"backfill run (\d+):", output).group(1)))


def half_done_unit(run):
    """A running unit past its first checkpoint with lines still to go, or None."""
    for unit in BackfillUnit.objects.filter(run=run, state=BackfillUnit.STATE_RUNNING).exclude(claimed_by=""):
        if unit.counts.get("lines", 0) >= 1024 and (unit.end is None or unit.offset < unit.end):
            return unit
    return None


@pytest.fixture
def broker(tmp_path):
    """A Redis of the test's own on a free port (no other test's messages, nothing kept)."""
    redis = OwnRedis(tmp_path / "redis").start()
    try:
        yield redis
    finally:
        redis.close()


def test_three_workers_one_killed_mid_unit_every_statement_once_and_the_counts_of_one_run(
        dirty_log, clean_log, tmp_path, broker, ralph_endpoint, ralph_per_test):  # pylint: disable=redefined-outer-name
    reset_transform_context()
    (dirty, _), (clean, _) = dirty_log, clean_log
    plain_of_packed = tmp_path / "packed-source.log"
    generate(plain_of_packed, 1000, 42)
    packed = tmp_path / "packed.log.gz"
    packed.write_bytes(gzip.compress(plain_of_packed.read_bytes()))
    inputs = [dirty, clean, packed]
    made = [orjson.loads(line)["id"] for line in core_statements(dirty, clean, plain_of_packed)]
    expected = set(made)
    ralph_endpoint(ralph_per_test, "distributed", batch_size=100)

    queue = f"xapi-router-backfill-{uuid.uuid4().hex[:10]}"
    workers = start_workers(broker.url, queue, tmp_path)
    try:
        workers[0].app.set_current()
        out = io.StringIO()
        call_command("transform_tracking_logs", *map(str, inputs), *ALL_NAMES, "--distribute",
                     "--celery-queue", queue, "--unit-bytes", 2_500_000, "--max-rate", 700,
                     "--checkpoint-lines", 100, "--checkpoint-seconds", 0.2, "--lease-seconds", 3, stdout=out)
        run = run_of(out.getvalue())
        units = run.units.count()
        assert units == 6 and f"{units} units enqueued on the Celery queue {queue}" in out.getvalue()

        victim = wait_for(lambda: half_done_unit(run), RUN_TIMEOUT, interval=0.05,
                          message="a unit past its first checkpoint")
        killed = next(worker for worker in workers if victim.claimed_by.startswith(worker.node + ":"))
        kill_machine(killed)
        at_kill = BackfillUnit.objects.get(pk=victim.pk)
        assert at_kill.state == BackfillUnit.STATE_RUNNING and at_kill.counts["lines"] >= 1024

        def finished():
            run.refresh_from_db()
            return run.state != BackfillRun.STATE_RUNNING

        wait_for(finished, RUN_TIMEOUT, interval=0.05,
                 message=f"the run to end ({[w.log_tail(3) for w in workers if w is not killed]})")
    finally:
        for worker in workers:
            worker.stop()

    assert run.state == BackfillRun.STATE_DONE
    assert set(run.units.values_list("state", flat=True)) == {BackfillUnit.STATE_DONE}
    resumed = BackfillUnit.objects.get(pk=victim.pk)
    assert resumed.attempts == 2 and not resumed.claimed_by.startswith(killed.node)
    # It went on from its checkpoint, not from its start: the survivor's log says where.
    logs = "".join(worker.log_path.read_text(errors="replace") for worker in workers if worker is not killed)
    found = re.findall(rf"unit {victim.pk} \(run {run.pk}, [^)]*\) resumed at byte (\d+)", logs)
    assert found and int(found[0]) == at_kill.offset > victim.start
    # Every statement in the LRS exactly once (Ralph holds only this test's statements).
    stored = Counter(all_statement_ids(ralph_per_test))
    assert set(stored) == expected and set(stored.values()) == {1}
    # The run's counts are a single-process run's.
    single = tmp_path / "single.json"
    run_command(*inputs, "--dry-run", "--report", single)
    one = read_report(single)
    totals = report_from_dict(run.totals).as_dict()
    for key in COUNTED:
        assert totals[key] == one[key], key
    assert totals["statements"] == len(made)
    # Delivered: every statement at least once; the lines after the killed unit's checkpoint twice at most.
    assert len(expected) <= totals["destination"]["delivered"] <= 2 * len(expected)


def test_a_killed_pool_process_gives_its_unit_back_resumed_after_its_lease(
        tmp_path, broker, ralph_endpoint, ralph_per_test):  # pylint: disable=redefined-outer-name
    reset_transform_context()
    path = tmp_path / "one-unit.log"
    generate(path, 2500, 43)
    made = [orjson.loads(line)["id"] for line in core_statements(path)]
    ralph_endpoint(ralph_per_test, "pool-killed", batch_size=100)
    queue = f"xapi-router-backfill-{uuid.uuid4().hex[:10]}"
    (worker,) = start_workers(broker.url, queue, tmp_path, count=1)
    try:
        worker.app.set_current()
        out = io.StringIO()
        # A lease the new pool process's first claim certainly falls within: the heartbeat renews it
        # every third of it, so at the kill at least two thirds are left (6.7 s), and Celery's
        # redelivery of the lost message to a new pool process took 0.1-3 s on a loaded machine (a
        # 3-second lease made the unit claimable by then, and the 'held' step did not happen).
        call_command("transform_tracking_logs", str(path), *ALL_NAMES, "--distribute", "--celery-queue", queue,
                     "--max-rate", 700, "--checkpoint-lines", 100, "--checkpoint-seconds", 0.2,
                     "--lease-seconds", POOL_KILL_LEASE, stdout=out)
        run = run_of(out.getvalue())
        victim = wait_for(lambda: half_done_unit(run), RUN_TIMEOUT, interval=0.05,
                          message="the unit past its first checkpoint")
        children = children_of(worker.process.pid)
        assert len(children) == 1  # --concurrency 1: one pool process
        child = children[0]
        assert victim.claimed_by.endswith(f":{child}")
        signal_pid(child, signal.SIGKILL)
        at_kill = BackfillUnit.objects.get(pk=victim.pk)

        def finished():
            run.refresh_from_db()
            return run.state != BackfillRun.STATE_RUNNING

        wait_for(finished, RUN_TIMEOUT, interval=0.05, message=f"the run to end ({worker.log_tail(5)})")
        assert worker.process.poll() is None  # the main process lived on, with a new pool process
    finally:
        worker.stop()
    unit = BackfillUnit.objects.get(pk=victim.pk)
    assert run.state == BackfillRun.STATE_DONE and unit.attempts == 2 and not unit.claimed_by.endswith(f":{child}")
    log = worker.log_path.read_text(errors="replace")
    assert "WorkerLostError" in log, worker.log_tail(20)
    assert "'held'" in log, worker.log_tail(20)  # found still leased (not stolen), sent again with a countdown
    assert f"resumed at byte {at_kill.offset} " in log and at_kill.offset > 0
    stored = Counter(all_statement_ids(ralph_per_test))
    assert set(stored) == set(made) and set(stored.values()) == {1}
    single = tmp_path / "single.json"
    run_command(path, "--dry-run", "--report", single)
    one = read_report(single)
    totals = report_from_dict(run.totals).as_dict()
    for key in COUNTED:
        assert totals[key] == one[key], key
