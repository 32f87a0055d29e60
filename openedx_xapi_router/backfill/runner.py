"""
The backfill's engine: work units, the line loop, checkpoints, resume and worker processes.

A run is a list of :class:`Unit`: a whole input, or (``--jobs N``) a byte range of a plain local
file starting at a line start. Each unit is read line by line, each line through the core's one
pipeline (:func:`~openedx_xapi_router.core.pipeline.process`), every outcome counted in a
:class:`~openedx_xapi_router.backfill.counting.BackfillReport` with ``Report.count``, as
:func:`~openedx_xapi_router.core.pipeline.transform_lines` does. A line that cannot be used goes to
the reject file (source, line number, kind, reason); nothing stops the run.

The parts: :mod:`~openedx_xapi_router.backfill.unit` (one unit's line loop),
:mod:`~openedx_xapi_router.backfill.checkpoint` (units, states, the checkpoint file) and
:mod:`~openedx_xapi_router.backfill.workers` (running units here or in worker processes).

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
import logging
import os
from dataclasses import dataclass, field

from openedx_xapi_router.backfill.checkpoint import (
    CheckpointMismatch,
    Coordinator,
    Unit,
    UnitState,
    load_checkpoint,
)
from openedx_xapi_router.backfill.filters import EventFilter
from openedx_xapi_router.backfill.sources import line_boundaries
from openedx_xapi_router.backfill.unit import run_unit
from openedx_xapi_router.backfill.workers import run_here, run_in_workers

log = logging.getLogger(__name__)

#: What callers import from here (the command: ``Settings``, ``run``, ``CheckpointMismatch``).
__all__ = ["CheckpointMismatch", "Coordinator", "Settings", "Unit", "UnitState", "load_checkpoint", "plan_units",
           "run", "run_unit"]


@dataclass
class Settings:
    """
    How to run, besides the inputs and the destination.

    Attributes:
        ctx: the :class:`~openedx_xapi_router.core.context.TransformContext`.
        registry: the transformer registry (the built-in one by default).
        event_filter: an :class:`EventFilter`.
        allowed_names: the event names that may be transformed (``XAPI_ROUTER_ALLOWED_EVENT_NAMES``
            as the command read it), or None for every supported name (``--all-event-names``).
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
    allowed_names: frozenset | None = None
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
            run_here(pending, states, settings, make_destination, coordinator)
        else:
            run_in_workers(pending, states, settings, make_destination, coordinator, jobs, before_fork)
    except KeyboardInterrupt:
        interrupted = True
    if progress is not None:
        progress.finish()
    return coordinator.total(), interrupted
