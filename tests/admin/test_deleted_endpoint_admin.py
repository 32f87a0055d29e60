"""
Dead letters of deleted endpoints in the admin (#13), through Django's test client: the alarm on an
endpoint's status page, the change list's "(None)" endpoint filter, and "Replay now", which sends a
row to the endpoint that has its ``endpoint_name`` again (the real Ralph) and leaves a row with no
such endpoint pending.
"""
import re

import pytest
from django.urls import reverse

from openedx_xapi_router.models import DeadLetter
from tests.admin.conftest import make_dead_letter
from tests.admin.test_dead_letter_admin import CHANGELIST, listed_ids, messages

pytestmark = pytest.mark.django_db


def alarm(page):
    found = re.search(r'id="status-deleted-endpoint-alarm">\s*<a href="([^"]+)">(.*?)</a>', page, re.S)
    return found and (found.group(1).replace("&amp;", "&"), " ".join(found.group(2).split()))


def test_dead_letters_of_deleted_endpoints_alarm_filter_and_replay(admin_client, ralph_endpoint, lrs_client):
    status_url = reverse("admin:xapi_router_lrsendpoint_status", args=[ralph_endpoint.pk])
    own = make_dead_letter(ralph_endpoint, endpoint_name="ralph")
    assert alarm(admin_client.get(status_url).content.decode()) is None
    named = make_dead_letter(None, endpoint_name="ralph", reason=DeadLetter.REASON_ENDPOINT_DELETED)
    nameless = make_dead_letter(None, reason=DeadLetter.REASON_ENDPOINT_DELETED,
                                detail="endpoint #9 was deleted while its statements were queued")

    link, text = alarm(admin_client.get(status_url).content.decode())
    assert text == "2 pending dead letters of deleted endpoints"
    assert link == f"{CHANGELIST}?endpoint__isnull=True&state__exact=pending"
    assert listed_ids(admin_client.get(link).content.decode()) == {named.statement_id, nameless.statement_id}

    response = admin_client.post(CHANGELIST, {
        "action": "replay_now", "_selected_action": [named.pk, nameless.pk],
    }, follow=True)
    assert messages(response.content.decode()) == [(
        "warning", "Replay: 2 selected, 1 delivered, 1 still failing, 0 skipped (held by another replay)",
    )]
    named.refresh_from_db()
    nameless.refresh_from_db()
    own.refresh_from_db()
    assert (named.state, nameless.state, own.state) == (
        DeadLetter.STATE_REPLAYED, DeadLetter.STATE_PENDING, DeadLetter.STATE_PENDING)
    assert lrs_client.get_statement(named.statement_id)["id"] == named.statement_id
    _, text = alarm(admin_client.get(status_url).content.decode())
    assert text == "1 pending dead letter of deleted endpoints"
