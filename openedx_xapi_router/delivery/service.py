"""
Delivery to one endpoint, with its bookkeeping: the layer between the Celery tasks (and the replay
command) and the pure core (:mod:`openedx_xapi_router.delivery.core`).

:func:`deliver_now` sends items to one endpoint synchronously and records the outcome (counters,
last success/failure, dead letters for rejected statements); it returns the
:class:`~openedx_xapi_router.delivery.core.BatchResult` and leaves the decision about items to retry
to its caller: the tasks schedule a retry (:func:`schedule_retry`), the replay command reports them.
"""
import logging
import time

from django.conf import settings

from openedx_xapi_router.delivery import store
from openedx_xapi_router.delivery.client import client_for
from openedx_xapi_router.delivery.core import Item, backoff_seconds, chunks, deliver_batch
from openedx_xapi_router.delivery.monitoring import set_attribute
from openedx_xapi_router.models import DeadLetter, LrsEndpoint

log = logging.getLogger(__name__)

DEFAULT_QUEUE = "edx.lms.core.xapi_router"

#: endpoint id -> monotonic time before which fresh batches are not tried (the endpoint just failed
#: retryably): they go straight to a retry, so a down endpoint costs other endpoints nothing.
_BACKING_OFF = {}


def delivery_queue():
    """The Celery queue of the delivery tasks (``XAPI_ROUTER_CELERY_QUEUE``)."""
    return getattr(settings, "XAPI_ROUTER_CELERY_QUEUE", None) or DEFAULT_QUEUE


def item_to_json(item):
    """An :class:`Item` as task-argument JSON."""
    return [item.statement, item.event_name, item.transformer_version]


def item_from_json(data):
    """The :class:`Item` of :func:`item_to_json`'s JSON."""
    return Item(data[0], data[1], data[2])


def deliver_now(endpoint, items, attempts=1):
    """
    POST ``items`` to ``endpoint`` (in chunks of its batch size), dead-letter what the LRS rejects,
    count and time it. Returns a :class:`~openedx_xapi_router.delivery.core.BatchResult` merged over
    the chunks; ``retry`` holds every item not delivered because of a retryable failure.
    """
    client = client_for(endpoint)
    merged = None
    started = time.monotonic()
    remaining = chunks(list(items), endpoint.batch_size)
    while remaining:
        chunk = remaining.pop(0)
        result = deliver_batch(client.post_statements, chunk)
        if merged is None:
            merged = result
        else:
            merged.delivered += result.delivered
            merged.rejected += result.rejected
            merged.retry += result.retry
            merged.retry_error = result.retry_error or merged.retry_error
            merged.duplicates += result.duplicates
            merged.requests += result.requests
            merged.last_status = result.last_status
        if result.retry:  # the LRS is failing: do not hammer it with the rest
            merged.retry += [item for rest in remaining for item in rest]
            break
    if merged is None:
        return deliver_batch(client.post_statements, [])
    latency_ms = round((time.monotonic() - started) * 1000)
    store.count_hour(endpoint.pk, delivered=len(merged.delivered), failed=len(merged.rejected),
                     requests=merged.requests)
    if merged.delivered:
        store.mark_success(endpoint.pk)
    if merged.rejected:
        store.dead_letter_rejections(endpoint.pk, merged.rejected, attempts=attempts)
    if merged.retry:
        store.mark_failure(endpoint.pk, str(merged.retry_error))
    set_attribute("xapi_router.endpoint", endpoint.pk)
    set_attribute("xapi_router.batch_size", len(items))
    set_attribute("xapi_router.delivered", len(merged.delivered))
    set_attribute("xapi_router.rejected", len(merged.rejected))
    set_attribute("xapi_router.retrying", len(merged.retry))
    set_attribute("xapi_router.lrs_status", merged.last_status)
    set_attribute("xapi_router.lrs_latency_ms", latency_ms)
    log.info(
        "xapi_router: endpoint %s: %d delivered, %d rejected, %d to retry (%d requests, %d ms, last status %s)",
        endpoint.pk, len(merged.delivered), len(merged.rejected), len(merged.retry), merged.requests,
        latency_ms, merged.last_status,
    )
    return merged


def schedule_retry(endpoint, items, attempt, error):
    """
    Retry ``items`` later (retry number ``attempt``), or dead-letter them (``retries_exhausted``)
    when the endpoint's ``retry_limit`` is used up.
    """
    if attempt > endpoint.retry_limit:
        status = getattr(error, "status_code", None)
        store.dead_letter(endpoint.pk, items, DeadLetter.REASON_RETRIES_EXHAUSTED, status, str(error or ""),
                          attempts=attempt)
        store.count_hour(endpoint.pk, failed=len(items))
        log.warning("xapi_router: endpoint %s: %d statements dead-lettered after %d attempts: %s",
                    endpoint.pk, len(items), attempt, error)
        return
    delay = backoff_seconds(
        attempt, getattr(error, "retry_after", None),
        base=getattr(settings, "XAPI_ROUTER_RETRY_BACKOFF_BASE", 2.0),
        cap=getattr(settings, "XAPI_ROUTER_RETRY_BACKOFF_MAX", 600.0),
    )
    _BACKING_OFF[endpoint.pk] = time.monotonic() + delay
    from openedx_xapi_router.delivery.tasks import retry_statements  # pylint: disable=import-outside-toplevel

    retry_statements.apply_async(
        args=(endpoint.pk, [item_to_json(item) for item in items], attempt), countdown=delay, queue=delivery_queue(),
    )


def _dead_letter_unknown(endpoint_ids, items_by_endpoint, endpoints):
    for endpoint_id in endpoint_ids:
        endpoint = endpoints.get(endpoint_id)
        items = items_by_endpoint[endpoint_id]
        if endpoint is None:
            log.warning("xapi_router: endpoint %s was deleted; %d statements for it dropped", endpoint_id, len(items))
        else:
            store.dead_letter(endpoint_id, items, DeadLetter.REASON_ENDPOINT_DISABLED,
                              detail="endpoint disabled before delivery")


def deliver_messages(bodies):
    """
    Deliver a batch of ``deliver_statements`` messages (each ``(events,)``): group their statements by endpoint, then
    deliver each endpoint's on its own (a failing endpoint gets a retry; the others go on).
    """
    items_by_endpoint = {}
    events = [event for (message_events,) in bodies for event in message_events]
    for endpoint_ids, event_name, transformer_version, statements in events:
        for statement in statements:
            item = Item(statement, event_name, transformer_version)
            for endpoint_id in endpoint_ids:
                items_by_endpoint.setdefault(endpoint_id, []).append(item)
    endpoints = {endpoint.pk: endpoint for endpoint in LrsEndpoint.objects.filter(pk__in=list(items_by_endpoint))}
    unusable = [pk for pk in items_by_endpoint if pk not in endpoints or not endpoints[pk].enabled]
    _dead_letter_unknown(unusable, items_by_endpoint, endpoints)
    set_attribute("xapi_router.batch_messages", len(bodies))
    for endpoint_id, items in items_by_endpoint.items():
        if endpoint_id in unusable:
            continue
        endpoint = endpoints[endpoint_id]
        try:
            if _BACKING_OFF.get(endpoint_id, 0) > time.monotonic():
                schedule_retry(endpoint, items, 1, None)
                continue
            result = deliver_now(endpoint, items)
            if result.retry:
                schedule_retry(endpoint, result.retry, 1, result.retry_error)
        except Exception:  # pylint: disable=broad-except
            log.exception("xapi_router: delivering %d statements to endpoint %s failed", len(items), endpoint_id)
    return len(bodies)


def retry_items(endpoint_id, items_json, attempt):
    """The ``retry_statements`` task: try again, then retry later or dead-letter."""
    items = [item_from_json(data) for data in items_json]
    endpoint = LrsEndpoint.objects.filter(pk=endpoint_id).first()
    if endpoint is None or not endpoint.enabled:
        _dead_letter_unknown([endpoint_id], {endpoint_id: items}, {endpoint_id: endpoint} if endpoint else {})
        return 0
    result = deliver_now(endpoint, items, attempts=attempt + 1)
    if result.retry:
        schedule_retry(endpoint, result.retry, attempt + 1, result.retry_error)
    else:
        _BACKING_OFF.pop(endpoint_id, None)
    return len(result.delivered)
