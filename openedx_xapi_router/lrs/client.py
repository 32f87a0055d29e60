"""
The project's one HTTP client for an xAPI Learning Record Store (LRS).

Building a request and reading an answer are pure (:mod:`openedx_xapi_router.lrs.messages`); what
an answer means is the delivery policy's (:func:`openedx_xapi_router.delivery.policy.classify`).
:class:`LrsClient` is the thin transport between them: one pooled ``requests.Session``, the auth,
a User-Agent with our version, and

* one deadline per request, ``timeout`` seconds for connect, send and the whole answer, status line
  and headers included (an answer trickled a byte at a time fails at the deadline, not ``timeout``
  per read): while the request is sent and the head is read, a timer shuts the socket down at the
  deadline (:class:`DeadlineAdapter`); the body is read with a socket timeout recomputed from the
  time left before every read;
* redirects never followed by ``requests`` (which re-sends a POST after 301/302/303 as a GET): the
  policy follows a 307/308 to the same origin with the same request; any other redirect is a
  :class:`MisconfiguredEndpointError` naming the new location (credentials never go elsewhere);
* a statements POST counts as delivered only when the LRS confirms it (the list of the ids it
  stored, :func:`~openedx_xapi_router.lrs.messages.unconfirmed`); a 200 that does not is retryable;
* a client of a Caliper endpoint (``output_format="caliper"``) POSTs the events in a Caliper 1.2
  envelope from ``sensor_id`` (:func:`~openedx_xapi_router.lrs.messages.build_post_caliper`): a
  Caliper endpoint answers no list of ids, so any 2xx is a delivery; everything else in the policy
  (413 splits, 5xx/429 retried, redirects) is the same;
* a retryable error carries the LRS's ``Retry-After`` (:attr:`LrsError.retry_after`).

Credentials never appear in a repr, a log line or an error message: an error's body excerpt is
redacted (:func:`~openedx_xapi_router.redaction.redact`) of the client's own credentials and of
``Authorization``-like headers an LRS echoes, before it is cut.
"""
import logging
import socket
import threading
import time
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import requests
import urllib3
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

from openedx_xapi_router.core.registry import CALIPER, XAPI
from openedx_xapi_router.delivery import policy
from openedx_xapi_router.delivery.policy import Action, Answer
# The client's public names, re-exported:
from openedx_xapi_router.lrs.errors import (  # noqa: F401  # pylint: disable=unused-import
    LrsError,
    LrsResponse,
    MisconfiguredEndpointError,
    Outcome,
    RetryableLrsError,
    error_for,
)
# The client's public names, re-exported:
from openedx_xapi_router.lrs.messages import (  # noqa: F401  # pylint: disable=unused-import
    BODY_EXCERPT_LENGTH,
    USER_AGENT,
    LrsRequest,
    about_url,
    base_headers,
    build_about,
    build_get_statement,
    build_get_statements,
    build_post_caliper,
    build_post_statements,
    caliper_body_overhead,
    excerpt,
    parse_retry_after,
    unconfirmed,
    url_origin,
)
from openedx_xapi_router.redaction import Credentials, redact

log = logging.getLogger(__name__)

#: How much of an error answer is redacted before it is cut to ``BODY_EXCERPT_LENGTH``: far more than
#: is kept, so no secret cut in two can end up in the excerpt, and a huge answer costs little.
REDACT_WINDOW = 16 * 1024
READ_SIZE = 65536


#: The deadline (``time.monotonic()``) of the request this thread is sending, or None.
_current = threading.local()


class _DeadlineConnection(HTTPConnection):
    """
    A urllib3 connection that gives up at the request's deadline while it sends the request and
    reads the status line and headers: ``requests`` only has a per-read timeout there, so an LRS
    (or a proxy) trickling its head a byte at a time would hold the request forever. A timer shuts
    the socket down at the deadline; the blocked read then ends and the request fails with a
    ``TimeoutError`` (a ``requests.Timeout`` to the caller).
    """

    _deadline_timer = None
    _deadline_expired = False

    def _arm_deadline(self):
        deadline = getattr(_current, "deadline", None)
        self._deadline_expired = False
        if deadline is None:
            return
        self._deadline_timer = threading.Timer(max(0.0, deadline - time.monotonic()), self._deadline_reached)
        self._deadline_timer.daemon = True
        self._deadline_timer.start()

    def _disarm_deadline(self):
        timer, self._deadline_timer = self._deadline_timer, None
        if timer is not None:
            timer.cancel()

    def _deadline_reached(self):
        self._deadline_expired = True
        sock = self.sock
        if sock is not None:
            try:  # socket.socket's own shutdown, also for an SSLSocket: the reading thread owns the TLS state
                socket.socket.shutdown(sock, socket.SHUT_RDWR)
            except OSError:
                pass  # already closed

    def request(self, *args, **kwargs):
        self._arm_deadline()
        try:
            return super().request(*args, **kwargs)
        except BaseException:
            self._disarm_deadline()
            raise

    def getresponse(self):
        try:
            response = super().getresponse()
        except Exception as error:
            if self._deadline_expired:
                raise TimeoutError("the status line and headers did not arrive before the deadline") from error
            raise
        finally:
            self._disarm_deadline()
        if self._deadline_expired:  # the head arrived as the socket was shut: the body cannot be read
            response.close()
            raise TimeoutError("the status line and headers arrived at the deadline")
        return response


class _DeadlineHTTPSConnection(_DeadlineConnection, HTTPSConnection):
    pass


class _DeadlineHTTPConnectionPool(HTTPConnectionPool):
    ConnectionCls = _DeadlineConnection


class _DeadlineHTTPSConnectionPool(HTTPSConnectionPool):
    ConnectionCls = _DeadlineHTTPSConnection


_DEADLINE_POOLS = {"http": _DeadlineHTTPConnectionPool, "https": _DeadlineHTTPSConnectionPool}


class DeadlineAdapter(HTTPAdapter):
    """A ``requests`` adapter whose connections enforce :class:`LrsClient`'s deadline on the head too."""

    def init_poolmanager(self, *args, **kwargs):
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = dict(_DEADLINE_POOLS)

    def proxy_manager_for(self, proxy, **proxy_kwargs):
        manager = super().proxy_manager_for(proxy, **proxy_kwargs)
        if not proxy.lower().startswith("socks"):
            manager.pool_classes_by_scheme = dict(_DEADLINE_POOLS)
        return manager


def _socket_of(response):
    """The socket under a streamed ``requests`` response, or None."""
    connection = getattr(response.raw, "connection", None)
    return getattr(connection, "sock", None)


@dataclass(frozen=True)
class _Exchange:
    """One request's answer: what the policy reads, the HTTP status seen, the body, or why none."""

    answer: Answer
    status_code: int | None = None
    body: bytes = b""
    failure_text: str = ""


class LrsClient:
    """
    A connection to one LRS's statements resource.

    Arguments:
        statements_url: the LRS's statements URL, e.g. ``https://lrs.example.org/xAPI/statements``.
            Credentials belong in ``auth``, never in the URL.
        auth: ``(username, password)`` for HTTP Basic, or any ``requests`` auth object.
        timeout: seconds for one whole request (connect, send and the whole answer).
        xapi_version: the ``X-Experience-API-Version`` header sent.
        allow_insecure_http: allow a plain ``http://`` URL (development, tests).
        output_format: ``"xapi"`` (an LRS's statements resource) or ``"caliper"`` (a Caliper
            endpoint: ``statements_url`` is its URL, ``auth`` its bearer token).
        sensor_id: the Caliper envelope's ``sensor`` (an absolute IRI: the LMS root URL); Caliper only.
    """

    def __init__(self, statements_url, auth, timeout=10, xapi_version="1.0.3", allow_insecure_http=False,
                 output_format=XAPI, sensor_id=None):
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
        if output_format not in (XAPI, CALIPER):
            raise ValueError(f"an endpoint's format is 'xapi' or 'caliper', got {output_format!r}")
        self.statements_url = statements_url
        self.timeout = timeout
        self.xapi_version = xapi_version
        self.output_format = output_format
        self.sensor_id = sensor_id
        #: The bytes of a POST body around its statements (batches are cut by bytes with it).
        self.body_overhead = 2 if output_format == XAPI else caliper_body_overhead(sensor_id)
        self._session = requests.Session()
        self._session.auth = auth
        adapter = DeadlineAdapter()
        self._session.mount("https://", adapter)
        self._session.mount("http://", adapter)

    def __repr__(self):
        return f"<{type(self).__name__} {self.statements_url}>"

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
        POST a batch of statement dicts (of a Caliper endpoint: Caliper events, in one envelope).
        Returns an ``ok`` or ``duplicate`` :class:`LrsResponse` once the LRS confirmed it (Caliper:
        any 2xx); raises :class:`LrsError` for a rejected or retryable request.
        """
        if self.output_format == CALIPER:
            return self.send(build_post_caliper(self.statements_url, statements, self.sensor_id))
        posted_ids = [statement.get("id") for statement in statements]
        return self.send(build_post_statements(self.statements_url, statements, self.xapi_version), posted_ids)

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

    def send(self, request, posted_ids=None):
        """
        Send one :class:`LrsRequest` (a statements POST of ``posted_ids``, which the answer must
        confirm) before the deadline, following what the policy follows. Returns an
        :class:`LrsResponse` when the policy finds it delivered; raises :class:`LrsError` otherwise.
        """
        deadline = time.monotonic() + self.timeout
        url = request.url
        decision = exchange = None
        for redirects in range(policy.MAX_REDIRECTS + 1):  # the policy stops following at MAX_REDIRECTS
            exchange = self._exchange(request, url, deadline, posted_ids)
            decision = policy.classify(exchange.answer, redirects=redirects)
            if decision.action is not Action.FOLLOW:
                break
            url = decision.location
        status = exchange.status_code
        log.debug("LRS %s %s -> %s (%s)", request.method, url, status, decision.action.value)
        if decision.action is Action.DELIVERED:
            return LrsResponse(status, Outcome.DUPLICATE if status == 409 else Outcome.OK, exchange.body)
        if exchange.failure_text:
            text = exchange.failure_text
        elif decision.reason == policy.REASON_MISCONFIGURED:
            text = f"{request.method} {url}: {decision.detail}"
        elif exchange.answer.unconfirmed:
            text = f"delivery not confirmed: {exchange.answer.unconfirmed}: {self.answer_excerpt(exchange.body)[:200]}"
        else:
            text = self.answer_excerpt(exchange.body)
        raise error_for(exchange.answer, decision, status, text)

    def _exchange(self, request, url, deadline, posted_ids):
        """One request and its whole answer before ``deadline``, as an :class:`_Exchange`."""
        remaining = deadline - time.monotonic()
        _current.deadline = deadline
        try:
            response = self._session.request(
                request.method, url, headers=request.headers, data=request.body, timeout=(remaining, remaining),
                allow_redirects=False, stream=True,
            )
        except requests.Timeout as error:
            return _Exchange(Answer(failure=policy.FAILURE_TIMEOUT),
                             failure_text=f"timed out after {self.timeout}s ({type(error).__name__})")
        except requests.RequestException as error:
            return _Exchange(Answer(failure=policy.FAILURE_CONNECTION),
                             failure_text=f"connection failed ({type(error).__name__})")
        finally:
            _current.deadline = None
        try:
            body, failure, text = self._read_body(response, deadline)
        except BaseException:
            response.close()  # the connection is not reused
            raise
        status = response.status_code
        if failure:
            response.close()  # a broken or late answer: the connection is not reused
            return _Exchange(Answer(failure=failure), status, failure_text=text)
        response.raw.release_conn()  # the whole answer was read: the connection goes back to the pool
        location = urljoin(url, response.headers.get("Location") or "") if 300 <= status < 400 else ""
        return _Exchange(Answer(
            status,
            retry_after=parse_retry_after(response.headers.get("Retry-After")),
            location=location if response.headers.get("Location") else "",
            same_origin=bool(location) and url_origin(location) == url_origin(url),
            unconfirmed=unconfirmed(body, posted_ids) if posted_ids is not None and status == 200 else None,
        ), status, body)

    def _read_body(self, response, deadline):
        """``(body, failure kind or None, failure text)``: the whole answer, or why not."""
        sock = _socket_of(response)
        parts = []
        for _ in range(1 << 20):  # at most 64 GiB at READ_SIZE: a bound, never reached before the deadline
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return b"", policy.FAILURE_TIMEOUT, (f"the answer took longer than {self.timeout}s "
                                                     "(deadline for the whole request)")
            try:
                if sock is not None:
                    sock.settimeout(remaining)
                part = response.raw.read1(READ_SIZE)
            except (OSError, requests.RequestException, urllib3.exceptions.HTTPError) as error:
                slow = isinstance(error, (TimeoutError, urllib3.exceptions.TimeoutError))
                return (b"", policy.FAILURE_TIMEOUT if slow else policy.FAILURE_BROKEN,
                        f"the answer broke off ({type(error).__name__})")
            if not part:
                return b"".join(parts), None, ""
            parts.append(part)
        return b"", policy.FAILURE_BROKEN, "the answer did not end"
