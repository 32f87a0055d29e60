"""
The one delivery policy, table-driven over every answer kind, with exact decisions.

The contract is the answer of a statements POST as the producer of that answer writes it:

* xAPI 1.0.3, Statement Resource, POST: the LRS answers 200 with the array of the ids it stored;
* Ralph (ralph-malph 5.1.0, the LRS this project runs, ``.venv-ralph``; openfun/ralph,
  ``src/ralph/api/routers/statements.py``, ``_post_statements_standard``, stored here at commit
  44eb17a72d5326b6ac56cba7521efbcd524d779a): 200 with ``list(statements_dict)`` (the ids it
  stored), 204 when it held them all, 409 "Differing statements already exist with the same ID"
  for a batch storing nothing, 400 for duplicate ids, FastAPI's 422 for an invalid statement;
* RFC 9110 15.4: after 301/302/303 a client may (and ``requests`` does) re-send a POST as a GET;
  307/308 keep the method; RFC 9110 10.2.3 ``Retry-After`` (delta-seconds or an HTTP date).

The answers a body gives are read with the client's own readers (``unconfirmed``,
``parse_retry_after``), so the table checks what the client hands the policy, not a stand-in.
"""
import pytest

from openedx_xapi_router.delivery import policy
from openedx_xapi_router.delivery.policy import Action, Answer, Decision, RetrySchedule
from openedx_xapi_router.delivery.replay import replay_schedule
from openedx_xapi_router.lrs.messages import parse_retry_after, unconfirmed

POSTED = ["3f1c0a6e-0000-4000-8000-000000000001", "3f1c0a6e-0000-4000-8000-000000000002"]
LMS = "https://lrs.example.org/xAPI/statements"
WORKER = RetrySchedule(retry_limit=5)  # the defaults: base 2 s doubling, cap 600 s, jitter


def high():
    """The top of the jitter range: the delay is the back-off's ceiling."""
    return 1.0



def ok_200(body):
    return Answer(200, unconfirmed=unconfirmed(body, POSTED))


def redirect(status, location, same_origin):
    return Answer(status, location=location, same_origin=same_origin)


MISCONFIGURED_GET = "the POST would become a GET"
ELSEWHERE = "another origin: the credentials are not sent there"

# (id, answer, batch size, attempt, expected decision): every answer kind of the brief.
TABLE = [
    ("200-ids-all", ok_200(b'["%s","%s"]' % (POSTED[0].encode(), POSTED[1].encode())), 2, 1,
     Decision(Action.DELIVERED)),
    ("200-ids-some (ralph leaves out held ids)", ok_200(b'["%s"]' % POSTED[1].encode()), 2, 1,
     Decision(Action.DELIVERED)),
    ("204-all-held", Answer(204), 2, 1, Decision(Action.DELIVERED)),
    ("200-truncated", ok_200(b'["3f1c0a6e-0000-40'), 2, 1,
     Decision(Action.RETRY, delay=2.0,
              detail="delivery not confirmed: the answer is not JSON (truncated, or not from the LRS)")),
    ("200-html-from-proxy", ok_200(b"<html><body>Welcome to nginx!</body></html>"), 2, 2,
     Decision(Action.RETRY, delay=4.0,
              detail="delivery not confirmed: the answer is not JSON (truncated, or not from the LRS)")),
    ("200-empty-list", ok_200(b"[]"), 2, 1,
     Decision(Action.RETRY, delay=2.0, detail="delivery not confirmed: the answer is not a list of statement ids")),
    ("200-other-ids", ok_200(b'["00000000-0000-4000-8000-000000000000"]'), 2, 1,
     Decision(Action.RETRY, delay=2.0, detail="delivery not confirmed: the answer holds ids that were not posted "
                                              "('00000000-0000-4000-8000-000000000000'...)")),
    ("301", redirect(301, "https://lrs.example.org/new/statements", True), 2, 1,
     Decision(Action.DEAD_LETTER, policy.REASON_MISCONFIGURED,
              detail="the LRS redirects to https://lrs.example.org/new/statements (HTTP 301; "
                     f"{MISCONFIGURED_GET}): fix the endpoint's statements URL")),
    ("302", redirect(302, "https://lrs.example.org/login", True), 1, 1,
     Decision(Action.DEAD_LETTER, policy.REASON_MISCONFIGURED,
              detail="the LRS redirects to https://lrs.example.org/login (HTTP 302; "
                     f"{MISCONFIGURED_GET}): fix the endpoint's statements URL")),
    ("303", redirect(303, "", False), 1, 1,
     Decision(Action.DEAD_LETTER, policy.REASON_MISCONFIGURED,
              detail=f"the LRS redirects to (no Location) (HTTP 303; {MISCONFIGURED_GET}): "
                     "fix the endpoint's statements URL")),
    ("307-same-origin", redirect(307, "https://lrs.example.org/v2/statements", True), 2, 1,
     Decision(Action.FOLLOW, location="https://lrs.example.org/v2/statements")),
    ("308-same-origin", redirect(308, "https://lrs.example.org/v2/statements", True), 2, 1,
     Decision(Action.FOLLOW, location="https://lrs.example.org/v2/statements")),
    ("307-cross-origin", redirect(307, "https://evil.example.net/statements", False), 2, 1,
     Decision(Action.DEAD_LETTER, policy.REASON_MISCONFIGURED,
              detail=f"the LRS redirects to https://evil.example.net/statements (HTTP 307; {ELSEWHERE}): "
                     "fix the endpoint's statements URL")),
    ("308-cross-origin", redirect(308, "http://lrs.example.org/xAPI/statements", False), 2, 1,
     Decision(Action.DEAD_LETTER, policy.REASON_MISCONFIGURED,
              detail=f"the LRS redirects to http://lrs.example.org/xAPI/statements (HTTP 308; {ELSEWHERE}): "
                     "fix the endpoint's statements URL")),
    ("400-batch", Answer(400), 8, 1, Decision(Action.SPLIT)),
    ("400-alone", Answer(400), 1, 1, Decision(Action.DEAD_LETTER, policy.REASON_REJECTED, detail="HTTP 400")),
    ("404-alone", Answer(404), 1, 3, Decision(Action.DEAD_LETTER, policy.REASON_REJECTED, detail="HTTP 404")),
    ("409-batch (stored none)", Answer(409), 8, 1, Decision(Action.SPLIT)),
    ("409-alone (already held)", Answer(409), 1, 1, Decision(Action.DELIVERED)),
    ("413-batch", Answer(413), 500, 1, Decision(Action.SPLIT)),
    ("413-alone", Answer(413), 1, 1, Decision(Action.DEAD_LETTER, policy.REASON_REJECTED, detail="HTTP 413")),
    ("422-batch", Answer(422), 2, 1, Decision(Action.SPLIT)),
    ("422-alone", Answer(422), 1, 1, Decision(Action.DEAD_LETTER, policy.REASON_REJECTED, detail="HTTP 422")),
    ("429-no-retry-after", Answer(429), 2, 3, Decision(Action.RETRY, delay=8.0, detail="HTTP 429")),
    ("429-retry-after-seconds", Answer(429, retry_after=parse_retry_after("120")), 2, 1,
     Decision(Action.RETRY, delay=120.0, detail="HTTP 429")),
    ("429-retry-after-date", Answer(429, retry_after=parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT",
                                                                       now=1445412470.0)), 2, 1,
     Decision(Action.RETRY, delay=10.0, detail="HTTP 429")),
    ("429-retry-after-beyond-cap", Answer(429, retry_after=900.0), 2, 1,
     Decision(Action.RETRY, delay=900.0, detail="HTTP 429")),
    ("500", Answer(500), 2, 1, Decision(Action.RETRY, delay=2.0, detail="HTTP 500")),
    ("502", Answer(502), 2, 4, Decision(Action.RETRY, delay=16.0, detail="HTTP 502")),
    ("503-retry-after", Answer(503, retry_after=30.0), 2, 1, Decision(Action.RETRY, delay=30.0, detail="HTTP 503")),
    ("504-capped", Answer(504), 2, 5, Decision(Action.RETRY, delay=32.0, detail="HTTP 504")),
    ("timeout", Answer(failure=policy.FAILURE_TIMEOUT), 2, 1,
     Decision(Action.RETRY, delay=2.0, detail="no answer (timeout)")),
    ("deadline-exceeded (whole answer late)", Answer(failure=policy.FAILURE_TIMEOUT), 2, 2,
     Decision(Action.RETRY, delay=4.0, detail="no answer (timeout)")),
    ("connection-refused-or-reset", Answer(failure=policy.FAILURE_CONNECTION), 2, 1,
     Decision(Action.RETRY, delay=2.0, detail="no answer (connection)")),
    ("reset-mid-answer", Answer(failure=policy.FAILURE_BROKEN), 2, 1,
     Decision(Action.RETRY, delay=2.0, detail="no answer (broken_answer)")),
    ("retries-exhausted", Answer(503), 2, 6,
     Decision(Action.DEAD_LETTER, policy.REASON_RETRIES_EXHAUSTED, detail="HTTP 503")),
    ("timeout-exhausted", Answer(failure=policy.FAILURE_TIMEOUT), 2, 6,
     Decision(Action.DEAD_LETTER, policy.REASON_RETRIES_EXHAUSTED, detail="no answer (timeout)")),
    ("not-sent (a link to another origin)", Answer(failure=policy.FAILURE_NOT_SENT), 2, 1,
     Decision(Action.DEAD_LETTER, policy.REASON_REJECTED, detail="not sent (not_sent)")),
]


@pytest.mark.parametrize("answer, batch_size, attempt, expected", [row[1:] for row in TABLE],
                         ids=[row[0] for row in TABLE])
def test_decide(answer, batch_size, attempt, expected):
    assert policy.decide(answer, attempt, batch_size, WORKER, rng=high) == expected


def test_the_table_covers_every_action():
    assert {row[4].action for row in TABLE} == set(Action)
    assert {row[4].reason for row in TABLE} == {None, policy.REASON_REJECTED, policy.REASON_MISCONFIGURED,
                                                policy.REASON_RETRIES_EXHAUSTED}


def test_jitter_takes_at_most_half_off():
    low = policy.decide(Answer(503), 3, 2, WORKER, rng=lambda: 0.0)
    mid = policy.decide(Answer(503), 3, 2, WORKER, rng=lambda: 0.5)
    assert (low.delay, mid.delay) == (4.0, 6.0)  # ceiling 8 s: between 4 and 8


def test_the_fourth_same_origin_redirect_is_a_misconfiguration():
    answer = redirect(307, "https://lrs.example.org/a", True)
    assert [policy.classify(answer, 2, redirects).action for redirects in range(4)] == [Action.FOLLOW] * 3 + [
        Action.DEAD_LETTER]
    assert policy.classify(answer, 2, 3) == Decision(
        Action.DEAD_LETTER, policy.REASON_MISCONFIGURED, detail="more than 3 redirects (last to https://lrs.example.org/a)")


@pytest.mark.parametrize("attempt, retry_after, expected", [
    (1, None, Decision(Action.RETRY, delay=0.5)),
    (2, None, Decision(Action.RETRY, delay=1.0)),
    (1, 7.0, Decision(Action.RETRY, delay=7.0)),
    (1, 900.0, Decision(Action.RETRY, delay=30.0)),  # a synchronous replay waits 30 s at most
    (3, None, Decision(Action.DEAD_LETTER, policy.REASON_RETRIES_EXHAUSTED, detail="retries exhausted after 3 tries")),
])
def test_the_replay_schedule_is_the_policy_parameterised(attempt, retry_after, expected):
    """Replay's pacing (0.5 s doubling, 30 s cap, no jitter, 2 retries) is a schedule, not a copy."""
    assert policy.after_retryable(attempt, retry_after, replay_schedule(2, 0.5), rng=lambda: 0.0) == expected


def test_retry_limit_zero_dead_letters_the_first_failure():
    assert policy.after_retryable(1, None, RetrySchedule(retry_limit=0)).action is Action.DEAD_LETTER


def test_slow_is_a_timeout_only():
    assert [Answer(failure=kind).slow for kind in (policy.FAILURE_TIMEOUT, policy.FAILURE_CONNECTION,
                                                   policy.FAILURE_BROKEN)] == [True, False, False]
