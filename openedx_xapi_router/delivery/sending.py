"""
The send path, in the LMS request: from a tracking event to a Celery message.

(Over 300 lines on purpose: this is the one module the LMS request runs through, the endpoint
cache, the publisher and its exit/SIGTERM flush belong to that one path, and the chaos suite
drives them together; the transformation itself is the core's ``process``.)

:func:`queue_event` returns at once when no endpoint is enabled; otherwise it runs the core's one
pipeline (:func:`openedx_xapi_router.processing.process_event`: normalise, match the endpoints, look
up the transformer, ``XAPI_ROUTER_ALLOWED_EVENT_NAMES``, transform, validate) once per format that a
matching endpoint takes (xAPI, Caliper; an xAPI-only site runs it once, as before; the event is read
once) and hands the statements to the process's :class:`BackgroundPublisher`, which publishes a
``deliver_statements`` message before ``send`` returns (the default: nothing is held in memory, so a
process killed at any moment loses nothing it had accepted), or, with
``XAPI_ROUTER_PUBLISH_IN_BACKGROUND = True``, from a thread (several events per message under load;
see docs/decisions/0002-lms-publishing-durability.rst for what that trades). It never talks to an
LRS. The enabled endpoints are cached in-process for ``ENDPOINT_CACHE_SECONDS`` (no query per
event), without their credentials: the LMS never decrypts them.

When the broker cannot be reached, the statements become dead letters (reason
``broker_unavailable``), one per matching endpoint, for ``replay_failed_statements``.

Under Celery's eager mode (``CELERY_ALWAYS_EAGER`` / ``task_always_eager``: the LMS's test settings,
devstacks) nothing is published: the statements are delivered in-process, in the caller's thread,
by the delivery task itself (``Task.apply``), as Celery runs every other eager task.

An error of ours (a transformer or resolver that raised, a bad setting, a statement failing its own
validation) is logged with its traceback, counted, set as a monitoring attribute and recorded for
the status page (:mod:`openedx_xapi_router.delivery.live_errors`).
"""
import atexit
import collections
import logging
import os
import re
import signal
import threading
import time

from celery._state import get_current_app

from openedx_xapi_router.conf import router_settings
from openedx_xapi_router.core.outcome import Failed, Filtered
from openedx_xapi_router.core.registry import CALIPER, XAPI
from openedx_xapi_router.core.report import Report
from openedx_xapi_router.delivery import live_errors
from openedx_xapi_router.delivery.core import Item
from openedx_xapi_router.delivery.monitoring import set_attribute
from openedx_xapi_router.erb import statement_log
from openedx_xapi_router.models import DeadLetter, LrsEndpoint
from openedx_xapi_router.processing import process_event

log = logging.getLogger(__name__)

ENDPOINT_CACHE_SECONDS = 5.0
#: The encrypted fields of an endpoint, never loaded by the send path.
CREDENTIAL_FIELDS = ("username", "password", "token")

#: How long a publish may wait for an unreachable broker before the statements are dead-lettered.
PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.1, "interval_max": 0.1}


class EndpointCache:
    """The enabled endpoints, re-read from the database at most every ``ttl`` seconds."""

    def __init__(self, ttl=ENDPOINT_CACHE_SECONDS, clock=time.monotonic):
        self.ttl = ttl
        self.clock = clock
        self._expires = 0.0
        self._endpoints = ()
        #: True when every enabled endpoint takes Caliper (as of the last :meth:`get`).
        self.caliper_only = False
        self._lock = threading.Lock()

    def get(self):
        """The enabled :class:`LrsEndpoint` rows (a tuple)."""
        if self.clock() < self._expires:
            return self._endpoints
        with self._lock:
            if self.clock() >= self._expires:
                # The send path only matches; the worker loads the credentials. Not reading them
                # here means an LMS whose XAPI_ROUTER_ENCRYPTION_KEYS lacks their key still sends.
                self._endpoints = tuple(
                    LrsEndpoint.objects.filter(enabled=True).defer(*CREDENTIAL_FIELDS).order_by("pk")
                )
                self.caliper_only = bool(self._endpoints) and all(
                    endpoint.output_format == CALIPER for endpoint in self._endpoints)
                self._expires = self.clock() + self.ttl
        return self._endpoints

    def clear(self):
        """Forget the endpoints (tests, or right after an admin change)."""
        self._expires = 0.0


endpoint_cache = EndpointCache()

#: Counts of what the send path did in this process, by outcome (``queued``, ``unsupported``, ...).
counters = {}


def _count(key, amount=1):
    counters[key] = counters.get(key, 0) + amount


def publish_events(app, events):
    """
    Publish one ``deliver_statements`` message holding ``events`` (each ``[endpoint_ids, event_name,
    transformer_version, statements]``) with the Celery ``app``. Raises what the broker client
    raises when it cannot publish. Under eager mode (``app.conf.task_always_eager``) nothing is
    published: :func:`deliver_eagerly` delivers them in-process.
    """
    if app.conf.task_always_eager:
        deliver_eagerly(events)
        return
    from openedx_xapi_router.delivery.service import delivery_queue  # pylint: disable=import-outside-toplevel
    from openedx_xapi_router.delivery.tasks import DELIVER_TASK  # pylint: disable=import-outside-toplevel

    app.send_task(DELIVER_TASK, args=(events,), queue=delivery_queue(), retry=True,
                  retry_policy=PUBLISH_RETRY_POLICY, ignore_result=True)


class BackgroundPublisher:
    """
    Publishes the send path's events: in the caller's thread by default, or from a thread of the
    LMS process while ``XAPI_ROUTER_PUBLISH_IN_BACKGROUND`` is True.

    **In the request (default).** :meth:`submit` publishes one message before it returns, or turns
    the statements into ``broker_unavailable`` dead letters when the broker cannot be reached. A
    statement whose ``send`` returned is in the broker or in the dead-letter store, whatever happens
    to the process next (SIGKILL, OOM, a crash). It costs a Celery publish per event in the request
    (about 0.4-0.5 ms on Redis here: see docs/decisions/0002-lms-publishing-durability.rst).

    **In the background (opt-in).** The request only appends to an in-process deque (about a
    microsecond); the thread takes up to ``max_events_per_message`` events at a time and publishes
    them as one message, right away (no timer), dead-lettering them if the broker cannot be
    reached. The deque is bounded (``max_pending``): past that, the request publishes itself
    (back-pressure rather than memory growth). :meth:`flush` waits until everything submitted is
    published. A clean exit flushes (``atexit``), and so does SIGTERM in a process that left
    SIGTERM's default action in place (the handler flushes, then lets SIGTERM end the process as it
    would have); a server that handles SIGTERM itself (gunicorn, uWSGI, Celery) exits cleanly, which
    runs the ``atexit`` flush (:func:`flush_at_exit`; for gunicorn's workers shown by
    ``tests/chaos/test_gunicorn.py``). What it loses: the events submitted but not yet published when
    the process is killed hard (SIGKILL, OOM): in the chaos suite a few per killed gunicorn worker
    in steady state, and everything a new worker answered before its thread's first publish
    (which waits for a broker connection).

    The thread is started lazily in each process (after a pre-fork server forked its workers).
    Each event is published with the Celery app current in the thread that submitted it (Celery's
    current app is thread-local). With ``threaded=False`` every submit publishes at once, in the
    caller's thread, whatever the setting.
    """

    def __init__(self, publish=publish_events, max_pending=10_000, max_events_per_message=100, threaded=True):
        self.publish = publish
        self.threaded = threaded
        self.max_pending = max_pending
        self.max_events_per_message = max_events_per_message
        self._pid = None
        self._lock = threading.Lock()
        self._pending = collections.deque()
        self._wake = threading.Event()
        self._idle = threading.Event()
        self._thread = None
        self._eager_app = None
        self._eager = False

    def submit(self, event):
        """Queue one ``[endpoint_ids, event_name, transformer_version, statements]`` for publishing."""
        self.submit_all([event])

    def submit_all(self, events):
        """
        Queue the events of one tracking event (one per format its endpoints take) for publishing:
        in the request, as one message.
        """
        app = get_current_app()
        if app is not self._eager_app:  # reading Celery's conf costs microseconds: once per app
            self._eager_app, self._eager = app, bool(app.conf.task_always_eager)
        if self._eager and self.publish is publish_events:
            # Eager mode (CELERY_ALWAYS_EAGER): delivered in the caller's thread before submit returns,
            # as Celery runs eager tasks (publish_events delivers in-process). A publisher given its
            # own publish function keeps its threading.
            self._publish_batch(app, list(events))
            return
        if not self.threaded or not router_settings.PUBLISH_IN_BACKGROUND:
            self._publish_batch(app, list(events))
            return
        if self._pid != os.getpid():
            self._start()
        if len(self._pending) >= self.max_pending:
            _count("publisher_full")
            self._publish_batch(app, list(events))
            return
        self._idle.clear()
        self._pending.extend((app, event) for event in events)
        self._wake.set()

    def flush(self, timeout=5.0):
        """Wait until every submitted event is published (or dead-lettered); False on timeout."""
        if self._pid != os.getpid() or self._thread is None:
            return True
        deadline = time.monotonic() + timeout
        while self._pending or not self._idle.is_set():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return False
            self._idle.wait(min(remaining, 0.05))
        return True

    def _start(self):
        with self._lock:
            if self._pid == os.getpid():
                return
            self._pending = collections.deque()
            self._wake = threading.Event()
            self._idle = threading.Event()
            self._idle.set()
            self._thread = threading.Thread(target=self._run, name="xapi-router-publisher", daemon=True)
            self._pid = os.getpid()
            self._thread.start()
        flush_on_sigterm(self)

    def _run(self):
        pending, wake, idle = self._pending, self._wake, self._idle
        while True:
            wake.wait()
            wake.clear()
            while pending:
                app, event = pending.popleft()
                batch = [event]
                while pending and len(batch) < self.max_events_per_message and pending[0][0] is app:
                    batch.append(pending.popleft()[1])
                self._publish_batch(app, batch)
            idle.set()
            if pending:  # submitted between the last pop and idle.set(): go round again
                idle.clear()
                wake.set()

    def _publish_batch(self, app, batch):
        try:
            self.publish(app, batch)
            _count("published_messages")
        except Exception as error:  # pylint: disable=broad-except
            # kombu.exceptions.OperationalError and friends: the broker is unreachable.
            _count("broker_unavailable", len(batch))
            set_attribute("xapi_router.send_error", type(error).__name__)
            log.error("xapi_router: broker unavailable (%s); the statements of %d events kept as dead letters",
                      type(error).__name__, len(batch))
            try:
                for endpoint_ids, event_name, version, statements in batch:
                    dead_letter_broker_unavailable(endpoint_ids, event_name, version, statements, error)
            except Exception:  # pylint: disable=broad-except
                log.exception("xapi_router: could not keep %d events as dead letters: they are lost", len(batch))
            finally:
                if threading.current_thread() is self._thread:
                    from django.db import connection  # pylint: disable=import-outside-toplevel

                    connection.close()


def deliver_eagerly(events):
    """
    Deliver ``events`` in this process with the delivery task's own code (``Task.apply``, one
    message as a batch of one), as Celery's eager mode runs tasks. A failure is logged and counted;
    the worker's code already keeps undeliverable statements as dead letters.
    """
    from openedx_xapi_router.delivery.tasks import deliver_statements  # pylint: disable=import-outside-toplevel

    _count("delivered_eagerly_messages")
    try:
        deliver_statements.apply(args=(events,))
    except Exception:  # pylint: disable=broad-except
        _count("eager_delivery_error", len(events))
        log.exception("xapi_router: eager (in-process) delivery of %d events failed", len(events))


#: Seconds a SIGTERM or a clean exit waits for the background publisher to publish what it holds:
#: long enough for a new gunicorn worker's first broker connection on a busy host (2 s was not, in
#: the chaos suite), short of gunicorn's ``--graceful-timeout`` (30 s by default), past which the
#: master SIGKILLs the worker.
EXIT_FLUSH_SECONDS = 10.0


def flush_on_sigterm(publisher, timeout=EXIT_FLUSH_SECONDS):  # pylint: disable=redefined-outer-name
    """
    Make SIGTERM flush ``publisher`` before it ends this process, when SIGTERM still has its default
    action (a plain process: a management command, a script, ``runserver``). The handler publishes
    what the thread holds (at most ``timeout`` seconds), puts the default action back and sends
    SIGTERM again, so the process ends as it would have (exit status: killed by SIGTERM). A handler
    someone else installed (gunicorn, uWSGI, Celery: they exit cleanly, and the ``atexit`` flush
    runs) is left alone. Only the main thread can install a handler; elsewhere this does nothing.
    Returns True when the handler was installed.
    """
    if threading.current_thread() is not threading.main_thread():
        return False
    try:
        if signal.getsignal(signal.SIGTERM) is not signal.SIG_DFL:
            return False

        def on_sigterm(signum, frame):  # pylint: disable=unused-argument
            try:
                if not publisher.flush(timeout):
                    log.error("xapi_router: SIGTERM: %d events still unpublished after %.1f s",
                              len(publisher._pending), timeout)  # pylint: disable=protected-access
            finally:
                signal.signal(signal.SIGTERM, signal.SIG_DFL)
                os.kill(os.getpid(), signal.SIGTERM)

        signal.signal(signal.SIGTERM, on_sigterm)
    except (ValueError, OSError):  # not the main interpreter, or no signals here
        return False
    return True


def flush_at_exit(publisher, timeout=EXIT_FLUSH_SECONDS):  # pylint: disable=redefined-outer-name
    """
    ``atexit``: publish what ``publisher``'s thread holds, waiting at most ``timeout`` seconds. A
    clean exit runs it: a plain process's, and a gunicorn worker's on SIGTERM (the master's graceful
    stop, ``max_requests``), which leaves through ``sys.exit``. Events still unpublished at the
    deadline are lost with the process: logged as an error with their count and counted
    (``exit_unpublished``), never silently. Returns True when everything was published.
    """
    if publisher.flush(timeout):
        return True
    unpublished = len(publisher._pending) + 1  # pylint: disable=protected-access  # + the batch under way
    _count("exit_unpublished", unpublished)
    log.error("xapi_router: exit: up to %d events still unpublished after %.1f s are lost with this process",
              unpublished, timeout)
    return False


publisher = BackgroundPublisher()
atexit.register(flush_at_exit, publisher)


#: The send path's filter reason when an event's endpoints all take another format than the one
#: transformed first (never counted: the event is transformed into their formats next).
OTHER_FORMAT = "other_format"


def queue_event(event, publisher=publisher):  # pylint: disable=redefined-outer-name
    """
    Transform one live tracking event (:func:`openedx_xapi_router.processing.process_event`) into
    each format its matching endpoints take, and hand the statements to ``publisher`` (the
    process's :class:`BackgroundPublisher`), one message for all formats. Returns the number of
    statements queued (0 when the event is filtered out, refused or failed: each counted by kind,
    an error of ours made visible by :mod:`~openedx_xapi_router.delivery.live_errors`).
    Raises nothing the core raises on purpose; the backend still guards against anything else.

    The format transformed first is xAPI, unless every enabled endpoint takes Caliper (and no
    statement log is written); another format is transformed only for an event that a matching
    endpoint of that format takes, from the event already read.
    """
    log_statements = statement_log.enabled()  # XAPI_ROUTER_LOG_STATEMENTS: log even without an endpoint
    endpoints = endpoint_cache.get()
    if not endpoints and not log_statements:
        _count("no_endpoint")
        return 0
    set_attribute("xapi_router.events_seen", 1)
    first = CALIPER if endpoint_cache.caliper_only and not log_statements else XAPI
    ids_by_format = {}

    def route(tracking_event):
        """The endpoints that take this event, by format; ``no_matching_endpoint`` leaves it untransformed."""
        for endpoint in endpoints:
            if endpoint.matches(tracking_event.name, tracking_event.org_id, tracking_event.course_id):
                ids_by_format.setdefault(endpoint.output_format, []).append(endpoint.pk)
        if first in ids_by_format or log_statements:
            return None
        return OTHER_FORMAT if ids_by_format else "no_matching_endpoint"

    outcome = process_event(event, event_filter=route, output_format=first)
    parts = []
    if outcome.ok or not (isinstance(outcome, Filtered) and outcome.reason == OTHER_FORMAT):
        report.count(outcome, outcome.event.name if outcome.event is not None else _name(event))
        if not outcome.ok:
            if not isinstance(outcome, Failed):  # an error of ours is counted by live_errors
                _count(outcome.key)
            if not ids_by_format:
                return 0
        else:
            done = outcome
            if log_statements:
                statement_log.log_statements(done.statements)
            if first in ids_by_format:
                parts.append([ids_by_format[first], done.event.name, done.version, done.statements])
            elif not ids_by_format:
                _count("no_matching_endpoint" if endpoints else "no_endpoint")
    for output_format, endpoint_ids in ids_by_format.items() if len(ids_by_format) > len(parts) else ():
        if output_format != first:
            done = _counted(process_event(outcome.event, output_format=output_format), event)
            if done is not None:
                parts.append([endpoint_ids, done.event.name, done.version, done.statements])
    if not parts:
        return 0
    if len(parts) == 1:
        publisher.submit(parts[0])
        queued = len(parts[0][3])
    else:  # one message for every format (a publisher of one format only is never given two)
        publisher.submit_all(parts)
        queued = sum(len(part[3]) for part in parts)
    _count("queued", queued)
    set_attribute("xapi_router.statements_queued", queued)
    return queued


def _counted(outcome, event):
    """``outcome`` counted in the live report; it again when it gave statements, else None (counted by kind)."""
    report.count(outcome, outcome.event.name if outcome.event is not None else _name(event))
    if not outcome.ok:
        if not isinstance(outcome, Failed):  # an error of ours is counted by live_errors
            _count(outcome.key)
        return None
    return outcome


def _name(event):
    return (event.get("name") or event.get("event_type")) if isinstance(event, dict) else type(event).__name__


def _report_failure(outcome, event_name):
    """``Report.on_failure`` of the live path: logged (rate-limited), counted, monitored, recorded."""
    live_errors.report(outcome.error, event_name, _count)


#: What the pipeline made of every live event in this process (the core's counters).
report = Report(on_failure=_report_failure)


def dead_letter_broker_unavailable(endpoint_ids, event_name, version, statements, error):
    """Keep the statements as ``broker_unavailable`` dead letters of every matching endpoint."""
    from openedx_xapi_router.delivery import store  # pylint: disable=import-outside-toplevel

    items = [Item(statement, event_name, version) for statement in statements]
    for endpoint_id in endpoint_ids:
        store.dead_letter(endpoint_id, items, DeadLetter.REASON_BROKER_UNAVAILABLE,
                          detail=f"{type(error).__name__}: {scrub(str(error))[:200]}")


def scrub(text):
    """``text`` without the credentials of any URL in it (``scheme://user:password@``)."""
    return re.sub(r"://[^/@\s]*@", "://***@", text)
