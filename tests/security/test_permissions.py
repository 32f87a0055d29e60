"""
Issue 14, path 3: an action that makes the router send an endpoint's credentials (the admin's
"Test connection": two authenticated requests) needs the change permission. Before the fix a
view-only staff user could run the list action. The LRS is a capture server counting requests.

Django's admin filters an action out of ``get_actions`` when the user lacks one of its
``allowed_permissions`` (django/django, django/contrib/admin/options.py,
``ModelAdmin._filter_actions_by_permissions``), so a viewer has no action at all and a POST of it
runs nothing; the per-endpoint test-connection view (POST) refuses the same way.

Also here: neither a cross-origin redirect (307, which ``requests`` follows) nor a ``more`` link to
another origin carries the credentials there. For the redirect, ``requests.Session.rebuild_auth``
drops ``Authorization`` when the host, port or scheme changes (psf/requests,
src/requests/sessions.py, ``should_strip_auth``); a ``more`` link is refused by
``LrsClient.iter_statements``.
"""
import pytest
from django.urls import reverse

from openedx_xapi_router.delivery.core import Item
from openedx_xapi_router.delivery.service import deliver_now
from openedx_xapi_router.lrs.client import LrsClient, LrsError
from openedx_xapi_router.models import DeadLetter, LrsEndpoint
from tests.admin.conftest import make_statement
from tests.admin.test_endpoint_admin import message_texts
from tests.security.conftest import PASSWORD, USERNAME, found_secrets, secret_forms

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:xapi_router_lrsendpoint_changelist")


def endpoint_at(server):
    return LrsEndpoint.objects.create(name="aspects", statements_url=server.statements_url, username=USERNAME,
                                      password=PASSWORD)


def test_a_viewer_cannot_run_test_connection(viewer, capture):
    endpoint = endpoint_at(capture)
    page = viewer.get(CHANGELIST).content.decode()
    assert 'value="test_connection"' not in page

    response = viewer.post(CHANGELIST, {"action": "test_connection", "_selected_action": [endpoint.pk]}, follow=True)
    assert response.status_code == 200
    assert message_texts(response) == []  # no action ran: the viewer has none, so the POST is just a list view
    test_url = reverse("admin:xapi_router_lrsendpoint_test_connection", args=[endpoint.pk])
    assert viewer.post(test_url).status_code == 302
    assert capture.captured() == []


def test_an_editor_can_and_the_credentials_go_to_the_lrs_only(editor, capture):
    """The positive control of the test above: the same POSTs by a user who may change endpoints."""
    endpoint = endpoint_at(capture)
    assert 'value="test_connection"' in editor.get(CHANGELIST).content.decode()
    response = editor.post(CHANGELIST, {"action": "test_connection", "_selected_action": [endpoint.pk]}, follow=True)
    assert message_texts(response) == [
        ("success", "Aspects: OK; about: HTTP 200 (versions 1.0.3); statements?limit=1: HTTP 200")]
    editor.post(reverse("admin:xapi_router_lrsendpoint_test_connection", args=[endpoint.pk]))
    assert len(capture.captured()) == 4
    assert all(request.header("Authorization") for request in capture.captured())


@pytest.mark.parametrize("status", [307, 308])
def test_a_cross_origin_redirect_never_carries_the_credentials(status, make_capture):
    """
    A 307/308 to another origin is not followed at all (the delivery client follows a redirect to
    the same origin only): the other server gets no request, so neither the credentials nor the
    statements; the statement is a dead letter (``misconfigured``) naming the new location.
    """
    other = make_capture("lrs")
    redirecting = make_capture("redirect", status, location=other.origin)
    endpoint = endpoint_at(redirecting)
    statement = make_statement()
    deliver_now(endpoint, [Item(statement, "edx.course.enrollment.activated", "v@1")])
    [first] = redirecting.captured()
    assert first.header("Authorization") is not None
    assert other.captured() == []
    [letter] = DeadLetter.objects.filter(endpoint=endpoint)
    assert letter.reason == DeadLetter.REASON_MISCONFIGURED
    assert other.origin in letter.detail
    assert found_secrets(letter.detail.encode(), secret_forms(USERNAME, PASSWORD)) == []


def test_a_more_link_to_another_origin_is_not_followed(make_capture):
    """A statement result's ``more`` link (xAPI: a relative IRL, resolved against the LRS) elsewhere: refused."""
    other = make_capture("lrs")
    lrs = make_capture("lrs", location=other.origin)
    with LrsClient(lrs.statements_url, (USERNAME, PASSWORD), allow_insecure_http=True) as client:
        pages = client.iter_statements()
        assert next(pages) == {"id": "s1"}
        with pytest.raises(LrsError, match=r"refusing a 'more' link to another origin \(http://127.0.0.1:\d+\)"):
            next(pages)
    assert len(lrs.captured()) == 1
    assert other.captured() == []
