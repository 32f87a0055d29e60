"""
The LRS client without a network: pure request building, classification, secrets kept out.
"""
import logging

import orjson
import pytest
import requests

from openedx_xapi_router import __version__
from openedx_xapi_router.lrs.client import (
    LrsClient,
    LrsError,
    Outcome,
    build_about,
    build_get_statement,
    build_post_statements,
)

URL = "https://lrs.example.org/xAPI/statements"
SECRET = "s3cret-password-value"


class FakeResponse:
    def __init__(self, status_code, content=b""):
        self.status_code = status_code
        self.content = content


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
    "status, outcome",
    [(200, Outcome.OK), (204, Outcome.OK), (409, Outcome.DUPLICATE), (400, Outcome.REJECTED),
     (401, Outcome.REJECTED), (403, Outcome.REJECTED), (404, Outcome.REJECTED), (413, Outcome.REJECTED),
     (429, Outcome.RETRYABLE), (500, Outcome.RETRYABLE), (502, Outcome.RETRYABLE), (503, Outcome.RETRYABLE)],
)
def test_classify(status, outcome):
    client = LrsClient(URL, ("user", SECRET))
    assert client.classify(FakeResponse(status)) is outcome


def test_post_ok_sends_the_built_request():
    client, session = client_with([FakeResponse(200, b'["1"]')])
    response = client.post_statements([{"id": "1"}])
    assert response.outcome is Outcome.OK and response.json() == ["1"]
    method, url, kwargs = session.calls[0]
    assert (method, url, kwargs["data"], kwargs["timeout"]) == ("POST", URL, b'[{"id":"1"}]', 3)


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
