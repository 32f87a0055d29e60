"""
Replaying dead letters through the same delivery code the worker uses.

:func:`replay_dead_letters` holds no lock and no transaction across an HTTP request. It claims the
selected pending rows in one short transaction (``SELECT ... FOR UPDATE SKIP LOCKED``, then state
``replaying`` and ``claimed_at``; committed at once), then delivers them, then records each chunk's
outcome in its own short update: delivered rows become ``replayed``, the others go back to
``pending``. Two replays at once never send the same row twice: the second one finds the rows
claimed and says so in ``skipped_locked``. A replay that dies leaves its rows ``replaying``; a
claim older than ``CLAIM_TIMEOUT`` is taken over by the next replay.
"""
import logging
import time
from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from openedx_xapi_router.delivery import policy, service
from openedx_xapi_router.delivery.core import Item, chunks
from openedx_xapi_router.models import DeadLetter, LrsEndpoint

log = logging.getLogger(__name__)


@dataclass
class ReplaySummary:
    """
    The outcome of one replay.

    Attributes:
        selected: pending rows locked by this replay.
        delivered: rows whose statement the LRS accepted (now ``replayed``).
        still_failing: rows still pending (rejected again, LRS failing, or endpoint disabled).
        skipped_locked: pending rows another replay held (not touched).
        dry_run: nothing was sent or changed.
    """

    selected: int = 0
    delivered: int = 0
    still_failing: int = 0
    skipped_locked: int = 0
    dry_run: bool = False

    def __str__(self):
        if self.dry_run:
            return (f"dry run: {self.selected} pending dead letters would be replayed "
                    f"({self.skipped_locked} held by another replay)")
        return (f"{self.selected} selected, {self.delivered} delivered, {self.still_failing} still failing, "
                f"{self.skipped_locked} skipped (held by another replay)")


#: Replay is synchronous (a command, a task): the policy's schedule for it waits ``retry_wait``
#: seconds, doubling, never longer than this (a longer ``Retry-After`` is cut to it).
REPLAY_WAIT_MAX = 30.0


def replay_schedule(retries, retry_wait):
    """The delivery policy's :class:`~.policy.RetrySchedule` for a replay: exact, short waits."""
    return policy.RetrySchedule(retry_limit=retries, backoff_base=retry_wait, backoff_max=REPLAY_WAIT_MAX,
                                retry_after_max=REPLAY_WAIT_MAX, jitter=False)


#: A ``replaying`` row claimed longer ago than this is taken over by the next replay (its replay died).
CLAIM_TIMEOUT = timedelta(minutes=30)


def _unsliced(queryset):
    if queryset.query.is_sliced:  # --limit: a sliced queryset cannot be filtered further
        queryset = DeadLetter.objects.filter(pk__in=list(queryset.values_list("pk", flat=True)))
    return queryset


def _pending(queryset):
    return _unsliced(queryset).filter(state=DeadLetter.STATE_PENDING)


def _claimable(queryset, now):
    """Pending rows, and rows whose replay claimed them more than ``CLAIM_TIMEOUT`` ago."""
    stale = Q(state=DeadLetter.STATE_REPLAYING) & (Q(claimed_at__lt=now - CLAIM_TIMEOUT) | Q(claimed_at=None))
    return _unsliced(queryset).filter(Q(state=DeadLetter.STATE_PENDING) | stale)


def claim(queryset, now=None):
    """
    Claim the claimable rows of ``queryset`` for this replay, in one short transaction; returns
    ``(claimed pks, rows held by another replay)``.
    """
    now = now or timezone.now()
    queryset = _unsliced(queryset)
    held = queryset.filter(state=DeadLetter.STATE_REPLAYING, claimed_at__gte=now - CLAIM_TIMEOUT)
    with transaction.atomic():
        candidates = _claimable(queryset, now)
        pks = list(candidates.select_for_update(skip_locked=True).order_by("pk").values_list("pk", flat=True))
        locked = candidates.count() - len(pks)  # rows another replay is claiming right now
        DeadLetter.objects.filter(pk__in=pks).update(state=DeadLetter.STATE_REPLAYING, claimed_at=now)
    return pks, held.exclude(pk__in=pks).count() + max(0, locked)


def replay_dead_letters(queryset, batch_size=None, dry_run=False, retries=2, retry_wait=0.5):
    """
    Re-send the pending dead letters of ``queryset`` synchronously; mark the delivered ones
    ``replayed`` and update attempts, last failure and reason of the others (back to ``pending``).
    A chunk the LRS fails retryably (5xx, 429, no answer) is tried ``retries`` more times, as the
    delivery policy schedules it (:func:`replay_schedule`: ``retry_wait`` seconds, doubling, at least
    the LRS's ``Retry-After``, never more than ``REPLAY_WAIT_MAX``), before it counts as still failing.
    Returns a :class:`ReplaySummary`.
    """
    summary = ReplaySummary(dry_run=dry_run)
    if dry_run:
        now = timezone.now()
        summary.selected = _claimable(queryset, now).count()
        summary.skipped_locked = _unsliced(queryset).filter(
            state=DeadLetter.STATE_REPLAYING, claimed_at__gte=now - CLAIM_TIMEOUT).count()
        return summary
    pks, summary.skipped_locked = claim(queryset)
    summary.selected = len(pks)
    try:
        rows = list(DeadLetter.objects.filter(pk__in=pks).select_related("endpoint").order_by("pk"))
        by_endpoint = {}
        for row in rows:
            by_endpoint.setdefault(row.endpoint_id, []).append(row)
        for endpoint_id, endpoint_rows in by_endpoint.items():
            replay = _replay_endpoint if endpoint_id is not None else _replay_of_deleted_endpoints
            delivered, failing = replay(endpoint_rows, batch_size, replay_schedule(retries, retry_wait))
            summary.delivered += delivered
            summary.still_failing += failing
    finally:
        # Whatever this replay claimed and did not record (it stopped early, or failed) is pending again.
        DeadLetter.objects.filter(pk__in=pks, state=DeadLetter.STATE_REPLAYING).update(
            state=DeadLetter.STATE_PENDING, claimed_at=None
        )
    log.info("xapi_router: replay: %s", summary)
    return summary


def _deliver_with_retries(endpoint, chunk, schedule):
    result = service.deliver_now(endpoint, chunk, attempts=1)
    delivered = list(result.delivered)
    for attempt in range(1, schedule.retry_limit + 2):  # the policy says dead letter at retry_limit + 1
        if not result.retry:
            break
        decision = policy.after_retryable(attempt, result.retry_error.retry_after, schedule)
        if decision.action is not policy.Action.RETRY:
            break
        time.sleep(decision.delay)
        retry_error = result.retry_error
        result = service.deliver_now(endpoint, result.retry, attempts=1)
        delivered += result.delivered
        result.retry_error = result.retry_error or retry_error
    result.delivered = delivered
    return result


def _replay_of_deleted_endpoints(rows, batch_size, schedule):
    """
    Rows whose endpoint was deleted go to the endpoint that has its name again (``endpoint_name``);
    rows with no such endpoint (or no name: queued statements of an endpoint deleted before they
    were delivered) stay pending, counted as still failing, until an operator discards them.
    """
    by_name = {}
    for row in rows:
        by_name.setdefault(row.endpoint_name, []).append(row)
    endpoints = {endpoint.name: endpoint for endpoint in LrsEndpoint.objects.filter(name__in=[n for n in by_name if n])}
    delivered_total = failing_total = 0
    for name, named_rows in by_name.items():
        endpoint = endpoints.get(name)
        if endpoint is None:
            log.warning("xapi_router: replay: %d dead letters of a deleted endpoint%s have no endpoint to go to: "
                        "create an endpoint of that name, or discard them", len(named_rows),
                        f" named {name!r}" if name else " (name unknown)")
            failing_total += len(named_rows)
            continue
        delivered, failing = _replay_endpoint(named_rows, batch_size, schedule, endpoint=endpoint)
        delivered_total += delivered
        failing_total += failing
    return delivered_total, failing_total


def _replay_endpoint(rows, batch_size, schedule, endpoint=None):
    endpoint = endpoint or rows[0].endpoint
    if not endpoint.enabled:
        return 0, len(rows)
    rows_by_id = {row.statement_id: row for row in rows}
    items = [Item(row.statement, row.event_name, row.transformer_version) for row in rows]
    delivered_total = 0
    try:  # a Caliper endpoint's bodies are envelopes: cut by their bytes (the client knows them)
        overhead = service.usable_client(endpoint).body_overhead
    except service.UnusableConfiguration:
        overhead = 2  # the first chunk below is dead-lettered as misconfigured, and the replay stops
    size = batch_size or endpoint.batch_size
    for index, chunk in enumerate(chunks(items, size, endpoint.max_body_bytes, overhead)):
        try:
            service.usable_client(endpoint)
        except service.UnusableConfiguration as error:
            service.dead_letter_unusable(endpoint, chunk, error)
            log.warning("xapi_router: replay to endpoint %s stopped: %s", endpoint.pk, error)
            break
        result = _deliver_with_retries(endpoint, chunk, schedule)
        delivered_ids = {item.statement_id for item in result.delivered}
        # Recorded at once, chunk by chunk (autocommit: no lock outlives the update). deliver_now
        # already dead-lettered the rejected rows again (attempts, reason, detail; state pending).
        DeadLetter.objects.filter(pk__in=[rows_by_id[sid].pk for sid in delivered_ids]).update(
            state=DeadLetter.STATE_REPLAYED, claimed_at=None
        )
        delivered_total += len(delivered_ids)
        if result.retry:
            retry_rows = [rows_by_id[item.statement_id] for item in result.retry]
            DeadLetter.objects.filter(pk__in=[row.pk for row in retry_rows]).update(
                attempts=F("attempts") + 1, last_failed_at=timezone.now(),
                reason=DeadLetter.REASON_RETRIES_EXHAUSTED, http_status=result.retry_error.status_code,
                detail=str(result.retry_error)[:500], state=DeadLetter.STATE_PENDING, claimed_at=None,
            )
            log.warning("xapi_router: replay to endpoint %s stopped after chunk %d: %s",
                        endpoint.pk, index + 1, result.retry_error)
            break
    return delivered_total, len(rows) - delivered_total


def for_endpoint(queryset, endpoint):
    """The rows of ``queryset`` that a replay to ``endpoint`` sends: its own, and those of a deleted endpoint
    of the same name."""
    return queryset.filter(Q(endpoint=endpoint) | Q(endpoint__isnull=True, endpoint_name=endpoint.name))


def discard_dead_letters(queryset):
    """Mark the pending dead letters of ``queryset`` ``discarded``; returns how many."""
    return _pending(queryset).update(state=DeadLetter.STATE_DISCARDED)
