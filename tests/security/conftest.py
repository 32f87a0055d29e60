"""
Fixtures of the security tests (issue 14): the attacker is a staff user short of superuser, in a
real admin session (Django's test client logged in); the LRS is a capture server on loopback that
records every request; and every stored byte (every row of every table, raw columns) and every
page shown is searched for the secret in each encoding we send it in.
"""
import base64
import html
import json
from urllib.parse import quote, quote_plus

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test import Client

from openedx_xapi_router.delivery import client as delivery_client
from tests.capture_lrs import CaptureServer
from tests.delivery.conftest import (  # noqa: F401  pylint: disable=unused-import
    delivery_worker,
    event_base,
    routed_to,
)
from tests.erb.conftest import make_router  # noqa: F401  pylint: disable=unused-import

#: Credentials of the victim endpoint: distinctive, and with characters that every encoding changes.
USERNAME = "router-svc-7q"
PASSWORD = "S3cr3t/pa+ss w0rd&é-k9"
TOKEN = "tok_Zx81-bearer-secret"


def secret_forms(username="", password="", token="", with_username=True):
    """
    The secret in each encoding we send it in or an echo would show it in: raw, HTTP Basic's base64
    of ``user:password`` (latin-1, as requests encodes it, and UTF-8; padded and not),
    percent-encoded, JSON-escaped, HTML-escaped.
    """
    forms = set()
    for secret in (username if with_username else "", password, token):
        if secret:
            forms.update({secret, quote(secret, safe=""), quote_plus(secret), json.dumps(secret)[1:-1],
                          html.escape(secret)})
    if username or password:
        for encoding in ("latin-1", "utf-8"):
            encoded = base64.b64encode(f"{username}:{password}".encode(encoding)).decode()
            forms.update({encoded, encoded.rstrip("=")})
    return sorted(forms)


def found_secrets(blob, forms):
    """The forms of ``forms`` that occur in ``blob`` (str or bytes)."""
    if isinstance(blob, (bytes, bytearray, memoryview)):
        blob = bytes(blob).decode("utf-8", errors="replace") + bytes(blob).decode("latin-1")
    return [form for form in forms if form in blob]


def stored_text():
    """Every value of every row of every table of the test database, as text (raw columns, not the ORM)."""
    chunks = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608 (our own table names)
            for row in cursor.fetchall():
                for value in row:
                    if isinstance(value, (bytes, bytearray, memoryview)):
                        chunks.append(bytes(value).decode("latin-1"))
                        chunks.append(bytes(value).decode("utf-8", errors="replace"))
                    elif value is not None:
                        chunks.append(str(value))
    return "\n".join(chunks)


def staff_client(django_user_model, username, codenames):
    """A logged-in test client of a staff user (not a superuser) with exactly these permissions."""
    user = django_user_model.objects.create_user(username, password=f"{username}-pw", is_staff=True)
    user.user_permissions.add(*Permission.objects.filter(content_type__app_label="xapi_router",
                                                        codename__in=codenames))
    assert not user.is_superuser and user.user_permissions.count() == len(codenames)
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def editor(django_user_model):
    """The attacker: may change LRS endpoints (and replay dead letters), nothing more."""
    return staff_client(django_user_model, "editor", [
        "view_lrsendpoint", "change_lrsendpoint", "view_deadletter", "change_deadletter", "view_deliveryhour",
    ])


@pytest.fixture
def viewer(django_user_model):
    """A staff user who may only look at the router's admin."""
    return staff_client(django_user_model, "viewer", ["view_lrsendpoint", "view_deadletter", "view_deliveryhour"])


@pytest.fixture
def capture():
    """A capture server answering as an LRS."""
    server = CaptureServer("lrs")
    yield server
    server.close()


@pytest.fixture
def make_capture():
    """``make_capture(mode, status=None, location=None)``: more capture servers, closed after the test."""
    servers = []

    def make(mode="lrs", status=None, location=None):
        servers.append(CaptureServer(mode, status, location))
        return servers[-1]

    yield make
    for server in servers:
        server.close()


@pytest.fixture(autouse=True)
def fresh_clients():
    """No pooled LRS client (and its credentials) outlives a test."""
    delivery_client.close_clients()
    yield
    delivery_client.close_clients()
