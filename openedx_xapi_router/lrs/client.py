"""
An HTTP client for an xAPI Learning Record Store (LRS).

Building a request is pure (:func:`build_post_statements`, :func:`build_get_statement`,
:func:`build_about`: URL, headers and body bytes, no network), so it can be unit-tested.
:class:`LrsClient` is the thin transport around it: one pooled ``requests.Session``, the timeout,
the auth, a User-Agent with our version, and one :meth:`LrsClient.classify` hook deciding what a
response means for delivery:

* ``ok``: 2xx;
* ``duplicate``: 409, the LRS already has a statement with that id (delivery is done);
* ``rejected``: any other 4xx, retrying the same request can never succeed (dead-letter it);
* ``retryable``: 5xx, 429, connection errors and timeouts.

Credentials never appear in a repr, a log line or an error message: an error's body excerpt is
redacted (:func:`~openedx_xapi_router.redaction.redact`) of the client's own credentials and of
``Authorization``-like headers an LRS echoes, before it is cut.
"""
import enum
import logging
from dataclasses import dataclass, field
from urllib.parse import urlencode, urljoin, urlsplit

import orjson
import requests

from openedx_xapi_router import __version__
from openedx_xapi_router.redaction import Credentials, redact

log = logging.getLogger(__name__)

USER_AGENT = f"openedx-xapi-router/{__version__} python-requests/{requests.__version__}"
BODY_EXCERPT_LENGTH = 500
#: How much of an error answer is redacted before it is cut to ``BODY_EXCERPT_LENGTH``: far more than
#: is kept, so no secret cut in two can end up in the excerpt, and a huge answer costs little.
REDACT_WINDOW = 16 * 1024


class Outcome(enum.Enum):
    """What an LRS response means for delivery."""

    OK = "ok"
    DUPLICATE = "duplicate"
    REJECTED = "rejected"
    RETRYABLE = "retryable"


class LrsError(Exception):
    """
    An LRS request that did not succeed.

    Attributes:
        status_code: the HTTP status, or None when no response came (connection error, timeout).
        body_excerpt: the start of the response body (or the transport error's kind), for humans.
        retryable: True when the same request may succeed later (5xx, 429, no response).
    """

    def __init__(self, status_code, body_excerpt, retryable):
        super().__init__(status_code, body_excerpt, retryable)
        self.status_code = status_code
        self.body_excerpt = body_excerpt
        self.retryable = retryable

    def __str__(self):
        status = "no response" if self.status_code is None else f"HTTP {self.status_code}"
        kind = "retryable" if self.retryable else "rejected"
        return f"LRS request failed ({status}, {kind}): {self.body_excerpt}"


@dataclass(frozen=True)
class LrsRequest:
    """One HTTP request to an LRS, built without touching the network."""

    method: str
    url: str
    headers: dict = field(default_factory=dict)
    body: bytes | None = None


@dataclass(frozen=True)
class LrsResponse:
    """A successful (``ok`` or ``duplicate``) LRS response."""

    status_code: int
    outcome: Outcome
    body: bytes

    def json(self):
        """The body parsed as JSON, or None when it is empty."""
        return orjson.loads(self.body) if self.body else None


def base_headers(xapi_version):
    """The headers every xAPI request carries."""
    return {
        "X-Experience-API-Version": xapi_version,
        "User-Agent": USER_AGENT,
        "Accept": "application/json",
    }


def build_post_statements(statements_url, statements, xapi_version="1.0.3"):
    """
    The request that POSTs a batch of statements (a list of dicts) to ``statements_url``.
    """
    headers = base_headers(xapi_version)
    headers["Content-Type"] = "application/json"
    return LrsRequest("POST", statements_url, headers, orjson.dumps(list(statements)))


def build_get_statement(statements_url, statement_id, xapi_version="1.0.3"):
    """The request that reads one statement back by its id."""
    url = f"{statements_url}?{urlencode({'statementId': statement_id})}"
    return LrsRequest("GET", url, base_headers(xapi_version))


def build_get_statements(statements_url, params=None, xapi_version="1.0.3"):
    """The request that reads a page of statements matching ``params`` (``limit``, ``since``...)."""
    url = f"{statements_url}?{urlencode(params)}" if params else statements_url
    return LrsRequest("GET", url, base_headers(xapi_version))


def build_about(statements_url, xapi_version="1.0.3"):
    """The request for the LRS's ``about`` resource, a sibling of ``statements``."""
    return LrsRequest("GET", urljoin(statements_url.rstrip("/") + "/", "../about"), base_headers(xapi_version))


DEFAULT_PORTS = {"http": 80, "https": 443}


def url_origin(url):
    """
    The origin of ``url``, ``scheme://host:port`` with the default port spelled out
    (``https://LRS.example.org/x`` -> ``https://lrs.example.org:443``), or "" when it has none.
    Credentials are only ever sent to the origin they were entered for.
    """
    try:
        parts = urlsplit(str(url or ""))
        port = parts.port
    except ValueError:
        return ""
    scheme, host = parts.scheme.lower(), parts.hostname or ""
    if not scheme or not host:
        return ""
    host = f"[{host}]" if ":" in host else host
    return f"{scheme}://{host}:{port or DEFAULT_PORTS.get(scheme, '')}"


def excerpt(body, length=BODY_EXCERPT_LENGTH):
    """The start of a response body as text, for error messages."""
    text = body.decode("utf-8", errors="replace") if isinstance(body, bytes) else str(body)
    return text if len(text) <= length else text[:length] + "..."


class LrsClient:
    """
    A connection to one LRS's statements resource.

    Arguments:
        statements_url: the LRS's statements URL, e.g. ``https://lrs.example.org/xAPI/statements``.
            Credentials belong in ``auth``, never in the URL.
        auth: ``(username, password)`` for HTTP Basic, or any ``requests`` auth object.
        timeout: seconds to wait for the LRS (connect and read).
        xapi_version: the ``X-Experience-API-Version`` header sent.
        allow_insecure_http: allow a plain ``http://`` URL (development, tests).
    """

    def __init__(self, statements_url, auth, timeout=10, xapi_version="1.0.3", allow_insecure_http=False):
        parts = urlsplit(statements_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"LRS statements URL must be an http(s) URL, got {statements_url!r}")
        if parts.username or parts.password:
            raise ValueError("put LRS credentials in auth, not in the statements URL")
        if parts.scheme == "http" and not allow_insecure_http:
            raise ValueError(
                f"refusing plain-HTTP LRS URL {statements_url!r}: use https, or allow it explicitly "
                "(XAPI_ROUTER_ALLOW_INSECURE_HTTP) for development"
            )
        self.statements_url = statements_url
        self.timeout = timeout
        self.xapi_version = xapi_version
        self._session = requests.Session()
        self._session.auth = auth

    def __repr__(self):
        return f"<LrsClient {self.statements_url}>"

    def answer_excerpt(self, body):
        """The start of an LRS answer's ``body``, redacted of this client's credentials (then cut)."""
        return excerpt(redact(body[:REDACT_WINDOW], Credentials.of_auth(self._session.auth)))

    def close(self):
        """Close the pooled connections."""
        self._session.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()

    def post_statements(self, statements):
        """
        POST a batch of statement dicts. Returns an ``ok`` or ``duplicate`` :class:`LrsResponse`;
        raises :class:`LrsError` for a rejected or retryable request.
        """
        return self.send(build_post_statements(self.statements_url, statements, self.xapi_version))

    def get_statement(self, statement_id):
        """
        Read one statement back by id, as a dict. Raises :class:`LrsError` (404 if unknown).

        The xAPI spec answers with the statement itself; Ralph 5.1 wraps it in a one-item
        ``{"statements": [...]}`` result, which is unwrapped here.
        """
        body = self.send(build_get_statement(self.statements_url, statement_id, self.xapi_version)).json()
        if isinstance(body, dict) and "statements" in body and "id" not in body:
            found = body["statements"]
            if len(found) != 1:
                raise LrsError(404, f"statement {statement_id} not found", retryable=False)
            return found[0]
        return body

    def about(self):
        """The LRS's ``about`` resource (its supported xAPI versions), as a dict."""
        return self.send(build_about(self.statements_url, self.xapi_version)).json()

    def iter_statements(self, params=None, page_limit=100, max_pages=10_000):
        """
        Yield every statement matching ``params``, following the LRS's ``more`` links page by page
        (on the same origin only: a link elsewhere raises :class:`LrsError` rather than send it our
        credentials).
        """
        query = dict(params or {})
        query.setdefault("limit", page_limit)
        request = build_get_statements(self.statements_url, query, self.xapi_version)
        for _ in range(max_pages):
            page = self.send(request).json() or {}
            yield from page.get("statements", [])
            more = page.get("more")
            if not more:
                return
            more_url = urljoin(self.statements_url, more)
            if url_origin(more_url) != url_origin(self.statements_url):  # our credentials go to our LRS only
                raise LrsError(None, f"refusing a 'more' link to another origin ({url_origin(more_url)})",
                               retryable=False)
            request = LrsRequest("GET", more_url, base_headers(self.xapi_version))
        raise LrsError(None, f"more than {max_pages} pages of statements", retryable=False)

    def send(self, request):
        """
        Send one :class:`LrsRequest` and classify the answer. Returns an :class:`LrsResponse` for
        ``ok``/``duplicate``; raises :class:`LrsError` otherwise.
        """
        try:
            response = self._session.request(
                request.method, request.url, headers=request.headers, data=request.body, timeout=self.timeout
            )
        except requests.Timeout as error:
            raise LrsError(None, f"timed out after {self.timeout}s ({type(error).__name__})", retryable=True) from None
        except requests.ConnectionError as error:
            raise LrsError(None, f"connection failed ({type(error).__name__})", retryable=True) from None
        outcome = self.classify(response)
        log.debug("LRS %s %s -> %s (%s)", request.method, request.url, response.status_code, outcome.value)
        if outcome in (Outcome.OK, Outcome.DUPLICATE):
            return LrsResponse(response.status_code, outcome, response.content)
        raise LrsError(response.status_code, self.answer_excerpt(response.content),
                       retryable=outcome is Outcome.RETRYABLE)

    def classify(self, response):
        """
        What ``response`` means for delivery: the one hook a subclass overrides for an LRS that
        answers unusually.
        """
        status = response.status_code
        if 200 <= status < 300:
            return Outcome.OK
        if status == 409:
            return Outcome.DUPLICATE
        if status == 429 or status >= 500:
            return Outcome.RETRYABLE
        return Outcome.REJECTED
