"""
What event-routing-backends (ERB, 9.3.8) does, as far as a switch from it needs to know.

Read from ERB's source, not imported from it (ERB may be absent):

* ERB's xAPI routing is an ``EventsRouter`` backend (``backends/events_router.py`` and its
  ``AsyncEventsRouter``/``SyncEventsRouter`` subclasses) whose ``OPTIONS["processors"]`` include
  ``XApiProcessor``; its default configuration nests it in an ``AsyncRoutingBackend`` under
  ``EVENT_TRACKING_BACKENDS["event_transformer"]["OPTIONS"]["backends"]["xapi"]``
  (``utils/settings.py``).
* ``XApiProcessor`` sends nothing unless the ``XAPI_EVENTS_ENABLED`` setting is True (a
  ``SettingToggle`` whose code default is False; ERB's plugin settings set it True), and writes
  each statement to the ``xapi_tracking`` logger while ``XAPI_EVENT_LOGGING_ENABLED`` is True (code
  default True).
* Its LRS client is tincan's ``RemoteLRS``: the router's ``route_url`` is the xAPI *base* URL; a
  ``/`` is appended when missing, ``http://`` prepended when there is no scheme, and
  ``statements`` appended to it.
* Failed batches go to the Redis list ``dead_queue_<backend name>`` (``dead_queue_xapi``): each
  item is the original tracking event as JSON (``timestamp`` as ISO 8601 text), LPUSHed.
"""
from urllib.parse import urlsplit, urlunsplit

#: ERB's router backends (any of them routes what its processors return).
ERB_ROUTER_ENGINES = frozenset({
    "event_routing_backends.backends.events_router.EventsRouter",
    "event_routing_backends.backends.async_events_router.AsyncEventsRouter",
    "event_routing_backends.backends.sync_events_router.SyncEventsRouter",
})
#: ERB's own xAPI processor.
ERB_XAPI_PROCESSOR = "event_routing_backends.processors.xapi.transformer_processor.XApiProcessor"
#: Our drop-in processor (:mod:`openedx_xapi_router.erb.processor`).
ROUTER_XAPI_PROCESSOR = "openedx_xapi_router.erb.processor.XapiRouterProcessor"
XAPI_PROCESSORS = frozenset({ERB_XAPI_PROCESSOR, ROUTER_XAPI_PROCESSOR})

#: How to get event-routing-backends, which the router does not install: an optional extra.
ERB_EXTRA = 'pip install "openedx-xapi-router[erb]"'


def erb_installed():
    """True when the ``event_routing_backends`` package can be imported (the ``[erb]`` extra)."""
    import importlib.util  # pylint: disable=import-outside-toplevel

    return importlib.util.find_spec("event_routing_backends") is not None


def erb_missing_message(feature):
    """The message for a ``feature`` that needs event-routing-backends when it is not installed."""
    return (f"{feature} needs event-routing-backends, which openedx-xapi-router does not install: "
            f"install the extra with `{ERB_EXTRA}` (and add event_routing_backends to INSTALLED_APPS, "
            "as its plugin does in the LMS)")


#: ERB's ``RouterConfiguration.backend_name`` of xAPI routers, and its auth schemes.
ERB_XAPI_BACKEND = "xAPI"
#: ``RouterConfiguration.CALIPER_BACKEND``: ERB's Caliper routers (``backend_name``).
ERB_CALIPER_BACKEND = "Caliper"
ERB_AUTH_BASIC = "Basic"
ERB_AUTH_BEARER = "Bearer"

#: ERB's Redis dead queue of a router backend (``EVENTS_ROUTER_DEAD_QUEUE_FORMAT``).
DEAD_QUEUE_FORMAT = "dead_queue_{}"
#: The backend name of ERB's default xAPI router (``OPTIONS["backend_name"]``).
DEFAULT_ERB_BACKEND_NAME = "xapi"


def find_xapi_routers(config, path="EVENT_TRACKING_BACKENDS"):
    """
    ERB router backends in ``config`` (``EVENT_TRACKING_BACKENDS`` or any part of it, nested
    backends included) that run an xAPI processor. Returns ``[(path, processor_engine), ...]``,
    e.g. ``("EVENT_TRACKING_BACKENDS.event_transformer.backends.xapi", ERB_XAPI_PROCESSOR)``.
    """
    found = []
    if isinstance(config, dict):
        if config.get("ENGINE") in ERB_ROUTER_ENGINES:
            processors = (config.get("OPTIONS") or {}).get("processors") or []
            for processor in processors:
                engine = processor.get("ENGINE") if isinstance(processor, dict) else None
                if engine in XAPI_PROCESSORS:
                    found.append((path, engine))
        for key, value in config.items():
            if key in ("ENGINE", "processors"):
                continue
            child = path if key in ("OPTIONS", "backends") else f"{path}.{key}"
            found.extend(find_xapi_routers(value, child))
    elif isinstance(config, (list, tuple)):
        for value in config:
            found.extend(find_xapi_routers(value, path))
    return found


def erb_xapi_enabled(settings):
    """ERB's ``XAPI_EVENTS_ENABLED`` toggle as ERB reads it (a SettingToggle with default False)."""
    return bool(getattr(settings, "XAPI_EVENTS_ENABLED", False))


def erb_event_logging_enabled(settings):
    """ERB's ``XAPI_EVENT_LOGGING_ENABLED`` toggle as ERB reads it (default True)."""
    return bool(getattr(settings, "XAPI_EVENT_LOGGING_ENABLED", True))


def erb_statements_url(route_url):
    """
    The URL ERB's LRS client POSTs statements to for a router's ``route_url``, as tincan's
    ``RemoteLRS`` builds it: ``http://`` prepended without a scheme, ``/`` appended, then
    ``statements``. (A route URL that already ends in ``statements`` gives ``.../statements/statements``,
    as it does in ERB.)
    """
    url = str(route_url).strip()
    if not url.startswith("http"):
        url = "http://" + url
    if not url.endswith("/"):
        url += "/"
    return url + "statements"


def comparable_url(url):
    """``url`` for comparison: scheme and host lower-cased, default port dropped, no trailing ``/``."""
    parts = urlsplit(str(url).strip())
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    port = parts.port
    netloc = host if port is None or (scheme, port) in (("http", 80), ("https", 443)) else f"{host}:{port}"
    return urlunsplit((scheme, netloc, parts.path.rstrip("/"), parts.query, ""))
