"""
The unit loop's cadence (``backfill.unit._Cadence``): progress every 1,024 lines, checkpoints every
``--checkpoint-lines`` lines or ``--checkpoint-seconds``, whichever comes first. A cadence of fewer
lines than the progress tick (``--checkpoint-lines 100``) is kept exactly.
"""
from openedx_xapi_router.backfill.runner import Settings
from openedx_xapi_router.backfill.unit import TICK_LINES, _Cadence


class FrozenClock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def due_lines(cadence, last_line):
    """``{line: what}`` of every line up to ``last_line`` after which something is due."""
    return {line: what for line in range(1, last_line + 1) if (what := cadence.due(line)) is not None}


def test_checkpoint_lines_below_the_tick_checkpoint_that_often():
    cadence = _Cadence(Settings(ctx=None, every_lines=100, every_seconds=3600), 0, clock=FrozenClock())
    assert due_lines(cadence, 450) == {100: "checkpoint", 200: "checkpoint", 300: "checkpoint", 400: "checkpoint"}


def test_the_default_cadence_reports_progress_every_tick_and_checkpoints_every_n_lines():
    cadence = _Cadence(Settings(ctx=None, every_lines=3000, every_seconds=3600), 0, clock=FrozenClock())
    assert TICK_LINES == 1024
    assert due_lines(cadence, 7000) == {1024: "progress", 2048: "progress", 3072: "checkpoint", 4096: "progress",
                                        5120: "progress", 6144: "checkpoint"}


def test_seconds_bring_a_checkpoint_forward_at_the_next_tick_and_a_resumed_unit_counts_from_its_line():
    clock = FrozenClock()
    cadence = _Cadence(Settings(ctx=None, every_lines=50_000, every_seconds=10), 5000, clock=clock)
    assert due_lines(cadence, 6024) == {6024: "progress"}
    clock.now += 10
    assert cadence.due(7047) is None and cadence.due(7048) == "checkpoint"


def test_no_checkpoints_when_not_checkpointing_only_progress():
    settings = Settings(ctx=None, every_lines=100, every_seconds=0, checkpointing=False)
    cadence = _Cadence(settings, 0, clock=FrozenClock())
    assert due_lines(cadence, 300) == {100: "progress", 200: "progress", 300: "progress"}
