"""
The broker failing while the LMS emits and the worker delivers: Redis SIGKILLed and restarted on
its port (AOF, ``appendfsync always``: what it acknowledged survives), then
``replay_failed_statements``; Redis hung (SIGSTOP) and resumed.

The LMS publishes in the request: a publish the broker did not take raises in
``Celery.send_task`` (kombu's ``OperationalError`` once its retry policy is spent), and the
statements become ``broker_unavailable`` dead letters before ``send`` returns, including a message
in flight when the connection broke (its fate is unknown: it may be in the broker too, and the
replay's POST of a statement Ralph holds is answered 204, which counts as delivered).
"""
import signal
import time

from tests.chaos.conftest import SCALE
from tests.chaos.harness import record, zero_loss

OUTAGE_SECONDS = 4.0 * SCALE


def test_redis_killed_then_restarted_then_replay(scenario):
    """
    The worker may exit on the restart (celery/kombu 5.7.0: "Unrecoverable error: AttributeError"
    in kombu's ``restore_unacked``); the README runs it under a supervisor, as the harness does.
    """
    run = scenario(aof=True)
    run.add_endpoint("ralph")
    worker = run.worker(XAPI_ROUTER_VISIBILITY_TIMEOUT=5)
    lms = run.lms(0, 100_000, interval=0.05)
    lms.wait_acked(50, timeout=60)
    for _ in range(SCALE):
        run.redis.kill()
        time.sleep(OUTAGE_SECONDS)
        run.redis.start()
        time.sleep(OUTAGE_SECONDS)
    assert lms.signal(signal.SIGTERM) == -signal.SIGTERM
    dead_lettered = {statement_id for _, statement_id, reason in run.dead_letters() if reason == "broker_unavailable"}
    assert dead_lettered, "no publish failed while the broker was down"
    time.sleep(5)  # what the worker still delivers from the broker
    output = run.replay()
    assert " 0 still failing" in output, output
    verdict = run.wait_delivered(timeout=240)
    record("redis_killed_restarted_replay", {**verdict, "worker_restarts": worker.unexpected_exits})
    assert verdict == zero_loss(verdict)
    assert run.dead_letters() == []


def test_redis_hung_then_resumed(scenario):
    run = scenario()
    run.add_endpoint("ralph")
    run.worker(XAPI_ROUTER_VISIBILITY_TIMEOUT=5)
    lms = run.lms(0, 100_000, interval=0.05)
    lms.wait_acked(50, timeout=60)
    for _ in range(SCALE):
        run.redis.pause()
        time.sleep(OUTAGE_SECONDS)
        run.redis.resume()
        time.sleep(OUTAGE_SECONDS)
    assert lms.signal(signal.SIGTERM) == -signal.SIGTERM
    verdict = record("redis_hung", run.wait_delivered(timeout=240))
    assert verdict == zero_loss(verdict)


def test_rabbitmq_gone_then_back_then_replay(scenario):
    """
    RabbitMQ taken away from every scenario process (the relay of :mod:`tests.chaos.broker_link`
    closes their connections and refuses new ones; the machine's server is shared and is not
    killed), then back, then ``replay_failed_statements``: each statement in the LRS exactly once.
    A publish the broker did not take becomes a ``broker_unavailable`` dead letter before ``send``
    returns; the worker reconnects (or its supervisor starts it again).
    """
    run = scenario(broker="rabbitmq", broker_link=True)
    run.add_endpoint("ralph")
    worker = run.worker()
    lms = run.lms(0, 100_000, interval=0.05)
    lms.wait_acked(50, timeout=60)
    for _ in range(SCALE):
        run.link.cut()
        time.sleep(OUTAGE_SECONDS)
        run.link.restore()
        time.sleep(OUTAGE_SECONDS)
    lms.wait_acked(len(lms.acked) + 20, timeout=60)
    assert lms.signal(signal.SIGTERM) == -signal.SIGTERM
    dead_lettered = {statement_id for _, statement_id, reason in run.dead_letters() if reason == "broker_unavailable"}
    assert dead_lettered, "no publish failed while the broker was away"
    time.sleep(5)  # what the worker still delivers from the broker
    output = run.replay()
    assert " 0 still failing" in output, output
    verdict = run.wait_delivered(timeout=240)
    record("rabbitmq_gone_back_replay", {**verdict, "worker_restarts": worker.unexpected_exits,
                                         "broker_unavailable": len(dead_lettered)})
    assert verdict == zero_loss(verdict), run.lost()
    assert run.dead_letters() == []
