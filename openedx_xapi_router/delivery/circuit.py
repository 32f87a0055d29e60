"""
A per-endpoint circuit breaker, shared by every worker process through the endpoint's row, so an
LRS that is down or slow never holds more than about one worker slot.

* **Closed** (``circuit_open_until`` is NULL): every worker process sends to an endpoint that
  answered within ``KNOWN_HEALTHY``; nothing is written per request. An endpoint not known to
  answer (new, or quiet) is sent one request at a time until one succeeds (a claim, as a probe).
* **Open** (``circuit_open_until`` in the future): no process sends; the statements go straight to a
  ``retry_statements`` message (costs milliseconds, not a timeout). *Hard* open: a request failed
  retryably (5xx, 429, no answer): for ``open_seconds`` (growing with ``consecutive_failures``), the
  wait counts as an attempt. *Soft* open: a request has been in flight for ``slow_after`` seconds
  (a watchdog thread of the process writes it, long before that request times out): the statements
  come back within ``SOFT_WAIT_SECONDS`` and the try does not count; the slow request's answer
  closes the circuit, its failure opens it hard. A black hole costs the other endpoints one slot
  for one timeout, not every slot.
* **Half-open** (``circuit_open_until`` past): one process claims the probe (a conditional UPDATE:
  only one wins) and sends; the others defer. A success closes the circuit, a failure opens it
  again for longer.

The endpoint row the message loaded (``load_endpoints``) carries the state: a healthy endpoint costs
no extra query.
"""
import logging
import threading
import time
from datetime import timedelta

from django.db import close_old_connections
from django.db.models import F
from django.utils import timezone

from openedx_xapi_router.conf import router_settings
from openedx_xapi_router.delivery.core import backoff_seconds
from openedx_xapi_router.models import LrsEndpoint

log = logging.getLogger(__name__)

#: The circuit stays open at most this long.
MAX_OPEN_SECONDS = 600.0
#: After a request that got no (whole) answer in time, the circuit stays open at least this many timeouts:
#: the probe that follows holds one worker slot for up to one timeout, a fifth of the time at most.
NO_ANSWER_OPEN_TIMEOUTS = 4
#: A request in flight longer than this (or a quarter of the endpoint's timeout, if less) opens the
#: circuit, before the worker's next batch (a second later) can try the endpoint too. A healthy LRS
#: that was only slow closes it again with its answer.
SLOW_AFTER_SECONDS = 0.5
WATCH_INTERVAL = 0.1
#: While another process's request is only slow (or probing), statements are tried again this soon.
SOFT_WAIT_SECONDS = 1.0
#: An endpoint with a success this recent is sent to by every process at once; another is probed
#: by one request at a time until it answers.
KNOWN_HEALTHY = timedelta(seconds=60)


def open_seconds(failures, timeout, no_answer=False):
    """
    How long the circuit stays open after ``failures`` failures in a row: ``XAPI_ROUTER_RETRY_BACKOFF_BASE``
    doubling per failure, and at least ``NO_ANSWER_OPEN_TIMEOUTS`` timeouts when the LRS did not answer.
    """
    base = router_settings.RETRY_BACKOFF_BASE
    seconds = backoff_seconds(failures, base=base, cap=MAX_OPEN_SECONDS, rng=lambda: 1.0)
    if no_answer:
        seconds = max(seconds, NO_ANSWER_OPEN_TIMEOUTS * float(timeout))
    return min(MAX_OPEN_SECONDS, seconds)


def slow_after(endpoint):
    """Seconds in flight after which a request to ``endpoint`` opens its circuit."""
    return min(SLOW_AFTER_SECONDS, endpoint.timeout / 4)


def admit(endpoint, now=None):
    """
    None when this process may send to ``endpoint`` now (closed, or this process won the probe);
    otherwise ``(seconds to wait, hard)``: ``hard`` when the endpoint failed (the wait counts as an
    attempt of the statements), not when a request of another process is only slow or probing
    (the statements come back soon, and the try does not count).
    """
    now = now or timezone.now()
    until = endpoint.circuit_open_until
    if until is None:
        last = endpoint.last_success_at
        if last is not None and now - last < KNOWN_HEALTHY:
            return None
        # Not known to answer (new, or quiet for a while): one request at a time until one succeeds,
        # so a black hole holds one worker slot, not one per process that gets a batch meanwhile.
        probe_until = now + timedelta(seconds=endpoint.timeout + 1.0)
        if LrsEndpoint.objects.filter(pk=endpoint.pk, circuit_open_until=None).update(circuit_open_until=probe_until):
            endpoint.circuit_open_until = probe_until
            return None
        return SOFT_WAIT_SECONDS, False
    hard = endpoint.consecutive_failures > 0
    if until > now:
        wait = (until - now).total_seconds()
        return (wait, True) if hard else (min(wait, SOFT_WAIT_SECONDS), False)
    probe_until = now + timedelta(seconds=endpoint.timeout + 1.0)
    if LrsEndpoint.objects.filter(pk=endpoint.pk, circuit_open_until=until).update(circuit_open_until=probe_until):
        endpoint.circuit_open_until = probe_until
        return None
    return min(endpoint.timeout + 1.0, SOFT_WAIT_SECONDS), False  # another process is probing


def record_success(endpoint):
    """Close the circuit, if it was open (one UPDATE then; none for a healthy endpoint)."""
    if endpoint.circuit_open_until is not None or endpoint.consecutive_failures or _opened_here(endpoint.pk):
        LrsEndpoint.objects.filter(pk=endpoint.pk).update(circuit_open_until=None, consecutive_failures=0)
        endpoint.circuit_open_until, endpoint.consecutive_failures = None, 0


def record_failure(endpoint, error=None, now=None):
    """Open the circuit after a retryable failure, longer after each one in a row; returns the seconds."""
    now = now or timezone.now()
    failures = endpoint.consecutive_failures + 1
    seconds = open_seconds(failures, endpoint.timeout, no_answer=getattr(error, "slow", False))
    LrsEndpoint.objects.filter(pk=endpoint.pk).update(
        circuit_open_until=now + timedelta(seconds=seconds), consecutive_failures=F("consecutive_failures") + 1,
    )
    endpoint.consecutive_failures = failures
    endpoint.circuit_open_until = now + timedelta(seconds=seconds)
    log.warning("xapi_router: endpoint %s failed (%d in a row): nothing is sent to it for %.1f s",
                endpoint.pk, failures, seconds)
    return seconds


class _Watchdog:
    """
    Opens the circuit of an endpoint whose request has been in flight too long (one thread per
    process). Enabled in Celery workers only (:func:`enable_watchdog`, at ``worker_init``): in
    another process (the replay command, a test) a thread writing to the database beside the
    caller's transaction would only compete with it.
    """

    def __init__(self):
        self.enabled = False
        self.lock = threading.Lock()
        self.inflight = {}  # token -> [endpoint pk, deadline to call it slow, timeout, opened]
        self.opened = {}  # endpoint pk -> monotonic time this process opened its circuit
        self.thread = None
        self.pid = None

    def watch(self, endpoint):
        """Register a request to ``endpoint`` starting now; returns its token."""
        token = object()
        if not self.enabled:
            return token
        with self.lock:
            self.inflight[token] = [endpoint.pk, time.monotonic() + slow_after(endpoint), endpoint.timeout, False]
            self._ensure_thread()
        return token

    def done(self, token):
        with self.lock:
            self.inflight.pop(token, None)

    def _ensure_thread(self):
        import os  # pylint: disable=import-outside-toplevel

        if self.thread is None or not self.thread.is_alive() or self.pid != os.getpid():  # a forked pool child
            self.pid = os.getpid()
            self.thread = threading.Thread(target=self._run, name="xapi-router-circuit-watchdog", daemon=True)
            self.thread.start()

    def _run(self):
        while True:
            time.sleep(WATCH_INTERVAL)
            now = time.monotonic()
            with self.lock:
                slow = [entry for entry in self.inflight.values() if not entry[3] and entry[1] <= now]
                for entry in slow:
                    entry[3] = True
            for endpoint_pk, _, timeout, _ in slow:
                self._open(endpoint_pk, timeout)

    def _open(self, endpoint_pk, timeout):
        try:
            until = timezone.now() + timedelta(seconds=timeout)
            LrsEndpoint.objects.filter(pk=endpoint_pk).update(circuit_open_until=until)
            with self.lock:
                self.opened[endpoint_pk] = time.monotonic()
            log.warning("xapi_router: a request to endpoint %s is slow: nothing more is sent to it for %.1f s",
                        endpoint_pk, timeout)
        except Exception:  # pylint: disable=broad-except
            log.exception("xapi_router: could not open the circuit of endpoint %s", endpoint_pk)
        finally:
            close_old_connections()


_WATCHDOG = _Watchdog()


def enable_watchdog():
    """Let slow requests open their endpoint's circuit in this process (and its forked children)."""
    _WATCHDOG.enabled = True


def _opened_here(endpoint_pk):
    with _WATCHDOG.lock:
        return _WATCHDOG.opened.pop(endpoint_pk, None) is not None


class watched:  # pylint: disable=invalid-name
    """``with watched(endpoint): ...``: the requests inside open the circuit if they take too long."""

    def __init__(self, endpoint):
        self.endpoint = endpoint
        self.token = None

    def __enter__(self):
        self.token = _WATCHDOG.watch(self.endpoint)
        return self

    def __exit__(self, *exc_info):
        _WATCHDOG.done(self.token)
