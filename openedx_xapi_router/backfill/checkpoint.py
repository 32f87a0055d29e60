"""
The backfill's checkpoints: the work units, where each stands, and the file that keeps it.

Every ``every_lines`` lines or ``every_seconds`` seconds, a unit flushes its destination and reject
file, then its position (byte offset, line number) and counts are saved in the checkpoint file
(JSON, written to a temporary file and renamed: never half-written) by the :class:`Coordinator`,
the parent's view of the run. :func:`load_checkpoint` reads it back for ``--resume``.
"""
import json
import os
import time
from dataclasses import asdict, dataclass, field

from openedx_xapi_router.backfill.counting import BackfillReport, report_from_dict
from openedx_xapi_router.backfill.sources import Source

CHECKPOINT_VERSION = 1


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
