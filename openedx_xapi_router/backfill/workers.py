"""
Running a backfill's units: here, one after the other, or spread over forked worker processes
(``--jobs N``), each with its own destination, sending its checkpoints and progress to the parent,
which alone writes the checkpoint file and draws the progress.
"""
import multiprocessing
import queue

from openedx_xapi_router.backfill.checkpoint import UnitState
from openedx_xapi_router.backfill.counting import BackfillReport
from openedx_xapi_router.backfill.unit import Rejects, run_unit


def run_here(pending, states, settings, make_destination, coordinator):
    destination = make_destination(BackfillReport())
    rejects = Rejects(settings.reject_path)
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
    rejects = Rejects(settings.reject_path)
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


def run_in_workers(pending, states, settings, make_destination, coordinator, jobs, before_fork):
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
    for worker in workers:
        worker.start()
    exited = 0
    try:
        while exited < count:
            try:
                kind, unit_id, offset, line, data = messages.get(timeout=1.0)
            except queue.Empty:
                dead = [worker for worker in workers if not worker.is_alive() and worker.exitcode != 0]
                if dead:
                    raise RuntimeError(f"a backfill worker died (exit code {dead[0].exitcode})") from None
                continue
            if kind == "exit":
                exited += 1
                continue
            coordinator.notify(kind, unit_id, UnitState(offset, line), data)
    finally:
        for worker in workers:
            worker.join(timeout=5)
            if worker.is_alive():
                worker.terminate()
                worker.join(timeout=5)
