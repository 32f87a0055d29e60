"""
The dead-letter admin, through Django's test client: counts, filters, search, the read-only
statement view, "discard", and "replay now" into the real Ralph.
"""
import html
import json
import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from openedx_xapi_router.models import DeadLetter, LrsEndpoint
from tests.admin.conftest import make_dead_letter, make_statement

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:xapi_router_deadletter_changelist")


def counts(page):
    """The counts block of the change list: ({state: n}, {reason: n}, total)."""
    states = {state: int(n) for state, n in re.findall(r'data-state="(\w+)">[^<]*<b>(\d+)</b>', page)}
    reasons = {reason: int(n) for reason, n in re.findall(r'data-reason="(\w+)">[^<]*<b>(\d+)</b>', page)}
    total = int(re.search(r"<strong>(\d+) dead letters? shown:</strong>", page).group(1))
    return states, reasons, total


def listed_ids(page):
    return set(re.findall(r'<th class="field-statement_id"><a href="[^"]+">([0-9a-f-]{36})</a></th>', page))


def messages(page):
    return [(level, html.unescape(text)) for level, text in
            re.findall(r'<li class="(success|warning|error|info)">(.*?)</li>', page, re.S)]


@pytest.fixture
def two_endpoints(db):  # pylint: disable=unused-argument
    return (
        LrsEndpoint.objects.create(name="lrs-a", statements_url="https://a.example.org/xAPI/statements"),
        LrsEndpoint.objects.create(name="lrs-b", statements_url="https://b.example.org/xAPI/statements"),
    )


@pytest.fixture
def letters(two_endpoints):  # pylint: disable=redefined-outer-name
    lrs_a, lrs_b = two_endpoints
    old = timezone.now() - timedelta(days=40)
    return {
        "a_video": make_dead_letter(lrs_a, event_name="edx.video.played", reason=DeadLetter.REASON_REJECTED,
                                    http_status=422),
        "a_video_2": make_dead_letter(lrs_a, event_name="edx.video.played", first_failed_at=old, last_failed_at=old),
        "a_enroll": make_dead_letter(lrs_a, reason=DeadLetter.REASON_BROKER_UNAVAILABLE, http_status=None),
        "a_replayed": make_dead_letter(lrs_a, state=DeadLetter.STATE_REPLAYED),
        "b_video": make_dead_letter(lrs_b, event_name="edx.video.played"),
        "b_discarded": make_dead_letter(lrs_b, state=DeadLetter.STATE_DISCARDED),
    }


def test_counts_by_state_and_reason_follow_the_filters(admin_client, letters):  # pylint: disable=redefined-outer-name
    page = admin_client.get(CHANGELIST).content.decode()
    assert counts(page) == (
        {"pending": 4, "replaying": 0, "replayed": 1, "discarded": 1},
        {"rejected": 1, "retries_exhausted": 2, "broker_unavailable": 1},
        6,
    )
    assert listed_ids(page) == {row.statement_id for row in letters.values()}

    lrs_a = letters["a_video"].endpoint
    page = admin_client.get(CHANGELIST, {"endpoint__id__exact": lrs_a.pk, "state__exact": "pending"}).content.decode()
    assert counts(page) == (
        {"pending": 3, "replaying": 0, "replayed": 0, "discarded": 0},
        {"rejected": 1, "retries_exhausted": 1, "broker_unavailable": 1},
        3,
    )
    assert listed_ids(page) == {letters[key].statement_id for key in ("a_video", "a_video_2", "a_enroll")}


def test_filters_by_event_name_and_date(admin_client, letters):  # pylint: disable=redefined-outer-name
    page = admin_client.get(CHANGELIST, {"event_name": "edx.video.played"}).content.decode()
    assert listed_ids(page) == {letters[key].statement_id for key in ("a_video", "a_video_2", "b_video")}

    page = admin_client.get(CHANGELIST, {"event_name": "edx.video.played", "first_failed_at__gte":
                                         (timezone.now() - timedelta(days=7)).isoformat()}).content.decode()
    assert listed_ids(page) == {letters[key].statement_id for key in ("a_video", "b_video")}


def test_search_by_statement_id_and_event_name(admin_client, letters):  # pylint: disable=redefined-outer-name
    target = letters["b_video"].statement_id
    page = admin_client.get(CHANGELIST, {"q": target}).content.decode()
    assert listed_ids(page) == {target}
    page = admin_client.get(CHANGELIST, {"q": "enrollment.activated"}).content.decode()
    assert listed_ids(page) == {letters[key].statement_id for key in ("a_enroll", "a_replayed", "b_discarded")}


def test_a_row_is_read_only_and_shows_its_statement(admin_client, letters):  # pylint: disable=redefined-outer-name
    row = letters["a_video"]
    url = reverse("admin:xapi_router_deadletter_change", args=[row.pk])
    page = admin_client.get(url).content.decode()
    assert "<pre>" in page
    shown = html.unescape(re.search(r"<pre>(.*?)</pre>", page, re.S).group(1))
    assert json.loads(shown) == row.statement
    assert 'name="statement"' not in page and "<textarea" not in page
    assert admin_client.post(url, {"state": "discarded"}).status_code == 403
    assert admin_client.get(reverse("admin:xapi_router_deadletter_add")).status_code == 403
    row.refresh_from_db()
    assert row.state == DeadLetter.STATE_PENDING


def test_discard_action(admin_client, letters):  # pylint: disable=redefined-outer-name
    chosen = [letters[key].pk for key in ("a_video", "a_replayed", "b_video")]
    response = admin_client.post(CHANGELIST, {"action": "discard", "_selected_action": chosen}, follow=True)
    # Only pending rows are discarded: the replayed one keeps its state.
    assert messages(response.content.decode()) == [("success", "Discarded 2 dead letters.")]
    states = dict(DeadLetter.objects.values_list("pk", "state"))
    assert states[letters["a_video"].pk] == states[letters["b_video"].pk] == DeadLetter.STATE_DISCARDED
    assert states[letters["a_replayed"].pk] == DeadLetter.STATE_REPLAYED
    assert list(DeadLetter.objects.filter(state=DeadLetter.STATE_PENDING).order_by("pk").values_list("pk", flat=True)) \
        == [letters["a_video_2"].pk, letters["a_enroll"].pk]


def test_no_bulk_delete_action(admin_client, letters):  # pylint: disable=redefined-outer-name,unused-argument
    page = admin_client.get(CHANGELIST).content.decode()
    assert 'value="replay_now"' in page and 'value="discard"' in page
    assert 'value="delete_selected"' not in page


def test_replay_now_delivers_into_ralph(admin_client, ralph_endpoint, lrs_client):
    accepted = [make_dead_letter(ralph_endpoint) for _ in range(3)]
    invalid_statement = make_statement()
    del invalid_statement["actor"]  # Ralph answers 422
    invalid = make_dead_letter(ralph_endpoint, statement=invalid_statement, reason=DeadLetter.REASON_REJECTED)

    response = admin_client.post(CHANGELIST, {
        "action": "replay_now", "_selected_action": [row.pk for row in accepted + [invalid]],
    }, follow=True)
    assert messages(response.content.decode()) == [(
        "warning", "Replay: 4 selected, 3 delivered, 1 still failing, 0 skipped (held by another replay)",
    )]
    for row in accepted:
        row.refresh_from_db()
        assert row.state == DeadLetter.STATE_REPLAYED
        stored = lrs_client.get_statement(row.statement_id)
        assert {key: value for key, value in stored.items() if key not in ("stored", "authority")} == row.statement
    invalid.refresh_from_db()
    assert (invalid.state, invalid.http_status) == (DeadLetter.STATE_PENDING, 422)
