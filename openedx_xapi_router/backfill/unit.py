"""
One work unit of a backfill, line by line: each line through the core's one pipeline
(:func:`~openedx_xapi_router.core.pipeline.process`), counted with ``Report.count``, its
statements sent to the destination, an unusable line written to the reject file, progress and
checkpoints reported at their cadence.
"""
import json
import logging
import time
import zlib

from openedx_xapi_router.backfill.checkpoint import UnitState
from openedx_xapi_router.backfill.counting import report_from_dict
from openedx_xapi_router.backfill.destinations import LineWriter
from openedx_xapi_router.backfill.sources import count_lines_before, open_source
from openedx_xapi_router.core.errors import UnreadableInput, XapiRouterError
from openedx_xapi_router.core.outcome import Failed, Filtered, Invalid, Rejected, Skipped, Unsupported
from openedx_xapi_router.core.pipeline import process
from openedx_xapi_router.core.registry import default_registry

log = logging.getLogger(__name__)

#: How often (in lines) the loop looks at the clock.
TICK_LINES = 1024


def _location(source, line):
    return f"{source.name}:{line}"


class Rejects:
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


def _reject_entry(outcome):
    """``(kind, reason, stage)`` of an outcome the reject file keeps, or None (a counted, expected refusal)."""
    if isinstance(outcome, Rejected):
        return outcome.kind, outcome.reason, "read"
    if isinstance(outcome, Invalid):
        return outcome.kind, str(outcome.error), "transform"
    if isinstance(outcome, Failed):
        error = outcome.error
        reason = str(error) if isinstance(error, XapiRouterError) else f"{type(error).__name__}: {error}"
        return outcome.kind, reason, "read" if outcome.event is None else "transform"
    return None


def _unit_lines(stream, name, offset, end):
    """``(offset after the line, raw line without its ending)`` for the lines of a unit from ``offset``."""
    for raw in _read(stream, name):
        if end is not None and offset >= end:
            return
        offset += len(raw)
        if raw[-1:] == b"\n":
            raw = raw[:-1]
            if raw[-1:] == b"\r":
                raw = raw[:-1]
        yield offset, raw


class _Cadence:
    """
    When a unit reports progress (every TICK_LINES lines, or every ``every_lines`` when that is
    fewer) and checkpoints (``every_lines`` or ``every_seconds``).
    """

    def __init__(self, settings, line, clock=time.monotonic):
        self.settings = settings
        self.clock = clock
        # A cadence of fewer lines than the tick must be looked at that often, or it is never kept.
        self.tick = max(1, min(TICK_LINES, settings.every_lines))
        self.next_tick = line + self.tick
        self.next_line = line + settings.every_lines
        self.next_time = clock() + settings.every_seconds

    def due(self, line):
        """None (nothing to do), ``"progress"`` or ``"checkpoint"`` after ``line``."""
        if line < self.next_tick:
            return None
        self.next_tick = line + self.tick
        now = self.clock()
        if self.settings.checkpointing and (line >= self.next_line or now >= self.next_time):
            self.next_line = line + self.settings.every_lines
            self.next_time = now + self.settings.every_seconds
            return "checkpoint"
        return "progress"


def run_unit(unit, state, settings, destination, rejects, notify):
    """
    Process ``unit`` from ``state``; ``notify(kind, unit_id, state, report)`` is called with kind
    ``progress`` (often), ``checkpoint`` (after a flush: the state may be saved) and ``done``.

    Each line goes through the core's one pipeline (:func:`~openedx_xapi_router.core.pipeline.process`,
    with the run's filter and allowed names) and is counted with ``Report.count``; statements go to
    ``destination``, unusable lines to the reject file.
    """
    source = unit.source
    report = report_from_dict(state.report)
    destination.report = report
    at = _Numbering(source.name, state.offset if state.line is None else None).at  # line numbers, counted lazily
    position = [state.offset, state.line or 0]  # offset, line: what the ``finally`` reports
    stream = open_source(source, state.offset, settings.s3_settings, settings.stdin)
    try:
        if not source.seekable and state.offset:
            _skip_to(stream, state.offset)
        _run_lines(unit, stream, position, at, settings, destination, rejects, notify, report)
    except UnreadableInput as error:  # a truncated or corrupt compressed file: the lines before it count
        log.warning("%s", error)
        report.errors["unreadable_input"] += 1
        line = position[1]
        rejects.write(source.name, at(line) + 1, "unreadable_input", f"after line {at(line)}: {error.reason}")
    finally:
        stream.close()
    destination.flush()
    rejects.flush()
    offset, line = position
    notify("done", unit.id, UnitState(offset, at(line) if settings.checkpointing else None, done=True), report)
    return report


def _run_lines(unit, stream, position, at, settings, destination, rejects, notify, report):
    """The line loop of :func:`run_unit`; ``position`` ([offset, line]) follows it."""
    # pylint: disable=too-many-arguments,too-many-locals
    name = unit.source.name
    ctx, registry = settings.ctx, settings.registry or default_registry()
    event_filter = settings.event_filter.refuse if settings.event_filter.active else None
    allowed = settings.allowed_names
    send, count, cadence = destination.send, report.count, _Cadence(settings, position[1])
    line = position[1]
    for offset, raw in _unit_lines(stream, name, position[0], unit.end):
        line += 1
        position[0], position[1] = offset, line
        outcome = process(raw, ctx, registry, allowed_names=allowed, event_filter=event_filter)
        if outcome.ok:
            count(outcome)
            send(outcome.event, outcome.statements, outcome.version)
        else:
            count(outcome, _location(unit.source, at(line)) if not isinstance(outcome, _QUIET) else None)
            entry = _reject_entry(outcome)
            if entry is not None:
                rejects.write(name, at(line), *entry)
        due = cadence.due(line)
        if due == "checkpoint":
            destination.flush()
            rejects.flush()
            notify("checkpoint", unit.id, UnitState(offset, at(line)), report)
        elif due == "progress":
            notify("progress", unit.id, UnitState(offset, None), report)


#: Refusals that need no line number (counting one must not count the lines before a split).
_QUIET = (Unsupported, Filtered, Skipped)
