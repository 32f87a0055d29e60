"""
Real local services for tests: detection, and the skip-or-fail rule.

A test that needs a service (Ralph, Redis, MariaDB) asks for its fixture. When the service is not
there, the test is skipped with a reason that says how to start it; with
``XAPI_ROUTER_REQUIRE_SERVICES=1`` (CI) it fails instead, so a missing service can never turn a
green run into a run that tested nothing.
"""
import contextlib
import os
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
REQUIRE_ENV = "XAPI_ROUTER_REQUIRE_SERVICES"
REDIS_URL = os.environ.get("XAPI_ROUTER_TEST_REDIS_URL", "redis://127.0.0.1:6379/9")
MARIADB_URL = "mysql://root:@127.0.0.1:3306/test"

REDIS_HINT = (
    "start it with: redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save '' --appendonly no"
)
MARIADB_HINT = "start it with: start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd"


def services_required():
    """True when missing services must fail the run (``XAPI_ROUTER_REQUIRE_SERVICES=1``)."""
    return os.environ.get(REQUIRE_ENV, "").strip().lower() in ("1", "true", "yes", "on")


def service_missing(reason):
    """Skip the current test because a service is missing, or fail it when services are required."""
    if services_required():
        pytest.fail(f"{reason} ({REQUIRE_ENV}=1: missing services fail the run)", pytrace=False)
    pytest.skip(f"{reason} (service tests skipped; set {REQUIRE_ENV}=1 to fail instead)")


def redis_problem(url=REDIS_URL):
    """Why Redis at ``url`` cannot be used, or None when it answers PING."""
    import redis  # pylint: disable=import-outside-toplevel

    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2)
        client.ping()
        client.close()
    except redis.RedisError as error:
        parts = urlsplit(url)
        return f"Redis not reachable at {parts.hostname}:{parts.port}: {type(error).__name__}; {REDIS_HINT}"
    return None


def mariadb_problem(url=MARIADB_URL):
    """Why the MariaDB server at ``url`` cannot be used, or None when it accepts a connection."""
    import pymysql  # pylint: disable=import-outside-toplevel

    parts = urlsplit(url)
    try:
        connection = pymysql.connect(
            host=parts.hostname,
            port=parts.port or 3306,
            user=parts.username or "root",
            password=parts.password or "",
            connect_timeout=3,
        )
        connection.close()
    except pymysql.MySQLError as error:
        return f"MariaDB not reachable at {parts.hostname}:{parts.port or 3306}: {error.args[-1]}; {MARIADB_HINT}"
    return None


class CeleryWorker:
    """
    A real ``celery worker`` subprocess for the test project's Celery app, consuming one unique queue
    on a Redis broker, and a client app in this process that sends to it.
    """

    def __init__(self, broker_url, app_module="tests.project.celery_app", queue=None):
        self.broker_url = broker_url
        self.app_module = app_module
        self.queue = queue or f"xapi-router-test-{uuid.uuid4().hex[:12]}"
        self.node = f"{self.queue}-{uuid.uuid4().hex[:6]}@{socket.gethostname()}"
        self.process = None
        self.log_path = None
        from tests.project.celery_app import make_app  # pylint: disable=import-outside-toplevel

        self.app = make_app(broker_url=broker_url, queue=self.queue, set_as_current=False)

    def start(self, log_dir, timeout=60.0, extra_env=None, extra_args=()):
        """
        Start the worker and wait until it answers a ping. ``extra_env`` adds environment variables
        (e.g. ``XAPI_ROUTER_DATABASE_URL`` naming the test database), ``extra_args`` worker options
        (e.g. ``--include``).
        """
        self.log_path = Path(log_dir) / f"{self.queue}.log"
        env = dict(
            os.environ,
            XAPI_ROUTER_BROKER_URL=self.broker_url,
            XAPI_ROUTER_CELERY_QUEUE=self.queue,
            DJANGO_SETTINGS_MODULE="tests.project.settings",
            PYTHONPATH=str(REPO_ROOT),
            **(extra_env or {}),
        )
        command = [
            sys.executable, "-m", "celery", "-A", self.app_module, "worker",
            "--pool", "solo", "--queues", self.queue, "--hostname", self.node,
            "--without-gossip", "--without-mingle", "--loglevel", "INFO", *extra_args,
        ]
        with open(self.log_path, "ab") as log_file:
            self.process = subprocess.Popen(  # pylint: disable=consider-using-with
                command, cwd=str(REPO_ROOT), env=env, stdin=subprocess.DEVNULL, stdout=log_file,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"celery worker exited with {self.process.returncode}:\n{self.log_tail()}")
            if self.app.control.ping(destination=[self.node], timeout=0.5):
                return self
        self.stop()
        raise RuntimeError(f"celery worker did not answer a ping within {timeout}s:\n{self.log_tail()}")

    def stop(self, timeout=20.0):
        """Stop the worker (warm shutdown, then kill) and drop its queue."""
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        import redis  # pylint: disable=import-outside-toplevel

        try:
            client = redis.Redis.from_url(self.broker_url, socket_connect_timeout=2)
            client.delete(self.queue)
            client.close()
        except redis.RedisError:
            pass
        self.app.close()

    def log_tail(self, lines=40):
        """The end of the worker's log."""
        try:
            return "\n".join(self.log_path.read_text(encoding="utf8", errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"


def start_ralph(work_dir):
    """``ralph_control.start(work_dir)``: a fresh Ralph with its data, auth and config under ``work_dir``."""
    from openedx_xapi_router.devtools import ralph_control  # pylint: disable=import-outside-toplevel

    return ralph_control.start(work_dir)


@contextlib.contextmanager
def fresh_ralph(work_dir):
    """
    A fresh Ralph (:func:`start_ralph`) for the ``with`` block, stopped after it; a missing Ralph
    virtualenv is a missing service (skip, or fail under ``XAPI_ROUTER_REQUIRE_SERVICES=1``).
    """
    from openedx_xapi_router.devtools import ralph_control  # pylint: disable=import-outside-toplevel

    problem = ralph_control.ralph_available()
    if problem:
        service_missing(problem)
    instance = start_ralph(work_dir)
    try:
        yield instance
    finally:
        ralph_control.stop(instance.pid)
