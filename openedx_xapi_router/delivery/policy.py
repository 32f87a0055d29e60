"""
The one delivery policy: what to do after one answer of an LRS (or a failure to get one).

Pure functions, no Django, no I/O. Every path that sends statements uses them: the LRS client (to
follow a redirect, to know a delivery from a failure), the pure batch core (split or not), the
worker's retry scheduling, the backfill's LRS destination and replay.

* :func:`classify` reads one :class:`Answer` and the size of the batch it answers: the statements
  are ``delivered``, the batch is ``split`` (bisected to isolate what the LRS refuses), the same
  request is ``follow``-ed to a new URL (307/308 to the same origin), it is to be ``retry``-ed, or
  its statements become dead letters (``dead_letter`` with a reason).
* :func:`after_retryable` says when a retryable failure at try ``attempt`` is tried again
  (exponential back-off with jitter, never before the LRS's ``Retry-After``), or that the
  statements become dead letters (``retries_exhausted``) once the endpoint's ``retry_limit`` is
  used up.
* :func:`decide` is both: the whole decision for one answer at try ``attempt``.

The table (xAPI 1.0.3, Statement Resource; Ralph's answers, see ``ralph/api/routers/statements.py``):

===================================================  ===================================================
answer                                               decision
===================================================  ===================================================
2xx with the list of the POSTed ids; 204; 409 alone  delivered (409: the LRS holds that id already)
200 whose body is not that list (truncated, HTML)    retry (not confirmed)
409 for a batch of more than one                     split (the LRS stored none of it)
400, 404, 413, 422, any other 4xx                    split; alone: dead letter ``rejected``
301, 302, 303                                        dead letter ``misconfigured`` (would become a GET)
307, 308 to the same origin                          follow (at most ``MAX_REDIRECTS``), same POST
307, 308 elsewhere, or no ``Location``               dead letter ``misconfigured`` (no credentials sent)
429, 5xx; timeout, reset, refused, deadline          retry (``Retry-After`` honoured)
===================================================  ===================================================
"""
import enum
import random
from dataclasses import dataclass

#: The defaults of every retry schedule (the worker's ``XAPI_ROUTER_RETRY_BACKOFF_BASE`` and
#: ``XAPI_ROUTER_RETRY_BACKOFF_MAX`` settings default to these; the backfill uses the same).
DEFAULT_BACKOFF_BASE = 2.0
DEFAULT_BACKOFF_MAX = 600.0
#: Redirects followed (307/308, same origin) before a request counts as misconfigured.
MAX_REDIRECTS = 3

#: The reasons of a ``dead_letter`` decision (the dead letter's ``reason``).
REASON_REJECTED = "rejected"
REASON_MISCONFIGURED = "misconfigured"
REASON_RETRIES_EXHAUSTED = "retries_exhausted"

#: The transport failures an :class:`Answer` may carry instead of a status.
FAILURE_TIMEOUT = "timeout"  # no answer within the deadline (connect, send, or the whole answer)
FAILURE_CONNECTION = "connection"  # refused, reset, DNS, TLS...
FAILURE_BROKEN = "broken_answer"  # the answer started, then broke off (reset mid-body, Content-Length not met)
FAILURE_NOT_SENT = "not_sent"  # we refused to send it (a link to another origin): never retried
SLOW_FAILURES = frozenset({FAILURE_TIMEOUT})
RETRYABLE_FAILURES = frozenset({FAILURE_TIMEOUT, FAILURE_CONNECTION, FAILURE_BROKEN})


class Action(enum.Enum):
    """What to do with the statements of one request."""

    DELIVERED = "delivered"
    SPLIT = "split"
    FOLLOW = "follow"
    RETRY = "retry"
    DEAD_LETTER = "dead_letter"


@dataclass(frozen=True)
class Answer:
    """
    What one request got back, as the policy reads it.

    Attributes:
        status: the HTTP status, or None when no (whole) answer came: then ``failure`` says why.
        failure: one of the ``FAILURE_*`` kinds, or None.
        retry_after: the LRS's ``Retry-After``, in seconds, or None.
        location: a redirect's ``Location``, resolved against the request URL ("" when absent).
        same_origin: True when ``location`` has the origin of the request URL.
        unconfirmed: why a 200 does not confirm a statements POST (None when it does, or for
            any other request).
    """

    status: int | None = None
    failure: str | None = None
    retry_after: float | None = None
    location: str = ""
    same_origin: bool = False
    unconfirmed: str | None = None

    @property
    def slow(self):
        """True when the request used its whole deadline (the endpoint held a worker slot that long)."""
        return self.failure in SLOW_FAILURES


@dataclass(frozen=True)
class RetrySchedule:
    """
    How a retryable failure is retried: the endpoint's ``retry_limit`` and the back-off.

    Attributes:
        retry_limit: retries after the first try; try ``retry_limit + 1`` failing makes dead letters.
        backoff_base: seconds before the first retry (the upper bound: jitter takes up to half off).
        backoff_max: the back-off's cap; a longer ``Retry-After`` still wins, up to ``retry_after_max``.
        retry_after_max: the longest ``Retry-After`` honoured (None: any); a synchronous caller
            (replay) that cannot wait for long sets it.
        jitter: False for an exact schedule (``backoff_base`` doubling).
    """

    retry_limit: int
    backoff_base: float = DEFAULT_BACKOFF_BASE
    backoff_max: float = DEFAULT_BACKOFF_MAX
    retry_after_max: float | None = None
    jitter: bool = True


@dataclass(frozen=True)
class Decision:
    """
    What to do with one request's statements.

    Attributes:
        action: an :class:`Action`.
        reason: for ``dead_letter``, one of the ``REASON_*`` values.
        delay: for ``retry``, seconds to wait (None from :func:`classify`: it does not know the try).
        detail: why, for humans (the dead letter's or the log line's text).
        location: for ``follow``, the URL to send the same request to.
    """

    action: Action
    reason: str | None = None
    delay: float | None = None
    detail: str = ""
    location: str = ""


DELIVERED = Decision(Action.DELIVERED)
SPLIT = Decision(Action.SPLIT)


def _redirect(answer, redirects):
    status = answer.status
    if status in (307, 308) and answer.location and answer.same_origin:
        if redirects < MAX_REDIRECTS:
            return Decision(Action.FOLLOW, location=answer.location)
        return Decision(Action.DEAD_LETTER, REASON_MISCONFIGURED,
                        detail=f"more than {MAX_REDIRECTS} redirects (last to {answer.location})")
    where = answer.location or "(no Location)"
    why = ("another origin: the credentials are not sent there" if status in (307, 308)
           else "the POST would become a GET")
    return Decision(Action.DEAD_LETTER, REASON_MISCONFIGURED,
                    detail=f"the LRS redirects to {where} (HTTP {status}; {why}): fix the endpoint's statements URL")


def classify(answer, batch_size=1, redirects=0):
    """
    The :class:`Decision` for ``answer`` to a request carrying ``batch_size`` statements, after
    ``redirects`` redirects already followed; a ``retry`` has no delay yet (see :func:`decide`).
    """
    status = answer.status
    if status is None:
        if answer.failure in RETRYABLE_FAILURES:
            return Decision(Action.RETRY, detail=f"no answer ({answer.failure})")
        return Decision(Action.DEAD_LETTER, REASON_REJECTED, detail=f"not sent ({answer.failure})")
    if 200 <= status < 300:
        if status == 200 and answer.unconfirmed:
            return Decision(Action.RETRY, detail=f"delivery not confirmed: {answer.unconfirmed}")
        return DELIVERED
    if 300 <= status < 400:
        return _redirect(answer, redirects)
    if status == 429 or status >= 500:
        return Decision(Action.RETRY, detail=f"HTTP {status}")
    if batch_size > 1:  # 409 (the LRS stored none of the batch) or a refusal: isolate the culprits
        return SPLIT
    if status == 409:  # the LRS already holds a statement with this id
        return DELIVERED
    return Decision(Action.DEAD_LETTER, REASON_REJECTED, detail=f"HTTP {status}")


def backoff_seconds(attempt, retry_after=None, base=DEFAULT_BACKOFF_BASE, cap=DEFAULT_BACKOFF_MAX,
                    rng=random.random):
    """
    Seconds to wait before retry number ``attempt`` (1 for the first retry): exponential
    (``base * 2**(attempt-1)``, at most ``cap``) with full jitter in its upper half (``rng`` in
    [0, 1]; ``lambda: 1.0`` for none), and never less than the LRS's ``Retry-After``.
    """
    ceiling = min(cap, base * (2 ** max(0, attempt - 1)))
    delay = ceiling / 2 + rng() * ceiling / 2
    if retry_after is not None:
        delay = max(delay, float(retry_after))
    return min(delay, max(cap, float(retry_after or 0)))


def after_retryable(attempt, retry_after, schedule, rng=random.random, detail=""):
    """
    After a retryable failure of try number ``attempt`` (1 for the first try): ``retry`` in
    ``delay`` seconds, or ``dead_letter`` (``retries_exhausted``) once ``schedule.retry_limit``
    retries are used up.
    """
    if attempt > schedule.retry_limit:
        return Decision(Action.DEAD_LETTER, REASON_RETRIES_EXHAUSTED,
                        detail=detail or f"retries exhausted after {attempt} tries")
    if retry_after is not None and schedule.retry_after_max is not None:
        retry_after = min(float(retry_after), schedule.retry_after_max)
    delay = backoff_seconds(attempt, retry_after, base=schedule.backoff_base, cap=schedule.backoff_max,
                            rng=rng if schedule.jitter else _no_jitter)
    return Decision(Action.RETRY, delay=delay, detail=detail)


def _no_jitter():
    return 1.0


def decide(answer, attempt, batch_size, schedule, redirects=0, rng=random.random):
    """The whole :class:`Decision` for ``answer`` at try ``attempt``: :func:`classify`, then :func:`after_retryable`."""
    decision = classify(answer, batch_size, redirects)
    if decision.action is Action.RETRY:
        return after_retryable(attempt, answer.retry_after, schedule, rng=rng, detail=decision.detail)
    return decision
