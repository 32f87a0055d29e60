"""
The "LMS" process killed while it emits: SIGKILL with the default publishing (in the request),
SIGTERM with background publishing. Every event whose ``tracker.emit`` returned reaches Ralph
exactly once; an event in the router's hands at the kill reaches it at most once.

Input: events emitted through event-tracking's default tracker, a ``DjangoTracker`` built from
``EVENT_TRACKING_BACKENDS`` (openedx/event-tracking ``eventtracking/django/django_tracker.py``,
``override_default_tracker``; ``eventtracking/tracker.py`` ``Tracker.emit`` builds
``{name, timestamp, data, context}``), in a request context as the LMS's tracking middleware
enters one (``tracker.context``).
"""
import signal

from tests.chaos.conftest import SCALE
from tests.chaos.harness import record, zero_loss

ROUNDS = SCALE              # kills: 1 in the short form, 5 in make chaos
PER_ROUND = 100 * SCALE     # events emitted (at least) before each kill


def kill_lms_rounds(run, signum, rounds=ROUNDS, **env):
    """Kill the LMS with ``signum`` after ``PER_ROUND`` events, ``rounds`` times; then a clean run."""
    for _ in range(rounds):
        lms = run.lms(run.next_number(), 100_000, **env)
        lms.wait_acked(PER_ROUND, timeout=120)
        returncode = lms.signal(signum)
        assert returncode == -signum, f"the LMS process ended with {returncode}: see {lms.log_path}"
        assert not lms.done
    last = run.lms(run.next_number(), 40, **env)
    assert last.wait(120) == 0 and last.done


def test_lms_sigkilled_publishing_in_the_request(scenario):
    run = scenario()
    run.add_endpoint("ralph")
    run.worker()
    kill_lms_rounds(run, signal.SIGKILL)
    verdict = record("lms_sigkill_in_request", run.wait_delivered(timeout=240))
    assert verdict["expected"] >= ROUNDS * PER_ROUND + 40
    assert verdict == zero_loss(verdict)


def test_lms_sigtermed_publishing_in_the_background(scenario):
    """SIGTERM in a plain process (no gunicorn): the router's handler publishes what the thread holds, then exits."""
    run = scenario()
    run.add_endpoint("ralph")
    run.worker()
    kill_lms_rounds(run, signal.SIGTERM, XAPI_ROUTER_PUBLISH_IN_BACKGROUND="1")
    verdict = record("lms_sigterm_background", run.wait_delivered(timeout=240))
    assert verdict["expected"] >= ROUNDS * PER_ROUND + 40
    assert verdict == zero_loss(verdict)
