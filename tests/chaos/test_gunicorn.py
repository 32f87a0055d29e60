"""
The "LMS" served by real gunicorn (the LMS's pin, 23.0.0, sync workers: :mod:`tests.chaos.lms_wsgi`)
while drivers keep requests under way: every worker SIGKILLed ``SCALE`` times (1 in the short
form, 5 in ``make chaos``; the master forks new ones), then the master SIGTERMed (its graceful
stop). Two gunicorns side by side on one broker, Ralph and Celery worker: one publishing in the
request (the default), one in the background (``XAPI_ROUTER_PUBLISH_IN_BACKGROUND``), hurt at the
same moments. On Redis and on RabbitMQ.

Publishing in the request: every request answered 200 reaches Ralph exactly once, SIGKILL or not;
a request under way at a kill (no answer) at most once.

Publishing in the background: what the toggle's warning says it loses, and nothing else. A
statement of an answered request that is not in Ralph was answered by a worker that was then
SIGKILLed, and the ledger shows no publish of it (Celery's ``after_task_publish`` never fired for
it: it was in the publisher thread's deque). A worker the master stopped with SIGTERM loses
nothing: it leaves through ``sys.exit`` and its ``atexit`` flush publishes what the thread held
(gunicorn 23.0.0 ``gunicorn/arbiter.py`` ``Arbiter.stop`` and ``spawn_worker``,
``gunicorn/workers/base.py`` ``init_signals``/``handle_exit``: see :mod:`tests.chaos.gunicorn_lms`).
"""
import pytest

from tests.chaos.conftest import SCALE
from tests.chaos.gunicorn_lms import Driver, GunicornLms
from tests.chaos.harness import record

ROUNDS = SCALE            # SIGKILLs of every worker: 1 in the short form, 5 in make chaos
PER_ROUND = 40 * SCALE    # requests answered 200 (by each gunicorn) before each kill and before the SIGTERM
BACKGROUND_FIRST = 1_000_000  # the background gunicorn's event numbers start here (the other's at 0)


def served(run, first, **env):
    """A gunicorn "LMS" and its driver, event numbers from ``first``."""
    lms = run.add_lms(GunicornLms, **env)
    return lms, Driver(lms, first=first)


def kill_workers_then_stop_masters(run, pairs):
    """
    Drive every ``(lms, driver)`` pair; SIGKILL all their workers at once ``ROUNDS`` times, then
    SIGTERM their masters; returns the verdict once Ralph holds every answered statement the
    ledgers show published (then ``settle`` seconds for stragglers and duplicates).
    """
    try:
        for _ in range(ROUNDS):
            for _lms, driver in pairs:
                driver.wait_answered(len(driver.answered) + PER_ROUND, timeout=180)
            for lms, _ in pairs:
                assert lms.kill_workers() == lms.workers
            for lms, _ in pairs:
                lms.wait_ready(timeout=180)  # the master forked new workers and each loaded the LMS
        for _lms, driver in pairs:
            driver.wait_answered(len(driver.answered) + PER_ROUND, timeout=180)
        last_workers = [lms.worker_pids() for lms, _ in pairs]
        for lms, _ in pairs:
            lms.send_signal_term()
        for lms, _ in pairs:
            assert lms.wait_exit() == 0, f"gunicorn's master exited badly: see {lms.log_path}"
    finally:
        for _, driver in pairs:
            driver.stop()
    for (lms, _), workers in zip(pairs, last_workers, strict=True):
        # Each worker the master stopped left through spawn_worker's sys.exit (none was SIGKILLed at
        # the graceful timeout): gunicorn logs "Worker exiting" in its finally, before atexit runs.
        assert workers <= lms.exited_gracefully(), f"see {lms.log_path}"
        assert not workers & lms.killed_pids
    published = {statement_id for statement_id in run.expected_ids()
                 if any(statement_id in lms.published for lms, _ in pairs)}
    return run.wait_delivered(timeout=300, expected=published, settle=3.0)


def ledger_figures(run, lms, driver, counts):
    """One gunicorn's count by its driver's ledger, and where each answered statement went."""
    ids = {number: run.ids_of([lms.begun[number]]) for number in driver.answered}
    expected = {statement_id for statement_ids in ids.values() for statement_id in statement_ids}
    stopped = {number for number, pid in driver.answered.items() if pid not in lms.killed_pids}
    return {
        "expected": len(expected),
        "once": sum(1 for statement_id in expected if counts.get(statement_id) == 1),
        "lost": {number for number, statement_ids in ids.items() if not statement_ids <= set(counts)},
        "duplicated": sum(1 for statement_id in expected if counts.get(statement_id, 0) > 1),
        "unpublished": {number for number, statement_ids in ids.items() if not statement_ids <= lms.published},
        "answered": len(driver.answered), "in_flight_at_kill": len(driver.in_flight), "refused": len(driver.refused),
        "stopped_expected": sum(len(ids[number]) for number in stopped),
        "stopped_once": sum(1 for number in stopped for statement_id in ids[number] if counts.get(statement_id) == 1),
    }


def recorded(name, figures):
    """``record`` with the sets as their sizes."""
    return record(name, {key: len(value) if isinstance(value, set) else value for key, value in figures.items()})


@pytest.mark.parametrize("broker", ["redis", "rabbitmq"])
def test_gunicorn_workers_sigkilled_then_master_sigtermed(scenario, broker):
    run = scenario(broker=broker)
    run.add_endpoint("ralph")
    run.worker()
    in_request = served(run, 0)
    background = served(run, BACKGROUND_FIRST, XAPI_ROUTER_PUBLISH_IN_BACKGROUND="1")
    verdict = kill_workers_then_stop_masters(run, [in_request, background])
    counts = run.lrs_counts()
    default = ledger_figures(run, *in_request, counts)
    opt_in = ledger_figures(run, *background, counts)
    recorded(f"gunicorn_sigkill_then_sigterm_in_request_{broker}", default)
    recorded(f"gunicorn_sigkill_then_sigterm_background_{broker}", opt_in)

    # Nothing anywhere duplicated, dead-lettered or unexpected; the only losses are the opt-in's.
    assert verdict["expected"] == default["expected"] + opt_in["expected"]
    assert (verdict["duplicated"], verdict["dead_lettered"], verdict["unexpected"]) == (0, 0, 0)
    assert verdict["lost"] == len(opt_in["lost"])

    # Publishing in the request: a 200 means the message is in the broker, whatever happens next.
    assert default["expected"] >= (ROUNDS + 1) * PER_ROUND
    assert (default["once"], default["lost"], default["unpublished"]) == (default["expected"], set(), set())
    assert default["stopped_once"] == default["stopped_expected"] > 0

    # Publishing in the background: lost only events the ledger shows answered and never published,
    # each answered by a worker that was SIGKILLed afterwards. (An unpublished one may still be in
    # Ralph: the kill can fall between the broker taking the message and the ledger line.)
    assert opt_in["expected"] >= (ROUNDS + 1) * PER_ROUND
    assert opt_in["lost"] <= opt_in["unpublished"]
    assert {background[1].answered[number] for number in opt_in["unpublished"]} <= background[0].killed_pids
    assert opt_in["once"] == opt_in["expected"] - len(opt_in["lost"])
    # The workers the master stopped gracefully: everything they answered is in Ralph once.
    assert opt_in["stopped_once"] == opt_in["stopped_expected"] > 0
