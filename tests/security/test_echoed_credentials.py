"""
Issue 14, path 2: an LRS (or a proxy in front of it) whose error answer echoes the request puts the
credentials we sent into what we store and show: the dead letter's detail, the endpoint's last
error, log lines, the status page, the connection test's message. Before the fix the Basic
credentials (base64) sat in the dead letter's detail, which every view-only staff user can read.

The LRS is a capture server in ``echo`` mode (``tests/capture_lrs.py``): its error answer holds the
raw request header lines, the headers as JSON and the decoded Basic pair, as echo pages do. The
statements go through the code the Celery tasks run (``delivery.service``), and once through the
real worker (``delivery_worker``) whose log file is searched too.
"""
import base64
import html
import importlib
import logging

import pytest
from django.apps import apps
from django.urls import reverse

from openedx_xapi_router.backends.tracking import XapiRouterBackend
from openedx_xapi_router.delivery.core import Item
from openedx_xapi_router.delivery.service import deliver_now, schedule_retry
from openedx_xapi_router.models import DeadLetter, LrsEndpoint
from openedx_xapi_router.redaction import MASK
from tests.admin.conftest import make_statement
from tests.delivery.conftest import wait_until
from tests.delivery.events import enrollment_event
from tests.security.conftest import PASSWORD, TOKEN, USERNAME, found_secrets, secret_forms, stored_text

FORMS = secret_forms(USERNAME, PASSWORD, TOKEN)


def items(count=1):
    return [Item(make_statement(), "edx.course.enrollment.activated", "v@1") for _ in range(count)]


def assert_pages_clean(client, endpoint):
    """
    No admin page a view-only user sees of the endpoint and its dead letters holds the secret; the
    endpoint's own page shows its user name (not a secret there: ``LrsEndpointAdmin``), no other.
    Returns the pages.
    """
    pages = viewer_pages(client, endpoint)
    for number, page in enumerate(pages):
        forms = secret_forms(USERNAME, PASSWORD, TOKEN, with_username=number != 1)
        assert found_secrets(page, forms) == [], number
    return pages


def viewer_pages(client, endpoint):
    """Every admin page a view-only user sees of the endpoint and its dead letters (the change page second)."""
    urls = [
        reverse("admin:xapi_router_lrsendpoint_changelist"),
        reverse("admin:xapi_router_lrsendpoint_change", args=[endpoint.pk]),
        reverse("admin:xapi_router_lrsendpoint_status", args=[endpoint.pk]),
        reverse("admin:xapi_router_deadletter_changelist"),
        *(reverse("admin:xapi_router_deadletter_change", args=[pk])
          for pk in DeadLetter.objects.values_list("pk", flat=True)),
    ]
    pages = []
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        pages.append(response.content.decode())
    return pages


@pytest.mark.django_db
@pytest.mark.parametrize("auth", ["basic", "bearer"])
def test_a_rejection_that_echoes_the_credentials_stores_and_shows_none(auth, make_capture, viewer, caplog):
    caplog.set_level(logging.DEBUG)
    echo = make_capture("echo", 400)
    credentials = {"username": USERNAME, "password": PASSWORD} if auth == "basic" else {"token": TOKEN}
    endpoint = LrsEndpoint.objects.create(name="echoing", statements_url=echo.statements_url, auth_type=auth,
                                          batch_size=10, **credentials)
    batch = items(1)

    result = deliver_now(endpoint, batch)
    assert len(result.rejected) == 1
    [sent] = echo.captured()
    assert sent.header("Authorization").startswith("Basic " if auth == "basic" else "Bearer ")
    assert found_secrets(sent.raw(), FORMS)  # it did get the credentials (it is the endpoint's LRS)...
    assert found_secrets(echo.answer(sent)[2], FORMS)  # ...and its answer echoes them back

    dead = DeadLetter.objects.get()
    assert (dead.reason, dead.http_status, dead.statement_id) == (DeadLetter.REASON_REJECTED, 400,
                                                                  batch[0].statement_id)
    if auth == "basic":
        assert dead.detail.startswith(f"Bad request. Credentials given: {MASK}:{MASK}. ")
    assert f'"Authorization": "{MASK}"' in dead.detail
    assert found_secrets(dead.detail, FORMS) == []
    assert found_secrets(stored_text(), FORMS) == []
    assert found_secrets(caplog.text, FORMS) == []
    pages = assert_pages_clean(viewer, endpoint)
    assert f"&quot;Authorization&quot;: &quot;{MASK}&quot;" in pages[-1]  # the dead letter's page: redacted detail


@pytest.mark.django_db
def test_retries_that_echo_the_credentials_leave_none_in_last_error_logs_and_dead_letters(
        make_capture, viewer, caplog):
    caplog.set_level(logging.DEBUG)
    echo = make_capture("echo", 503)
    endpoint = LrsEndpoint.objects.create(name="echoing", statements_url=echo.statements_url, username=USERNAME,
                                          password=PASSWORD, retry_limit=1)
    batch = items(2)
    result = deliver_now(endpoint, batch)
    assert len(result.retry) == 2 and result.retry_error.status_code == 503
    endpoint.refresh_from_db()
    assert endpoint.last_error.startswith(f"LRS request failed (HTTP 503, retryable): Bad request. Credentials given: "
                                          f"{MASK}:{MASK}. ")
    schedule_retry(endpoint, result.retry, endpoint.retry_limit + 1, result.retry_error)  # retries used up

    assert DeadLetter.objects.filter(reason=DeadLetter.REASON_RETRIES_EXHAUSTED, http_status=503).count() == 2
    for text in [endpoint.last_error, caplog.text, stored_text()]:
        assert found_secrets(text, FORMS) == []
    assert_pages_clean(viewer, endpoint)
    assert "dead-lettered after 2 attempts: LRS request failed (HTTP 503" in caplog.text


@pytest.mark.django_db
def test_the_connection_test_message_never_shows_echoed_credentials(make_capture, django_user_model):
    from tests.security.conftest import staff_client  # pylint: disable=import-outside-toplevel

    editor = staff_client(django_user_model, "editor", ["view_lrsendpoint", "change_lrsendpoint"])
    echo = make_capture("echo", 401)
    endpoint = LrsEndpoint.objects.create(name="echoing", statements_url=echo.statements_url, username=USERNAME,
                                          password=PASSWORD)
    response = editor.post(reverse("admin:xapi_router_lrsendpoint_changelist"),
                           {"action": "test_connection", "_selected_action": [endpoint.pk]}, follow=True)
    assert len(echo.captured()) == 2
    page = response.content.decode()
    assert f"Echoing: FAILED; about: HTTP 401; statements?limit=1: HTTP 401: Bad request. Credentials given: {MASK}" \
        in html.unescape(page)
    assert found_secrets(page, FORMS) == []


@pytest.mark.django_db
def test_the_migration_redacts_what_was_stored_before_it():
    """Rows written before the fix (the detail verbatim) are scrubbed by migration 0002's data step."""
    endpoint = LrsEndpoint.objects.create(name="old", statements_url="https://lrs.example.org/xAPI/statements",
                                          username=USERNAME, password=PASSWORD)
    basic = base64.b64encode(f"{USERNAME}:{PASSWORD}".encode("latin-1")).decode()
    leaked = f'Bad request {{"Authorization": "Basic {basic}"}} password={PASSWORD}'
    LrsEndpoint.objects.filter(pk=endpoint.pk).update(last_error=leaked, credentials_origin="")
    statement = make_statement()
    DeadLetter.objects.create(endpoint=endpoint, statement_id=statement["id"], statement=statement,
                              event_name="e", reason=DeadLetter.REASON_REJECTED, detail=leaked)
    assert found_secrets(stored_text(), FORMS)

    migration = importlib.import_module("openedx_xapi_router.migrations.0002_lrsendpoint_credentials_origin")
    migration.bind_and_redact(apps, None)
    endpoint.refresh_from_db()
    assert endpoint.credentials_origin == "https://lrs.example.org:443"
    assert found_secrets(stored_text(), FORMS) == []
    assert DeadLetter.objects.get().detail == f'Bad request {{"Authorization": "{MASK}"}} password={MASK}'


@pytest.mark.django_db(transaction=True)
def test_the_real_worker_stores_and_logs_no_echoed_credentials(delivery_worker, routed_to, make_capture, viewer,
                                                               event_base):
    routed_to(delivery_worker)
    echo = make_capture("echo", 400)
    endpoint = LrsEndpoint.objects.create(name="echoing", statements_url=echo.statements_url, username=USERNAME,
                                          password=PASSWORD, batch_size=10)
    backend = XapiRouterBackend()
    for number in range(3):
        backend.send(enrollment_event(event_base + number))
    assert backend.errors == 0
    wait_until(lambda: DeadLetter.objects.filter(endpoint=endpoint).count() == 3, 20, message="3 dead letters")
    assert all(found_secrets(request.raw(), FORMS) for request in echo.captured())  # the LRS got them
    assert found_secrets(stored_text(), FORMS) == []
    assert found_secrets(delivery_worker.log_path.read_bytes(), FORMS) == []
    assert_pages_clean(viewer, endpoint)


@pytest.mark.mariadb
@pytest.mark.django_db
def test_on_mariadb_an_echoed_rejection_stores_no_credentials(make_capture, viewer, caplog):
    """The same search on MariaDB's raw columns (``make test-mariadb``)."""
    test_a_rejection_that_echoes_the_credentials_stores_and_shows_none("basic", make_capture, viewer, caplog)
