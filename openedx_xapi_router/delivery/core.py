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
* what an answer means is the delivery policy's (:mod:`.policy`, one table): delivered, split
  (a refused batch, or a 409 for a batch, is bisected until each refused statement stands alone;
  the rest is delivered), retry (everything not yet delivered is returned for a retry, with the
  LRS's ``Retry-After`` when it sent one), or a dead letter: ``rejected`` for a statement on its
  own, ``misconfigured`` for the whole batch (a redirect: the endpoint itself is wrong, no bisection);
* a statement of another format than the endpoint's (a Caliper event queued for an endpoint that
  was switched to xAPI since, or the reverse) is never sent: it is a dead letter ``misconfigured``
  (:func:`split_foreign`); the format of a statement is read off the statement itself
  (:func:`statement_format`: a Caliper event carries the Caliper 1.2 ``@context``);
* a statement the serializer (orjson) refuses (an integer outside -2**63 .. 2**64-1, a string with
  a lone surrogate) is never sent: it is rejected on its own (reason ``unserializable``, the path
  of the value and an excerpt), and the rest of the batch goes on.
"""
import json
from dataclasses import dataclass, field

import orjson

from openedx_xapi_router.core.registry import CALIPER, XAPI
from openedx_xapi_router.delivery import policy
from openedx_xapi_router.delivery.policy import Action, Answer
# Re-exported: delivery/circuit.py (and tests) import it from here.
from openedx_xapi_router.delivery.policy import backoff_seconds  # noqa: F401  # pylint: disable=unused-import
from openedx_xapi_router.lrs.errors import LrsError
from openedx_xapi_router.transformers.caliper.vocab import CONTEXT as CALIPER_CONTEXT

#: The reasons a :class:`Rejection` carries (the dead letter's ``reason``).
REJECTED = policy.REASON_REJECTED
UNSERIALIZABLE = "unserializable"
MISCONFIGURED = policy.REASON_MISCONFIGURED
EXCERPT_LENGTH = 300


def statement_format(statement):
    """``"caliper"`` for a Caliper 1.2 event (its ``@context``), else ``"xapi"`` (an xAPI statement has none)."""
    return CALIPER if statement.get("@context") == CALIPER_CONTEXT else XAPI


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
        """The statement's id (always set: the transformers make deterministic ids; Caliper: ``urn:uuid:...``)."""
        return self.statement.get("id", "")

    @property
    def output_format(self):
        """The statement's format, read off the statement (:func:`statement_format`)."""
        return statement_format(self.statement)


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


def split_foreign(items, output_format):
    """``(items of ``output_format``, a misconfigured Rejection for each item of another format)``."""
    kept, refused = [], []
    for item in items:
        found = item.output_format
        if found == output_format:
            kept.append(item)
        else:
            refused.append(Rejection(item, None, f"a {found} statement, but the endpoint takes {output_format} now "
                                                 "(its format was changed after this was made): replay it after "
                                                 "changing the format back, or discard it", MISCONFIGURED))
    return kept, refused


def _answer_of_response(response):
    """The :class:`~.policy.Answer` of what ``post`` returned (a status; a test double may return None)."""
    return Answer(getattr(response, "status_code", None) or 200)


def deliver_batch(post, items, output_format=XAPI):
    """
    Send ``items`` (a list of :class:`Item`) with ``post(list_of_statement_dicts)`` to an endpoint
    that takes ``output_format`` (an item of another format is refused: :func:`split_foreign`).

    ``post`` returns normally for delivered (2xx, 409) and raises :class:`LrsError` otherwise; what
    each answer means for the batch is the policy's (:func:`~.policy.classify`). The batch is
    de-duplicated first; a refused batch is bisected to find the statements the LRS refuses; a
    retryable failure returns every item not yet delivered in ``retry``.
    """
    items, foreign = split_foreign(items, output_format)
    items, refused = split_unserializable(items)
    items, duplicates = dedupe(items)
    result = BatchResult(duplicates=duplicates, rejected=foreign + refused)
    pending = [items] if items else []
    while pending:
        chunk = pending.pop(0)
        result.requests += 1
        try:
            response = post([item.statement for item in chunk])
        except LrsError as error:
            result.last_status = error.status_code
            decision = policy.classify(error.answer, len(chunk))
            if decision.action is Action.RETRY:
                result.retry = chunk + [item for rest in pending for item in rest]
                result.retry_error = error
                return result
            if decision.reason == MISCONFIGURED:  # the endpoint itself is wrong (a redirect): no bisection
                result.rejected += [Rejection(item, error.status_code, error.body_excerpt, MISCONFIGURED)
                                    for item in chunk + [item for rest in pending for item in rest]]
                return result
            if decision.action is Action.DEAD_LETTER:  # refused (the policy splits a batch down to one statement)
                detail = error.body_excerpt
                if error.status_code == 413:  # too large even alone: say how large
                    detail = (f"HTTP 413: the statement alone is {body_bytes([chunk[0].statement])} bytes as a "
                              f"POST body, more than the LRS (or a proxy in front of it) accepts; {detail}")
                result.rejected += [Rejection(item, error.status_code, detail) for item in chunk]
                continue
        else:
            result.last_status = getattr(response, "status_code", None)
            decision = policy.classify(_answer_of_response(response), len(chunk))
        if decision.action is Action.SPLIT:
            # A refused batch, or a 409 for a batch (one statement of it is already held with other
            # content, and the LRS stored none of it; the xAPI spec allows it, Ralph does it): split
            # it until each refused statement stands alone, so the others are still sent.
            middle = len(chunk) // 2
            pending[0:0] = [chunk[:middle], chunk[middle:]]
        else:
            result.delivered.extend(chunk)
    return result


def chunks(items, size, max_bytes=None, overhead=2):
    """
    ``items`` in lists of at most ``size`` whose POST body is at most ``max_bytes`` (None: no byte
    limit): ``overhead`` bytes around the statements (2, ``[`` and ``]``, for xAPI's array; a
    Caliper envelope's own size for Caliper) plus each statement and a comma between two; an
    item too large on its own makes a list alone.
    """
    size = max(1, int(size))
    if max_bytes is None:
        return [items[start:start + size] for start in range(0, len(items), size)]
    batcher = ByteBatcher(size, max_bytes, overhead)
    batches = [batch for item in items for batch in batcher.add(item)]
    last = batcher.take()
    return batches + ([last] if last else [])


def statement_bytes(statement):
    """The bytes ``statement`` takes in a POST body (0 when orjson refuses it: it is never sent)."""
    try:
        return len(orjson.dumps(statement))
    except TypeError:
        return 0


def body_bytes(statements):
    """The size of the POST body of ``statements``: ``[`` + the statements joined by ``,`` + ``]``."""
    return 2 + sum(statement_bytes(statement) for statement in statements) + max(0, len(statements) - 1)


class ByteBatcher:
    """
    Forms batches of at most ``size`` items and ``max_bytes`` bytes of POST body, item by item:
    :meth:`add` returns the batches an item completes (none or one, or two when an item too large
    on its own closes the open batch and goes alone), :meth:`take` the open batch. ``overhead``:
    the bytes of the body around the statements (2 for xAPI's ``[`` and ``]``; a Caliper
    envelope's, :func:`openedx_xapi_router.lrs.messages.caliper_body_overhead`).
    """

    def __init__(self, size, max_bytes, overhead=2):
        self.size = max(1, int(size))
        self.max_bytes = max_bytes
        self.overhead = overhead
        self.items = []
        self.bytes = overhead

    def add(self, item):
        """Add ``item``; the batches now complete."""
        cost = statement_bytes(item.statement) + (1 if self.items else 0)
        done = []
        if self.items and self.bytes + cost > self.max_bytes:
            done.append(self.take())
            cost -= 1
        self.items.append(item)
        self.bytes += cost
        if len(self.items) >= self.size or self.bytes >= self.max_bytes:
            done.append(self.take())
        return done

    def take(self):
        """The open batch (maybe empty), and start a new one."""
        items, self.items, self.bytes = self.items, [], self.overhead
        return items
