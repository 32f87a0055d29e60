"""
The send path, in the LMS request: from a tracking event to one Celery message.

:func:`queue_event` filters by name first (a registered transformer, ``XAPI_ROUTER_ALLOWED_EVENT_NAMES``,
at least one enabled endpoint), then normalises and transforms in-process, picks the matching
endpoints and publishes one ``deliver_statements`` message. It never talks to an LRS. The enabled
endpoints are cached in-process for ``ENDPOINT_CACHE_SECONDS`` (no query per event).

When the broker cannot be reached, the statements become dead letters (reason
``broker_unavailable``), one per matching endpoint, for ``replay_failed_statements``.
"""
import logging
import re
import threading
import time
from datetime import datetime

from django.conf import settings

from openedx_xapi_router.core.errors import XapiRouterError
from openedx_xapi_router.core.event import normalize
from openedx_xapi_router.core.pipeline import transform
from openedx_xapi_router.core.vocab import Extension
from openedx_xapi_router.delivery.core import Item
from openedx_xapi_router.delivery.monitoring import set_attribute
from openedx_xapi_router.models import DeadLetter, LrsEndpoint
from openedx_xapi_router.resolvers import get_transform_context
from openedx_xapi_router.transformers import registry

log = logging.getLogger(__name__)

ENDPOINT_CACHE_SECONDS = 5.0

#: How long a publish may wait for an unreachable broker before the statements are dead-lettered.
PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.1, "interval_max": 0.1}


class EndpointCache:
    """The enabled endpoints, re-read from the database at most every ``ttl`` seconds."""

    def __init__(self, ttl=ENDPOINT_CACHE_SECONDS, clock=time.monotonic):
        self.ttl = ttl
        self.clock = clock
        self._expires = 0.0
        self._endpoints = ()
        self._lock = threading.Lock()

    def get(self):
        """The enabled :class:`LrsEndpoint` rows (a tuple)."""
        if self.clock() < self._expires:
            return self._endpoints
        with self._lock:
            if self.clock() >= self._expires:
                self._endpoints = tuple(LrsEndpoint.objects.filter(enabled=True).order_by("pk"))
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


def _publish(endpoint_ids, event_name, transformer_version, statements):
    from openedx_xapi_router.delivery.service import delivery_queue  # pylint: disable=import-outside-toplevel
    from openedx_xapi_router.delivery.tasks import deliver_statements  # pylint: disable=import-outside-toplevel

    deliver_statements.apply_async(
        args=(endpoint_ids, event_name, transformer_version, statements),
        queue=delivery_queue(), retry=True, retry_policy=PUBLISH_RETRY_POLICY,
    )


def queue_event(event, publish=_publish):
    """
    Transform one live tracking event and queue its statements. Returns the number of statements
    queued (0 when the event is filtered out or skipped). Raises nothing the core raises on purpose;
    the backend still guards against anything else.
    """
    name = event.get("name") or event.get("event_type")
    if not registry.is_supported(name):
        _count("unsupported")
        return 0
    allowed = getattr(settings, "XAPI_ROUTER_ALLOWED_EVENT_NAMES", None)
    if allowed is not None and name not in allowed:
        _count("not_allowed")
        return 0
    endpoints = endpoint_cache.get()
    if not endpoints:
        _count("no_endpoint")
        return 0
    set_attribute("xapi_router.events_seen", 1)
    timestamp = event.get("timestamp")
    if isinstance(timestamp, datetime):  # event-tracking's Tracker.emit gives a datetime, logs give text
        event = {**event, "timestamp": timestamp.isoformat()}
    try:
        tracking_event = normalize(event)
        endpoint_ids = [
            endpoint.pk for endpoint in endpoints
            if endpoint.matches(tracking_event.name, tracking_event.org_id, tracking_event.course_id)
        ]
        if not endpoint_ids:
            _count("no_matching_endpoint")
            return 0
        statements = transform(tracking_event, get_transform_context(), registry)
    except XapiRouterError as error:
        _count(error.kind)
        return 0
    if not statements:
        return 0
    extensions = (statements[0].get("context") or {}).get("extensions") or {}
    version = extensions.get(Extension.TRANSFORMER_VERSION, "")
    try:
        publish(endpoint_ids, tracking_event.name, version, statements)
    except Exception as error:  # pylint: disable=broad-except
        # kombu.exceptions.OperationalError and friends: the broker is unreachable.
        _count("broker_unavailable")
        set_attribute("xapi_router.send_error", type(error).__name__)
        log.error("xapi_router: broker unavailable (%s); %d statements of %s kept as dead letters",
                  type(error).__name__, len(statements), tracking_event.name)
        dead_letter_broker_unavailable(endpoint_ids, tracking_event.name, version, statements, error)
        return 0
    _count("queued", len(statements))
    set_attribute("xapi_router.statements_queued", len(statements))
    return len(statements)


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
