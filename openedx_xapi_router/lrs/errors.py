"""
What an LRS request came to: a successful :class:`LrsResponse`, or an :class:`LrsError` carrying the
:class:`~openedx_xapi_router.delivery.policy.Answer` the delivery policy read, so whoever catches it
(the batch core, the retry scheduling) decides from the same answer.
"""
import enum
from dataclasses import dataclass

import orjson

from openedx_xapi_router.delivery import policy
from openedx_xapi_router.delivery.policy import Action, Answer


class Outcome(enum.Enum):
    """What a successful LRS response was."""

    OK = "ok"
    DUPLICATE = "duplicate"


def _answer_of(status_code, retryable, body_excerpt):
    """The :class:`Answer` an error made without one stands for (test doubles, our own refusals)."""
    if status_code is None:
        return Answer(failure=policy.FAILURE_NOT_SENT if retryable is False else policy.FAILURE_CONNECTION)
    unconfirmed_answer = body_excerpt if retryable and 200 <= status_code < 300 else None
    return Answer(status_code, unconfirmed=unconfirmed_answer)


class LrsError(Exception):
    """
    An LRS request that did not succeed.

    Attributes:
        status_code: the HTTP status, or None when no response came (connection error, timeout).
        body_excerpt: the start of the response body (or the transport error's kind), for humans.
        answer: the :class:`~openedx_xapi_router.delivery.policy.Answer` the policy reads.
        retryable: True when the policy retries the same request (5xx, 429, no whole answer,
            an unconfirmed 200).
    """

    def __init__(self, status_code, body_excerpt, retryable=None, answer=None):
        super().__init__(status_code, body_excerpt, retryable, answer)
        self.status_code = status_code
        self.body_excerpt = body_excerpt
        self.answer = answer or _answer_of(status_code, retryable, body_excerpt)
        self.decision = policy.classify(self.answer)
        self.retryable = self.decision.action is Action.RETRY

    @property
    def retry_after(self):
        """The LRS's ``Retry-After`` in seconds, or None."""
        return self.answer.retry_after

    @property
    def slow(self):
        """True when the request used its whole deadline (the endpoint holds worker slots)."""
        return self.answer.slow

    @property
    def whole_batch(self):
        """True when the error is about the endpoint, not a statement: the batch is not bisected."""
        return self.decision.reason == policy.REASON_MISCONFIGURED

    def __str__(self):
        status = "no response" if self.status_code is None else f"HTTP {self.status_code}"
        kind = "retryable" if self.retryable else "rejected"
        return f"LRS request failed ({status}, {kind}): {self.body_excerpt}"


class RetryableLrsError(LrsError):
    """A retryable :class:`LrsError` (5xx, 429, no whole answer, an unconfirmed 200)."""

    def __init__(self, status_code, body_excerpt, retry_after=None, slow=False, answer=None):
        if answer is None:
            if slow or status_code is None:
                answer = Answer(failure=policy.FAILURE_TIMEOUT if slow else policy.FAILURE_CONNECTION,
                                retry_after=retry_after)
            else:
                answer = Answer(status_code, retry_after=retry_after,
                                unconfirmed=body_excerpt if status_code < 300 else None)
        super().__init__(status_code, body_excerpt, answer=answer)


class MisconfiguredEndpointError(LrsError):
    """
    The endpoint, as configured, cannot take statements: the LRS (or a proxy) redirects them
    elsewhere. Not retryable, and about the whole batch (``whole_batch``: it is not bisected).
    """

    def __init__(self, status_code, body_excerpt, answer=None):
        super().__init__(status_code, body_excerpt, answer=answer or Answer(status_code))


def error_for(answer, decision, status_code, text):
    """The :class:`LrsError` (subclass) for a request the policy did not find delivered."""
    if decision.action is Action.RETRY:
        return RetryableLrsError(status_code, text, answer=answer)
    if decision.reason == policy.REASON_MISCONFIGURED:
        return MisconfiguredEndpointError(status_code, text, answer=answer)
    return LrsError(status_code, text, answer=answer)


@dataclass(frozen=True)
class LrsResponse:
    """A successful (``ok`` or ``duplicate``) LRS response."""

    status_code: int
    outcome: Outcome
    body: bytes

    def json(self):
        """The body parsed as JSON, or None when it is empty."""
        return orjson.loads(self.body) if self.body else None
