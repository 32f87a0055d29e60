"""
The LRS endpoint admin, through Django's test client: write-only credentials, the http:// refusal,
"test connection" against the real Ralph, the list columns and the status page.
"""
import html
import re
from datetime import timedelta

import django
import pytest
from django.contrib.auth.models import Permission
from django.core.exceptions import ValidationError
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from openedx_xapi_router.admin import LrsEndpointForm
from openedx_xapi_router.models import DeadLetter, DeliveryHour, LrsEndpoint
from tests.admin.conftest import make_dead_letter

pytestmark = pytest.mark.django_db

ADD_URL = reverse("admin:xapi_router_lrsendpoint_add")
SECRET = "s3cret-Pa55word-never-shown"


def form_data(**overrides):
    data = {
        "name": "main-lrs", "statements_url": "https://lrs.example.org/xAPI/statements", "enabled": "on",
        "output_format": "xapi", "auth_type": "basic", "username": "router", "password": SECRET, "token": "",
        "xapi_version": "1.0.3",
        "batch_size": "100", "max_body_bytes": "1000000", "max_in_flight": "1", "timeout": "10", "retry_limit": "8",
        "allowed_event_names": "[]",
        "denied_event_names": "[]", "orgs": "[]", "courses": "[]", "_save": "Save",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def change_url(endpoint):
    return reverse("admin:xapi_router_lrsendpoint_change", args=[endpoint.pk])


def message_texts(response):
    """The admin messages rendered in a page, as (level, text); the admin capitalises the first letter."""
    found = re.findall(r'<li class="(success|warning|error|info)">(.*?)</li>', response.content.decode(), re.S)
    return [(level, html.unescape(text)) for level, text in found]


def password_inputs(page):
    return re.findall(r'<input[^>]*name="(?:password|token)"[^>]*>', page)


def test_add_stores_the_password_and_the_form_never_shows_it(admin_client):
    response = admin_client.post(ADD_URL, form_data())
    assert response.status_code == 302, response.content.decode()[:2000]
    endpoint = LrsEndpoint.objects.get(name="main-lrs")
    assert (endpoint.username, endpoint.password, endpoint.token) == ("router", SECRET, "")

    assert response.wsgi_request.sensitive_post_parameters == ("password", "token")  # hidden in error reports
    page = admin_client.get(change_url(endpoint)).content.decode()
    assert SECRET not in page
    inputs = password_inputs(page)
    assert len(inputs) == 2
    assert all('type="password"' in tag and "value=" not in tag for tag in inputs)
    assert "A password is stored (encrypted; never shown)" in page
    assert "No bearer token is stored" in page


def test_a_typed_password_is_not_echoed_when_the_form_has_errors(admin_client):
    response = admin_client.post(ADD_URL, form_data(batch_size="0"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Ensure this value is greater than or equal to 1." in page
    assert SECRET not in page
    assert not LrsEndpoint.objects.exists()


def test_blank_keeps_new_replaces_clear_removes(admin_client):
    admin_client.post(ADD_URL, form_data(auth_type="bearer", username="", password="", token="tok-1"))
    endpoint = LrsEndpoint.objects.get(name="main-lrs")
    assert (endpoint.auth_type, endpoint.token) == ("bearer", "tok-1")

    # Blank: kept (while another field changes).
    response = admin_client.post(change_url(endpoint), form_data(
        auth_type="bearer", username="", password="", token="", batch_size="250"))
    assert response.status_code == 302
    endpoint.refresh_from_db()
    assert (endpoint.token, endpoint.batch_size) == ("tok-1", 250)

    # Typed: replaced.
    admin_client.post(change_url(endpoint), form_data(auth_type="bearer", username="", password="", token="tok-2"))
    endpoint.refresh_from_db()
    assert endpoint.token == "tok-2"

    # Both a new value and "clear": refused, nothing changes.
    response = admin_client.post(change_url(endpoint), form_data(
        auth_type="bearer", username="", password="", token="tok-3", clear_token="on"))
    assert response.status_code == 200
    assert "Either type a new bearer token or clear it, not both." in response.content.decode()
    endpoint.refresh_from_db()
    assert endpoint.token == "tok-2"

    # Clear: removed.
    admin_client.post(change_url(endpoint), form_data(
        auth_type="bearer", username="", password="", token="", clear_token="on"))
    endpoint.refresh_from_db()
    assert endpoint.token == ""


def test_basic_auth_needs_both_username_and_password(admin_client):
    response = admin_client.post(ADD_URL, form_data(password=""))
    assert response.status_code == 200
    assert "HTTP Basic needs both a username and a password." in response.content.decode()
    assert not LrsEndpoint.objects.exists()


@override_settings(XAPI_ROUTER_ALLOW_INSECURE_HTTP=False)
def test_plain_http_is_refused_unless_allowed(admin_client):
    response = admin_client.post(ADD_URL, form_data(statements_url="http://lrs.example.org/xAPI/statements"))
    assert response.status_code == 200
    assert "Plain http:// would send credentials in clear text" in response.content.decode()
    assert not LrsEndpoint.objects.exists()


def test_test_connection_action_against_ralph(admin_client, ralph_endpoint, ralph_lrs):
    wrong = LrsEndpoint.objects.create(
        name="ralph-wrong-password", statements_url=ralph_lrs.statements_url, username=ralph_lrs.username,
        password="not-the-password",
    )
    response = admin_client.post(reverse("admin:xapi_router_lrsendpoint_changelist"), {
        "action": "test_connection", "_selected_action": [ralph_endpoint.pk, wrong.pk],
    }, follow=True)
    assert message_texts(response) == [
        ("success", "Ralph: OK; about: HTTP 404; statements?limit=1: HTTP 200"),
        ("error", "Ralph-wrong-password: FAILED; about: HTTP 404; statements?limit=1: HTTP 401: "
                  '{"detail":"Invalid authentication credentials"}'),
    ]
    assert ralph_lrs.password not in response.content.decode()
    assert "not-the-password" not in response.content.decode()


def test_changelist_columns(admin_client, db):  # pylint: disable=unused-argument
    endpoint = LrsEndpoint.objects.create(name="lrs-a", statements_url="https://a.example.org/xAPI/statements")
    LrsEndpoint.objects.create(name="lrs-b", statements_url="https://b.example.org/xAPI/statements", enabled=False)
    for _ in range(3):
        make_dead_letter(endpoint)
    make_dead_letter(endpoint, state=DeadLetter.STATE_REPLAYED)
    page = admin_client.get(reverse("admin:xapi_router_lrsendpoint_changelist")).content.decode()
    dead_letters = reverse("admin:xapi_router_deadletter_changelist")
    assert f'<a href="{dead_letters}?endpoint__id__exact={endpoint.pk}&amp;state__exact=pending">3</a>' in page
    status_url = reverse("admin:xapi_router_lrsendpoint_status", args=[endpoint.pk])
    assert f'<a href="{status_url}">status</a>' in page
    assert page.count('alt="True"') == 1 and page.count('alt="False"') == 1  # the enabled column


def test_status_page_shows_the_endpoint_status(admin_client, db):  # pylint: disable=unused-argument
    now = timezone.now()
    endpoint = LrsEndpoint.objects.create(
        name="lrs-a", statements_url="https://a.example.org/xAPI/statements",
        last_success_at=now - timedelta(minutes=5), last_error="LRS request failed (HTTP 503, retryable): busy",
        last_failure_at=now - timedelta(minutes=7),
    )
    this_hour = now.replace(minute=0, second=0, microsecond=0)
    DeliveryHour.objects.create(endpoint=endpoint, hour=this_hour, delivered=40, failed=0, requests=4)
    DeliveryHour.objects.create(endpoint=endpoint, hour=this_hour - timedelta(hours=5), delivered=50, failed=10)
    DeliveryHour.objects.create(endpoint=endpoint, hour=this_hour - timedelta(days=3), delivered=999, failed=999)
    for _ in range(2):
        make_dead_letter(endpoint)

    response = admin_client.get(reverse("admin:xapi_router_lrsendpoint_status", args=[endpoint.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    cells = dict(re.findall(r'<td id="status-([a-z-]+)">(.*?)</td>', page, re.S))
    assert cells["delivered-hour"] == "40"
    assert cells["delivered-day"] == "90"
    assert cells["failed-day"] == "10"
    assert cells["error-rate"] == "10.0 %"
    assert re.fullmatch(r'<a href="[^"]+state__exact=pending">2</a>', cells["pending"])
    assert cells["last-success"] == f"{endpoint.last_success_at:%Y-%m-%d %H:%M:%S}"
    assert cells["last-error"] == "LRS request failed (HTTP 503, retryable): busy"
    assert 'id="test-connection"' in page


def test_status_page_of_an_unknown_endpoint_is_404(admin_client):
    assert admin_client.get(reverse("admin:xapi_router_lrsendpoint_status", args=[999])).status_code == 404


def test_status_page_needs_staff(client, db):  # pylint: disable=unused-argument
    endpoint = LrsEndpoint.objects.create(name="lrs-a", statements_url="https://a.example.org/xAPI/statements")
    response = client.get(reverse("admin:xapi_router_lrsendpoint_status", args=[endpoint.pk]))
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_test_connection_button_on_the_status_page(admin_client, ralph_endpoint):
    url = reverse("admin:xapi_router_lrsendpoint_test_connection", args=[ralph_endpoint.pk])
    response = admin_client.post(url, follow=True)
    assert response.redirect_chain == [(reverse("admin:xapi_router_lrsendpoint_status", args=[ralph_endpoint.pk]), 302)]
    assert message_texts(response) == [("success", "Ralph: OK; about: HTTP 404; statements?limit=1: HTTP 200")]


def test_a_view_only_user_never_sees_the_secrets(client, django_user_model):
    endpoint = LrsEndpoint.objects.create(name="lrs-a", statements_url="https://a.example.org/xAPI/statements",
                                          username="router", password=SECRET)
    bearer = LrsEndpoint.objects.create(name="lrs-b", statements_url="https://b.example.org/xAPI/statements",
                                        auth_type="bearer", token="tok-never-shown")
    viewer = django_user_model.objects.create_user("viewer", password="viewer-pw", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_lrsendpoint"))
    client.force_login(viewer)
    for item, secret in ((endpoint, SECRET), (bearer, "tok-never-shown")):
        response = client.get(change_url(item))
        assert response.status_code == 200
        page = response.content.decode()
        assert secret not in page
        assert "stored (never shown)" in page
        assert 'name="password"' not in page  # read-only: no inputs at all


@pytest.mark.skipif(django.VERSION < (5, 0), reason="Django 4.2's URLField always assumes http://")
def test_a_url_typed_without_a_scheme_becomes_https(admin_client):
    assert admin_client.post(ADD_URL, form_data(statements_url="lrs.example.org/xAPI/statements")).status_code == 302
    assert LrsEndpoint.objects.get(name="main-lrs").statements_url == "https://lrs.example.org/xAPI/statements"


def test_the_statements_url_field_takes_a_service_name_and_is_wide():
    """The admin's field validates as the model does (a one-label host: Aspects' Ralph) and is wide."""
    field = LrsEndpointForm().fields["statements_url"]
    assert field.clean("http://ralph:8100/xAPI/statements") == "http://ralph:8100/xAPI/statements"
    with pytest.raises(ValidationError):
        field.clean("http://ralph_lrs:8100/xAPI/statements")
    rendered = LrsEndpointForm()["statements_url"].as_widget()
    assert 'style="width: 60em; max-width: 95%"' in rendered and 'class="vURLField"' in rendered
