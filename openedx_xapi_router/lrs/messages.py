"""
What goes to an LRS and what comes back, built and read without touching the network.

Requests (:func:`build_post_statements`, :func:`build_get_statement`, :func:`build_get_statements`,
:func:`build_about`; :func:`build_post_caliper` for a Caliper endpoint: URL, headers and body
bytes) and the readings of an answer the delivery policy needs (:func:`parse_retry_after`,
:func:`unconfirmed`, :func:`url_origin`), so each can be unit-tested.
"""
import email.utils
import time
from dataclasses import dataclass, field
from urllib.parse import urlencode, urlsplit, urlunsplit

import orjson
import requests

from openedx_xapi_router import __version__
from openedx_xapi_router.transformers.caliper import envelope as caliper_envelope

USER_AGENT = f"openedx-xapi-router/{__version__} python-requests/{requests.__version__}"
BODY_EXCERPT_LENGTH = 500
DEFAULT_PORTS = {"http": 80, "https": 443}


@dataclass(frozen=True)
class LrsRequest:
    """One HTTP request to an LRS, built without touching the network."""

    method: str
    url: str
    headers: dict = field(default_factory=dict)
    body: bytes | None = None


def base_headers(xapi_version):
    """The headers every xAPI request carries."""
    return {
        "X-Experience-API-Version": xapi_version,
        "User-Agent": USER_AGENT,
        "Accept": "application/json",
    }


def build_post_statements(statements_url, statements, xapi_version="1.0.3"):
    """The request that POSTs a batch of statements (a list of dicts) to ``statements_url``."""
    headers = base_headers(xapi_version)
    headers["Content-Type"] = "application/json"
    return LrsRequest("POST", statements_url, headers, orjson.dumps(list(statements)))


def build_post_caliper(endpoint_url, events, sensor_id, send_time=None):
    """
    The request that POSTs Caliper 1.2 ``events`` (a non-empty list of dicts) to a Caliper
    endpoint, in one envelope from ``sensor_id`` sent now (or at ``send_time``). The bearer token
    is the client's auth (never in the request built here); no xAPI version header.
    """
    body = caliper_envelope.serialize_envelope(caliper_envelope.build_envelope(list(events), sensor_id, send_time))
    headers = {"User-Agent": USER_AGENT, "Accept": "application/json", "Content-Type": caliper_envelope.CONTENT_TYPE}
    return LrsRequest("POST", endpoint_url, headers, body)


def caliper_body_overhead(sensor_id):
    """
    The bytes of a Caliper POST body around its events (the envelope with an empty ``data``: the
    brackets included, as xAPI's 2), for cutting batches by bytes: every ``sendTime`` has the same
    length, so this holds for any envelope from ``sensor_id``.
    """
    return len(caliper_envelope.serialize_envelope(caliper_envelope.build_envelope([{}], sensor_id))) - len(b"{}")


def build_get_statement(statements_url, statement_id, xapi_version="1.0.3"):
    """The request that reads one statement back by its id."""
    url = f"{statements_url}?{urlencode({'statementId': statement_id})}"
    return LrsRequest("GET", url, base_headers(xapi_version))


def build_get_statements(statements_url, params=None, xapi_version="1.0.3"):
    """The request that reads a page of statements matching ``params`` (``limit``, ``since``...)."""
    url = f"{statements_url}?{urlencode(params)}" if params else statements_url
    return LrsRequest("GET", url, base_headers(xapi_version))


def about_url(statements_url):
    """The xAPI ``about`` resource beside ``statements_url``: its last path segment replaced by ``about``."""
    parts = urlsplit(statements_url)
    path = parts.path.rstrip("/")
    base = path.rsplit("/", 1)[0] if "/" in path else ""
    return urlunsplit((parts.scheme, parts.netloc, f"{base}/about", "", ""))


def build_about(statements_url, xapi_version="1.0.3"):
    """The request for the LRS's ``about`` resource, a sibling of ``statements``."""
    return LrsRequest("GET", about_url(statements_url), base_headers(xapi_version))


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
