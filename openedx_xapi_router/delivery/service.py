"""
Delivery to one endpoint, with its bookkeeping: the layer between the Celery tasks (and the replay
command) and the pure core (:mod:`openedx_xapi_router.delivery.core`).

:func:`deliver_now` sends items to one endpoint synchronously and records the outcome (counters,
last success/failure, dead letters for rejected statements); it returns the
:class:`~openedx_xapi_router.delivery.core.BatchResult` and leaves the decision about items to retry
to its caller: the tasks schedule a retry (:func:`schedule_retry`), the replay command reports them.
"""
import logging
import random
import time
import traceback

from django.db import DatabaseError, transaction

from openedx_xapi_router.delivery import circuit, policy, store
from openedx_xapi_router.delivery.client import RetryableLrsError, client_for
from openedx_xapi_router.delivery.core import MISCONFIGURED, Item, chunks, deliver_batch
# delivery_queue and DEFAULT_QUEUE: public here too (sending.py, status.py, admin.py import them):
from openedx_xapi_router.delivery.enqueue import (  # noqa: F401  # pylint: disable=unused-import
    DEFAULT_QUEUE,
    delivery_queue,
    publish_retry,
    retry_schedule,
)
from openedx_xapi_router.delivery.monitoring import set_attribute
from openedx_xapi_router.models import DeadLetter, LrsEndpoint

log = logging.getLogger(__name__)

#: Seconds between two writes of an endpoint's ``last_success_at`` by one process.
SUCCESS_WRITE_INTERVAL = 5.0
_SUCCESS_WRITTEN = {}
#: Characters of a traceback kept as an ``internal_error`` dead letter's detail.
DETAIL_TAIL = 480



def item_to_json(item):
    """An :class:`Item` as task-argument JSON."""
    return [item.statement, item.event_name, item.transformer_version]


def item_from_json(data):
    """The :class:`Item` of :func:`item_to_json`'s JSON."""
    return Item(data[0], data[1], data[2])


def deliver_now(endpoint, items, attempts=1):
    """
    POST ``items`` to ``endpoint`` (in chunks of its batch size and body limit; a Caliper endpoint's
    as Caliper envelopes, cut by the envelope's bytes), dead-letter what the LRS rejects (and any
    item not of the endpoint's format), count and time it. Returns a
    :class:`~openedx_xapi_router.delivery.core.BatchResult` merged over the chunks; ``retry`` holds
    every item not delivered because of a retryable failure.
    """
    client = client_for(endpoint)

    def post(statements):  # each request watched: a slow one opens the endpoint's circuit at once
        with circuit.watched(endpoint):
            return client.post_statements(statements)

    merged = None
    started = time.monotonic()
    remaining = chunks(list(items), endpoint.batch_size, endpoint.max_body_bytes, client.body_overhead)
    while remaining:
        chunk = remaining.pop(0)
        result = deliver_batch(post, chunk, client.output_format)
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
    if merged.delivered and time.monotonic() - _SUCCESS_WRITTEN.get(endpoint.pk, -SUCCESS_WRITE_INTERVAL) \
            >= SUCCESS_WRITE_INTERVAL:
        store.mark_success(endpoint.pk)  # at most every few seconds per process: one write less per message
        _SUCCESS_WRITTEN[endpoint.pk] = time.monotonic()
    if merged.rejected:
        misconfigured = [rejection for rejection in merged.rejected if rejection.reason == MISCONFIGURED]
        if misconfigured:  # the status page's alarm (the endpoint's last error), then the dead letters
            store.mark_failure(endpoint.pk, f"configuration: {misconfigured[-1].detail}")
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


def after_failure(endpoint, attempt, error):
    """The policy's decision after try ``attempt`` to ``endpoint`` failed retryably with ``error``."""
    return policy.after_retryable(attempt, getattr(error, "retry_after", None), retry_schedule(endpoint.retry_limit))


def dead_letter_counted(endpoint_id, items, reason, http_status=None, detail="", attempts=1):
    """
    Keep ``items`` as dead letters of ``reason`` and count them as failed in the endpoint's hour, in
    one transaction: the status page never shows dead letters its failure counter does not count
    yet (nor the other way round).
    """
    with transaction.atomic():
        store.dead_letter(endpoint_id, items, reason, http_status, detail, attempts=attempts)
        store.count_hour(endpoint_id, failed=len(items))


def dead_letter_exhausted(endpoint, items, attempt, error):
    """Dead-letter ``items`` (``retries_exhausted``) after ``attempt`` tries ended in ``error``."""
    status = getattr(error, "status_code", None)
    dead_letter_counted(endpoint.pk, items, DeadLetter.REASON_RETRIES_EXHAUSTED, status, str(error or ""),
                        attempts=attempt)
    log.warning("xapi_router: endpoint %s: %d statements dead-lettered after %d attempts: %s",
                endpoint.pk, len(items), attempt, error)


def schedule_retry(endpoint, items, attempt, error, not_before=0.0, delay=None):
    """
    After try number ``attempt`` failed retryably with ``error``: the policy's decision
    (:func:`~.policy.after_retryable`): a ``retry_statements`` message after the back-off (at least
    ``not_before`` seconds from now, or exactly ``delay`` seconds), or dead letters
    (``retries_exhausted``) when the endpoint's ``retry_limit`` is used up.
    """
    decision = after_failure(endpoint, attempt, error)
    if decision.action is policy.Action.DEAD_LETTER:
        dead_letter_exhausted(endpoint, items, attempt, error)
        return
    if delay is None:
        delay = max(decision.delay, not_before + random.uniform(0, 0.5))  # spread over the half-open moment
    publish_retry(endpoint.pk, [item_to_json(item) for item in items], attempt, delay)


def count_internal_error(kind, amount=1):
    """Count an error of ours (``xapi_router.internal_errors`` attribute; the log line has the traceback)."""
    set_attribute("xapi_router.internal_error", kind)
    set_attribute("xapi_router.internal_errors", amount)


def _dead_letter_unknown(endpoint_ids, items_by_endpoint, endpoints):
    for endpoint_id in endpoint_ids:
        endpoint = endpoints.get(endpoint_id)
        items = items_by_endpoint[endpoint_id]
        if endpoint is None:
            # The endpoint row was deleted while these were queued: kept as dead letters of no
            # endpoint (the message names the endpoint by id only), for an operator to discard.
            detail = f"endpoint #{endpoint_id} was deleted while its statements were queued"
            store.dead_letter(None, items, DeadLetter.REASON_ENDPOINT_DELETED, detail=detail, endpoint_name="")
            log.error("xapi_router: endpoint %s was deleted; %d statements queued for it are dead letters "
                      "(reason endpoint_deleted): %s", endpoint_id, len(items),
                      ", ".join(item.statement_id for item in items[:20]))
            set_attribute("xapi_router.dead_letters_endpoint_deleted", len(items))
        else:
            store.dead_letter(endpoint_id, items, DeadLetter.REASON_ENDPOINT_DISABLED,
                              detail="endpoint disabled before delivery")


def load_endpoints(endpoint_ids):
    """
    The endpoint rows of ``endpoint_ids`` by pk, with their encrypted credentials deferred: a row
    whose credentials this process cannot decrypt still loads, and fails (as a configuration error
    of that endpoint only) when its client is built.
    """
    rows = LrsEndpoint.objects.filter(pk__in=list(endpoint_ids)).defer("username", "password", "token")
    return {endpoint.pk: endpoint for endpoint in rows}


class UnusableConfiguration(Exception):
    """This worker cannot use the endpoint as configured; the message names the setting to fix."""


def usable_client(endpoint):
    """
    The endpoint's pooled client, or :class:`UnusableConfiguration` naming what to fix: a URL this
    worker's settings refuse (``XAPI_ROUTER_ALLOW_INSECURE_HTTP``), credentials it cannot decrypt
    (``XAPI_ROUTER_ENCRYPTION_KEYS``).
    """
    from cryptography.fernet import InvalidToken  # pylint: disable=import-outside-toplevel

    try:
        return client_for(endpoint)
    except InvalidToken:
        raise UnusableConfiguration(
            f"endpoint {endpoint.name!r}: its credentials cannot be decrypted with this worker's "
            "XAPI_ROUTER_ENCRYPTION_KEYS (add the key they were encrypted with; see README, "
            "\"Rotating the encryption key\")"
        ) from None
    except ValueError as error:
        raise UnusableConfiguration(f"endpoint {endpoint.name!r}: {error}") from None


def dead_letter_unusable(endpoint, items, error, attempts=1):
    """Dead-letter ``items`` because the worker cannot use ``endpoint`` as configured; alarm on it."""
    store.mark_failure(endpoint.pk, f"configuration: {error}")  # the alarm first, then the dead letters
    dead_letter_counted(endpoint.pk, items, DeadLetter.REASON_MISCONFIGURED, detail=str(error), attempts=attempts)
    log.error("xapi_router: %d statements dead-lettered: %s", len(items), error)


def dead_letter_internal_error(endpoint_id, items, attempts=1):
    """
    Dead-letter ``items`` after an error of ours (called from an ``except`` block: the traceback's
    last lines become the detail). A database error is not caught here: the caller lets it reach
    the task, which sends the message again.
    """
    detail = "".join(traceback.format_exc(limit=-3))[-DETAIL_TAIL:]
    dead_letter_counted(endpoint_id, items, DeadLetter.REASON_INTERNAL_ERROR, detail=detail, attempts=attempts)
    count_internal_error("dead_lettered", len(items))


def _deliver_to(endpoint, items, attempt):
    """Deliver ``items`` (try number ``attempt``) to ``endpoint``; schedule what must be retried."""
    try:
        usable_client(endpoint)
    except UnusableConfiguration as error:
        dead_letter_unusable(endpoint, items, error, attempts=attempt)
        return 0
    verdict = circuit.admit(endpoint)
    if verdict is not None:  # the endpoint failed or is slow: not tried, no worker slot spent on it
        wait, hard = verdict
        error = RetryableLrsError(None, "not tried: the endpoint's circuit is open "
                                        f"(last error: {endpoint.last_error})")
        if hard:
            schedule_retry(endpoint, items, attempt, error, not_before=wait)
        else:  # only slow, or being probed: back soon, and this try does not count
            schedule_retry(endpoint, items, attempt - 1, error, delay=wait + random.uniform(0, 0.5))
        return 0
    result = deliver_now(endpoint, items, attempts=attempt)
    if result.retry:
        seconds = circuit.record_failure(endpoint, result.retry_error)
        schedule_retry(endpoint, result.retry, attempt, result.retry_error, not_before=seconds)
    else:
        circuit.record_success(endpoint)
    return len(result.delivered)


def _guarded(endpoint_id, items, attempt, function, *args):
    """
    ``function(*args)``; any error but a database error (which the task handles by sending the
    message again) makes ``items`` dead letters with reason ``internal_error``.
    """
    try:
        return function(*args)
    except DatabaseError:
        raise
    except Exception:  # pylint: disable=broad-except
        log.exception("xapi_router: delivering %d statements to endpoint %s failed (an error of ours); "
                      "they are kept as dead letters (internal_error)", len(items), endpoint_id)
        dead_letter_internal_error(endpoint_id, items, attempts=attempt)
        return 0


def deliver_messages(bodies):
    """
    Deliver a batch of ``deliver_statements`` messages (each ``(events,)``): group their statements
    by endpoint, then deliver each endpoint's on its own (a failing endpoint gets a retry; the
    others go on). Every statement ends delivered, in a retry message or a dead letter; a database
    error propagates (the task sends the message again).
    """
    items_by_endpoint = {}
    events = [event for (message_events,) in bodies for event in message_events]
    for endpoint_ids, event_name, transformer_version, statements in events:
        for statement in statements:
            item = Item(statement, event_name, transformer_version)
            for endpoint_id in endpoint_ids:
                items_by_endpoint.setdefault(endpoint_id, []).append(item)
    endpoints = load_endpoints(items_by_endpoint)
    unusable = [pk for pk in items_by_endpoint if pk not in endpoints or not endpoints[pk].enabled]
    _dead_letter_unknown(unusable, items_by_endpoint, endpoints)
    set_attribute("xapi_router.batch_messages", len(bodies))
    delivered = 0
    for endpoint_id, items in items_by_endpoint.items():
        if endpoint_id not in unusable:
            delivered += _guarded(endpoint_id, items, 1, _deliver_to, endpoints[endpoint_id], items, 1)
    return delivered


def retry_items(endpoint_id, items_json, attempt):
    """The ``retry_statements`` task: try again (try number ``attempt + 1``), then retry later or dead-letter."""
    items = [item_from_json(data) for data in items_json]
    endpoint = load_endpoints([endpoint_id]).get(endpoint_id)
    if endpoint is None or not endpoint.enabled:
        _dead_letter_unknown([endpoint_id], {endpoint_id: items}, {endpoint_id: endpoint} if endpoint else {})
        return 0
    return _guarded(endpoint_id, items, attempt + 1, _deliver_to, endpoint, items, attempt + 1)
