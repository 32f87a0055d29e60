"""
The backfill's destinations that hand statements to LRS endpoints (see :mod:`.destinations` for
the contract every destination follows):

* :class:`LrsDestination`: POSTed through the live path's delivery code, retried as the worker
  retries (the delivery policy);
* :class:`QueueDestination`: published to the live path's Celery task ``deliver_statements``.

Both serve endpoints of either format in one run: the statements the backfill made (xAPI) go to
the xAPI endpoints; for a Caliper endpoint the event is transformed into Caliper (once per event,
whatever the number of Caliper endpoints) by the same pipeline and this site's context
(:func:`openedx_xapi_router.processing.process_event`; the event's name already passed the run's
allowed names). An event that gives no Caliper event is counted in the report's destination
counters as ``caliper_<outcome>`` (``caliper_unsupported``, ``caliper_skipped:<reason>``...), an
error of ours logged with its traceback.
"""
import functools
import logging
import queue
import threading
import time

from openedx_xapi_router.core.outcome import Failed
from openedx_xapi_router.delivery.core import ByteBatcher

log = logging.getLogger(__name__)


class RateLimiter:
    """At most ``rate`` units per second on average (``--max-rate``); ``None`` means no limit."""

    def __init__(self, rate, clock=time.monotonic, sleep=time.sleep):
        self.rate = rate
        self.clock = clock
        self.sleep = sleep
        self._next = None
        self._lock = threading.Lock()  # the delivery threads of one endpoint share it

    def take(self, amount):
        """Wait until ``amount`` units may go."""
        if not self.rate or amount <= 0:
            return
        with self._lock:
            now = self.clock()
            if self._next is None:
                self._next = now
            wait = self._next - now
            self._next = max(self._next, now) + amount / self.rate
        if wait > 0:
            self.sleep(wait)


def caliper_outcome(event, all_event_names=False):
    """
    The Caliper outcome of ``event`` (a TrackingEvent) with this site's context: the live path's
    pipeline, with the names ``XAPI_ROUTER_ALLOWED_EVENT_NAMES`` allows into Caliper (its default
    is not the xAPI one), or every name with ``all_event_names`` (a backfill run with every name).
    """
    # pylint: disable=import-outside-toplevel
    from openedx_xapi_router.core.registry import CALIPER
    from openedx_xapi_router.processing import process_event

    return process_event(event, all_event_names=all_event_names, output_format=CALIPER)


def caliper_transform(all_event_names):
    """The ``transform_caliper`` of a backfill run that sends every name (``all_event_names``) or the allowed ones."""
    return functools.partial(caliper_outcome, all_event_names=all_event_names)


class _Routed:
    """
    Routing shared by the LRS and queue destinations: which endpoints take an event (their
    filters), and the statements of each format they take (:meth:`by_format`).
    """

    def __init__(self, endpoints, report, transform_caliper=None):
        self.endpoints = list(endpoints)
        self.report = report
        self.transform_caliper = transform_caliper or caliper_outcome
        self._routes = {}

    def by_format(self, event, statements, version):
        """
        ``[(endpoints, statements, version)]``: the xAPI ``statements`` for the xAPI endpoints that
        take ``event``, its Caliper events for the Caliper ones (none when it gives none: counted).
        """
        endpoints = self.route(event)
        xapi = [endpoint for endpoint in endpoints if not endpoint.is_caliper]
        caliper = [endpoint for endpoint in endpoints if endpoint.is_caliper]
        groups = [(xapi, statements, version)] if xapi else []
        if caliper:
            outcome = self.transform_caliper(event)
            if outcome.ok:
                groups.append((caliper, outcome.statements, outcome.version))
            else:
                self.report.destination[f"caliper_{outcome.key}"] += 1
                if isinstance(outcome, Failed):  # an error of ours: logged with its traceback
                    log.error("backfill: the Caliper event of %s failed (%s)", event.name, outcome.key,
                              exc_info=outcome.error)
        return groups

    def route(self, event):
        """The endpoints whose filters match ``event`` (cached per name, org and course)."""
        key = (event.name, event.org_id, event.course_id)
        routed = self._routes.get(key)
        if routed is None:
            routed = tuple(endpoint for endpoint in self.endpoints
                           if endpoint.matches(event.name, event.org_id, event.course_id))
            if len(self._routes) < 100_000:
                self._routes[key] = routed
        return routed


class _EndpointSender:
    """
    One endpoint's delivery threads (``threads`` of them, the endpoint's ``max_in_flight``): each
    POSTs one batch at a time while the main thread reads and transforms the next events (the
    LRS's answer time and our transform time overlap, as in the live path where the LMS transforms
    and a worker delivers), so up to ``threads`` POSTs are in flight. At most ``depth`` batches
    wait besides. :meth:`join` returns once every batch queued so far is delivered or
    dead-lettered, whichever thread took it: a checkpoint taken after it covers them all.
    """

    def __init__(self, deliver_batch, depth=2, threads=1):
        self.deliver_batch = deliver_batch
        self.jobs = queue.Queue(maxsize=max(depth, threads))
        self.error = None
        self.threads = [threading.Thread(target=self._run, name=f"backfill-delivery-{number}", daemon=True)
                        for number in range(max(1, threads))]
        for thread in self.threads:
            thread.start()

    def _run(self):
        try:
            while True:
                items = self.jobs.get()
                try:
                    if items is None:
                        return
                    if self.error is None:
                        self.deliver_batch(items)
                except BaseException as error:  # re-raised in the caller's thread
                    self.error = error
                finally:
                    self.jobs.task_done()
        finally:
            from django.db import connection  # pylint: disable=import-outside-toplevel

            connection.close()

    def put(self, items):
        """Queue a batch (waits while ``depth`` batches are waiting)."""
        self.check()
        self.jobs.put(items)

    def join(self):
        """Wait until every queued batch is delivered."""
        self.jobs.join()
        self.check()

    def check(self):
        """Raise, in the caller's thread, what the delivery thread raised."""
        if self.error is not None:
            error, self.error = self.error, None
            raise error

    def stop(self):
        """Deliver what is queued, then end the threads."""
        for _ in self.threads:
            self.jobs.put(None)
        for thread in self.threads:
            thread.join()
        self.check()


class LrsDestination(_Routed):
    """
    Statements POSTed to LRS endpoints through the live path's delivery code, in batches of the
    endpoint's ``batch_size`` statements and ``max_body_bytes`` bytes at most (a statement larger
    on its own goes alone), from ``max_in_flight`` delivery threads per endpoint (that many POSTs
    in flight).

    Arguments:
        endpoints: the :class:`~openedx_xapi_router.models.LrsEndpoint` rows to send to.
        report: counts ``delivered``, ``duplicates`` (the same id twice in one batch),
            ``rejected`` (dead-lettered by the LRS's refusal), ``dead_lettered`` (retries exhausted)
            and ``not_routed`` (no endpoint's filters matched).
        max_rate: statements per second per endpoint, at most (None: as fast as the LRS answers).
        deliver: ``deliver(endpoint, items, attempts) -> BatchResult``; the delivery service's
            :func:`~openedx_xapi_router.delivery.service.deliver_now` by default.
        sleep: how to wait between retries (tests of back-off may pass their own).
    """

    def __init__(self, endpoints, report, max_rate=None, deliver=None, sleep=time.sleep, transform_caliper=None):
        super().__init__(endpoints, report, transform_caliper)
        # pylint: disable=import-outside-toplevel
        from openedx_xapi_router.delivery import service

        self.deliver = deliver or service.deliver_now
        self.sleep = sleep
        self._lock = threading.Lock()
        self._buffers = {endpoint.pk: ByteBatcher(endpoint.batch_size, endpoint.max_body_bytes, _overhead(endpoint))
                         for endpoint in self.endpoints}
        self._limiters = {endpoint.pk: RateLimiter(max_rate, sleep=sleep) for endpoint in self.endpoints}
        self._senders = {}

    def _sender(self, endpoint):
        sender = self._senders.get(endpoint.pk)
        if sender is None:
            sender = self._senders[endpoint.pk] = _EndpointSender(lambda items: self._deliver(endpoint, items),
                                                                  threads=endpoint.max_in_flight)
        return sender

    def send(self, event, statements, version=""):
        """Buffer the statements of ``event`` (``version``: their transformer's, from the pipeline's outcome)."""
        from openedx_xapi_router.delivery.core import Item  # pylint: disable=import-outside-toplevel

        if not self.route(event):
            self.report.destination["not_routed"] += len(statements)
            return
        for endpoints, made, made_version in self.by_format(event, statements, version):
            items = [Item(statement, event.name, made_version) for statement in made]
            for endpoint in endpoints:
                batcher = self._buffers[endpoint.pk]
                for item in items:
                    for batch in batcher.add(item):
                        self._sender(endpoint).put(batch)

    def _deliver(self, endpoint, items):
        # pylint: disable=import-outside-toplevel
        from openedx_xapi_router.delivery import service
        from openedx_xapi_router.delivery.policy import Action

        self._limiters[endpoint.pk].take(len(items))
        attempt = 1
        result = self.deliver(endpoint, items, attempts=attempt)
        self._count(result)
        for _ in range(endpoint.retry_limit + 1):  # the policy says dead letter after retry_limit retries
            if not result.retry:
                return
            decision = service.after_failure(endpoint, attempt, result.retry_error)
            if decision.action is not Action.RETRY:
                break
            log.warning("backfill: endpoint %s failed (%s); retry %d in %.1f s",
                        endpoint.name, result.retry_error, attempt, decision.delay)
            self.sleep(decision.delay)
            attempt += 1
            result = self.deliver(endpoint, result.retry, attempts=attempt)
            self._count(result)
        if result.retry:
            service.dead_letter_exhausted(endpoint, result.retry, attempt, result.retry_error)
            with self._lock:
                self.report.destination["dead_lettered"] += len(result.retry)

    def _count(self, result):
        with self._lock:
            self.report.destination["delivered"] += len(result.delivered)
            self.report.destination["rejected"] += len(result.rejected)
            self.report.destination["duplicates"] += result.duplicates
            self.report.destination["requests"] += result.requests

    def flush(self):
        for endpoint in self.endpoints:
            batch = self._buffers[endpoint.pk].take()
            if batch:
                self._sender(endpoint).put(batch)
        for sender in self._senders.values():
            sender.join()

    def close(self):
        try:
            self.flush()
        finally:
            senders, self._senders = self._senders, {}
            for sender in senders.values():
                sender.stop()


class QueueDestination(_Routed):
    """
    Statements handed to the live path's Celery task ``deliver_statements`` (``--queue``): the
    workers deliver them exactly as they deliver live events. Events are published as the live
    path's publisher publishes them, up to ``per_message`` events in one message.

    Arguments:
        publish: ``publish(events)``, each event ``[endpoint_ids, event_name, transformer_version,
            statements]``; by default the delivery package's own publishing.
    """

    def __init__(self, endpoints, report, max_rate=None, per_message=100, publish=None,  # pylint: disable=too-many-positional-arguments
                 transform_caliper=None):
        super().__init__(endpoints, report, transform_caliper)
        self.per_message = per_message
        self.publish = publish or publish_to_delivery_tasks
        self.limiter = RateLimiter(max_rate)
        self._events = []
        self._statements = 0

    def send(self, event, statements, version=""):
        """Queue the statements of ``event`` (``version``: their transformer's, from the pipeline's outcome)."""
        if not self.route(event):
            self.report.destination["not_routed"] += len(statements)
            return
        for endpoints, made, made_version in self.by_format(event, statements, version):
            self._events.append([[endpoint.pk for endpoint in endpoints], event.name, made_version, made])
            self._statements += len(made)
        if len(self._events) >= self.per_message:
            self.flush()

    def flush(self):
        if not self._events:
            return
        events, count = self._events, self._statements
        self._events, self._statements = [], 0
        self.limiter.take(count)
        self.publish(events)
        self.report.destination["queued"] += count

    def close(self):
        self.flush()


def _overhead(endpoint):
    """The bytes of the endpoint's POST body around its statements (a Caliper envelope's; xAPI's 2)."""
    if not endpoint.is_caliper:
        return 2
    # pylint: disable=import-outside-toplevel
    from openedx_xapi_router.core.errors import ConfigurationError
    from openedx_xapi_router.lrs.messages import caliper_body_overhead
    from openedx_xapi_router.resolvers import lms_root_url

    try:
        return caliper_body_overhead(lms_root_url())
    except ConfigurationError:  # the delivery dead-letters the batches (misconfigured) and says why
        return 2


def publish_to_delivery_tasks(events):
    """Publish ``events`` to the ``deliver_statements`` task with the delivery package's own publishing."""
    # pylint: disable=import-outside-toplevel
    from celery import current_app

    from openedx_xapi_router.delivery import sending

    sending.publish_events(current_app, events)
