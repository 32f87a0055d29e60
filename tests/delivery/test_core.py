"""
The pure delivery core without any service: a recording ``post`` stands in for the transport.
"""
import pytest

from openedx_xapi_router.delivery.client import RetryableLrsError, about_url, parse_retry_after
from openedx_xapi_router.delivery.core import Item, backoff_seconds, chunks, dedupe, deliver_batch
from openedx_xapi_router.lrs.client import LrsError


def items(count, prefix="s"):
    return [Item({"id": f"{prefix}{number}"}, "edx.test", "v@1") for number in range(count)]


class RecordingLrs:
    """``post`` for deliver_batch: refuses a batch holding a bad id (whole, like Ralph); scripted retryable errors."""

    def __init__(self, bad=(), status=422, retryable_after=None):
        self.bad = set(bad)
        self.status = status
        self.retryable_after = retryable_after  # fail retryably from this request number on
        self.batches = []

    def __call__(self, statements):
        self.batches.append([statement["id"] for statement in statements])
        if self.retryable_after is not None and len(self.batches) > self.retryable_after:
            raise RetryableLrsError(503, "down", retry_after=7)
        if self.bad & {statement["id"] for statement in statements}:
            raise LrsError(self.status, "bad statement", retryable=False)


def test_dedupe_keeps_the_first_of_each_id():
    batch = items(3) + [Item({"id": "s1", "other": True})]
    kept, dropped = dedupe(batch)
    assert [item.statement_id for item in kept] == ["s0", "s1", "s2"] and dropped == 1
    assert "other" not in kept[1].statement


def test_everything_delivered_in_one_post():
    lrs = RecordingLrs()
    result = deliver_batch(lrs, items(5) + items(2))
    assert [item.statement_id for item in result.delivered] == ["s0", "s1", "s2", "s3", "s4"]
    assert (result.requests, result.duplicates, result.rejected, result.retry) == (1, 2, [], [])


@pytest.mark.parametrize("status", [400, 422])
def test_one_rejected_statement_in_500_is_isolated_by_bisection(status):
    lrs = RecordingLrs(bad={"s137"}, status=status)
    result = deliver_batch(lrs, items(500))
    assert [rejection.item.statement_id for rejection in result.rejected] == ["s137"]
    assert (result.rejected[0].status_code, result.rejected[0].detail) == (status, "bad statement")
    assert sorted(item.statement_id for item in result.delivered) == sorted(f"s{n}" for n in range(500) if n != 137)
    assert result.requests == 1 + 2 * 9  # the whole batch, then two halves per level down to one statement
    delivered_posts = [batch for batch in lrs.batches if "s137" not in batch]
    assert sum(len(batch) for batch in delivered_posts) == 499  # each good statement accepted once


class HoldingLrs:
    """``post`` for deliver_batch: holds ``known`` ids with other content, and answers a batch holding one
    of them 409 storing nothing of it (as Ralph does); any other batch is stored (200)."""

    def __init__(self, known):
        self.known = set(known)
        self.stored = []
        self.batches = []

    def __call__(self, statements):
        ids = [statement["id"] for statement in statements]
        self.batches.append(ids)
        status = 409 if self.known & set(ids) else 200
        if status == 200:
            self.stored.extend(ids)
        return type("Response", (), {"status_code": status})()


def test_a_409_batch_is_split_so_its_new_statements_are_stored():
    lrs = HoldingLrs(known={"s2"})
    result = deliver_batch(lrs, items(4))
    assert lrs.batches == [["s0", "s1", "s2", "s3"], ["s0", "s1"], ["s2", "s3"], ["s2"], ["s3"]]
    assert lrs.stored == ["s0", "s1", "s3"]
    assert [item.statement_id for item in result.delivered] == ["s0", "s1", "s2", "s3"]  # s2: already held
    assert (result.requests, result.rejected, result.retry) == (5, [], [])


def test_a_409_for_one_statement_counts_as_delivered():
    result = deliver_batch(HoldingLrs(known={"s0"}), items(1))
    assert ([item.statement_id for item in result.delivered], result.requests, result.last_status) == (["s0"], 1, 409)


def test_two_rejected_statements():
    result = deliver_batch(RecordingLrs(bad={"s0", "s9"}), items(10))
    assert sorted(rejection.item.statement_id for rejection in result.rejected) == ["s0", "s9"]
    assert len(result.delivered) == 8


def test_a_retryable_failure_returns_everything_not_yet_delivered():
    lrs = RecordingLrs(bad={"s3"}, retryable_after=2)  # the whole batch refused, first half delivered, then 503
    result = deliver_batch(lrs, items(8))
    assert [item.statement_id for item in result.delivered] == []
    assert lrs.batches[:2] == [[f"s{n}" for n in range(8)], ["s0", "s1", "s2", "s3"]]
    assert sorted(item.statement_id for item in result.retry) == sorted(f"s{n}" for n in range(8))
    assert result.retry_error.retry_after == 7 and result.retry_error.status_code == 503


def test_backoff_is_exponential_with_jitter_and_honours_retry_after():
    assert backoff_seconds(1, rng=lambda: 0.0) == 1.0
    assert backoff_seconds(1, rng=lambda: 1.0) == 2.0
    assert backoff_seconds(4, rng=lambda: 0.5) == 12.0  # ceiling 16: between 8 and 16
    assert backoff_seconds(30, rng=lambda: 1.0) == 600.0  # capped
    assert backoff_seconds(1, retry_after=30, rng=lambda: 1.0) == 30.0
    assert backoff_seconds(1, retry_after=900, cap=600, rng=lambda: 1.0) == 900.0  # the LRS's word wins


def test_retry_after_header_forms():
    assert parse_retry_after("120") == 120.0
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now=1445412470.0) == 10.0
    assert parse_retry_after("soon") is None and parse_retry_after(None) is None


def test_about_url_replaces_the_last_segment():
    assert about_url("https://lrs.example.org/xAPI/statements") == "https://lrs.example.org/xAPI/about"
    assert about_url("https://lrs.example.org/xAPI/statements/") == "https://lrs.example.org/xAPI/about"
    assert about_url("http://127.0.0.1:8100/statements?x=1") == "http://127.0.0.1:8100/about"


def test_chunks():
    assert chunks(list(range(5)), 2) == [[0, 1], [2, 3], [4]]
    assert chunks([], 3) == []
