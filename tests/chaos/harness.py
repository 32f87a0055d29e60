"""
The chaos harness: real processes, each started, hurt and cleaned up by the test.

* :class:`OwnRedis`: a ``redis-server`` of the scenario's own on a free loopback port (no RDB
  snapshots; AOF with ``fsync always`` when the scenario says so), killed, restarted, paused.
* :class:`RabbitVhost`: a vhost of the scenario's own on the machine's RabbitMQ (``rabbitmqctl``).
* :class:`ChaosDatabase`: a MariaDB database of the session's own, migrated by ``manage.py migrate``.
* :class:`Worker`: a Celery worker started as the README prints its command (``celery --app ...
  worker --queues <queue> --hostname xapi_router.<tag>@%h --concurrency 2 --loglevel INFO
  --without-gossip --without-mingle``), adapted to the test project (its app, ``--include`` for the
  delivery tasks, its own queue), under a supervisor that starts it again when it exits, as the
  README asks (``Restart=always``).
* :class:`Lms`: the "LMS" process (:mod:`tests.chaos.lms_process`) and its ledger
  (:class:`LedgerProcess`, which :class:`tests.chaos.gunicorn_lms.GunicornLms` shares).
* :class:`Scenario`: a fresh Ralph, the endpoints, the count back from Ralph by id against the ids
  the pure core computes for the same events, and the cleanup of everything above.

Every wait is bounded; every process is ended by its own id.
"""
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from pathlib import Path

from openedx_xapi_router.core.pipeline import transform_event
from openedx_xapi_router.devtools import ralph_control
from openedx_xapi_router.lrs.client import LrsClient
from openedx_xapi_router.resolvers import get_transform_context
from tests import services

REPO_ROOT = services.REPO_ROOT
SETTINGS = "tests.chaos.settings"
WORKER_APP = "tests.delivery.worker_app"  # the test project's app, Redis visibility_timeout from the environment
RABBITMQ_HOST = "127.0.0.1:5672"


def free_port():
    """A TCP port nothing listens on at the moment (loopback)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(predicate, timeout, interval=0.1, message="condition"):
    """Poll ``predicate`` until true (returns its value); AssertionError after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {message}")
        time.sleep(interval)


def children_of(pid):
    """Process ids whose parent is ``pid`` (read from /proc)."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="utf8") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(entry))
    return found


def signal_pid(pid, signum):
    """Send ``signum`` to ``pid``; True when it was delivered."""
    try:
        os.kill(pid, signum)
        return True
    except ProcessLookupError:
        return False


def end_process(process, timeout=15.0, signum=signal.SIGTERM):
    """Stop a ``Popen`` child: ``signum``, then SIGKILL after ``timeout``; reap it."""
    if process is None or process.poll() is not None:
        return
    signal_pid(process.pid, signum)
    try:
        process.wait(timeout)
    except subprocess.TimeoutExpired:
        signal_pid(process.pid, signal.SIGKILL)
        process.wait(10)


class OwnRedis:
    """A ``redis-server`` of our own on a free port, data (AOF only, if asked) under ``work_dir``."""

    def __init__(self, work_dir, aof=False):
        self.dir = Path(work_dir)
        self.dir.mkdir(parents=True, exist_ok=True)
        self.aof = aof
        self.port = free_port()
        self.process = None
        self.paused = False

    @property
    def url(self):
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self, timeout=20.0):
        """Start (or restart) the server on its port; wait until it answers PING."""
        command = ["redis-server", "--bind", "127.0.0.1", "--port", str(self.port), "--save", "",
                   "--appendonly", "yes" if self.aof else "no", "--appendfsync", "always",
                   "--dir", str(self.dir), "--daemonize", "no", "--protected-mode", "yes",
                   "--logfile", str(self.dir / "redis.log")]
        self.process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,  # pylint: disable=consider-using-with
                                        stderr=subprocess.DEVNULL)
        wait_for(lambda: services.redis_problem(self.url) is None, timeout, message=f"Redis on port {self.port}")
        return self

    def kill(self):
        """SIGKILL the server (what it had not written to its AOF is gone)."""
        self.resume()
        end_process(self.process, timeout=5, signum=signal.SIGKILL)

    def pause(self):
        """SIGSTOP: the server holds every connection and answers nothing."""
        self.paused = signal_pid(self.process.pid, signal.SIGSTOP)

    def resume(self):
        """SIGCONT after :meth:`pause`."""
        if self.paused and self.process is not None:
            signal_pid(self.process.pid, signal.SIGCONT)
        self.paused = False

    def close(self):
        """Stop the server and remove its data directory."""
        self.resume()
        end_process(self.process, timeout=5, signum=signal.SIGKILL)
        shutil.rmtree(self.dir, ignore_errors=True)


class RabbitVhost:
    """A vhost of our own on the machine's RabbitMQ (guest/guest), deleted at :meth:`close`."""

    def __init__(self):
        self.name = f"xapi-router-chaos-{os.getpid()}-{uuid.uuid4().hex[:8]}"
        self.created = False

    @property
    def url(self):
        return f"amqp://guest:guest@{RABBITMQ_HOST}/{self.name}"

    @staticmethod
    def problem():
        """Why RabbitMQ cannot be used here, or None."""
        if shutil.which("rabbitmqctl") is None:
            return "rabbitmqctl not found (RabbitMQ server not installed)"
        try:
            with socket.create_connection(("127.0.0.1", 5672), timeout=2):
                pass
        except OSError as error:
            return f"RabbitMQ not reachable at {RABBITMQ_HOST}: {error}"
        return None

    def create(self):
        for command in (["add_vhost", self.name], ["set_permissions", "-p", self.name, "guest", ".*", ".*", ".*"]):
            subprocess.run(["rabbitmqctl", "-q", *command], check=True, capture_output=True, timeout=60)
        self.created = True
        return self

    def close(self):
        if self.created:
            subprocess.run(["rabbitmqctl", "-q", "delete_vhost", self.name], check=False, capture_output=True,
                           timeout=60)
            self.created = False


class ChaosDatabase:
    """A MariaDB database of our own (``xapi_router_chaos_<pid>``), migrated, dropped at :meth:`close`."""

    def __init__(self, server_url=services.MARIADB_URL):
        self.server_url = server_url.rsplit("/", 1)[0]
        self.name = f"xapi_router_chaos_{os.getpid()}"
        self.created = False

    @property
    def url(self):
        return f"{self.server_url}/{self.name}"

    def _connect(self, database=None):
        import pymysql  # pylint: disable=import-outside-toplevel

        return pymysql.connect(host="127.0.0.1", port=3306, user="root", password="", database=database,
                               connect_timeout=5, autocommit=True, charset="utf8mb4")

    def create(self, log_path):
        connection = self._connect()
        try:
            with connection.cursor() as cursor:
                cursor.execute(f"DROP DATABASE IF EXISTS `{self.name}`")
                cursor.execute(f"CREATE DATABASE `{self.name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci")
        finally:
            connection.close()
        self.created = True
        manage(self.url, ["migrate", "--verbosity", "0"], log_path, timeout=300)
        return self

    def query(self, sql, params=()):
        """Rows of one SELECT on this database."""
        connection = self._connect(self.name)
        try:
            with connection.cursor() as cursor:
                cursor.execute(sql, params)
                return cursor.fetchall()
        finally:
            connection.close()

    def execute(self, sql, params=()):
        """One statement (autocommit) on this database; the number of rows it changed."""
        connection = self._connect(self.name)
        try:
            with connection.cursor() as cursor:
                return cursor.execute(sql, params)
        finally:
            connection.close()

    def close(self):
        if self.created:
            connection = self._connect()
            try:
                with connection.cursor() as cursor:
                    cursor.execute(f"DROP DATABASE IF EXISTS `{self.name}`")
            finally:
                connection.close()
            self.created = False


def result_backend(broker_url):
    """The test project's result backend for ``broker_url`` (the broker itself; RPC over AMQP)."""
    return "rpc://" if broker_url.startswith("amqp") else broker_url


def process_env(database_url, broker_url=None, queue=None, **extra):
    """The environment of a chaos process (LMS, worker, management command)."""
    env = {key: value for key, value in os.environ.items() if not key.startswith(("XAPI_ROUTER_", "CELERY_"))}
    env.update(DJANGO_SETTINGS_MODULE=SETTINGS, PYTHONPATH=str(REPO_ROOT), XAPI_ROUTER_DATABASE_URL=database_url,
               PYTHONUNBUFFERED="1")
    if broker_url:
        env["XAPI_ROUTER_BROKER_URL"] = broker_url
        env["XAPI_ROUTER_RESULT_BACKEND"] = result_backend(broker_url)
    if queue:
        env["XAPI_ROUTER_CELERY_QUEUE"] = queue
    env.update({key: str(value) for key, value in extra.items()})
    return env


def manage(database_url, arguments, log_path, timeout=120, env=None, **extra):
    """Run ``manage.py <arguments>`` on the chaos database; returns its stdout (raises on failure)."""
    command = [sys.executable, str(REPO_ROOT / "manage.py"), *arguments]
    environment = process_env(database_url, **extra)
    environment.update(env or {})
    result = subprocess.run(command, cwd=str(REPO_ROOT), env=environment, capture_output=True, text=True,
                            timeout=timeout, check=False)
    with open(log_path, "a", encoding="utf8") as log_file:
        log_file.write(f"$ manage.py {' '.join(arguments)}\n{result.stdout}{result.stderr}\n")
    if result.returncode != 0:
        raise AssertionError(f"manage.py {' '.join(arguments)} exited {result.returncode}:\n"
                             f"{result.stdout}\n{result.stderr[-3000:]}")
    return result.stdout


class Worker:
    """
    A Celery worker for the delivery queue, as the README starts it (prefork, concurrency 2), and
    its supervisor: a thread that starts it again within a second when it exits on its own
    (``unexpected_exits`` counts those), as systemd's ``Restart=always`` would.
    """

    def __init__(self, log_dir, broker_url, queue, database_url, concurrency=2, **env):
        self.log_dir = Path(log_dir)
        self.broker_url = broker_url
        self.queue = queue
        self.database_url = database_url
        self.concurrency = concurrency
        self.env = env
        self.process = None
        self.node = None
        self.starts = 0
        self.unexpected_exits = 0
        self.lock = threading.RLock()
        self.exit_expected = True
        self.closed = threading.Event()
        self.supervisor = threading.Thread(target=self._supervise, daemon=True)
        from tests.project.celery_app import make_app  # pylint: disable=import-outside-toplevel

        self.client = make_app(broker_url=broker_url, result_backend=result_backend(broker_url), queue=queue,
                               set_as_current=False)

    def _supervise(self):
        while not self.closed.wait(0.5):
            with self.lock:
                if self.exit_expected or self.process is None or self.process.poll() is None:
                    continue
                self.unexpected_exits += 1
                try:
                    self._start(90.0)
                except AssertionError:
                    pass  # it exited again, or answers no ping yet: looked at again on the next round

    def start(self, timeout=90.0):
        """Start a worker process; wait until it answers a ping."""
        with self.lock:
            self._start(timeout)
            self.exit_expected = False
        if not self.supervisor.is_alive() and not self.closed.is_set():
            self.supervisor.start()
        return self

    def _start(self, timeout):
        self.starts += 1
        tag = f"{self.queue}-{self.starts}"
        self.node = f"xapi_router.{tag}@{socket.gethostname()}"
        command = self.command(tag)
        env = process_env(self.database_url, self.broker_url, self.queue, XAPI_ROUTER_RETRY_BACKOFF_BASE="0.2",
                          **self.env)
        log_path = self.log_dir / f"worker-{self.starts}.log"
        with open(log_path, "ab") as log_file:
            self.process = subprocess.Popen(command, cwd=str(REPO_ROOT), env=env, stdin=subprocess.DEVNULL,  # pylint: disable=consider-using-with
                                            stdout=log_file, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"the worker exited with {self.process.returncode}: see {log_path}")
            try:
                if self.client.control.ping(destination=[self.node], timeout=1.0):
                    return
            except Exception:  # pylint: disable=broad-except  # the broker is down: no answer yet
                time.sleep(0.5)
        raise AssertionError(f"the worker did not answer a ping within {timeout}s: see {log_path}")

    def command(self, tag):
        """The worker's command line: the README's, with the test project's app, queue and tasks module."""
        return [sys.executable, "-m", "celery", "--app", WORKER_APP, "worker", "--queues", self.queue,
                "--hostname", f"xapi_router.{tag}@%h", "--concurrency", str(self.concurrency),
                "--loglevel", "INFO", "--without-gossip", "--without-mingle",
                "--include", "openedx_xapi_router.delivery.tasks"]

    def answers_ping(self):
        """True when the current worker process answers a ping within a second."""
        try:
            return bool(self.client.control.ping(destination=[self.node], timeout=1.0))
        except Exception:  # pylint: disable=broad-except  # the broker is down: no answer
            return False

    def pool_children(self):
        """The process ids of the worker's pool children."""
        return children_of(self.process.pid) if self.process is not None else []

    def kill_all(self):
        """SIGKILL the main process and its pool children at once (the test starts it again)."""
        with self.lock:
            self.exit_expected = True
        children = self.pool_children()
        signal_pid(self.process.pid, signal.SIGKILL)
        for pid in children:
            signal_pid(pid, signal.SIGKILL)
        self.process.wait(10)
        return len(children)

    def kill_children(self):
        """SIGKILL only the pool children (the main process forks new ones)."""
        children = self.pool_children()
        for pid in children:
            signal_pid(pid, signal.SIGKILL)
        return len(children)

    def stop(self, timeout=30.0):
        """Warm shutdown (SIGTERM), SIGKILL after ``timeout``; pool children that outlived it too."""
        with self.lock:
            self.exit_expected = True
        if self.process is None:
            return
        children = self.pool_children()
        end_process(self.process, timeout=timeout)
        for pid in children:
            signal_pid(pid, signal.SIGKILL)

    def close(self):
        self.closed.set()
        if self.supervisor.is_alive():
            self.supervisor.join(100)
        self.stop(timeout=10.0)
        self.client.close()


class LedgerProcess:
    """
    A process whose stdout is an "LMS" ledger (:mod:`tests.chaos.lms_process`,
    :mod:`tests.chaos.lms_wsgi`), read by a thread: ``READY``, ``B <json>`` (:attr:`begun`),
    ``A <n>`` (:attr:`acked`), ``P <statement id>`` (:attr:`published`), ``DONE``.
    """

    def __init__(self, command, log_path, env):
        self.begun = {}        # number -> the event as the tracker handed it to the backends
        self.acked = set()     # numbers whose tracker.emit returned
        self.published = set()  # statement ids a published deliver_statements message held
        self.ready_pids = set()  # the pids of ``READY <pid>`` lines (each process that loaded the LMS)
        self.done = False
        self.ready = threading.Event()
        self.log_path = log_path
        with open(self.log_path, "ab") as log_file:
            self.process = subprocess.Popen(  # pylint: disable=consider-using-with
                command, cwd=str(REPO_ROOT), env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                stderr=log_file,
            )
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        for raw in self.process.stdout:
            line = raw.decode("utf8").rstrip("\n")
            if line.startswith("READY"):
                if line != "READY":
                    self.ready_pids.add(int(line.split()[1]))
                self.ready.set()
            elif line == "DONE":
                self.done = True
            elif line.startswith("B "):
                event = json.loads(line[2:])
                self.begun[event["data"]["user_id"] - 1000] = event  # tests.delivery.events: user 1000 + number
            elif line.startswith("A "):
                self.acked.add(int(line[2:]))
            elif line.startswith("P "):
                self.published.add(line[2:])
        self.ready.set()

    def close(self):
        end_process(self.process, timeout=5, signum=signal.SIGKILL)
        self.reader.join(5)
        if self.process.stdout is not None:
            self.process.stdout.close()


class Lms(LedgerProcess):
    """One run of the plain "LMS" process (:mod:`tests.chaos.lms_process`) and its ledger."""

    def __init__(self, log_dir, database_url, broker_url, queue, first, count, interval=0.0, **env):
        self.first = first
        command = [sys.executable, "-m", "tests.chaos.lms_process", "--first", str(first), "--count", str(count),
                   "--interval", str(interval)]
        super().__init__(command, Path(log_dir) / f"lms-{first}.log",
                         process_env(database_url, broker_url, queue, **env))

    def wait_ready(self, timeout=60.0):
        if not self.ready.wait(timeout) or self.process.poll() not in (None, 0):
            raise AssertionError(f"the LMS process did not start: see {self.log_path}")

    def wait_acked(self, count, timeout):
        """Wait until ``count`` events were emitted (``tracker.emit`` returned)."""
        wait_for(lambda: len(self.acked) >= count or self.process.poll() is not None, timeout,
                 interval=0.02, message=f"{count} events emitted by the LMS")

    def wait(self, timeout):
        """Wait for the process to exit on its own, and for its ledger to be read to the end."""
        self.process.wait(timeout)
        self.reader.join(10)
        return self.process.returncode

    def signal(self, signum, timeout=20.0):
        """Send ``signum``; wait for the process to end and the ledger to be read."""
        signal_pid(self.process.pid, signum)
        return self.wait(timeout)


class Scenario:
    """
    One chaos run: a fresh Ralph, a broker, workers, LMS runs and endpoints, all cleaned up by
    :meth:`close`. :meth:`verdict` counts every statement back from Ralph by id.
    """

    def __init__(self, work_dir, database, broker="redis", aof=False, broker_link=False):
        self.work_dir = Path(work_dir)
        self.work_dir.mkdir(parents=True, exist_ok=True)
        self.database = database
        self.queue = f"xapi-router-chaos-{uuid.uuid4().hex[:10]}"
        self.closers = []
        self.lms_runs = []
        self.workers = []
        self.endpoint_ids = []
        self.endpoint_names = []
        self.redis = None
        self.vhost = None
        self.link = None
        try:
            if broker == "redis":
                self.redis = OwnRedis(self.work_dir / "redis", aof=aof).start()
                self.closers.append(self.redis.close)
                self.broker_url = self.redis.url
            else:
                self.vhost = RabbitVhost().create()
                self.closers.append(self.vhost.close)
                self.broker_url = self.vhost.url
                if broker_link:  # through a relay the scenario can cut (tests.chaos.broker_link)
                    from tests.chaos.broker_link import BrokerLink  # pylint: disable=import-outside-toplevel

                    self.link = BrokerLink()
                    self.closers.append(self.link.close)
                    self.broker_url = self.broker_url.replace(RABBITMQ_HOST, f"127.0.0.1:{self.link.port}")
            self.ralph = ralph_control.start(self.work_dir / "ralph")
            self.closers.append(lambda: ralph_control.stop(self.ralph.pid))
        except BaseException:
            self.close()
            raise

    # parts ---------------------------------------------------------------------------------

    def manage(self, *arguments, **extra):
        return manage(self.database.url, list(arguments), self.work_dir / "manage.log", **extra)

    def add_endpoint(self, name, url=None, batch_size=50, timeout=5.0, retry_limit=8):
        """An enabled endpoint (Ralph's URL and credentials by default), through ``lrs_endpoints add``."""
        username, password = self.ralph.auth
        name = f"{name}-{self.queue[-10:]}"
        self.manage("lrs_endpoints", "add", name, url or self.ralph.statements_url, "--username", username,
                    "--password-env", "CHAOS_LRS_PASSWORD", "--batch-size", str(batch_size), "--timeout",
                    str(timeout), "--retry-limit", str(retry_limit), env={"CHAOS_LRS_PASSWORD": password})
        (endpoint_id,), = self.database.query("SELECT id FROM xapi_router_lrsendpoint WHERE name=%s", (name,))
        self.endpoint_ids.append(endpoint_id)
        self.endpoint_names.append(name)
        return endpoint_id

    def replay(self):
        """``replay_failed_statements --endpoint <name>`` for each of the scenario's endpoints; their output."""
        return "".join(self.manage("replay_failed_statements", "--endpoint", name) for name in self.endpoint_names)

    def worker(self, **env):
        """A started :class:`Worker` on the scenario's broker and queue."""
        worker = Worker(self.work_dir, self.broker_url, self.queue, self.database.url, **env)
        self.workers.append(worker)
        self.closers.append(worker.close)
        return worker.start()

    def lms(self, first, count, interval=0.0, **env):
        """A started :class:`Lms` run emitting events ``first`` .. ``first + count - 1``."""
        return self.add_lms(Lms, first, count, interval, **env)

    def add_lms(self, kind, *arguments, **env):
        """
        A started "LMS" of ``kind`` (a :class:`LedgerProcess`: :class:`Lms`,
        :class:`tests.chaos.gunicorn_lms.GunicornLms`) on the scenario's database, broker and queue;
        its ledger counts in :meth:`verdict`, and it is ended with the scenario.
        """
        run = kind(self.work_dir, self.database.url, self.broker_url, self.queue, *arguments, **env)
        self.lms_runs.append(run)
        self.closers.append(run.close)
        run.wait_ready()
        return run

    def next_number(self):
        """The first event number no LMS run has used yet."""
        used = [number for run in self.lms_runs for number in (*run.begun, *run.acked)]
        return max(used, default=-1) + 1

    # counting ------------------------------------------------------------------------------

    @staticmethod
    def ids_of(events):
        """The statement ids the pure core computes for ``events`` (as the tracker handed them over)."""
        context = get_transform_context()
        return {statement["id"] for event in events for statement in transform_event(event, context)}

    def expected_ids(self):
        """Ids of every event whose ``emit`` returned: each must reach the LRS exactly once."""
        return self.ids_of([run.begun[number] for run in self.lms_runs for number in run.acked])

    def in_doubt_ids(self):
        """Ids of events in the router's hands when their LMS process died: in the LRS at most once."""
        return self.ids_of([event for run in self.lms_runs for number, event in run.begun.items()
                            if number not in run.acked])

    def lrs_counts(self):
        """Statement id -> how many times Ralph holds it (every statement, read back page by page)."""
        with LrsClient(self.ralph.statements_url, self.ralph.auth, timeout=30, allow_insecure_http=True) as client:
            return Counter(statement["id"] for statement in client.iter_statements({}, page_limit=500))

    def dead_letters(self, state="pending"):
        """(endpoint id, statement id, reason) of the scenario's dead letters in ``state``."""
        if not self.endpoint_ids:
            return []
        marks = ",".join(["%s"] * len(self.endpoint_ids))
        return list(self.database.query(
            f"SELECT endpoint_id, statement_id, reason FROM xapi_router_deadletter "  # noqa: S608
            f"WHERE state=%s AND endpoint_id IN ({marks})", (state, *self.endpoint_ids)))

    def wait_delivered(self, timeout, idle=20.0, settle=2.0, expected=None):
        """
        Wait until Ralph holds every expected id (``expected``, default :meth:`expected_ids`), while
        Ralph keeps receiving statements: at most ``timeout`` seconds, and no longer than ``idle``
        seconds without a new statement. Then ``settle`` seconds for stragglers (a duplicate
        arriving late); returns :meth:`verdict`.
        """
        expected = self.expected_ids() if expected is None else expected
        deadline = time.monotonic() + timeout
        held, progress_at = 0, time.monotonic()
        while time.monotonic() < deadline and time.monotonic() - progress_at < idle:
            counts = self.lrs_counts()
            if expected <= set(counts):
                break
            if len(counts) > held:
                held, progress_at = len(counts), time.monotonic()
            time.sleep(1.0)
        time.sleep(settle)
        return self.verdict()

    def verdict(self):
        """
        The count: ``expected`` (emitted), ``once`` (expected ids Ralph holds exactly once),
        ``duplicated`` (ids Ralph holds more than once), ``lost`` (expected, not in Ralph, no pending
        dead letter), ``dead_lettered`` (expected, not in Ralph, pending dead letter), ``unexpected``
        (in Ralph, neither expected nor in doubt), ``in_doubt`` (in the router's hands at a kill).
        """
        expected = self.expected_ids()
        in_doubt = self.in_doubt_ids()
        counts = self.lrs_counts()
        pending = {statement_id for _, statement_id, _ in self.dead_letters()}
        missing = expected - set(counts)
        return {
            "expected": len(expected),
            "once": sum(1 for statement_id in expected if counts.get(statement_id) == 1),
            "duplicated": sum(1 for count in counts.values() if count > 1),
            "lost": len(missing - pending),
            "dead_lettered": len(missing & pending),
            "unexpected": len(set(counts) - expected - in_doubt),
            "in_doubt": len(in_doubt),
        }

    def disable_endpoints(self):
        """Disable the scenario's endpoints, so later scenarios' events are not routed to them."""
        if self.endpoint_ids:
            marks = ",".join(["%s"] * len(self.endpoint_ids))
            self.database.execute(f"UPDATE xapi_router_lrsendpoint SET enabled=0 WHERE id IN ({marks})",  # noqa: S608
                                  self.endpoint_ids)

    def lost(self):
        """``{event number: statement id}`` of the emitted events neither in Ralph nor a pending dead letter."""
        held = set(self.lrs_counts()) | {statement_id for _, statement_id, _ in self.dead_letters()}
        return {number: statement_id for run in self.lms_runs for number in sorted(run.acked)
                for statement_id in self.ids_of([run.begun[number]]) if statement_id not in held}

    def trace(self, statement_ids):
        """
        Where each of ``statement_ids`` is: every line of the workers' logs naming it (the batching
        base's DEBUG trace: buffered, flushed, acknowledged, requeued) and, on Redis, every key
        holding it (a queue list, kombu's ``unacked`` hash with its age in ``unacked_index``).
        ``{statement id: [findings]}``; a statement found nowhere was popped from the queue by a
        worker that died before it recorded the message as unacknowledged.
        """
        found = {statement_id: [] for statement_id in statement_ids}
        for log_path in sorted(self.work_dir.glob("worker-*.log")):
            with open(log_path, encoding="utf8", errors="replace") as handle:
                for line in handle:
                    for statement_id in found:
                        if statement_id in line:
                            found[statement_id].append(f"{log_path.name}: {line.strip()[:160]}")
        if self.redis is not None and self.redis.process is not None and self.redis.process.poll() is None:
            for statement_id, where in redis_locations(self.redis.url, statement_ids).items():
                found[statement_id].extend(where)
        return found

    def close(self):
        """
        Disable the scenario's endpoints, end every process it started and remove its broker data
        (in reverse order).
        """
        errors = []
        self.closers.insert(0, self.disable_endpoints)
        for closer in reversed(self.closers):
            try:
                closer()
            except Exception as error:  # pylint: disable=broad-except
                errors.append(error)  # go on: the rest must be cleaned up too
        self.closers = []
        if errors:
            raise errors[0]


def redis_locations(url, statement_ids):
    """``{statement id: [where on Redis]}``: the lists and kombu's ``unacked`` hash, by raw search."""
    import redis  # pylint: disable=import-outside-toplevel

    found = {statement_id: [] for statement_id in statement_ids}
    client = redis.Redis.from_url(url, socket_timeout=10)
    try:
        ages = {tag.decode(): time.time() - score
                for tag, score in client.zrange("unacked_index", 0, -1, withscores=True)}
        for key in client.scan_iter(count=1000):
            kind = client.type(key).decode()
            if kind == "list":
                values = [(str(index), value) for index, value in enumerate(client.lrange(key, 0, -1))]
            elif kind == "hash":
                values = [(field.decode(), value) for field, value in client.hgetall(key).items()]
            else:
                continue
            for position, value in values:
                text = _decoded(value)
                for statement_id in found:
                    if statement_id in text:
                        age = f", unacknowledged for {ages[position]:.1f}s" if position in ages else ""
                        found[statement_id].append(f"redis {kind} {key.decode()!r} [{position}]{age}")
    finally:
        client.close()
    return found


def _decoded(value):
    """A kombu Redis message (JSON, its body base64) as text with its body decoded, for searching."""
    import base64  # pylint: disable=import-outside-toplevel

    text = value.decode("utf8", errors="replace")
    try:
        payload = json.loads(text)
        payload = payload[0] if isinstance(payload, list) else payload  # the unacked hash: [message, exchange, key]
        return text + base64.b64decode(payload["body"]).decode("utf8", errors="replace")
    except (ValueError, KeyError, TypeError, IndexError):
        return text


def record(name, verdict):
    """Append ``name``'s verdict to ``$XAPI_ROUTER_CHAOS_REPORT`` (JSON lines), if set; returns it."""
    path = os.environ.get("XAPI_ROUTER_CHAOS_REPORT")
    if path:
        with open(path, "a", encoding="utf8") as handle:
            handle.write(json.dumps({"scenario": name, **verdict}) + "\n")
    return verdict


def zero_loss(verdict):
    """The verdict a scenario must reach: every emitted statement in the LRS exactly once."""
    return {**verdict, "once": verdict["expected"], "duplicated": 0, "lost": 0, "dead_lettered": 0, "unexpected": 0}
