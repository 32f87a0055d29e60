"""
Replaying dead letters through the same delivery code the worker uses.

:func:`replay_dead_letters` locks the selected pending rows (``SELECT ... FOR UPDATE SKIP LOCKED``
inside one transaction), so two replays at once never send the same row twice: the second one
skips the rows the first holds and says so in ``skipped_locked``. (SQLite has no row locks: there
one replay at a time is the operator's job.)
"""
import logging
import time
from dataclasses import dataclass

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from openedx_xapi_router.delivery import service
from openedx_xapi_router.delivery.core import Item, chunks
from openedx_xapi_router.models import DeadLetter

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


def _pending(queryset):
    if queryset.query.is_sliced:  # --limit: a sliced queryset cannot be filtered further
        queryset = DeadLetter.objects.filter(pk__in=list(queryset.values_list("pk", flat=True)))
    return queryset.filter(state=DeadLetter.STATE_PENDING)


def replay_dead_letters(queryset, batch_size=None, dry_run=False, retries=2, retry_wait=0.5):
    """
    Re-send the pending dead letters of ``queryset`` synchronously; mark the delivered ones
    ``replayed`` and update attempts, last failure and reason of the others. A chunk the LRS fails
    retryably (5xx, 429, no answer) is tried ``retries`` more times, ``retry_wait`` seconds apart
    (doubling, at least the LRS's ``Retry-After`` up to 30 s), before it counts as still failing.
    Returns a :class:`ReplaySummary`.
    """
    pending = _pending(queryset)
    candidates = pending.count()
    summary = ReplaySummary(dry_run=dry_run)
    with transaction.atomic():
        rows = list(pending.select_for_update(skip_locked=True).select_related("endpoint").order_by("pk"))
        summary.selected = len(rows)
        summary.skipped_locked = max(0, candidates - len(rows))
        if dry_run:
            return summary
        by_endpoint = {}
        for row in rows:
            by_endpoint.setdefault(row.endpoint_id, []).append(row)
        for endpoint_rows in by_endpoint.values():
            delivered, failing = _replay_endpoint(endpoint_rows, batch_size, retries, retry_wait)
            summary.delivered += delivered
            summary.still_failing += failing
    log.info("xapi_router: replay: %s", summary)
    return summary


def _deliver_with_retries(endpoint, chunk, retries, retry_wait):
    result = service.deliver_now(endpoint, chunk, attempts=1)
    delivered = list(result.delivered)
    wait = retry_wait
    for _ in range(retries):
        if not result.retry:
            break
        time.sleep(min(30.0, max(wait, getattr(result.retry_error, "retry_after", None) or 0)))
        wait *= 2
        retry_error = result.retry_error
        result = service.deliver_now(endpoint, result.retry, attempts=1)
        delivered += result.delivered
        result.retry_error = result.retry_error or retry_error
    result.delivered = delivered
    return result


def _replay_endpoint(rows, batch_size, retries, retry_wait):
    endpoint = rows[0].endpoint
    if not endpoint.enabled:
        return 0, len(rows)
    rows_by_id = {row.statement_id: row for row in rows}
    items = [Item(row.statement, row.event_name, row.transformer_version) for row in rows]
    delivered_ids = set()
    for index, chunk in enumerate(chunks(items, batch_size or endpoint.batch_size)):
        result = _deliver_with_retries(endpoint, chunk, retries, retry_wait)
        delivered_ids.update(item.statement_id for item in result.delivered)
        if result.retry:
            retry_rows = [rows_by_id[item.statement_id] for item in result.retry]
            DeadLetter.objects.filter(pk__in=[row.pk for row in retry_rows]).update(
                attempts=F("attempts") + 1, last_failed_at=timezone.now(),
                reason=DeadLetter.REASON_RETRIES_EXHAUSTED, http_status=result.retry_error.status_code,
                detail=str(result.retry_error)[:500],
            )
            log.warning("xapi_router: replay to endpoint %s stopped after chunk %d: %s",
                        endpoint.pk, index + 1, result.retry_error)
            break
    DeadLetter.objects.filter(pk__in=[rows_by_id[sid].pk for sid in delivered_ids]).update(
        state=DeadLetter.STATE_REPLAYED
    )
    return len(delivered_ids), len(rows) - len(delivered_ids)


def discard_dead_letters(queryset):
    """Mark the pending dead letters of ``queryset`` ``discarded``; returns how many."""
    return _pending(queryset).update(state=DeadLetter.STATE_DISCARDED)
