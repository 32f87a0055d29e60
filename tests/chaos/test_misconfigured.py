"""
A configuration that cannot deliver: the worker's settings refuse the endpoint's ``http://`` URL,
the worker's ``XAPI_ROUTER_ENCRYPTION_KEYS`` lacks the key of the credentials (dead letters with
reason ``misconfigured``, then ``replay_failed_statements`` from a process that can use the
endpoint), and the LMS's keys lacking it (the send path never reads credentials: delivered).
"""
import pytest
from cryptography.fernet import Fernet

from tests.chaos.conftest import SCALE
from tests.chaos.harness import record, wait_for, zero_loss

EVENTS = 60 * SCALE


@pytest.mark.parametrize("worker_env", [
    pytest.param({"XAPI_ROUTER_TEST_ALLOW_INSECURE_HTTP": "0"}, id="worker-refuses-http"),
    pytest.param({"XAPI_ROUTER_TEST_ENCRYPTION_KEYS": Fernet.generate_key().decode()}, id="worker-lacks-the-key"),
])
def test_worker_cannot_use_the_endpoint_then_replay(scenario, worker_env):
    run = scenario()
    run.add_endpoint("ralph")
    run.worker(**worker_env)
    lms = run.lms(0, EVENTS)
    assert lms.wait(120) == 0 and lms.done
    expected = run.expected_ids()
    wait_for(lambda: len(run.dead_letters()) >= len(expected), 60, interval=0.5,
             message="every statement dead-lettered")
    assert {reason for _, _, reason in run.dead_letters()} == {"misconfigured"}
    assert run.lrs_counts() == {}
    output = run.replay()
    assert f"{len(expected)} delivered, 0 still failing" in output, output
    verdict = record(f"misconfigured_{'-'.join(worker_env)}", run.verdict())
    assert verdict == zero_loss(verdict)
    assert run.dead_letters() == []


def test_lms_lacks_the_key(scenario):
    run = scenario()
    run.add_endpoint("ralph")
    run.worker()
    lms = run.lms(0, EVENTS, XAPI_ROUTER_TEST_ENCRYPTION_KEYS=Fernet.generate_key().decode())
    assert lms.wait(120) == 0 and lms.done
    verdict = record("lms_lacks_the_key", run.wait_delivered(timeout=240))
    assert verdict["expected"] == EVENTS
    assert verdict == zero_loss(verdict)
