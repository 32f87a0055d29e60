"""
The processors the LMS's ``EVENT_TRACKING_BACKENDS["tracking_logs"]`` runs before writing the
tracking log.

Mirrors edx-platform ``common/djangoapps/track/shim.py`` (openedx/openedx-platform
e57a655d77b614f19223984e9805b1fb940ab192):
``LegacyFieldMappingProcessor`` rewrites the event **in place** into the tracking-log shape
(context fields ``username``, ``session``, ``ip``, ``agent``, ``host``, ``referer``,
``accept_language`` moved to the top; ``data`` becomes ``event``; ``timestamp`` becomes ``time``;
``event_type``, ``event_source`` and ``page`` moved up from the context, with defaults).
event-tracking's ``RoutingBackend.send`` deep-copies the event first, so a backend beside
``tracking_logs`` (the router's) gets the tracker's own shape (``name``, ``timestamp``,
``data``, ``context``). ``PrefixedEventProcessor`` (the LMS's event transformers) is a no-op here.
"""
import json

CONTEXT_FIELDS_TO_INCLUDE = ["username", "session", "ip", "agent", "host", "referer", "accept_language"]


def _move_up(field, event, default=""):
    context = event.get("context", {})
    event[field] = context.pop(field, default) if field in context else default


class LegacyFieldMappingProcessor:
    """Tracker-shaped event -> tracking-log-shaped event, in place."""

    def __call__(self, event):
        context = event.get("context", {})
        if "context" in event:
            for field in CONTEXT_FIELDS_TO_INCLUDE:
                _move_up(field, event)
            context.pop("client_id", None)
        if "data" in event:
            data = event.pop("data")
            browser = context.get("event_source", "") == "browser" and isinstance(data, dict)
            event["event"] = json.dumps(data) if browser else data
        else:
            event["event"] = {}
        if "timestamp" in context:
            event["time"] = context.pop("timestamp")
        elif "timestamp" in event:
            event["time"] = event["timestamp"]
        event.pop("timestamp", None)
        _move_up("event_type", event, event.get("name", ""))
        _move_up("event_source", event, "server")
        _move_up("page", event, None)


class PrefixedEventProcessor:
    """The LMS's registered event transformers: none in the test LMS, so events pass unchanged."""

    def __call__(self, event):
        return None
