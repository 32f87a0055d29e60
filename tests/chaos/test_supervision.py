"""
The delivery worker survives a broker restart, or is supervised back within seconds: the command
the README prints (and Tutor runs: ``tutor/tutorxapirouter/patches/*``, checked by
``tests/tutor/test_tutor_plugin.py``) is the one the chaos harness runs, under a supervisor that
starts it again when it exits (``Restart=always`` / ``restart: unless-stopped``); after Redis is
SIGKILLed and restarted on its port, a worker answers a ping within seconds and delivers what the
LMS emits next.
"""
import re
import shlex
import time

from tests.chaos.harness import REPO_ROOT, Worker, record, wait_for, zero_loss

#: A worker (the same process reconnected, or the supervisor's next one) answers within this long.
BACK_WITHIN_SECONDS = 30.0


def readme_worker_command():
    """The worker command of README's "Setting it up", as argv (without its environment assignment)."""
    text = (REPO_ROOT / "README.rst").read_text(encoding="utf-8").replace("\\\n", " ")
    match = re.search(r"celery --app lms\.celery worker[^\n]*", text)
    assert match, "README prints no worker command"
    return shlex.split(match.group(0))


def test_the_harness_runs_the_readme_worker_command():
    readme = readme_worker_command()
    assert readme == ["celery", "--app", "lms.celery", "worker", "--queues", "edx.lms.core.xapi_router", "--hostname",
                      "xapi_router.%h", "--concurrency", "2", "--loglevel", "INFO", "--without-gossip",
                      "--without-mingle"]
    worker = object.__new__(Worker)
    worker.queue, worker.concurrency = "the-queue", 2
    harness = worker.command("tag")[2:]  # after "python -m"
    # The same command with the test project's app, its own queue and node name, and the tasks module.
    expected = [*readme]
    expected[expected.index("lms.celery")] = "tests.delivery.worker_app"
    expected[expected.index("edx.lms.core.xapi_router")] = "the-queue"
    expected[expected.index("xapi_router.%h")] = "xapi_router.tag@%h"
    assert harness == [*expected, "--include", "openedx_xapi_router.delivery.tasks"]


def test_the_worker_is_back_within_seconds_after_redis_restarts(scenario):
    run = scenario(aof=True)
    run.add_endpoint("ralph")
    worker = run.worker(XAPI_ROUTER_VISIBILITY_TIMEOUT=3600)
    first = run.lms(0, 20)
    assert first.wait(120) == 0 and first.done
    run.redis.kill()
    time.sleep(3.0)
    run.redis.start()
    restarted_at = time.monotonic()
    wait_for(worker.answers_ping, BACK_WITHIN_SECONDS, interval=0.5, message="a worker answering a ping")
    back_after = time.monotonic() - restarted_at
    second = run.lms(run.next_number(), 20)
    assert second.wait(120) == 0 and second.done
    verdict = run.wait_delivered(timeout=120)
    record("worker_back_after_redis_restart", {**verdict, "back_after_seconds": round(back_after, 1),
                                                "worker_restarts": worker.unexpected_exits})
    assert verdict["expected"] == 40
    assert verdict == zero_loss(verdict)
    assert back_after < BACK_WITHIN_SECONDS
    assert worker.process.poll() is None  # a worker is running
