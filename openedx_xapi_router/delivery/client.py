"""
The transport of delivery: one pooled LRS client per endpoint per worker process, and the admin's
"test connection" probe.

The client is the project's one :class:`~openedx_xapi_router.lrs.client.LrsClient` (deadline,
redirects, delivery confirmation, ``Retry-After``: all decided by
:mod:`openedx_xapi_router.delivery.policy`); ``DeliveryClient`` is its old name here.

:func:`client_for` keeps one client (one ``requests.Session``, so one connection pool) per endpoint
in the process, rebuilt when the endpoint row changes (its ``modified`` time) so a new password or
URL takes effect on the next batch.
"""
import logging
import threading
import uuid
from datetime import UTC, datetime


# Names delivery code and tests import from here:
from openedx_xapi_router.lrs.client import (  # noqa: F401  # pylint: disable=unused-import
    LrsClient,
    LrsError,
    MisconfiguredEndpointError,
    RetryableLrsError,
    about_url,
    build_about,
    build_get_statements,
    build_post_caliper,
    parse_retry_after,
    unconfirmed,
)
from openedx_xapi_router.conf import router_settings
from openedx_xapi_router.core.errors import ConfigurationError
from openedx_xapi_router.redaction import Credentials, redact
from openedx_xapi_router.resolvers import lms_root_url
from openedx_xapi_router.transformers.caliper.envelope import connection_test_event

log = logging.getLogger(__name__)

#: The delivery client is the one LRS client (kept under this name for existing imports).
DeliveryClient = LrsClient


def make_delivery_client(endpoint):
    """
    A new client for ``endpoint`` (an ``LrsEndpoint``), with this process's HTTP setting; for a
    Caliper endpoint, its sensor is this site's LMS root URL (as event-routing-backends' Caliper
    envelope's: ``sensor_id`` is ``settings.LMS_ROOT_URL`` in its ``utils/settings.py``).

    Raises:
        ValueError: the endpoint cannot be used as configured (a URL refused by this process's
            settings; a Caliper endpoint without a bearer token, or no LMS root URL for its sensor).
    """
    sensor_id = None
    if endpoint.is_caliper:
        problem = endpoint.caliper_auth_problem()
        if problem:
            raise ValueError(problem)
        try:
            sensor_id = lms_root_url()
        except ConfigurationError as error:
            raise ValueError(f"no sensor id for the Caliper envelope: {error}") from None
    return LrsClient(
        endpoint.statements_url, endpoint.auth, timeout=endpoint.timeout, xapi_version=endpoint.xapi_version,
        allow_insecure_http=router_settings.ALLOW_INSECURE_HTTP, output_format=endpoint.output_format,
        sensor_id=sensor_id,
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


def _probe(client, request, name):
    """``(ok, text)`` for one probe GET through the client (its deadline, no redirect followed)."""
    try:
        response = client.send(request)
    except LrsError as error:
        status = "no answer" if error.status_code is None else f"HTTP {error.status_code}"
        detail = f": {error.body_excerpt[:200]}" if error.status_code is None or name != "about" else ""
        return False, f"{name}: {status}{detail}", None
    return True, f"{name}: HTTP {response.status_code}", response


#: The probe's name in a Caliper endpoint's test message.
CALIPER_PROBE = "POST envelope with 1 test event"


def test_connection(endpoint):
    """
    Probe ``endpoint``. An xAPI LRS: GET its ``about`` resource, then GET one statement
    (``limit=1``). A Caliper endpoint has nothing to read, so its probe POSTs one envelope (from
    this site's sensor, with its bearer token) carrying the one marked test event of
    :func:`~openedx_xapi_router.transformers.caliper.envelope.connection_test_event`; the endpoint
    stores it as it stores any event, and its 2xx answer proves reachability, auth and envelope.

    Returns ``(ok, message)``: ``ok`` is True when the statements probe (Caliper: the POST)
    succeeds (that is what delivery needs; an LRS may not serve ``about``: Ralph 5.1 answers 404).
    The message reports every probe and is redacted of the endpoint's credentials. Credentials stored for another
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
        ok, texts = (_probe_caliper if endpoint.is_caliper else _probe_xapi)(client, endpoint)
    parts.extend(texts)
    message = f"{endpoint.name}: {'OK' if ok else 'FAILED'}; " + "; ".join(parts)
    return ok, redact(message, Credentials.of_endpoint(endpoint))


def _probe_caliper(client, endpoint):
    """``(ok, texts)``: POST one envelope with the marked test event (see :func:`test_connection`)."""
    event = connection_test_event(client.sensor_id, uuid.uuid4(), datetime.now(UTC))
    ok, text, _ = _probe(client, build_post_caliper(endpoint.statements_url, [event], client.sensor_id),
                         CALIPER_PROBE)
    return ok, [text]


def _probe_xapi(client, endpoint):
    """``(ok, texts)``: GET ``about`` (reported only), then one statement (what decides ``ok``)."""
    texts = []
    about_ok, text, response = _probe(client, build_about(endpoint.statements_url, endpoint.xapi_version), "about")
    if about_ok:
        try:
            text += f" (versions {', '.join((response.json() or {}).get('version', []))})"
        except (ValueError, AttributeError, TypeError):
            pass
    texts.append(text)
    ok, text, _ = _probe(client, build_get_statements(endpoint.statements_url, {"limit": 1}, endpoint.xapi_version),
                         "statements?limit=1")
    texts.append(text)
    return ok, texts
