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
  delivered is returned for a retry, with the LRS's ``Retry-After`` when it sent one;
* an answer saying the endpoint itself is wrong (a redirect: ``whole_batch`` on the error) rejects
  the whole batch with reason ``misconfigured``, without bisecting;
* a statement the serializer (orjson) refuses (an integer outside -2**63 .. 2**64-1, a string with
  a lone surrogate) is never sent: it is rejected on its own (reason ``unserializable``, the path
  of the value and an excerpt), and the rest of the batch goes on.
"""
import json
import random
from dataclasses import dataclass, field

import orjson

from openedx_xapi_router.lrs.client import LrsError

#: The reasons a :class:`Rejection` carries (the dead letter's ``reason``).
REJECTED = "rejected"
UNSERIALIZABLE = "unserializable"
MISCONFIGURED = "misconfigured"
EXCERPT_LENGTH = 300


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
    """
    A statement refused on its own: by the LRS (``reason`` ``rejected``, the HTTP status and the
    start of the answer), or before sending (``unserializable``, no status, what is wrong).
    """

    item: Item
    status_code: int | None
    detail: str
    reason: str = REJECTED


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


def unserializable_part(value, path="statement"):
    """The path of the first value in ``value`` that orjson refuses and why, or None."""
    kind = type(value)
    if kind is int:
        if not -2**63 <= value < 2**64:
            return f"{path}: integer {value} outside -2**63 .. 2**64-1"
    elif kind is str:
        try:
            value.encode("utf-8")
        except UnicodeEncodeError as error:
            return (f"{path}: string with a lone surrogate at {error.start} "
                    f"({json.dumps(value[max(0, error.start - 20):error.start + 20])})")
    elif kind is dict:
        for key, child in value.items():
            problem = (unserializable_part(key, f"{path} key") if type(key) is str  # pylint: disable=unidiomatic-typecheck
                       else f"{path}: key {key!r} is not a string")
            problem = problem or unserializable_part(child, f"{path}.{key}")
            if problem:
                return problem
    elif kind in (list, tuple):
        for index, child in enumerate(value):
            problem = unserializable_part(child, f"{path}[{index}]")
            if problem:
                return problem
    elif kind is float:
        return None
    elif value is not None and kind is not bool:
        return f"{path}: a {kind.__name__} is not JSON"
    return None


def statement_excerpt(statement, length=EXCERPT_LENGTH):
    """The start of ``statement`` as ASCII JSON (lone surrogates and huge integers written out)."""
    text = json.dumps(statement, ensure_ascii=True, default=repr)
    return text if len(text) <= length else text[:length] + "..."


def split_unserializable(items):
    """``(items orjson can serialise, a Rejection for each other item)``."""
    kept, refused = [], []
    for item in items:
        try:
            orjson.dumps(item.statement)
        except TypeError as error:  # orjson.JSONEncodeError is a TypeError
            problem = unserializable_part(item.statement) or str(error)
            refused.append(Rejection(item, None, f"not serialisable as JSON: {problem[:200]}; "
                                                 f"statement: {statement_excerpt(item.statement)}", UNSERIALIZABLE))
        else:
            kept.append(item)
    return kept, refused


def deliver_batch(post, items):
    """
    Send ``items`` (a list of :class:`Item`) with ``post(list_of_statement_dicts)``.

    ``post`` returns normally for delivered (2xx, 409) and raises :class:`LrsError` otherwise. The
    batch is de-duplicated first; a rejected batch is bisected to find the statements the LRS
    refuses; a retryable failure returns every item not yet delivered in ``retry``.
    """
    items, refused = split_unserializable(items)
    items, duplicates = dedupe(items)
    result = BatchResult(duplicates=duplicates, rejected=refused)
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
            if getattr(error, "whole_batch", False):  # the endpoint itself is wrong (a redirect): no bisection
                result.rejected += [Rejection(item, error.status_code, error.body_excerpt, MISCONFIGURED)
                                    for item in chunk + [item for rest in pending for item in rest]]
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
