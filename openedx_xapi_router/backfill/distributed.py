"""
The distributed backfill (``transform_tracking_logs --distribute``): a run's units recorded in the
database (:mod:`.models`), one ``backfill_unit`` Celery task per unit, and what a worker does with
one: claim it, run it with the same :func:`~openedx_xapi_router.backfill.unit.run_unit` as
``--jobs``, checkpoint it in the database, give it up.

* Planning: one unit per input (file, S3 object); a plain local file larger than ``unit_bytes`` is
  cut into line-aligned byte ranges (:func:`~openedx_xapi_router.backfill.sources.line_boundaries`,
  as ``--jobs`` cuts it).
* Claiming: a conditional UPDATE (state pending, or running with an expired lease), so two workers
  never hold one unit; the winner writes a claim token of its own, and every later write of its
  (checkpoint, heartbeat, done) is conditional on that token. A worker whose token is gone (its
  lease expired and another worker took the unit) stops at its next progress report.
* Checkpoints: at the run's cadence, after the destination flushed (every statement before the
  checkpoint delivered or dead-lettered), the unit's offset, line and counts are written; a resumed
  unit starts there with those counts, so the run's counts equal an uninterrupted run's. The lines
  after the last checkpoint are sent again: statement ids are deterministic and an LRS keeps one
  statement per id.
* Leases: a heartbeat thread renews the lease every third of it while the unit runs, and moves
  units of the run whose lease has expired (their worker died) back to pending and enqueues them;
  the task is also acknowledged late and given back when its worker is lost, so the broker
  redelivers it (``visibility_timeout`` on Redis).
* Errors: an exception in a unit is logged with its traceback and counted; the unit goes back to
  pending and is enqueued again, until ``max_attempts`` claims, then it is failed with the error
  kept (``--resume-run`` or the admin's action starts it again).
"""
import logging
import math
import os
import socket
import threading
import traceback
import uuid
from dataclasses import asdict, dataclass, field
from datetime import timedelta

from django.db import connection, transaction
from django.db.models import F, Q, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from openedx_xapi_router.backfill.checkpoint import Unit, UnitState
from openedx_xapi_router.backfill.counting import BackfillReport, report_from_dict
from openedx_xapi_router.backfill.filters import EventFilter, parse_time
from openedx_xapi_router.backfill.models import BackfillRun, BackfillUnit
from openedx_xapi_router.backfill.sources import S3Settings, Source, line_boundaries
from openedx_xapi_router.backfill.unit import Rejects, run_unit

log = logging.getLogger(__name__)

BACKFILL_TASK = "openedx_xapi_router.backfill.backfill_unit"
#: The queue of the ``backfill_unit`` tasks unless the run names another (``--celery-queue``).
DEFAULT_QUEUE = "edx.lms.core.xapi_router.backfill"
#: A plain local file larger than this is cut into units of about this size (``--unit-bytes``).
DEFAULT_UNIT_BYTES = 256 << 20
DEFAULT_LEASE_SECONDS = 300.0
DEFAULT_MAX_ATTEMPTS = 5
#: Characters of a traceback kept in ``BackfillUnit.last_error``.
ERROR_CHARS = 4000


class RunError(Exception):
    """A run that cannot be found or used (the message says why)."""


class LeaseLost(Exception):
    """This worker's claim on a unit is gone: another worker took it after the lease expired."""


class EndpointGone(Exception):
    """An endpoint of the run was deleted or disabled after the run was made."""


@dataclass(frozen=True)
class RunOptions:
    """
    How a run's units are run, as stored in ``BackfillRun.options`` (JSON; never a credential:
    workers take S3 credentials from their own environment, LRS credentials from the endpoint rows).

    Attributes:
        endpoint_ids: the endpoints to deliver to (ignored with ``dry_run``).
        dry_run: count only.
        allowed_names: the event names that may be transformed, as the command resolved them
            (None: every supported name, ``--all-event-names``).
        since, until, event_names, orgs, courses: the filters (``since``/``until`` ISO 8601).
        max_rate: statements per second per endpoint, per running unit.
        reject_file: a path on each worker's machine the unusable lines are appended to.
        checkpoint_lines, checkpoint_seconds: the checkpoint cadence.
        lease_seconds: how long a unit stays its worker's without a heartbeat.
        max_attempts: claims of a unit before it is failed.
        queue: the Celery queue of the run's tasks.
        s3_endpoint_url, s3_region: where ``s3://`` inputs are (credentials: the worker's ``AWS_*``).
    """

    endpoint_ids: tuple = ()
    dry_run: bool = False
    allowed_names: tuple | None = None
    since: str | None = None
    until: str | None = None
    event_names: tuple = ()
    orgs: tuple = ()
    courses: tuple = ()
    max_rate: float | None = None
    reject_file: str | None = None
    checkpoint_lines: int = 50_000
    checkpoint_seconds: float = 10.0
    lease_seconds: float = DEFAULT_LEASE_SECONDS
    max_attempts: int = DEFAULT_MAX_ATTEMPTS
    queue: str = DEFAULT_QUEUE
    s3_endpoint_url: str | None = None
    s3_region: str | None = None

    def as_json(self):
        return {key: list(value) if isinstance(value, tuple) else value for key, value in asdict(self).items()}

    @classmethod
    def from_json(cls, data):
        names = {item.name for item in cls.__dataclass_fields__.values()}  # pylint: disable=no-member
        unknown = set(data) - names
        if unknown:
            raise RunError(f"the run's options hold unknown keys {sorted(unknown)} (made by a newer version?)")
        return cls(**{key: tuple(value) if isinstance(value, list) else value for key, value in data.items()})

    def event_filter(self):
        return EventFilter(
            since=parse_time(self.since) if self.since else None,
            until=parse_time(self.until) if self.until else None,
            event_names=frozenset(self.event_names), orgs=frozenset(self.orgs), courses=frozenset(self.courses),
        )


# planning and enqueuing ----------------------------------------------------------------------------


def plan_units(sources, unit_bytes=DEFAULT_UNIT_BYTES):
    """The units of ``sources``: one each, a plain local file over ``unit_bytes`` cut at line starts."""
    if unit_bytes < 1:
        raise ValueError("unit_bytes must be positive")
    units = []
    for source in sources:
        if source.kind == "stdin":
            raise RunError("a distributed run cannot read stdin ('-'): give files, directories or s3:// inputs")
        if source.kind == "file" and source.compression is None and (source.size or 0) > unit_bytes:
            bounds = line_boundaries(source, math.ceil(source.size / unit_bytes))
            units += [Unit(len(units) + index, source, start, end)
                      for index, (start, end) in enumerate(zip(bounds, bounds[1:], strict=False))]
        else:
            units.append(Unit(len(units), source))
    return units


def create_run(inputs, sources, options, unit_bytes=DEFAULT_UNIT_BYTES):
    """Record a run and its units (one transaction); returns the :class:`BackfillRun`."""
    units = plan_units(sources, unit_bytes)
    with transaction.atomic():
        run = BackfillRun.objects.create(inputs=list(inputs), options=options.as_json())
        BackfillUnit.objects.bulk_create([
            BackfillUnit(run=run, number=unit.id, source=asdict(unit.source), start=unit.start, end=unit.end,
                         offset=unit.start, line=0 if unit.start == 0 else None)
            for unit in units
        ])
    return run


def publish(unit_pk, queue, countdown=None):
    """Send one ``backfill_unit`` message (the task object when registered in the current app, else by name)."""
    from celery import current_app  # pylint: disable=import-outside-toplevel

    task = current_app.tasks.get(BACKFILL_TASK)
    if task is not None:
        return task.apply_async(args=(unit_pk,), queue=queue, countdown=countdown)
    return current_app.send_task(BACKFILL_TASK, args=(unit_pk,), queue=queue, countdown=countdown)


def enqueue(run, unit_pks):
    """One message per unit; returns how many were sent."""
    queue = RunOptions.from_json(run.options).queue
    for pk in unit_pks:
        publish(pk, queue)
    return len(unit_pks)


def get_run(run_pk):
    try:
        return BackfillRun.objects.get(pk=run_pk)
    except BackfillRun.DoesNotExist:
        raise RunError(f"no backfill run {run_pk}") from None


def resume(run):
    """
    Enqueue again every unit of ``run`` not done and not held by a live worker (a failed unit
    starts again with its attempts reset, from its last checkpoint); returns how many.
    """
    now = timezone.now()
    with transaction.atomic():
        BackfillUnit.objects.filter(run=run, state=BackfillUnit.STATE_FAILED).update(
            state=BackfillUnit.STATE_PENDING, attempts=0)
        BackfillRun.objects.filter(pk=run.pk).update(state=BackfillRun.STATE_RUNNING, finished=None, totals={})
    stale = Q(state=BackfillUnit.STATE_RUNNING) & (Q(lease_until__lt=now) | Q(lease_until=None))
    BackfillUnit.objects.filter(Q(run=run) & stale).update(state=BackfillUnit.STATE_PENDING, claim="")
    pending = list(BackfillUnit.objects.filter(run=run, state=BackfillUnit.STATE_PENDING).values_list("pk", flat=True))
    count = enqueue(run, pending)
    _settle_run(run.pk)  # nothing left to run (every unit done): the run is done again
    return count


def requeue_stale(run_pk, queue, now=None):
    """
    Units of the run whose lease expired (their worker died) back to pending and enqueued, each by
    one worker only (the conditional UPDATE); returns their primary keys.
    """
    now = now or timezone.now()
    moved = []
    stale = BackfillUnit.objects.filter(run_id=run_pk, state=BackfillUnit.STATE_RUNNING, lease_until__lt=now)
    for pk, claimed_by in stale.values_list("pk", "claimed_by"):
        if BackfillUnit.objects.filter(pk=pk, state=BackfillUnit.STATE_RUNNING, lease_until__lt=now).update(
                state=BackfillUnit.STATE_PENDING, claim=""):
            log.warning("backfill: unit %s's lease expired (worker %s gone?): enqueued again", pk, claimed_by)
            publish(pk, queue)
            moved.append(pk)
    return moved


# the status ---------------------------------------------------------------------------------------


def merged(units):
    """Every unit's counts (``counts`` JSON) merged into one :class:`BackfillReport`."""
    report = BackfillReport()
    for counts in units:
        report.merge(report_from_dict(counts))
    return report


@dataclass
class RunStatus:
    """What a run's status shows (the command's ``--status`` and the admin)."""

    run: BackfillRun
    units: dict = field(default_factory=dict)
    report: BackfillReport = field(default_factory=BackfillReport)
    seconds: float = 0.0
    failed: list = field(default_factory=list)

    @property
    def lines_per_second(self):
        return self.report.lines / self.seconds if self.seconds > 0 else 0.0

    @property
    def statements_per_second(self):
        return self.report.statements / self.seconds if self.seconds > 0 else 0.0

    def summary(self):
        """The status as text lines."""
        units = ", ".join(f"{count} {state}" for state, count in self.units.items())
        lines = [f"backfill run {self.run.pk}: {self.run.state}; units: {units}",
                 f"lines {self.report.lines:,}, events {self.report.events:,}, statements {self.report.statements:,}"
                 f" ({self.lines_per_second:,.0f} lines/s, {self.statements_per_second:,.0f} statements/s over "
                 f"{self.seconds:,.1f} s)"]
        lines += [f"failed: unit {number} ({name}): {error.strip().splitlines()[-1] if error.strip() else '?'}"
                  for number, name, error in self.failed]
        return "\n".join(lines) + "\n"


def run_status(run):
    """The :class:`RunStatus` of ``run``, from its units' last checkpoints."""
    rows = list(BackfillUnit.objects.filter(run=run).values_list("state", "counts", "started", "finished",
                                                                  "number", "source", "last_error"))
    units = {state: sum(1 for row in rows if row[0] == state) for state, _ in BackfillUnit.STATE_CHOICES}
    started = [row[2] for row in rows if row[2] is not None]
    end = run.finished or timezone.now()
    seconds = (end - min(started)).total_seconds() if started else 0.0
    failed = [(row[4], row[5].get("name", "?"), row[6]) for row in rows if row[0] == BackfillUnit.STATE_FAILED]
    return RunStatus(run, units, merged(row[1] for row in rows), seconds, failed)


def _settle_run(run_pk):
    """The run done (or failed) with its totals once no unit is pending or running."""
    rows = list(BackfillUnit.objects.filter(run_id=run_pk).values_list("state", "counts"))
    states = {state for state, _ in rows}
    if states & {BackfillUnit.STATE_PENDING, BackfillUnit.STATE_RUNNING}:
        return
    state = BackfillRun.STATE_DONE if states <= {BackfillUnit.STATE_DONE} else BackfillRun.STATE_FAILED
    BackfillRun.objects.filter(pk=run_pk).update(state=state, finished=timezone.now(),
                                                 totals=merged(counts for _, counts in rows).state_dict())


# a worker's side ----------------------------------------------------------------------------------


def worker_name():
    """This worker process, as ``claimed_by`` shows it (host and process id)."""
    return f"{socket.gethostname()}:{os.getpid()}"


@dataclass
class Outcome:
    """What :func:`execute` did: ``kind`` (done, already_done, held, failed, retry, lost, gone), and
    for ``held``/``retry`` when to send the message again (``countdown``) on which ``queue``."""

    kind: str
    queue: str | None = None
    countdown: float | None = None


class _Claim:
    """A claimed unit: its token, writes conditional on it, the lease renewed by a heartbeat thread."""

    def __init__(self, unit, token, options):
        self.unit = unit
        self.token = token
        self.options = options
        self.lease = timedelta(seconds=options.lease_seconds)
        self.lost = threading.Event()
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._beat, name=f"backfill-heartbeat-{unit.pk}", daemon=True)

    def rows(self):
        return BackfillUnit.objects.filter(pk=self.unit.pk, claim=self.token)

    def write(self, **values):
        """Update the unit if this claim still holds it (else :class:`LeaseLost`)."""
        now = timezone.now()
        if not self.rows().update(heartbeat=now, lease_until=now + self.lease, **values):
            self.lost.set()
            raise LeaseLost(f"unit {self.unit.pk}: another worker took it after this one's lease expired")

    def _beat(self):
        try:
            while not self.stopped.wait(max(0.2, self.options.lease_seconds / 3)):
                try:
                    now = timezone.now()
                    if not self.rows().update(heartbeat=now, lease_until=now + self.lease):
                        self.lost.set()
                        return
                    requeue_stale(self.unit.run_id, self.options.queue, now)
                except Exception:  # pylint: disable=broad-except  # the database away for a beat: the next one tries
                    log.exception("backfill: heartbeat of unit %s failed", self.unit.pk)
                    from openedx_xapi_router.delivery import service  # pylint: disable=import-outside-toplevel

                    service.count_internal_error("backfill_heartbeat")
        finally:
            connection.close()

    def notify(self, kind, unit_id, state, report):  # pylint: disable=unused-argument
        """:func:`run_unit`'s messages: checkpoints and the end written, the lease checked at each progress."""
        if self.lost.is_set():
            raise LeaseLost(f"unit {self.unit.pk}: another worker took it after this one's lease expired")
        if kind == "checkpoint":
            self.write(offset=state.offset, line=state.line, counts=report.state_dict())
        elif kind == "done":
            self.write(state=BackfillUnit.STATE_DONE, offset=state.offset, line=state.line,
                       counts=report.state_dict(), finished=timezone.now(), last_error="")


def _claim(unit_pk, worker):
    """``(claim, None)`` or ``(None, Outcome)`` when the unit is not this worker's to run."""
    try:
        unit = BackfillUnit.objects.select_related("run").get(pk=unit_pk)
    except BackfillUnit.DoesNotExist:
        return None, Outcome("gone")
    options = RunOptions.from_json(unit.run.options)
    now = timezone.now()
    token = uuid.uuid4().hex
    claimable = Q(state=BackfillUnit.STATE_PENDING) | Q(state=BackfillUnit.STATE_RUNNING, lease_until__lt=now)
    taken = BackfillUnit.objects.filter(Q(pk=unit_pk) & claimable).update(
        state=BackfillUnit.STATE_RUNNING, claim=token, claimed_by=worker[:255], heartbeat=now,
        lease_until=now + timedelta(seconds=options.lease_seconds), attempts=F("attempts") + 1,
        started=Coalesce(F("started"), Value(now)),
    )
    unit.refresh_from_db()
    if taken:
        return _Claim(unit, token, options), None
    if unit.state == BackfillUnit.STATE_DONE:
        return None, Outcome("already_done")
    if unit.state == BackfillUnit.STATE_FAILED:
        return None, Outcome("failed")
    left = (unit.lease_until - now).total_seconds() if unit.lease_until else options.lease_seconds
    return None, Outcome("held", options.queue, max(1.0, left + 1.0))


def _settings(options):
    # pylint: disable=import-outside-toplevel
    from openedx_xapi_router.backfill.runner import Settings
    from openedx_xapi_router.resolvers import get_transform_context

    return Settings(
        ctx=get_transform_context(), event_filter=options.event_filter(),
        allowed_names=None if options.allowed_names is None else frozenset(options.allowed_names),
        reject_path=options.reject_file, every_lines=options.checkpoint_lines,
        every_seconds=options.checkpoint_seconds, checkpointing=True,
        s3_settings=S3Settings.from_options(options.s3_endpoint_url, region=options.s3_region),
    )


def _destination(options, report):
    # pylint: disable=import-outside-toplevel
    from openedx_xapi_router.backfill.destinations import DryRunDestination, LrsDestination
    from openedx_xapi_router.backfill.lrs_destinations import caliper_transform
    from openedx_xapi_router.models import LrsEndpoint

    if options.dry_run:
        return DryRunDestination(report)
    endpoints = list(LrsEndpoint.objects.filter(pk__in=options.endpoint_ids, enabled=True).order_by("name"))
    missing = sorted(set(options.endpoint_ids) - {endpoint.pk for endpoint in endpoints})
    if missing:
        raise EndpointGone(f"LRS endpoint(s) #{', #'.join(map(str, missing))} of this run were deleted or disabled; "
                           "enable them (or start a new run) and resume the run")
    return LrsDestination(endpoints, report, max_rate=options.max_rate,
                          transform_caliper=caliper_transform(options.allowed_names is None))


def _run(claim):
    """Run the claimed unit from its checkpoint to its end (or until the claim is lost)."""
    row = claim.unit
    unit = Unit(row.number, Source(**row.source), row.start, row.end)
    state = UnitState(row.offset, row.line, row.counts or {})
    if row.attempts > 1:
        log.info("backfill: unit %s (run %s, %s) resumed at byte %s by %s (attempt %d)", row.pk, row.run_id,
                 unit.source.name, row.offset, row.claimed_by, row.attempts)
    settings = _settings(claim.options)
    destination = _destination(claim.options, BackfillReport())
    rejects = Rejects(settings.reject_path)
    try:
        run_unit(unit, state, settings, destination, rejects, claim.notify)
    finally:
        try:
            rejects.close()
        finally:
            destination.close()


def _give_up(claim, error):
    """After an error in the unit: back to pending (another attempt) or failed; the error text kept."""
    text = "".join(traceback.format_exception(error))[-ERROR_CHARS:]
    last = claim.unit.attempts >= claim.options.max_attempts
    state = BackfillUnit.STATE_FAILED if last else BackfillUnit.STATE_PENDING
    claim.rows().update(state=state, claim="", lease_until=None, last_error=text)
    return last


def execute(unit_pk, worker=None):
    """
    What the ``backfill_unit`` task does with one unit: claim it, run it, record how it ended.
    Returns an :class:`Outcome`; a database error while claiming is raised (the task gives the
    message back to the broker).
    """
    worker = worker or worker_name()
    claim, outcome = _claim(unit_pk, worker)
    if claim is None:
        return outcome
    if claim.unit.attempts > claim.options.max_attempts:
        claim.rows().update(state=BackfillUnit.STATE_FAILED, claim="", lease_until=None,
                            last_error=f"given up after {claim.options.max_attempts} attempts: its worker died or "
                                       "lost its lease each time")
        _settle_run(claim.unit.run_id)
        return Outcome("failed")
    claim.thread.start()
    try:
        _run(claim)
        result = Outcome("done")
    except LeaseLost as error:
        log.warning("backfill: %s; this worker stops", error)
        return Outcome("lost")
    except Exception as error:  # pylint: disable=broad-except  # recorded on the unit, counted, retried
        from openedx_xapi_router.delivery import service  # pylint: disable=import-outside-toplevel

        log.exception("backfill: unit %s (run %s, %s) failed on attempt %d", unit_pk, claim.unit.run_id,
                      claim.unit.source.get("name"), claim.unit.attempts)
        service.count_internal_error("backfill_unit_failed")
        if _give_up(claim, error):
            result = Outcome("failed")
        else:
            result = Outcome("retry", claim.options.queue, min(300.0, 5.0 * 2 ** (claim.unit.attempts - 1)))
    finally:
        claim.stopped.set()
        claim.thread.join(10)
    _settle_run(claim.unit.run_id)
    requeue_stale(claim.unit.run_id, claim.options.queue)
    return result
