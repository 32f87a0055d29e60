"""
The LRS client without a network: pure request building, what the client makes of each answer (the
delivery policy's table, through the client), secrets kept out.

The fake session answers as a streamed ``requests`` response does (the client reads
``response.raw.read1`` until the deadline, then ``release_conn``), urllib3 2.x's ``HTTPResponse``.
"""
import io
import logging

import orjson
import pytest
import requests

from openedx_xapi_router import __version__
from openedx_xapi_router.lrs.client import (
    LrsClient,
    LrsError,
    MisconfiguredEndpointError,
    Outcome,
    build_about,
    build_get_statement,
    build_post_statements,
)

URL = "https://lrs.example.org/xAPI/statements"
SECRET = "s3cret-password-value"


class FakeRaw(io.BytesIO):
    """A streamed body: ``read1`` as urllib3's ``HTTPResponse`` offers it, and its connection calls."""

    connection = None
    released = False

    def release_conn(self):
        self.released = True


class FakeResponse:
    def __init__(self, status_code, content=b"", headers=None):
        self.status_code = status_code
        self.raw = FakeRaw(content)
        self.headers = requests.structures.CaseInsensitiveDict(headers or {})
        self.closed = False

    def close(self):
        self.closed = True


class RecordingSession(requests.Session):
    """A Session that records requests and answers from a queue instead of the network."""

    def __init__(self, answers):
        super().__init__()
        self.answers = list(answers)
        self.calls = []

    def request(self, method, url, **kwargs):  # pylint: disable=arguments-differ
        self.calls.append((method, url, kwargs))
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer


def client_with(answers):
    client = LrsClient(URL, ("user", SECRET), timeout=3)
    session = RecordingSession(answers)
    session.auth = client._session.auth  # pylint: disable=protected-access
    client._session = session  # pylint: disable=protected-access
    return client, session


def test_build_post_statements_is_pure_and_complete():
    request = build_post_statements(URL, [{"id": "1", "verb": {"id": "v"}}])
    assert request.method == "POST"
    assert request.url == URL
    assert orjson.loads(request.body) == [{"id": "1", "verb": {"id": "v"}}]
    assert request.headers["X-Experience-API-Version"] == "1.0.3"
    assert request.headers["Content-Type"] == "application/json"
    assert request.headers["User-Agent"].startswith(f"openedx-xapi-router/{__version__} ")


def test_build_get_statement_and_about_urls():
    assert build_get_statement(URL, "abc-1").url == f"{URL}?statementId=abc-1"
    assert build_about(URL).url == "https://lrs.example.org/xAPI/about"
    assert build_about(URL + "/").url == "https://lrs.example.org/xAPI/about"


@pytest.mark.parametrize(
    "status, body, outcome",
    [(200, b'["1"]', Outcome.OK), (204, b"", Outcome.OK), (409, b"", Outcome.DUPLICATE), (400, b"", None),
     (401, b"", None), (403, b"", None), (404, b"", None), (413, b"", None), (429, b"", True), (500, b"", True),
     (502, b"", True), (503, b"", True), (200, b'["1', True), (200, b"<html>OK</html>", True)],
)
def test_what_a_post_of_one_statement_comes_to(status, body, outcome):
    """An Outcome for a delivery; otherwise the error's ``retryable`` (True) or a refusal (None)."""
    client, _ = client_with([FakeResponse(status, body)])
    if isinstance(outcome, Outcome):
        assert client.post_statements([{"id": "1"}]).outcome is outcome
        return
    with pytest.raises(LrsError) as caught:
        client.post_statements([{"id": "1"}])
    assert (caught.value.status_code, caught.value.retryable) == (status, bool(outcome))


def test_post_ok_sends_the_built_request():
    client, session = client_with([FakeResponse(200, b'["1"]')])
    response = client.post_statements([{"id": "1"}])
    assert response.outcome is Outcome.OK and response.json() == ["1"]
    method, url, kwargs = session.calls[0]
    assert (method, url, kwargs["data"], kwargs["allow_redirects"], kwargs["stream"]) == (
        "POST", URL, b'[{"id":"1"}]', False, True)
    connect, read = kwargs["timeout"]  # what is left of the one 3 s deadline
    assert 2.5 < connect == read <= 3


def test_a_same_origin_307_is_followed_with_the_same_post_and_a_301_is_not():
    client, session = client_with([FakeResponse(307, headers={"Location": "/v2/statements"}),
                                   FakeResponse(200, b'["1"]')])
    assert client.post_statements([{"id": "1"}]).outcome is Outcome.OK
    assert [(method, url, kwargs["data"]) for method, url, kwargs in session.calls] == [
        ("POST", URL, b'[{"id":"1"}]'), ("POST", "https://lrs.example.org/v2/statements", b'[{"id":"1"}]')]
    client, session = client_with([FakeResponse(301, headers={"Location": "/v2/statements"})])
    with pytest.raises(MisconfiguredEndpointError) as caught:
        client.post_statements([{"id": "1"}])
    assert len(session.calls) == 1 and caught.value.whole_batch and not caught.value.retryable
    assert "https://lrs.example.org/v2/statements" in str(caught.value)


def test_four_same_origin_redirects_are_a_misconfiguration():
    client, session = client_with([FakeResponse(308, headers={"Location": f"/x{n}"}) for n in range(4)])
    with pytest.raises(MisconfiguredEndpointError, match="more than 3 redirects"):
        client.post_statements([{"id": "1"}])
    assert len(session.calls) == 4


def test_retry_after_reaches_the_error():
    client, _ = client_with([FakeResponse(429, b"slow down", headers={"Retry-After": "17"})])
    with pytest.raises(LrsError) as caught:
        client.post_statements([{"id": "1"}])
    assert (caught.value.retryable, caught.value.retry_after, caught.value.slow) == (True, 17.0, False)


def test_duplicate_is_not_an_error():
    client, _ = client_with([FakeResponse(409, b'{"detail": "exists"}')])
    assert client.post_statements([{"id": "1"}]).outcome is Outcome.DUPLICATE


@pytest.mark.parametrize("status, retryable", [(400, False), (503, True), (429, True)])
def test_errors_carry_status_and_retryable(status, retryable):
    client, _ = client_with([FakeResponse(status, b"x" * 2000)])
    with pytest.raises(LrsError) as caught:
        client.post_statements([{"id": "1"}])
    assert (caught.value.status_code, caught.value.retryable) == (status, retryable)
    assert len(caught.value.body_excerpt) == 503
    assert f"HTTP {status}" in str(caught.value)


@pytest.mark.parametrize("error", [requests.ConnectTimeout("boom"), requests.ReadTimeout("boom"),
                                   requests.ConnectionError("boom")])
def test_transport_failures_are_retryable(error):
    client, _ = client_with([error])
    with pytest.raises(LrsError) as caught:
        client.post_statements([{"id": "1"}])
    assert caught.value.status_code is None and caught.value.retryable
    assert caught.value.slow is isinstance(error, requests.Timeout)
    assert "no response" in str(caught.value)


def test_credentials_never_show(caplog):
    caplog.set_level(logging.DEBUG)
    client, _ = client_with([FakeResponse(401, b'{"detail": "bad credentials"}'), requests.ConnectionError(SECRET)])
    assert SECRET not in repr(client)
    for _ in range(2):
        with pytest.raises(LrsError) as caught:
            client.post_statements([{"id": "1"}])
        assert SECRET not in str(caught.value) and SECRET not in repr(caught.value)
    assert SECRET not in caplog.text


@pytest.mark.parametrize("url", ["https://user:pw@lrs.example.org/xAPI/statements", "ftp://lrs.example.org/x", "lrs"])
def test_bad_urls_are_refused(url):
    with pytest.raises(ValueError):
        LrsClient(url, ("user", SECRET))


def test_plain_http_needs_explicit_permission():
    with pytest.raises(ValueError, match="XAPI_ROUTER_ALLOW_INSECURE_HTTP"):
        LrsClient("http://lrs.example.org/xAPI/statements", ("user", SECRET))
    LrsClient("http://lrs.example.org/xAPI/statements", ("user", SECRET), allow_insecure_http=True).close()


def test_iter_statements_follows_more_links():
    pages = [
        FakeResponse(200, orjson.dumps({"statements": [{"id": "1"}, {"id": "2"}], "more": "/xAPI/statements?p=2"})),
        FakeResponse(200, orjson.dumps({"statements": [{"id": "3"}], "more": ""})),
    ]
    client, session = client_with(pages)
    assert [s["id"] for s in client.iter_statements(page_limit=2)] == ["1", "2", "3"]
    assert session.calls[0][1] == f"{URL}?limit=2"
    assert session.calls[1][1] == "https://lrs.example.org/xAPI/statements?p=2"
