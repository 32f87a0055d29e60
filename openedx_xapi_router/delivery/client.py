"""
The transport of delivery: one pooled LRS client per endpoint per worker process, and the admin's
"test connection" probe.

:class:`DeliveryClient` is the project's :class:`~openedx_xapi_router.lrs.client.LrsClient` with one
addition: a retryable error carries the LRS's ``Retry-After`` (seconds) as
:attr:`RetryableLrsError.retry_after`, which the back-off honours.

:func:`client_for` keeps one client (one ``requests.Session``, so one connection pool) per endpoint
in the process, rebuilt when the endpoint row changes (its ``modified`` time) so a new password or
URL takes effect on the next batch.
"""
import email.utils
import logging
import threading
import time
from urllib.parse import urljoin, urlsplit, urlunsplit

import orjson
import requests
import urllib3
from django.conf import settings

from openedx_xapi_router.lrs.client import (
    LrsClient, LrsError, LrsResponse, Outcome, build_get_statements, build_post_statements, excerpt,
)

log = logging.getLogger(__name__)


class RetryableLrsError(LrsError):
    """
    A retryable :class:`LrsError` (5xx, 429, no answer) with the LRS's ``Retry-After`` in seconds, if
    any; ``slow`` when the request used its whole deadline (the endpoint holds worker slots).
    """

    def __init__(self, status_code, body_excerpt, retry_after=None, slow=False):
        super().__init__(status_code, body_excerpt, retryable=True)
        self.retry_after = retry_after
        self.slow = slow


class MisconfiguredEndpointError(LrsError):
    """
    The endpoint, as configured, cannot take statements: the LRS (or a proxy) redirects them
    elsewhere. Not retryable, and about the whole batch (``whole_batch``: it is not bisected).
    """

    whole_batch = True

    def __init__(self, status_code, body_excerpt):
        super().__init__(status_code, body_excerpt, retryable=False)


#: Redirects followed (307/308, same origin) before a request counts as misconfigured.
MAX_REDIRECTS = 3
READ_SIZE = 65536


def parse_retry_after(value, now=None):
    """Seconds from a ``Retry-After`` header (delta-seconds or an HTTP date), or None."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


def origin(url):
    """``(scheme, host, port)`` of ``url``, the port made explicit."""
    parts = urlsplit(url)
    default = {"http": 80, "https": 443}.get(parts.scheme)
    return parts.scheme, (parts.hostname or "").lower(), parts.port or default


def unconfirmed(body, posted_ids):
    """
    Why a 200 answer to a statements POST does not confirm it, or None when it does.

    xAPI 1.0.3 (Statement Resource, POST) answers with the array of the ids stored. Ralph leaves out
    the ids it already held (and answers 204 when it held them all: see
    ``ralph/api/routers/statements.py``, ``_post_statements_standard``), so the answer confirms the
    batch when it is a non-empty JSON list of ids that were all POSTed.
    """
    try:
        answer = orjson.loads(body)
    except orjson.JSONDecodeError:
        return "the answer is not JSON (truncated, or not from the LRS)"
    if type(answer) is not list or not answer:  # pylint: disable=unidiomatic-typecheck
        return "the answer is not a list of statement ids"
    posted = set(posted_ids)
    strangers = [value for value in answer if type(value) is not str or value not in posted]  # pylint: disable=unidiomatic-typecheck
    if strangers:
        return f"the answer holds ids that were not posted ({str(strangers[0])[:60]!r}...)"
    return None


def _socket_of(response):
    """The socket under a streamed ``requests`` response, or None."""
    connection = getattr(response.raw, "connection", None)
    return getattr(connection, "sock", None)


class DeliveryClient(LrsClient):
    """
    An :class:`LrsClient` for delivery:

    * its retryable errors carry ``Retry-After``;
    * every request has one deadline, ``timeout`` seconds for connect, send and the whole answer
      (an answer trickled a byte at a time fails at the deadline, not ``timeout`` per read);
    * redirects are never followed by ``requests`` (which re-sends a POST after 301/302/303 as a
      GET): a 307/308 to the same origin is followed with the same request, up to
      ``MAX_REDIRECTS``; any other redirect is a :class:`MisconfiguredEndpointError` naming the new
      location (credentials never go to another origin);
    * a statements POST counts as delivered only when the LRS confirms it (:func:`unconfirmed`);
      a 200 that does not is a retryable failure.
    """

    def post_statements(self, statements):
        posted_ids = [statement.get("id") for statement in statements]
        response = self.send(build_post_statements(self.statements_url, statements, self.xapi_version))
        if response.status_code == 200:
            problem = unconfirmed(response.body, posted_ids)
            if problem:
                raise RetryableLrsError(200, f"delivery not confirmed: {problem}: {excerpt(response.body, 200)}")
        return response

    def send(self, request):
        deadline = time.monotonic() + self.timeout
        url = request.url
        for _ in range(MAX_REDIRECTS + 1):
            status, headers, body = self._exchange(request, url, deadline)
            if status not in (301, 302, 303, 307, 308):
                break
            location = urljoin(url, headers.get("Location") or "")
            if status in (307, 308) and headers.get("Location") and origin(location) == origin(url):
                url = location
                continue
            raise MisconfiguredEndpointError(
                status, f"the LRS redirects {request.method} {url} to {location or '(no Location)'} "
                        f"(HTTP {status}): fix the endpoint's statements URL",
            )
        else:
            raise MisconfiguredEndpointError(status, f"more than {MAX_REDIRECTS} redirects from {request.url}")
        outcome = self.classify_status(status)
        if outcome in (Outcome.OK, Outcome.DUPLICATE):
            return LrsResponse(status, outcome, body)
        if outcome is Outcome.RETRYABLE:
            raise RetryableLrsError(status, excerpt(body), parse_retry_after(headers.get("Retry-After")))
        raise LrsError(status, excerpt(body), retryable=False)

    def classify_status(self, status):
        """:meth:`LrsClient.classify` from a status code alone."""
        return self.classify(_Status(status))

    def _exchange(self, request, url, deadline):
        """One request and its whole answer before ``deadline``: ``(status, headers, body)``."""
        remaining = deadline - time.monotonic()
        try:
            response = self._session.request(
                request.method, url, headers=request.headers, data=request.body, timeout=(remaining, remaining),
                allow_redirects=False, stream=True,
            )
        except requests.Timeout as error:
            raise RetryableLrsError(None, f"timed out after {self.timeout}s ({type(error).__name__})",
                                    slow=True) from None
        except requests.RequestException as error:
            raise RetryableLrsError(None, f"connection failed ({type(error).__name__})") from None
        try:
            body = self._read_body(response, deadline)
        except BaseException:
            response.close()  # a broken or late answer: the connection is not reused
            raise
        response.raw.release_conn()  # the whole answer was read: the connection goes back to the pool
        return response.status_code, response.headers, body

    def _read_body(self, response, deadline):
        sock = _socket_of(response)
        parts = []
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise RetryableLrsError(response.status_code, f"the answer took longer than {self.timeout}s "
                                                              "(deadline for the whole request)", slow=True)
            try:
                if sock is not None:
                    sock.settimeout(remaining)
                part = response.raw.read1(READ_SIZE)
            except (OSError, requests.RequestException, urllib3.exceptions.HTTPError) as error:
                slow = isinstance(error, (TimeoutError, urllib3.exceptions.TimeoutError))
                raise RetryableLrsError(response.status_code, f"the answer broke off ({type(error).__name__})",
                                        slow=slow) from None
            if not part:
                return b"".join(parts)
            parts.append(part)


class _Status:  # pylint: disable=too-few-public-methods
    """What :meth:`LrsClient.classify` reads of a response: its status code."""

    def __init__(self, status_code):
        self.status_code = status_code


def make_delivery_client(endpoint):
    """A new :class:`DeliveryClient` for ``endpoint`` (an ``LrsEndpoint``)."""
    return DeliveryClient(
        endpoint.statements_url, endpoint.auth, timeout=endpoint.timeout, xapi_version=endpoint.xapi_version,
        allow_insecure_http=getattr(settings, "XAPI_ROUTER_ALLOW_INSECURE_HTTP", False),
    )


_CLIENTS = {}
_CLIENTS_LOCK = threading.Lock()


def client_for(endpoint):
    """The process's pooled client for ``endpoint``, rebuilt when the row was modified since."""
    key = (endpoint.pk, endpoint.modified, endpoint.statements_url)
    with _CLIENTS_LOCK:
        cached = _CLIENTS.get(endpoint.pk)
        if cached is not None and cached[0] == key:
            return cached[1]
        client = make_delivery_client(endpoint)
        _CLIENTS[endpoint.pk] = (key, client)
    if cached is not None:
        cached[1].close()
    return client


def close_clients():
    """Close every pooled client of this process (worker shutdown, tests)."""
    with _CLIENTS_LOCK:
        clients = [client for _, client in _CLIENTS.values()]
        _CLIENTS.clear()
    for client in clients:
        client.close()


def about_url(statements_url):
    """The xAPI ``about`` resource beside ``statements_url``: its last path segment replaced by ``about``."""
    parts = urlsplit(statements_url)
    path = parts.path.rstrip("/")
    base = path.rsplit("/", 1)[0] if "/" in path else ""
    return urlunsplit((parts.scheme, parts.netloc, f"{base}/about", "", ""))


def test_connection(endpoint):
    """
    Probe ``endpoint``: GET its xAPI ``about`` resource, then GET one statement (``limit=1``).

    Returns ``(ok, message)``: ``ok`` is True when the statements probe succeeds (that is what
    delivery needs; an LRS may not serve ``about``: Ralph 5.1 answers 404). The message reports
    both probes and never contains credentials.
    """
    try:
        client = make_delivery_client(endpoint)
    except ValueError as error:
        return False, f"{endpoint.name}: {error}"
    parts = []
    with client:
        try:
            response = client._session.get(  # pylint: disable=protected-access
                about_url(endpoint.statements_url), headers={"X-Experience-API-Version": endpoint.xapi_version},
                timeout=endpoint.timeout,
            )
            versions = ""
            if response.status_code == 200:
                try:
                    versions = f" (versions {', '.join(response.json().get('version', []))})"
                except (ValueError, AttributeError, TypeError):
                    versions = ""
            parts.append(f"about: HTTP {response.status_code}{versions}")
        except requests.RequestException as error:
            parts.append(f"about: no answer ({type(error).__name__})")
        ok = False
        try:
            answer = client.send(build_get_statements(endpoint.statements_url, {"limit": 1}, endpoint.xapi_version))
            parts.append(f"statements?limit=1: HTTP {answer.status_code}")
            ok = True
        except LrsError as error:
            status = "no answer" if error.status_code is None else f"HTTP {error.status_code}"
            parts.append(f"statements?limit=1: {status}: {error.body_excerpt[:200]}")
    return ok, f"{endpoint.name}: {'OK' if ok else 'FAILED'}; " + "; ".join(parts)
