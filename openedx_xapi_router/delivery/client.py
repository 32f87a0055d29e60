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
from urllib.parse import urlsplit, urlunsplit

import requests
from django.conf import settings

from openedx_xapi_router.lrs.client import LrsClient, LrsError, LrsResponse, Outcome, build_get_statements
from openedx_xapi_router.redaction import Credentials, redact

log = logging.getLogger(__name__)


class RetryableLrsError(LrsError):
    """A retryable :class:`LrsError` (5xx, 429, no answer) with the LRS's ``Retry-After`` in seconds, if any."""

    def __init__(self, status_code, body_excerpt, retry_after=None):
        super().__init__(status_code, body_excerpt, retryable=True)
        self.retry_after = retry_after


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


class DeliveryClient(LrsClient):
    """An :class:`LrsClient` whose retryable errors carry ``Retry-After``."""

    def send(self, request):
        try:
            response = self._session.request(
                request.method, request.url, headers=request.headers, data=request.body, timeout=self.timeout
            )
        except requests.Timeout as error:
            raise RetryableLrsError(None, f"timed out after {self.timeout}s ({type(error).__name__})") from None
        except requests.ConnectionError as error:
            raise RetryableLrsError(None, f"connection failed ({type(error).__name__})") from None
        outcome = self.classify(response)
        if outcome in (Outcome.OK, Outcome.DUPLICATE):
            return LrsResponse(response.status_code, outcome, response.content)
        if outcome is Outcome.RETRYABLE:
            raise RetryableLrsError(
                response.status_code, self.answer_excerpt(response.content),
                parse_retry_after(response.headers.get("Retry-After")),
            )
        raise LrsError(response.status_code, self.answer_excerpt(response.content), retryable=False)


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
    both probes and is redacted of the endpoint's credentials. Credentials stored for another
    origin than the URL's are not sent (``LrsEndpoint.auth``), and the message says so.
    """
    try:
        client = make_delivery_client(endpoint)
    except ValueError as error:
        return False, f"{endpoint.name}: {error}"
    parts = []
    if Credentials.of_endpoint(endpoint) and client._session.auth is None:  # pylint: disable=protected-access
        parts.append(f"credentials NOT sent: they were stored for {endpoint.credentials_origin or 'another origin'}, "
                     f"not {endpoint.origin}; enter them again")
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
    message = f"{endpoint.name}: {'OK' if ok else 'FAILED'}; " + "; ".join(parts)
    return ok, redact(message, Credentials.of_endpoint(endpoint))
