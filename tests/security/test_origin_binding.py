"""
Issue 14, path 1: a staff user who may change LRS endpoints points the statements URL at a server
of theirs, leaves the password blank ("keep what is stored"), saves, and presses Test connection
(or waits for the next delivery). Before the fix the router sent the stored credentials there
(``Authorization: Basic base64(user:password)``); now the credentials are bound to the origin they
were entered for, and the model clears them when the origin changes unless new ones are entered
in the same change.

The attacker's server is a capture server on loopback (``tests/capture_lrs.py``) that records every
request; each request, every stored byte and every page is searched for the secret in each encoding.
"""
import io
import os
from unittest import mock

import pytest
from django.core.management import call_command
from django.urls import reverse

from openedx_xapi_router.delivery.core import Item
from openedx_xapi_router.delivery.service import deliver_now
from openedx_xapi_router.models import LrsEndpoint, url_origin
from tests.admin.conftest import make_statement
from tests.admin.test_endpoint_admin import form_data, message_texts
from tests.security.conftest import PASSWORD, TOKEN, USERNAME, found_secrets, secret_forms, stored_text

pytestmark = pytest.mark.django_db

FORMS = secret_forms(USERNAME, PASSWORD, TOKEN)
CHANGELIST = reverse("admin:xapi_router_lrsendpoint_changelist")


def change_url(endpoint):
    return reverse("admin:xapi_router_lrsendpoint_change", args=[endpoint.pk])


def victim(statements_url, **fields):
    """The endpoint whose credentials the attacker wants: HTTP Basic, entered for ``statements_url``."""
    fields.setdefault("username", USERNAME)
    fields.setdefault("password", PASSWORD)
    return LrsEndpoint.objects.create(name="aspects", statements_url=statements_url, **fields)


def edit(client, endpoint, **changes):
    """POST the endpoint's change form as the admin renders it (secrets blank: "keep what is stored")."""
    data = form_data(name=endpoint.name, statements_url=endpoint.statements_url, auth_type=endpoint.auth_type,
                     username=endpoint.username, password="", token="")
    data.update(changes)
    return client.post(change_url(endpoint), data, follow=True)


def assert_nothing_leaked(server, *pages):
    for request in server.captured():
        assert request.header("Authorization") is None, request
        assert found_secrets(request.raw(), FORMS) == [], request
    assert found_secrets(stored_text(), FORMS) == []
    for page in pages:
        assert found_secrets(page, secret_forms("", PASSWORD, TOKEN)) == []


def test_moving_the_url_in_the_admin_clears_the_credentials_and_test_connection_sends_none(
        editor, make_capture, capture):
    legit = make_capture("lrs")
    endpoint = victim(legit.statements_url)

    response = edit(editor, endpoint, statements_url=capture.statements_url)
    assert response.status_code == 200
    endpoint.refresh_from_db()
    assert endpoint.statements_url == capture.statements_url
    # Test connection: two requests reach the attacker's server, neither with credentials.
    tested = editor.post(CHANGELIST, {"action": "test_connection", "_selected_action": [endpoint.pk]}, follow=True)
    assert [request.method for request in capture.captured()] == ["GET", "GET"]
    # The next delivery: one POST, no credentials.
    statement = make_statement()
    result = deliver_now(endpoint, [Item(statement, "edx.course.enrollment.activated", "v@1")])
    assert [item.statement_id for item in result.delivered] == [statement["id"]]
    assert [request.method for request in capture.captured()] == ["GET", "GET", "POST"]
    assert legit.captured() == []
    pages = [tested.content, editor.get(change_url(endpoint)).content, editor.get(CHANGELIST).content]
    assert_nothing_leaked(capture, *pages)

    # The model cleared them, and the admin said so.
    assert ("warning", f"The statements URL now points to {url_origin(capture.statements_url)}, not to the origin "
                       "its credentials were entered for: the stored username, password were cleared. Enter them "
                       "again for this LRS.") in message_texts(response)
    assert (endpoint.username, endpoint.password, endpoint.credentials_origin) == ("", "", "")


def test_credentials_typed_again_with_the_new_url_are_kept_and_only_those_are_sent(editor, make_capture, capture):
    endpoint = victim(make_capture("lrs").statements_url)
    response = edit(editor, endpoint, statements_url=capture.statements_url, password="a-new-password-typed")
    assert not [text for level, text in message_texts(response) if level == "warning"]
    endpoint.refresh_from_db()
    assert (endpoint.username, endpoint.password) == (USERNAME, "a-new-password-typed")
    assert endpoint.credentials_origin == url_origin(capture.statements_url)
    page = editor.get(change_url(endpoint)).content.decode()
    assert "Credentials sent only to:" in page and capture.origin in page  # shown read-only

    deliver_now(endpoint, [Item(make_statement(), "edx.course.enrollment.activated", "v@1")])
    [post] = capture.captured()
    assert post.header("Authorization") is not None  # the password typed for this LRS goes to it...
    assert found_secrets(post.raw(), secret_forms("", PASSWORD)) == []  # ...the old one never


def test_switching_to_a_typed_token_then_back_to_basic_never_sends_the_old_password(editor, make_capture, capture):
    endpoint = victim(make_capture("lrs").statements_url)
    edit(editor, endpoint, statements_url=capture.statements_url, auth_type="bearer", token="attacker-token")
    endpoint.refresh_from_db()
    assert (endpoint.username, endpoint.password, endpoint.token) == ("", "", "attacker-token")
    # Back to HTTP Basic with the known username and the password left blank: nothing to keep any more.
    refused = edit(editor, endpoint, auth_type="basic", username=USERNAME)
    assert "HTTP Basic needs both a username and a password." in refused.content.decode()
    edit(editor, endpoint, auth_type="basic", username="")
    endpoint.refresh_from_db()
    assert (endpoint.auth_type, endpoint.username, endpoint.password) == ("basic", "", "")

    editor.post(CHANGELIST, {"action": "test_connection", "_selected_action": [endpoint.pk]})
    assert len(capture.captured()) == 2
    assert_nothing_leaked(capture)


@pytest.mark.parametrize("new_url, kept", [
    ("{origin}/other/xAPI/statements", True),             # same origin, another path
    ("http://127.0.0.1:1/xAPI/statements", False),        # another port
    ("http://localhost:{port}/xAPI/statements", False),   # another host (the same machine)
    ("https://127.0.0.1:{port}/xAPI/statements", False),  # another scheme
])
def test_only_the_origin_counts(new_url, kept, capture):
    endpoint = victim(capture.statements_url)
    endpoint.statements_url = new_url.format(origin=capture.origin, port=capture.port)
    endpoint.save()
    endpoint.refresh_from_db()
    assert bool(endpoint.password) is kept and bool(endpoint.username) is kept
    assert endpoint.credentials_cleared == (() if kept else ("username", "password"))


def test_a_url_changed_behind_the_models_back_gets_no_credentials(capture, caplog):
    """``QuerySet.update`` skips ``save()``: :attr:`LrsEndpoint.auth` still refuses another origin."""
    endpoint = victim("https://lrs.example.org/xAPI/statements")
    LrsEndpoint.objects.filter(pk=endpoint.pk).update(statements_url=capture.statements_url)
    endpoint.refresh_from_db()
    assert endpoint.password == PASSWORD  # still stored (encrypted), never sent there

    from openedx_xapi_router.delivery.client import test_connection  # pylint: disable=import-outside-toplevel

    ok, message = test_connection(endpoint)
    assert ok
    assert message == (f"aspects: OK; credentials NOT sent: they were stored for https://lrs.example.org:443, not "
                       f"{capture.origin}; enter them again; about: HTTP 200 (versions 1.0.3); "
                       "statements?limit=1: HTTP 200")
    deliver_now(endpoint, [Item(make_statement(), "edx.course.enrollment.activated", "v@1")])
    assert len(capture.captured()) == 3
    assert_nothing_leaked(capture)
    assert "its credentials were stored for https://lrs.example.org:443" in caplog.text
    assert found_secrets(caplog.text, FORMS) == []


def run_lrs_endpoints(*args):
    out = io.StringIO()
    call_command("lrs_endpoints", *args, stdout=out)
    return out.getvalue()


def test_lrs_endpoints_update_with_another_origin_clears_and_says_so(capture):
    endpoint = victim("https://lrs.example.org/xAPI/statements")
    out = run_lrs_endpoints("add", "aspects", capture.statements_url, "--update")
    assert out.splitlines() == [
        f"Updated LRS endpoint aspects (id {endpoint.pk}): {capture.statements_url}, basic (no credentials), enabled",
        f"Cleared the stored username, password: credentials are only sent to the origin they were entered for, "
        f"and the statements URL now points to {capture.origin}. Give them again (--username, --password-env VAR "
        "or --token-env VAR, or --prompt).",
    ]
    endpoint.refresh_from_db()
    assert (endpoint.username, endpoint.password, endpoint.credentials_origin) == ("", "", "")
    run_lrs_endpoints("test", "aspects")
    assert_nothing_leaked(capture)


def test_lrs_endpoints_update_with_a_new_password_keeps_it_for_the_new_origin(capture):
    endpoint = victim("https://lrs.example.org/xAPI/statements")
    with mock.patch.dict(os.environ, {"NEW_LRS_PASSWORD": "new-password-for-capture"}):
        out = run_lrs_endpoints("add", "aspects", capture.statements_url, "--update", "--password-env",
                                "NEW_LRS_PASSWORD")
    assert "Cleared" not in out
    endpoint.refresh_from_db()
    assert (endpoint.username, endpoint.password) == (USERNAME, "new-password-for-capture")
    assert endpoint.credentials_origin == capture.origin


def test_the_erb_import_binds_erbs_credentials_to_erbs_route_url(make_router, capture):
    """
    An ERB router's credentials come with its route URL (event-routing-backends,
    event_routing_backends/models.py, ``RouterConfiguration``: ``route_url``, ``auth_scheme``,
    ``username``, ``password``, ``auth_key``): the import enters them with the URL, so they are
    bound to that URL's origin; once our endpoint was moved elsewhere (and its credentials cleared),
    the next run puts ERB's URL and credentials back together.
    """
    from openedx_xapi_router.erb import importer  # pylint: disable=import-outside-toplevel

    route = f"{capture.origin}/xAPI/"
    make_router(route, USERNAME, PASSWORD)
    out = io.StringIO()
    call_command("import_erb_router_configurations", stdout=out)
    endpoint = LrsEndpoint.objects.get(name=importer.endpoint_name(route))
    assert (endpoint.username, endpoint.password, endpoint.credentials_origin) == (USERNAME, PASSWORD, capture.origin)

    # Our endpoint moved elsewhere in our admin: the credentials are cleared with it.
    endpoint.statements_url = "https://elsewhere.example.org/xAPI/statements"
    endpoint.save()
    assert endpoint.credentials_cleared == ("username", "password")
    # The next import puts ERB's URL and ERB's credentials back, bound to ERB's origin.
    out = io.StringIO()
    call_command("import_erb_router_configurations", stdout=out)
    endpoint.refresh_from_db()
    assert (endpoint.username, endpoint.password, endpoint.credentials_origin) == (USERNAME, PASSWORD, capture.origin)
    # The import prints the user name (not a secret: ``EndpointPlan.describe``), never the password.
    assert found_secrets(out.getvalue(), secret_forms(USERNAME, PASSWORD, TOKEN, with_username=False)) == []


@pytest.mark.mariadb
def test_on_mariadb_moving_the_url_clears_the_credentials(editor, make_capture, capture):
    """The same attack on MariaDB (``make test-mariadb``): ``bind_credentials`` reads the stored row there."""
    test_moving_the_url_in_the_admin_clears_the_credentials_and_test_connection_sends_none(editor, make_capture,
                                                                                          capture)


def test_rotate_keys_clears_credentials_bound_to_another_origin_and_says_so(capture):
    endpoint = victim("https://lrs.example.org/xAPI/statements")
    LrsEndpoint.objects.filter(pk=endpoint.pk).update(statements_url=capture.statements_url)
    out = run_lrs_endpoints("rotate-keys")
    assert out.splitlines() == [
        f"aspects: cleared the stored username, password (entered for another origin than {capture.origin}'s)",
        "Re-encrypted the credentials of 1 LRS endpoint(s) with the first key.",
    ]
    endpoint.refresh_from_db()
    assert (endpoint.username, endpoint.password, endpoint.credentials_origin) == ("", "", "")
