"""
The LRS failing while the LMS emits (the fault proxy of :mod:`tests.chaos.fault_proxy` in front
of a fresh Ralph): 503, 429 with ``Retry-After``, connections reset before and after Ralph stored
the batch, a proxy's 200 with a truncated body, a 301 to the same URL. Every emitted statement
reaches Ralph exactly once.

Ralph answers a statements POST with the list of the ids it stored (200), or 204 when it already
holds them (openfun/ralph ``src/ralph/api/routers/statements.py``, ``post``), which the worker
counts as delivered; a reset after storing is therefore retried harmlessly.
"""
import signal
import time

import pytest

from tests.chaos.conftest import SCALE
from tests.chaos.fault_proxy import FaultProxy
from tests.chaos.harness import record, wait_for, zero_loss

FAULT_SECONDS = 3.0 * SCALE


def fault_window(proxy, mode, seconds=FAULT_SECONDS):
    """
    Fault ``mode`` for ``seconds`` and until at least one POST met it (the worker's circuit breaker
    may hold POSTs back for a while after the previous fault), then until one POST got through.
    """
    proxy.fault(mode, 3600)
    time.sleep(seconds)  # the LMS goes on emitting
    wait_for(lambda: proxy.posts[mode] >= 1, 90, interval=0.2, message=f"a POST meeting fault {mode}")
    passed = proxy.posts["pass"]
    proxy.clear()
    wait_for(lambda: proxy.posts["pass"] > passed, 90, interval=0.2, message=f"a POST forwarded after fault {mode}")


def test_lrs_faults_one_after_the_other_then_replay(scenario):
    """
    503, 429 + ``Retry-After``, resets before and after storing, a truncated 200: retried, then
    delivered. Then a 301 to the same URL: an endpoint misconfiguration, so dead letters (reason
    ``misconfigured``, naming the new location), which ``replay_failed_statements`` delivers.
    """
    run = scenario()
    proxy = FaultProxy(run.ralph.statements_url, run.ralph.auth)
    run.closers.append(proxy.close)
    run.add_endpoint("proxied", url=proxy.statements_url, batch_size=20)
    run.worker()
    lms = run.lms(0, 100_000, interval=0.05)
    lms.wait_acked(50, timeout=60)
    for mode in ("503", "429", "reset_before", "reset_after", "truncated"):
        fault_window(proxy, mode)
    lms.wait_acked(len(lms.acked) + 30, timeout=60)
    assert run.dead_letters() == []  # retried, none given up

    fault_window(proxy, "redirect")
    lms.wait_acked(len(lms.acked) + 30, timeout=60)
    assert lms.signal(signal.SIGTERM) == -signal.SIGTERM
    letters = wait_for(run.dead_letters, 30, message="dead letters of the redirected POSTs")
    assert {reason for _, _, reason in letters} == {"misconfigured"}
    time.sleep(3)  # what was in flight
    output = run.replay()
    assert " 0 still failing" in output, output
    verdict = record("lrs_faults_then_replay", run.wait_delivered(timeout=240))
    assert verdict == zero_loss(verdict)
    assert run.dead_letters() == []



@pytest.mark.parametrize("mode", ["trickle_body", "trickle"])
def test_an_answer_trickled_a_byte_at_a_time_meets_the_total_deadline(scenario, mode):
    """
    Ralph stores each batch, and the proxy sends its answer a byte every 0.25 s (the body only, or
    the status line and headers too): a per-read timeout would never fire. The worker gives up each
    such POST at the endpoint's total deadline (its ``timeout``, 3 s: connect + send + the whole
    answer; ``LrsClient``, whose ``DeadlineAdapter`` covers the status line and headers too),
    retries, and once the fault is over Ralph answers the retry 204 (it
    holds those ids): delivered once.
    """
    timeout = 3.0
    run = scenario()
    proxy = FaultProxy(run.ralph.statements_url, run.ralph.auth)
    run.closers.append(proxy.close)
    run.add_endpoint("trickled", url=proxy.statements_url, batch_size=20, timeout=timeout)
    run.worker()
    lms = run.lms(0, 100_000, interval=0.05)
    lms.wait_acked(30, timeout=60)
    fault_window(proxy, mode)
    lms.wait_acked(len(lms.acked) + 30, timeout=60)
    assert lms.signal(signal.SIGTERM) == -signal.SIGTERM
    verdict = record(f"lrs_{mode}", {**run.wait_delivered(timeout=240), "trickled_posts": len(proxy.trickled),
                                     "longest_stay_seconds": max((s or 0.0) for s in proxy.trickled)})
    assert proxy.trickled and None not in proxy.trickled, proxy.trickled  # no answer was read to its end
    # Each POST was given up at its deadline (plus a trickle step and scheduling on a shared machine).
    assert max(proxy.trickled) < timeout + 2.0, proxy.trickled
    assert verdict == zero_loss(verdict)
    assert run.dead_letters() == []
