"""
The pure core of delivery: what to do with one batch of statements for one LRS endpoint.

Nothing here touches Django, Celery or the network. :func:`deliver_batch` takes the statements and
a ``post`` callable (the transport: POST a list of statement dicts, return normally on 2xx/409,
raise :class:`~openedx_xapi_router.lrs.client.LrsError` otherwise) and returns a
:class:`BatchResult` saying which statements were delivered, which the LRS rejected (with status
and body excerpt), and which must be retried later. The Celery tasks, the replay command and the
tests all drive this one function.

Rules (see README, "Live delivery"):

* statement ids are de-duplicated within a batch before anything is sent (Ralph answers 400
  "Duplicate statement IDs" otherwise);
* 2xx means delivered; 409 for one statement means delivered (the LRS already holds a statement
  with that id); 409 for a batch is bisected, since the LRS stored none of it;
* a non-retryable answer (400, 422, any 4xx but 409/429) is bisected: the batch is split in halves
  until each rejected statement stands alone; the rest is delivered;
* a retryable answer (5xx, 429, timeout, connection error) stops the batch: everything not yet
  delivered is returned for a retry, with the LRS's ``Retry-After`` when it sent one.
"""
import random
from dataclasses import dataclass, field

from openedx_xapi_router.lrs.client import LrsError


@dataclass(frozen=True)
class Item:
    """
    One statement on its way to one endpoint.

    Attributes:
        statement: the statement dict (carries its deterministic ``id``).
        event_name: the tracking event it was made from (kept on a dead letter).
        transformer_version: the transformer's id, ``<package>@<v>/<event>@<version>``.
    """

    statement: dict
    event_name: str = ""
    transformer_version: str = ""

    @property
    def statement_id(self):
        """The statement's id (always set: the transformers make deterministic ids)."""
        return self.statement.get("id", "")


@dataclass(frozen=True)
class Rejection:
    """A statement the LRS refused on its own: the HTTP status and the start of the answer."""

    item: Item
    status_code: int | None
    detail: str


@dataclass
class BatchResult:
    """
    What happened to a batch.

    Attributes:
        delivered: items the LRS accepted (or already held).
        rejected: :class:`Rejection` for each item the LRS refused on its own.
        retry: items still to send, because the LRS (or the way to it) failed retryably.
        retry_error: that retryable :class:`LrsError` (None when ``retry`` is empty).
        duplicates: items dropped because an earlier item in the batch had the same id.
        requests: POST requests made.
    """

    delivered: list = field(default_factory=list)
    rejected: list = field(default_factory=list)
    retry: list = field(default_factory=list)
    retry_error: LrsError | None = None
    duplicates: int = 0
    requests: int = 0
    last_status: int | None = None


def dedupe(items):
    """``items`` without a second item of the same statement id (the first one wins), and the drop count."""
    seen = set()
    kept = []
    for item in items:
        statement_id = item.statement_id
        if statement_id in seen:
            continue
        seen.add(statement_id)
        kept.append(item)
    return kept, len(items) - len(kept)


def deliver_batch(post, items):
    """
    Send ``items`` (a list of :class:`Item`) with ``post(list_of_statement_dicts)``.

    ``post`` returns normally for delivered (2xx, 409) and raises :class:`LrsError` otherwise. The
    batch is de-duplicated first; a rejected batch is bisected to find the statements the LRS
    refuses; a retryable failure returns every item not yet delivered in ``retry``.
    """
    items, duplicates = dedupe(items)
    result = BatchResult(duplicates=duplicates)
    pending = [items] if items else []
    while pending:
        chunk = pending.pop(0)
        result.requests += 1
        try:
            response = post([item.statement for item in chunk])
        except LrsError as error:
            result.last_status = error.status_code
            if error.retryable:
                result.retry = chunk + [item for rest in pending for item in rest]
                result.retry_error = error
                return result
            if len(chunk) == 1:
                result.rejected.append(Rejection(chunk[0], error.status_code, error.body_excerpt))
            else:
                middle = len(chunk) // 2
                pending[0:0] = [chunk[:middle], chunk[middle:]]
            continue
        result.last_status = getattr(response, "status_code", None)
        if result.last_status == 409 and len(chunk) > 1:
            # One statement of the batch is already held with other content, and the LRS stored
            # none of the batch (the xAPI spec allows it; Ralph does it): split it like a rejected
            # batch until each 409 stands alone, so the batch's new statements are still sent.
            middle = len(chunk) // 2
            pending[0:0] = [chunk[:middle], chunk[middle:]]
            continue
        result.delivered.extend(chunk)
    return result


def backoff_seconds(attempt, retry_after=None, base=2.0, cap=600.0, rng=random.random):
    """
    Seconds to wait before retry number ``attempt`` (1 for the first retry): exponential
    (``base * 2**(attempt-1)``, at most ``cap``) with full jitter in its upper half, and never less
    than the LRS's ``Retry-After``.
    """
    ceiling = min(cap, base * (2 ** max(0, attempt - 1)))
    delay = ceiling / 2 + rng() * ceiling / 2
    if retry_after is not None:
        delay = max(delay, float(retry_after))
    return min(delay, max(cap, float(retry_after or 0)))


def chunks(items, size):
    """``items`` in lists of at most ``size``."""
    size = max(1, int(size))
    return [items[start:start + size] for start in range(0, len(items), size)]
