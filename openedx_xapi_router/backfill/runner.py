"""
The backfill's engine: work units, the line loop, checkpoints, resume and worker processes.

A run is a list of :class:`Unit`: a whole input, or (``--jobs N``) a byte range of a plain local
file starting at a line start. Each unit is read line by line, through the core's reader and
pipeline (:func:`~openedx_xapi_router.core.reader.read_event`,
:func:`~openedx_xapi_router.core.pipeline.transform`), counting every outcome in a
:class:`~openedx_xapi_router.backfill.counting.BackfillReport` exactly as
:func:`~openedx_xapi_router.core.pipeline.transform_lines` does. A line that cannot be used goes to
the reject file (source, line number, kind, reason); nothing stops the run.

Checkpoints: every ``every_lines`` lines or ``every_seconds`` seconds, a unit flushes its
destination and reject file, then its position (byte offset, line number) and counts are saved
in the checkpoint file (JSON, written to a temporary file and renamed: never half-written). An
interrupted run started again with ``resume=True`` continues each unit from its saved position
with its saved counts; the lines between the last checkpoint and the interruption are read again,
which is harmless (statement ids are deterministic) and keeps the final counts exact.

With ``jobs > 1`` the units are spread over that many forked worker processes; each has its own
destination, and sends its checkpoints and progress to the parent, which alone writes the
checkpoint file and draws the progress.
"""
import json
import logging
import multiprocessing
import os
import queue
import time
import zlib
from dataclasses import asdict, dataclass, field

from openedx_xapi_router.backfill.counting import BackfillReport, report_from_dict
from openedx_xapi_router.backfill.destinations import LineWriter
from openedx_xapi_router.backfill.filters import EventFilter
from openedx_xapi_router.backfill.sources import Source, count_lines_before, line_boundaries, open_source
from openedx_xapi_router.core.errors import (
    EventSkipped,
    InvalidEvent,
    LineRejected,
    UnreadableInput,
    UnsupportedEvent,
    XapiRouterError,
)
from openedx_xapi_router.core.pipeline import transform
from openedx_xapi_router.core.reader import read_event
from openedx_xapi_router.core.registry import default_registry

log = logging.getLogger(__name__)

CHECKPOINT_VERSION = 1
#: How often (in lines) the loop looks at the clock.
TICK_LINES = 1024


class CheckpointMismatch(Exception):
    """``--resume`` with a checkpoint made for other inputs."""


@dataclass(frozen=True)
class Unit:
    """A piece of work: ``source`` from byte ``start`` to ``end`` (None: to its end)."""

    id: int
    source: Source
    start: int = 0
    end: int | None = None


@dataclass
class UnitState:
    """
    Where a unit stands: ``offset`` (next byte to read, in the decompressed stream), ``line`` (lines
    of the source before ``offset``; None until counted for a split), ``report`` (counts so far, as
    JSON data) and ``done``.
    """

    offset: int
    line: int | None
    report: dict = field(default_factory=dict)
    done: bool = False


@dataclass
class Settings:
    """
    How to run, besides the inputs and the destination.

    Attributes:
        ctx: the :class:`~openedx_xapi_router.core.context.TransformContext`.
        registry: the transformer registry (the built-in one by default).
        event_filter: an :class:`EventFilter`.
        reject_path: the reject file (JSONL, appended to), or None.
        every_lines, every_seconds: checkpoint cadence.
        checkpointing: flush and report checkpoints at that cadence (False: no checkpoint file is
            kept, so the destination flushes only when its buffers fill and at the end).
        s3_settings: how to reach ``s3://`` inputs.
        stdin: the binary stream ``-`` reads (default: the process's stdin).
    """

    ctx: object
    registry: object = None
    event_filter: EventFilter = field(default_factory=EventFilter)
    reject_path: str | None = None
    every_lines: int = 50_000
    every_seconds: float = 10.0
    checkpointing: bool = True
    s3_settings: object = None
    stdin: object = None


def plan_units(sources, jobs):
    """The units for ``sources``: with ``jobs > 1`` each plain local file split into ``jobs`` ranges."""
    units = []
    for source in sources:
        if jobs > 1 and source.kind == "file" and source.compression is None:
            bounds = line_boundaries(source, jobs)
            for start, end in zip(bounds, bounds[1:], strict=False):
                units.append(Unit(len(units), source, start, end))
        else:
            units.append(Unit(len(units), source))
    return units


def _initial_state(unit):
    return UnitState(offset=unit.start, line=0 if unit.start == 0 else None)


def _location(source, line):
    return f"{source.name}:{line}"


class _Rejects:
    """The reject file: one JSON object per unusable line (source, line, kind, reason)."""

    def __init__(self, path):
        self.writer = LineWriter.append_to(path) if path else None

    def write(self, source, line, kind, reason, stage="read"):
        if self.writer is not None:
            self.writer.write(json.dumps(
                {"source": source, "line": line, "stage": stage, "kind": kind, "reason": reason},
                ensure_ascii=False,
            ).encode("utf-8") + b"\n")

    def flush(self):
        if self.writer is not None:
            self.writer.flush()

    def close(self):
        if self.writer is not None:
            self.writer.close()


def _read(stream, name):
    """The lines of ``stream``; a read error (a truncated gzip or bzip2 file) becomes UnreadableInput."""
    try:
        yield from stream
    except (OSError, EOFError, zlib.error) as error:
        raise UnreadableInput(name, f"{type(error).__name__}: {error}") from error


def _skip_to(stream, offset):
    """Read past the first ``offset`` bytes of a stream that cannot seek (whole lines: offsets are line starts)."""
    position = 0
    while position < offset:
        line = stream.readline()
        if not line:
            break
        position += len(line)
    return position


class _Numbering:
    """
    Line numbers of a unit that starts inside a file (a split for ``--jobs``): the lines before it
    are counted only when a number is first needed (a rejected line, a checkpoint), so a clean
    file split across jobs is never read twice.
    """

    def __init__(self, path, start=None):
        self.path = path
        self.start = start
        self.base = 0 if start is None else None

    def at(self, line):
        """The file's line number of the unit's ``line``."""
        if self.base is None:
            self.base = count_lines_before(self.path, self.start)
        return line + self.base


def run_unit(unit, state, settings, destination, rejects, notify):  # pylint: disable=too-many-statements
    """
    Process ``unit`` from ``state``; ``notify(kind, unit_id, state, report)`` is called with kind
    ``progress`` (often), ``checkpoint`` (after a flush: the state may be saved) and ``done``.
    """
    # pylint: disable=too-many-locals,too-many-branches,too-many-nested-blocks
    source = unit.source
    report = report_from_dict(state.report)
    destination.report = report
    registry = settings.registry
    if registry is None:
        registry = default_registry()
    ctx = settings.ctx
    event_filter = settings.event_filter if settings.event_filter.active else None
    offset = state.offset
    at = _Numbering(source.name, offset if state.line is None else None).at  # line numbers, counted lazily
    line = state.line or 0
    stream = open_source(source, offset, settings.s3_settings, settings.stdin)
    try:
        if not source.seekable and offset:
            _skip_to(stream, offset)
        end = unit.end
        name = source.name
        send = destination.send
        clock = time.monotonic
        next_checkpoint_time = clock() + settings.every_seconds
        next_checkpoint_line = line + settings.every_lines
        next_tick = line + TICK_LINES
        try:
            for raw in _read(stream, name):
                if end is not None and offset >= end:
                    break
                offset += len(raw)
                line += 1
                if raw[-1:] == b"\n":
                    raw = raw[:-1]
                    if raw[-1:] == b"\r":
                        raw = raw[:-1]
                report.lines += 1
                try:
                    event, recovered = read_event(raw)
                except LineRejected as rejected:
                    report.reject(rejected.kind, _location(source, at(line)))
                    rejects.write(name, at(line), rejected.kind, rejected.reason)
                    event = None
                except Exception as error:  # pylint: disable=broad-except
                    log.exception("%s: reading line %s failed", name, at(line))
                    report.errors["reader_bug"] += 1
                    rejects.write(name, at(line), "reader_bug", f"{type(error).__name__}: {error}")
                    event = None
                if event is not None:
                    report.events += 1
                    if recovered is not None:
                        report.recovered[recovered] += 1
                    refused = event_filter.refuse(event) if event_filter is not None else None
                    if refused is not None:
                        report.filtered[refused] += 1
                    else:
                        try:
                            statements = transform(event, ctx, registry)
                        except UnsupportedEvent:
                            report.unsupported_event(event.name)
                        except EventSkipped as skipped:
                            if skipped.reason == "anonymous":
                                report.anonymous += 1
                            else:
                                report.skipped[skipped.reason] += 1
                        except InvalidEvent as invalid:
                            report.invalid_event(invalid.kind, invalid.field)
                            rejects.write(name, at(line), invalid.kind, str(invalid), stage="transform")
                        except XapiRouterError as error:
                            log.warning("%s:%s: %s", name, at(line), error)
                            report.errors[error.kind] += 1
                            rejects.write(name, at(line), error.kind, str(error), stage="transform")
                        except Exception as error:  # pylint: disable=broad-except
                            log.exception("%s:%s: transforming failed", name, at(line))
                            report.errors["internal_error"] += 1
                            rejects.write(name, at(line), "internal_error", f"{type(error).__name__}: {error}",
                                          stage="transform")
                        else:
                            report.transformed += 1
                            report.statements += len(statements)
                            send(event, statements)
                if line >= next_tick:
                    next_tick = line + TICK_LINES
                    now = clock()
                    if settings.checkpointing and (line >= next_checkpoint_line or now >= next_checkpoint_time):
                        destination.flush()
                        rejects.flush()
                        notify("checkpoint", unit.id, UnitState(offset, at(line)), report)
                        next_checkpoint_line = line + settings.every_lines
                        next_checkpoint_time = now + settings.every_seconds
                    else:
                        notify("progress", unit.id, UnitState(offset, None), report)
        except UnreadableInput as error:  # a truncated or corrupt compressed file: the lines before it count
            log.warning("%s", error)
            report.errors["unreadable_input"] += 1
            rejects.write(name, at(line) + 1, "unreadable_input", f"after line {at(line)}: {error.reason}")
    finally:
        stream.close()
    destination.flush()
    rejects.flush()
    notify("done", unit.id, UnitState(offset, at(line) if settings.checkpointing else None, done=True), report)
    return report


class Coordinator:
    """
    The parent's view of the run: each unit's committed state (what the checkpoint file holds) and
    latest progress; writes the checkpoint file and drives the progress display.
    """

    def __init__(self, inputs, units, states, checkpoint_path=None, progress=None):
        self.inputs = list(inputs)
        self.units = units
        self.states = states
        self.checkpoint_path = checkpoint_path
        self.progress = progress
        self.seen = {unit.id: (states[unit.id].offset, 0, 0) for unit in units}
        self.start_offsets = {unit.id: states[unit.id].offset for unit in units}
        self.final = {}

    def notify(self, kind, unit_id, state, report):
        """Take a worker's message (see :func:`run_unit`)."""
        data = report if isinstance(report, dict) else None
        events = report["events"] if data is not None else report.events
        lines = report["lines"] if data is not None else report.lines
        if kind in ("checkpoint", "done"):
            self.states[unit_id] = UnitState(state.offset, state.line, data or report.state_dict(), kind == "done")
            if kind == "done":
                self.final[unit_id] = self.states[unit_id].report
            self.save()
        self.seen[unit_id] = (state.offset, lines, events)
        self.show(force=kind == "done")

    def show(self, force=False):
        """Redraw the progress from the latest states."""
        if self.progress is None:
            return
        lines = sum(item[1] for item in self.seen.values())
        events = sum(item[2] for item in self.seen.values())
        done_bytes = sum(item[0] - self.start_offsets[unit_id] for unit_id, item in self.seen.items())
        self.progress.update(lines, events, done_bytes, force=force)

    def save(self):
        """Write the checkpoint file atomically (temporary file, fsync, rename)."""
        if not self.checkpoint_path:
            return
        data = {
            "version": CHECKPOINT_VERSION,
            "inputs": self.inputs,
            "saved_at": time.time(),
            "units": [
                {"id": unit.id, "source": asdict(unit.source), "start": unit.start, "end": unit.end,
                 "offset": self.states[unit.id].offset, "line": self.states[unit.id].line,
                 "done": self.states[unit.id].done, "report": self.states[unit.id].report}
                for unit in self.units
            ],
        }
        temporary = f"{self.checkpoint_path}.tmp-{os.getpid()}"
        with open(temporary, "w", encoding="utf-8") as file:
            json.dump(data, file)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, self.checkpoint_path)

    def total(self):
        """Every unit's counts merged (the committed ones for units not finished)."""
        report = BackfillReport()
        for unit in self.units:
            report.merge(report_from_dict(self.states[unit.id].report))
        return report


def load_checkpoint(path, sources):
    """
    ``(units, states)`` from the checkpoint at ``path``, which must have been made for ``sources``
    (same names and sizes, in the same order). Raises :class:`CheckpointMismatch` otherwise.
    """
    with open(path, encoding="utf-8") as file:
        data = json.load(file)
    if data.get("version") != CHECKPOINT_VERSION:
        raise CheckpointMismatch(f"{path}: checkpoint version {data.get('version')!r}, expected {CHECKPOINT_VERSION}")
    units, states = [], {}
    for entry in data["units"]:
        source = Source(**entry["source"])
        units.append(Unit(entry["id"], source, entry["start"], entry["end"]))
        states[entry["id"]] = UnitState(entry["offset"], entry["line"], entry["report"], entry["done"])
    saved = []
    for unit in units:
        if unit.source.name not in [item[0] for item in saved]:
            saved.append((unit.source.name, unit.source.size))
    given = [(source.name, source.size) for source in sources]
    if saved != given:
        raise CheckpointMismatch(
            f"{path} was made for other inputs: {len(saved)} sources saved, {len(given)} given, or a name "
            "or size differs; start again without --resume (or give the same inputs)"
        )
    return units, states


def run(inputs, sources, settings, make_destination, jobs=1, checkpoint_path=None, resume=False,
        progress=None, before_fork=None):
    """
    Run a backfill; returns ``(report, interrupted)``. ``make_destination(report)`` builds a
    destination (once in each worker process). ``inputs`` are the arguments as given (kept in the
    checkpoint). ``before_fork`` runs in the parent before workers are forked (closing database
    connections).
    """
    units = states = None
    if resume and checkpoint_path and os.path.exists(checkpoint_path):
        units, states = load_checkpoint(checkpoint_path, sources)
        log.info("resuming from %s: %d of %d units done", checkpoint_path,
                 sum(state.done for state in states.values()), len(units))
    if units is None:
        units = plan_units(sources, jobs)
        states = {unit.id: _initial_state(unit) for unit in units}
    coordinator = Coordinator(inputs, units, states, checkpoint_path, progress)
    coordinator.save()
    pending = [unit for unit in units if not states[unit.id].done]
    interrupted = False
    try:
        if jobs <= 1 or len(pending) <= 1:
            _run_here(pending, states, settings, make_destination, coordinator)
        else:
            _run_in_workers(pending, states, settings, make_destination, coordinator, jobs, before_fork)
    except KeyboardInterrupt:
        interrupted = True
    if progress is not None:
        progress.finish()
    return coordinator.total(), interrupted


def _run_here(pending, states, settings, make_destination, coordinator):
    destination = make_destination(BackfillReport())
    rejects = _Rejects(settings.reject_path)
    try:
        for unit in pending:
            run_unit(unit, states[unit.id], settings, destination, rejects, coordinator.notify)
    finally:
        rejects.close()
        destination.close()


def _worker(work, messages, states, settings, make_destination):
    """A worker process: take unit ids until ``None``, send messages to the parent."""
    def notify(kind, unit_id, state, report):
        data = report.state_dict() if kind != "progress" else {"lines": report.lines, "events": report.events}
        messages.put((kind, unit_id, state.offset, state.line, data))

    destination = make_destination(BackfillReport())
    rejects = _Rejects(settings.reject_path)
    try:
        while True:
            unit = work.get()
            if unit is None:
                break
            run_unit(unit, states[unit.id], settings, destination, rejects, notify)
    except KeyboardInterrupt:
        return
    finally:
        rejects.close()
        destination.close()
    messages.put(("exit", None, None, None, None))


def _run_in_workers(pending, states, settings, make_destination, coordinator, jobs, before_fork):
    # pylint: disable=too-many-arguments
    context = multiprocessing.get_context("fork")
    work = context.Queue()
    messages = context.Queue()
    for unit in pending:
        work.put(unit)
    count = min(jobs, len(pending))
    for _ in range(count):
        work.put(None)
    if before_fork is not None:
        before_fork()
    workers = [context.Process(target=_worker, args=(work, messages, states, settings, make_destination),
                               daemon=True) for _ in range(count)]
    for process in workers:
        process.start()
    exited = 0
    try:
        while exited < count:
            try:
                kind, unit_id, offset, line, data = messages.get(timeout=1.0)
            except queue.Empty:
                dead = [process for process in workers if not process.is_alive() and process.exitcode != 0]
                if dead:
                    raise RuntimeError(f"a backfill worker died (exit code {dead[0].exitcode})") from None
                continue
            if kind == "exit":
                exited += 1
                continue
            coordinator.notify(kind, unit_id, UnitState(offset, line), data)
    finally:
        for process in workers:
            process.join(timeout=5)
            if process.is_alive():
                process.terminate()
                process.join(timeout=5)
