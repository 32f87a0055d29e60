"""
The ORACLE for tests/core/test_normalize_agreement.py: ``normalize`` of
openedx_xapi_router/core/event.py as it was before it became one flat function (commit 2f1b119),
kept below this paragraph unchanged apart from its imports, so the flat one can be proven to give
the same TrackingEvent, or the same InvalidEvent, for every input. Not used by the package.
"""
# pylint: skip-file
from datetime import datetime

import orjson

from openedx_xapi_router.core.errors import InvalidEvent
from openedx_xapi_router.core.event import is_cut_page_view
from tests.core.legacy_tracking_event import TrackingEvent
from openedx_xapi_router.core.keys import valid_course_key


def parse_timestamp(value):
    """
    Parse an ISO 8601 timestamp with a UTC offset; raise ValueError otherwise.

    Not cached: a log's timestamps almost never repeat, so a cache only missed (a miss cost twice
    the parse) and held up to 65,536 datetimes (about 12 MB of a run's RSS).
    """
    parsed = datetime.fromisoformat(value)
    if parsed.tzinfo is None:
        raise ValueError("timestamp has no UTC offset")
    return parsed


def _first_present(first, second):
    """``first`` unless it is None or ``""``, else ``second`` unless it is None or ``""``, else None."""
    if first is not None and first != "":
        return first
    if second is not None and second != "":
        return second
    return None


def _decode_payload(payload, name, event_source):
    """
    ``(data, data_text)`` from the payload as given: a JSON-encoded string is decoded; a string
    that is not JSON is kept as ``data_text`` (a browser query string), except for server events,
    whose payload is always JSON, except a cut page view (:func:`is_cut_page_view`), kept as text.
    """
    data_text = None
    if isinstance(payload, str):
        try:
            decoded = orjson.loads(payload) if payload else {}
        except orjson.JSONDecodeError:
            if event_source == "server" and not is_cut_page_view(name, payload):
                raise InvalidEvent(name, "event", "a server event's payload is a string that is not JSON",
                                   kind="unparseable_server_event") from None
            decoded = None
            data_text = payload
        payload = decoded
    if not isinstance(payload, dict):
        if payload is not None and data_text is None:
            # A JSON payload that is not an object (a list, a number): kept as text for transformers
            # that want it, never guessed into a dict.
            data_text = payload if isinstance(payload, str) else orjson.dumps(payload).decode()
        payload = {}
    return payload, data_text


def normalize(raw):
    """
    Turn one raw event dict, live form or tracking-log form, into a :class:`TrackingEvent`.

    Raises:
        InvalidEvent: with ``kind`` one of ``missing_event_type``, ``missing_time``, ``bad_time``,
            ``invalid_course_key``, ``unparseable_server_event``, ``wrong_type``; ``field`` names the
            field.
    """
    if not isinstance(raw, dict):
        raise InvalidEvent(None, "", f"an event is a JSON object, not {type(raw).__name__}", kind="non_object_json")
    event_type = raw.get("event_type")
    name = _first_present(raw.get("name"), event_type)
    if name is None:
        raise InvalidEvent(None, "name", "neither name nor event_type is present", kind="missing_event_type")
    if not isinstance(name, str):
        raise InvalidEvent(None, "name", f"expected str, got {type(name).__name__}", kind="wrong_type")

    timestamp = raw.get("timestamp")
    time_field = "timestamp"
    if timestamp is None:
        timestamp = raw.get("time")
        time_field = "time"
    if timestamp is None:
        raise InvalidEvent(name, "time", "neither timestamp nor time is present", kind="missing_time")
    if isinstance(timestamp, datetime):
        # event-tracking's Tracker.emit gives a live event a datetime (logs hold the text it becomes).
        timestamp = timestamp.isoformat()
    if not isinstance(timestamp, str):
        raise InvalidEvent(name, time_field, f"expected an ISO 8601 string, got {type(timestamp).__name__}",
                           kind="bad_time")
    try:
        time = parse_timestamp(timestamp)
    except ValueError as error:
        raise InvalidEvent(name, time_field, f"not an ISO 8601 timestamp with an offset: {error}",
                           kind="bad_time") from None

    context = raw.get("context")
    if context is None:
        context = {}
    elif not isinstance(context, dict):
        raise InvalidEvent(name, "context", f"expected an object, got {type(context).__name__}", kind="wrong_type")

    course_id = context.get("course_id")
    if course_id is None:
        course_id = ""
    elif not isinstance(course_id, str) or (course_id and not valid_course_key(course_id)):
        raise InvalidEvent(name, "context.course_id", f"not a course key: {str(course_id)[:80]!r}",
                           kind="invalid_course_key")

    event_source = _first_present(raw.get("event_source"), context.get("event_source"))

    payload, data_text = _decode_payload(raw["data"] if "data" in raw else raw.get("event"), name, event_source)

    org_id = context.get("org_id")
    # Positional, in field order (a third cheaper than keywords for a named tuple).
    return TrackingEvent(
        name,
        timestamp,
        time,
        payload,
        data_text,
        context,
        event_source,
        _first_present(raw.get("session"), context.get("session")),  # session
        _first_present(raw.get("username"), context.get("username")),  # username
        context.get("user_id"),
        course_id,
        org_id if isinstance(org_id, str) else "",
        event_type if isinstance(event_type, str) else name,
        _text_or_none(_first_present(raw.get("referer"), context.get("referer"))),  # referer
        _text_or_none(_first_present(raw.get("page"), context.get("page"))) if event_source == "browser" else None,
    )


def _text_or_none(value):
    return value if isinstance(value, str) else None
