"""
The "LMS" served by real gunicorn (:mod:`tests.chaos.lms_wsgi`), and a bounded driver issuing
requests to it while the test kills its workers or stops its master.

gunicorn 23.0.0 (the LMS's pin; benoitc/gunicorn at tag 23.0.0, as installed from PyPI), read for
what the scenarios rely on:

* ``gunicorn/arbiter.py`` ``Arbiter.stop``: on the master's SIGTERM (``handle_term`` raises
  ``StopIteration``, ``run`` calls ``halt``, which calls ``stop(graceful=True)``) the master closes its
  listening sockets, sends SIGTERM to every worker, waits up to ``graceful_timeout`` for them to
  exit, then SIGKILLs the ones left. ``reap_workers``/``manage_workers`` fork a new worker for one
  that died (a SIGKILLed one included).
* ``gunicorn/workers/base.py`` ``Worker.init_signals``: a worker's SIGTERM handler is
  ``handle_exit`` (``self.alive = False``: the sync loop in ``gunicorn/workers/sync.py``
  ``run_for_one`` finishes the request it is in, then leaves), with ``siginterrupt(SIGTERM,
  False)`` so that request is not interrupted. The worker then returns from ``init_process`` into
  ``Arbiter.spawn_worker``, which calls ``sys.exit(0)`` (its ``finally`` runs the ``worker_exit``
  hook): the interpreter exits normally, so ``atexit`` handlers run in the worker, the router's
  background-publisher flush (:data:`openedx_xapi_router.delivery.sending.publisher`) included.
  No ``os._exit`` is on that path (gunicorn calls it only in ``util.daemonize``). SIGKILL runs
  nothing: neither ``worker_exit`` nor ``worker_abort`` nor ``atexit``.

The driver's ledger, per event number: answered 200 (with the worker's pid), failed in flight (the
connection was accepted and then dropped: the worker died), refused (nothing listened: never
sent). The process's own ledger (``B``, ``P`` lines) is :class:`tests.chaos.harness.LedgerProcess`'s.
"""
import http.client
import signal
import sys
import threading
import time
from pathlib import Path

from tests.chaos.harness import LedgerProcess, children_of, free_port, process_env, signal_pid, wait_for

WORKERS = 2              # sync workers per gunicorn (two gunicorns run side by side on 2 cores)
GRACEFUL_TIMEOUT = 15    # seconds the master waits for its workers on SIGTERM before SIGKILLing them
REQUEST_TIMEOUT = 30.0   # seconds the driver waits for one answer


class GunicornLms(LedgerProcess):
    """
    ``gunicorn --bind 127.0.0.1:<port> --workers 2 --worker-class sync --graceful-timeout 15
    tests.chaos.lms_wsgi:application``, its workers' ledger on its stdout, its log in the scenario's
    directory. :attr:`acked` is filled by its :class:`Driver` (the numbers answered 200).
    """

    def __init__(self, log_dir, database_url, broker_url, queue, workers=WORKERS,
                 graceful_timeout=GRACEFUL_TIMEOUT, **env):
        self.port = free_port()
        self.workers = workers
        self.killed_pids = set()
        command = [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{self.port}", "--workers", str(workers),
                   "--worker-class", "sync", "--graceful-timeout", str(graceful_timeout), "--timeout", "60",
                   "--log-level", "info", "tests.chaos.lms_wsgi:application"]
        super().__init__(command, Path(log_dir) / f"gunicorn-{self.port}.log",
                         process_env(database_url, broker_url, queue, **env))

    def worker_pids(self):
        """The master's live children (its workers)."""
        return set(children_of(self.process.pid))

    def wait_ready(self, timeout=120.0):
        """Wait until ``workers`` workers run and each loaded the application (``READY <pid>``)."""
        wait_for(lambda: (self.process.poll() is not None
                          or len(self.worker_pids()) == self.workers and self.worker_pids() <= self.ready_pids),
                 timeout, interval=0.1, message=f"{self.workers} gunicorn workers ready")
        if self.process.poll() is not None:
            raise AssertionError(f"gunicorn exited with {self.process.returncode}: see {self.log_path}")
        return self

    def kill_workers(self):
        """SIGKILL every worker at once (the master forks new ones); how many were killed."""
        pids = self.worker_pids()
        killed = {pid for pid in pids if signal_pid(pid, signal.SIGKILL)}
        self.killed_pids |= killed
        return len(killed)

    def send_signal_term(self):
        """SIGTERM the master: its graceful stop (:meth:`wait_exit` waits for it)."""
        signal_pid(self.process.pid, signal.SIGTERM)

    def wait_exit(self, timeout=GRACEFUL_TIMEOUT + 30.0):
        """Wait for the master to exit and its ledger to be read to the end; its exit status."""
        self.process.wait(timeout)
        self.reader.join(10)
        return self.process.returncode

    def exited_gracefully(self):
        """The worker pids gunicorn logged as leaving through ``spawn_worker``'s ``finally`` ("Worker exiting")."""
        with open(self.log_path, encoding="utf8", errors="replace") as handle:
            return {int(line.rsplit("pid: ", 1)[1].rstrip(")\n")) for line in handle if "Worker exiting (pid: " in line}


class Driver:
    """
    ``clients`` threads, each issuing ``GET /emit/<n>`` one after another (numbers from ``first``,
    at most ``limit`` in all) until :meth:`stop`. Every number ends in exactly one of
    :attr:`answered` (200: number -> the worker's pid; also added to the LMS's ``acked``),
    :attr:`in_flight` (accepted, no answer: its worker died) or :attr:`refused` (never sent).
    """

    def __init__(self, lms, first, clients=WORKERS, limit=100_000):
        self.lms = lms
        self.first = first
        self.limit = limit
        self.next = first
        self.answered = {}
        self.in_flight = {}
        self.refused = set()
        self.errors = {}  # number -> an answer that was neither 200 nor a dropped connection
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self.threads = [threading.Thread(target=self._client, daemon=True) for _ in range(clients)]
        for thread in self.threads:
            thread.start()

    def _take(self):
        with self.lock:
            number = self.next
            if number >= self.first + self.limit:
                return None
            self.next += 1
            return number

    def _client(self):
        while not self.stopping.is_set():
            number = self._take()
            if number is None:
                return
            connection = http.client.HTTPConnection("127.0.0.1", self.lms.port, timeout=REQUEST_TIMEOUT)
            try:
                connection.request("GET", f"/emit/{number}")
                response = connection.getresponse()
                body = response.read().decode("ascii")
                answered_number, pid = (int(part) for part in body.split()) if response.status == 200 else (None, None)
                with self.lock:
                    if answered_number != number:
                        self.errors[number] = f"{response.status} {body!r}"
                    else:
                        self.answered[number] = pid
                        self.lms.acked.add(number)
            except ConnectionRefusedError:
                with self.lock:
                    self.refused.add(number)
                time.sleep(0.05)  # the master closed its socket (stopping): nothing to send to
            except (OSError, http.client.HTTPException) as error:
                with self.lock:
                    self.in_flight[number] = type(error).__name__
            finally:
                connection.close()

    def wait_answered(self, count, timeout):
        """Wait until ``count`` requests were answered 200 in all."""
        wait_for(lambda: len(self.answered) >= count, timeout, interval=0.02,
                 message=f"{count} requests answered by gunicorn (see {self.lms.log_path})")

    def stop(self, timeout=REQUEST_TIMEOUT + 10.0):
        """Stop issuing requests; wait for the ones under way."""
        self.stopping.set()
        for thread in self.threads:
            thread.join(timeout)
        assert not any(thread.is_alive() for thread in self.threads), "a driver thread is still waiting"
        assert not self.errors, f"answers that were neither 200 nor a dropped connection: {self.errors}"
