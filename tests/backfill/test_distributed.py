"""
The distributed backfill in one process: planning units, claiming them (a conditional UPDATE and
its lease), checkpoints written in the database, an error turned into a failed unit, ``--status``
and ``--resume-run``. The test project's Celery app is eager here (no broker), so
``--distribute`` runs each unit's ``backfill_unit`` task in the command's process, through the same
:func:`~openedx_xapi_router.backfill.distributed.execute` a worker runs; the real workers, Ralph
and a killed worker are in ``test_distributed_workers.py``.
"""
import gzip
import io
import logging
import threading
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from openedx_xapi_router import tasks as registered_tasks  # noqa: F401  pylint: disable=unused-import  # as the LMS's autodiscovery
from openedx_xapi_router.backfill import distributed
from openedx_xapi_router.backfill.counting import report_from_dict
from openedx_xapi_router.backfill.models import BackfillRun, BackfillUnit
from openedx_xapi_router.backfill.sources import Source, discover
from openedx_xapi_router.resolvers import reset_transform_context
from tests.backfill.helpers import ALL_NAMES, read_report, run_command
from tests.project.celery_app import app as project_app

pytestmark = pytest.mark.django_db(transaction=True)

#: What a distributed run's totals must equal in a single-process run of the same inputs.
COUNTED = ("lines", "events", "transformed", "statements", "unsupported", "anonymous", "skipped", "recovered",
           "rejected", "invalid", "errors", "filtered", "page_view_paths")


@pytest.fixture(autouse=True)
def eager_app():
    """The test project's eager app is the current one (the LMS's is, in the LMS); its transform context fresh."""
    reset_transform_context()
    project_app.set_current()
    assert project_app.tasks[distributed.BACKFILL_TASK].name == distributed.BACKFILL_TASK


def distribute(*args):
    """``transform_tracking_logs --distribute *args`` in this process (eager Celery); returns the run."""
    out = io.StringIO()
    call_command("transform_tracking_logs", *[str(arg) for arg in args], *ALL_NAMES, "--distribute",
                 "--progress", "none", stdout=out, stderr=io.StringIO())
    assert out.getvalue().startswith("backfill run "), out.getvalue()
    return BackfillRun.objects.get(pk=int(out.getvalue().split()[2].rstrip(":")))


def test_plan_cuts_plain_files_at_line_starts_and_keeps_compressed_files_whole(dirty_log, tmp_path):
    path, _ = dirty_log
    packed = tmp_path / "packed.log.gz"
    packed.write_bytes(gzip.compress(path.read_bytes()))
    sources = discover([str(path), str(packed)])
    size = path.stat().st_size
    units = distributed.plan_units(sources, unit_bytes=size // 4 + 1)
    plain = [unit for unit in units if unit.source.name == str(path)]
    assert len(plain) == 4 and [unit.id for unit in units] == [0, 1, 2, 3, 4]
    assert plain[0].start == 0 and plain[-1].end == size
    data = path.read_bytes()
    for before, after in zip(plain, plain[1:], strict=False):
        assert before.end == after.start and data[after.start - 1:after.start] == b"\n"
    assert (units[4].source.compression, units[4].start, units[4].end) == ("gzip", 0, None)
    with pytest.raises(distributed.RunError, match="stdin"):
        distributed.plan_units([Source("stdin", "-")])


def test_a_distributed_run_counts_what_a_single_process_run_counts(dirty_log, tmp_path):
    path, manifest = dirty_log
    packed = tmp_path / "packed.log.gz"
    packed.write_bytes(gzip.compress(path.read_bytes()))
    run = distribute(path, packed, "--dry-run", "--unit-bytes", path.stat().st_size // 3 + 1,
                     "--checkpoint-lines", 500)
    run.refresh_from_db()
    units = list(run.units.all())
    assert len(units) == 4 and {unit.state for unit in units} == {BackfillUnit.STATE_DONE}
    assert [unit.attempts for unit in units] == [1, 1, 1, 1] and run.state == BackfillRun.STATE_DONE
    single = tmp_path / "single.json"
    run_command(path, packed, "--dry-run", "--report", single)
    expected = read_report(single)
    totals = report_from_dict(run.totals).as_dict()
    for key in COUNTED:
        assert totals[key] == expected[key], key
    assert totals["lines"] == 2 * manifest["lines"]
    assert totals["destination"] == {"would_send": expected["statements"]}
    # Each split unit's line checkpoint is the file's line number at its end.
    assert [unit.line for unit in units[:3]] == [units[0].counts["lines"],
                                                 units[0].counts["lines"] + units[1].counts["lines"],
                                                 manifest["lines"]]
    out = io.StringIO()
    report_path = tmp_path / "status.json"
    call_command("transform_tracking_logs", "--status", run.pk, "--report", report_path, stdout=out)
    assert out.getvalue().startswith(f"backfill run {run.pk}: done; units: 0 pending, 0 running, 4 done, 0 failed")
    status = read_report(report_path)
    assert status["units"] == {"pending": 0, "running": 0, "done": 4, "failed": 0}
    assert status["lines"] == expected["lines"] and status["statements"] == expected["statements"]
    # Resuming a finished run enqueues nothing and leaves it done, with the same totals.
    out = io.StringIO()
    call_command("transform_tracking_logs", "--resume-run", run.pk, stdout=out)
    assert out.getvalue().startswith(f"backfill run {run.pk}: 0 units enqueued again\nbackfill run {run.pk}: done;")
    totals_before = run.totals
    run.refresh_from_db()
    assert run.state == BackfillRun.STATE_DONE and run.totals == totals_before


def make_run(path, **options):
    sources = discover([str(path)])
    return distributed.create_run([str(path)], sources, distributed.RunOptions(dry_run=True, **options))


def test_a_unit_is_claimed_once_and_taken_over_only_after_its_lease(clean_log):
    path, _ = clean_log
    run = make_run(path, lease_seconds=30)
    unit = run.units.get()
    first, outcome = distributed._claim(unit.pk, "worker-a")  # pylint: disable=protected-access
    assert outcome is None and first.unit.claimed_by == "worker-a" and first.unit.attempts == 1
    second, outcome = distributed._claim(unit.pk, "worker-b")  # pylint: disable=protected-access
    assert second is None and outcome.kind == "held" and 29 <= outcome.countdown <= 32
    # worker-a's lease runs out (its machine died): worker-b takes the unit, worker-a's writes fail.
    BackfillUnit.objects.filter(pk=unit.pk).update(lease_until=timezone.now() - timedelta(seconds=1))
    second, outcome = distributed._claim(unit.pk, "worker-b")  # pylint: disable=protected-access
    assert outcome is None and second.unit.attempts == 2 and second.token != first.token
    with pytest.raises(distributed.LeaseLost):
        first.write(offset=123)
    assert BackfillUnit.objects.get(pk=unit.pk).offset == 0
    second.write(offset=456)
    assert BackfillUnit.objects.get(pk=unit.pk).offset == 456


@pytest.mark.mariadb
def test_racing_workers_claim_a_unit_once_on_mariadb(clean_log):
    """Eight threads (eight connections) claim one unit at the same moment: one wins, seven see it held."""
    assert connection.vendor == "mysql"
    path, _ = clean_log
    unit = make_run(path).units.get()
    barrier = threading.Barrier(8)
    results = []

    def race(number):
        try:
            barrier.wait(10)
            claim, outcome = distributed._claim(unit.pk, f"worker-{number}")  # pylint: disable=protected-access
            results.append(claim.token if claim is not None else outcome.kind)
        finally:
            connection.close()

    threads = [threading.Thread(target=race, args=(number,)) for number in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    tokens = [result for result in results if result != "held"]
    assert len(results) == 8 and len(tokens) == 1
    row = BackfillUnit.objects.get(pk=unit.pk)
    assert row.claim == tokens[0] and row.attempts == 1 and row.state == BackfillUnit.STATE_RUNNING


def test_an_expired_lease_is_enqueued_again_once(clean_log, monkeypatch):
    path, _ = clean_log
    run = make_run(path)
    unit = run.units.get()
    distributed._claim(unit.pk, "worker-a")  # pylint: disable=protected-access
    published = []
    monkeypatch.setattr(distributed, "publish", lambda pk, queue, countdown=None: published.append((pk, queue)))
    now = timezone.now()
    assert distributed.requeue_stale(run.pk, "q", now) == []
    later = now + timedelta(seconds=distributed.DEFAULT_LEASE_SECONDS + 1)
    assert distributed.requeue_stale(run.pk, "q", later) == [unit.pk]
    assert distributed.requeue_stale(run.pk, "q", later) == []
    assert published == [(unit.pk, "q")]
    assert BackfillUnit.objects.get(pk=unit.pk).state == BackfillUnit.STATE_PENDING


def test_a_unit_resumes_from_its_database_checkpoint_with_its_counts(clean_log, tmp_path):
    """A unit stopped after a checkpoint (lease lost) ends, once resumed, with the counts of one run."""
    path, manifest = clean_log
    run = make_run(path, checkpoint_lines=1000, checkpoint_seconds=3600)
    unit = run.units.get()
    claim, _ = distributed._claim(unit.pk, "worker-a")  # pylint: disable=protected-access
    original = claim.notify
    checkpoints = []

    def notify(kind, unit_id, state, report):
        original(kind, unit_id, state, report)
        if kind == "checkpoint":
            checkpoints.append(state.offset)
            raise distributed.LeaseLost("stopped here by the test")

    claim.notify = notify
    with pytest.raises(distributed.LeaseLost):
        distributed._run(claim)  # pylint: disable=protected-access
    row = BackfillUnit.objects.get(pk=unit.pk)
    assert row.offset == checkpoints[0] > 0 and row.counts["lines"] == row.line == 1000  # --checkpoint-lines 1000
    BackfillUnit.objects.filter(pk=unit.pk).update(lease_until=timezone.now() - timedelta(seconds=1))
    assert distributed.execute(unit.pk, "worker-b").kind == "done"
    row.refresh_from_db()
    single = tmp_path / "single.json"
    run_command(path, "--dry-run", "--report", single)
    expected = read_report(single)
    assert row.attempts == 2 and row.claimed_by == "worker-b" and row.state == BackfillUnit.STATE_DONE
    for key in COUNTED:
        assert report_from_dict(row.counts).as_dict()[key] == expected[key], key
    assert row.counts["lines"] == manifest["lines"]


def test_an_error_is_logged_retried_then_a_failed_unit_and_resume_starts_it_again(clean_log, tmp_path, caplog):
    path, _ = clean_log
    copy = tmp_path / "gone.log"
    copy.write_bytes(path.read_bytes())
    caplog.set_level(logging.ERROR, logger="openedx_xapi_router.backfill.distributed")
    sources = discover([str(copy)])
    copy.unlink()  # the input is gone on the worker's machine
    run = distributed.create_run([str(copy)], sources, distributed.RunOptions(dry_run=True, max_attempts=2))
    unit = run.units.get()
    first = distributed.execute(unit.pk, "worker-a")
    assert (first.kind, first.countdown) == ("retry", 5.0)
    second = distributed.execute(unit.pk, "worker-a")
    assert second.kind == "failed"
    unit.refresh_from_db()
    run.refresh_from_db()
    assert unit.state == BackfillUnit.STATE_FAILED and unit.attempts == 2 and run.state == BackfillRun.STATE_FAILED
    assert "SourceError: cannot open input" in unit.last_error and "Traceback" in unit.last_error
    failures = [record for record in caplog.records if "failed on attempt" in record.getMessage()]
    assert len(failures) == 2 and all(record.exc_info for record in failures)
    # The input is back: --resume-run enqueues it again (eager: it runs here) and the run ends.
    copy.write_bytes(path.read_bytes())
    out = io.StringIO()
    call_command("transform_tracking_logs", "--resume-run", run.pk, stdout=out)
    assert out.getvalue().startswith(f"backfill run {run.pk}: 1 units enqueued again\n")
    unit.refresh_from_db()
    run.refresh_from_db()
    assert unit.state == BackfillUnit.STATE_DONE and unit.attempts == 1 and run.state == BackfillRun.STATE_DONE


def test_the_command_refuses_what_a_distributed_run_cannot_do(clean_log):
    path, _ = clean_log
    from django.core.management.base import CommandError  # pylint: disable=import-outside-toplevel

    with pytest.raises(CommandError, match="--output, --queue, --jobs"):
        distribute(path, "--output", "x.jsonl")
    with pytest.raises(CommandError, match="no backfill run 999999"):
        call_command("transform_tracking_logs", "--status", 999999)
    with pytest.raises(CommandError, match="at least one INPUT"):
        call_command("transform_tracking_logs")
    assert not BackfillRun.objects.exists()
