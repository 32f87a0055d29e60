"""
The one redaction function (``openedx_xapi_router.redaction.redact``), on the shapes an LRS or a
proxy echoes a request in.

The encodings come from what we send: HTTP Basic is ``requests.auth._basic_auth_str``
(psf/requests, src/requests/auth.py: ``"Basic " + b64encode(b":".join((username, password)))``, both
encoded latin-1), a bearer token is our ``BearerAuth`` (``Authorization: Bearer <token>``). The echo
shapes are those of an HTTP echo service (raw header lines), a JSON dump of the request headers
(``{"headers": {"Authorization": "..."}}``), a Python repr of a headers dict, and a query string.
"""
import base64
import json
from urllib.parse import quote, quote_plus

import pytest

from openedx_xapi_router.models import BearerAuth
from openedx_xapi_router.redaction import MASK, Credentials, redact

USERNAME = "router-svc"
PASSWORD = "S3cr3t/pa+ss w0rd&é"
TOKEN = "tok_9f8e7d6c5b4a"
BASIC = base64.b64encode(f"{USERNAME}:{PASSWORD}".encode("latin-1")).decode()
CREDENTIALS = Credentials(USERNAME, PASSWORD, TOKEN)


def secret_forms():
    """Every form of the secrets a redacted text must not contain."""
    forms = {PASSWORD, TOKEN, USERNAME, BASIC, BASIC.rstrip("="), quote(PASSWORD, safe=""), quote_plus(PASSWORD),
             json.dumps(PASSWORD)[1:-1], base64.b64encode(f"{USERNAME}:{PASSWORD}".encode()).decode()}
    return sorted(forms)


def assert_clean(text):
    for form in secret_forms():
        assert form not in text, form


@pytest.mark.parametrize("echo", [
    f"Authorization: Basic {BASIC}\r\nHost: lrs\r\n",
    f"proxy-authorization:Basic {BASIC}\n",
    f'{{"headers": {{"Authorization": "Basic {BASIC}", "Host": "lrs"}}}}',
    f"{{'Authorization': 'Bearer {TOKEN}', 'Accept': 'application/json'}}",
    f"Cookie: sessionid={TOKEN}\nSet-Cookie: csrftoken=abc; Path=/",
    f'{{"X-Experience-API-Credentials": "{TOKEN}"}}',
    f"X-Auth-Token: {TOKEN}",
    f"GET /xAPI/statements?token={TOKEN}&limit=1",
    f"the request had Basic {BASIC} in it",
    f"password {PASSWORD} is wrong; {quote(PASSWORD, safe='')}; {quote_plus(PASSWORD)}",
    json.dumps({"detail": f"bad password {PASSWORD} for {USERNAME}"}),
    f"https://{USERNAME}:{quote(PASSWORD, safe='')}@lrs.example.org/xAPI/statements",
])
def test_each_echo_shape_loses_the_credentials(echo):
    redacted = redact(echo, CREDENTIALS)
    assert_clean(redacted)
    assert MASK in redacted


def test_header_values_go_even_without_knowing_the_credentials():
    text = f'Authorization: Basic {BASIC}\n{{"Cookie": "a=b"}}\nBearer eyJhbGciOiJIUzI1NiJ9.e30.sig'
    assert redact(text) == f'Authorization: {MASK}\n{{"Cookie": "{MASK}"}}\nBearer {MASK}'


def test_a_cut_echo_loses_the_partial_value():
    cut = f'{{"headers": {{"Authorization": "Basic {BASIC[:9]}'
    assert redact(cut) == f'{{"headers": {{"Authorization": "{MASK}"'


def test_ordinary_lrs_answers_are_left_readable():
    for text in ('{"detail":"Invalid authentication credentials"}',
                 "Basic authentication failed. Bearer token required.",
                 "ralph-wrong-password: FAILED; about: HTTP 404", '{"authority": "x", "author": "y"}',
                 "redis://***@127.0.0.1:1/0 refused"):
        assert redact(text, Credentials("svc-user", "not-the-password")) == text


def test_a_raw_username_goes_wherever_it_appears():
    # A user name is a credential too: it is masked even inside other words (pick a distinctive one).
    assert redact("ralph-wrong-password: FAILED", Credentials("ralph", "pw")) == f"{MASK}-wrong-password: FAILED"


def test_bytes_and_none():
    assert redact(f"Authorization: Basic {BASIC}".encode("latin-1")) == f"Authorization: {MASK}"
    assert redact(None) == ""


def test_credentials_of_the_auth_objects_we_send_with():
    assert Credentials.of_auth((USERNAME, PASSWORD)) == Credentials(USERNAME, PASSWORD)
    assert Credentials.of_auth(BearerAuth(TOKEN)) == Credentials(token=TOKEN)
    assert not Credentials.of_auth(None)
    assert TOKEN not in repr(Credentials.of_auth(BearerAuth(TOKEN)))
