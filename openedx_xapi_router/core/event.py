"""
The canonical tracking event: one typed, frozen shape for both forms an Open edX event comes in.

(Over 300 lines on purpose: one concern, the event and its normalisation; most of the length is
the provenance of each field and the typed accessors every transformer reads fields through.)

Open edX hands the same event to us in two forms (``../shared/xapi/README.md`` has the facts):

1. **Live**, as an event-tracking backend receives it: ``name``, ``timestamp``, ``data`` (the
   payload) and ``context`` (``course_id``, ``org_id``, ``user_id``, ``username``, ``session``, ...).
2. **Tracking-log line**, as the LMS ``tracking`` logger writes it: ``event_type`` (and usually
   ``name``), ``time``, ``event`` (the payload; for browser events a JSON-encoded string, sometimes
   a query string), with ``username``, ``session``, ``event_source``, ``ip``, ... at the top level
   and ``context`` keeping ``course_id``, ``org_id``, ``user_id``, ``path``, ...

:func:`normalize` turns either into a :class:`TrackingEvent`, once, at the edge. Transformers never
see the raw dict. The normalisation is the one event-routing-backends' ``transform_tracking_logs``
applies (``event`` becomes ``data``, ``time`` becomes ``timestamp``), so a live event and the same
event read back from a log give the same statement, id included.
"""
import json
from typing import NamedTuple
from datetime import datetime

import orjson

from openedx_xapi_router.core.errors import InvalidEvent
from openedx_xapi_router.core.keys import checked_key, parse_course_key
from openedx_xapi_router.core.memo import remember

_MISSING = object()


class TrackingEvent(NamedTuple):
    """
    One Open edX tracking event, normalised. Immutable (a named tuple: a third of the cost of a
    frozen dataclass to build, and one is built per event).

    Attributes:
        name: the event name. Live form: ``name``. Log form: ``name``, or ``event_type`` when the
            line has no ``name`` (old logs). Mobile video events carry ``edx.video.*`` in ``name``
            and the legacy name in ``event_type``; ``name`` wins, as the LMS routes by it.
        timestamp: the event time exactly as the source wrote it (``timestamp`` live, ``time`` in a
            log). Statement ids hash this string, so it is never re-formatted. A live event's
            ``datetime`` (event-tracking's ``Tracker.emit``) becomes its ``isoformat()``, the text
            the tracking log writes for it.
        time: ``timestamp`` parsed; always timezone-aware. (:attr:`iso_time` is its ``isoformat()``.)
        data: the payload as a dict (live ``data``; log ``event``, JSON-decoded when it is a
            string). Empty when the payload is not a JSON object (see ``data_text``).
        data_text: the payload when it is a string that is not JSON, e.g. a browser
            ``problem_check``'s query string; None otherwise.
        context: the ``context`` dict as given (``course_id``, ``user_id``, ``path``, ...).
        session: the session key; top level first, then context. None when absent or empty.
        username: the acting user's name (top level in a log, ``context.username`` live).
        user_id: ``context.user_id`` (an int in LMS events; None for anonymous browser events).
        course_id: ``context.course_id``, ``""`` when the event is not about a course.
        raw: the event dict as given, which the fields below are read from when asked.

    Read when asked, as properties (few transformers want them, so :func:`normalize` does not read
    them for every event; nothing about them can make an event invalid):

    * ``event_source``: ``browser``, ``server``, ``mobile`` or None; top level first, then context.
    * ``org_id``: ``context.org_id`` or ``""``.
    * ``event_type``: the log form's ``event_type`` (equal to ``name`` for live events).
    * ``referer``: the page that sent the request; top level first (log), then ``context.referer``
      (live). None when absent or empty. A browser ``problem_check`` names its problem only here.
    * ``page``: the page the browser was showing; top level first (log), then ``context.page``
      (live). None when absent or empty, and for server events (``x_module`` is not a page).
    """

    name: str
    timestamp: str
    time: datetime
    data: dict
    data_text: str | None
    context: dict
    session: str | None
    username: str | None
    user_id: object
    course_id: str
    raw: dict

    #: Every field of a TrackingEvent by name, stored or read when asked (in the order of the days
    #: when all were stored), for comparing two events field by field.
    FIELDS = ("name", "timestamp", "time", "data", "data_text", "context", "event_source", "session", "username",
              "user_id", "course_id", "org_id", "event_type", "referer", "page")

    @property
    def event_source(self):
        """See the class docstring."""
        return _event_source(self.raw, self.context)

    @property
    def org_id(self):
        """See the class docstring."""
        org_id = self.context.get("org_id")
        return org_id if isinstance(org_id, str) else ""

    @property
    def event_type(self):
        """See the class docstring."""
        event_type = self.raw.get("event_type")
        return event_type if isinstance(event_type, str) else self.name

    @property
    def referer(self):
        """See the class docstring."""
        referer = self.raw.get("referer")
        if referer is None or referer == "":
            referer = self.context.get("referer")
        return referer if isinstance(referer, str) and referer != "" else None

    @property
    def page(self):
        """See the class docstring."""
        if self.event_source != "browser":
            return None
        page = self.raw.get("page")
        if page is None or page == "":
            page = self.context.get("page")
        return page if isinstance(page, str) and page != "" else None

    def data_value(self, path, default=None):
        """
        Return the payload value at a dotted ``path`` (``"module.display_name"``), or ``default``.

        A path never searches elsewhere: a value is where the path says, or it is absent.
        """
        if "." not in path:  # most paths are one key
            return self.data.get(path, default)
        value = self.data
        for key in path.split("."):
            if not isinstance(value, dict):
                return default
            value = value.get(key, _MISSING)
            if value is _MISSING:
                return default
        return value

    def require(self, path, types=None):
        """
        Return the payload value at ``path``; raise :class:`InvalidEvent` naming ``data.<path>`` when
        it is absent, None or empty, or not of ``types`` (a type or tuple of types) when given.
        """
        value = self.data.get(path) if "." not in path else self.data_value(path)  # data_value's one-key case
        if value is None or value == "":
            raise InvalidEvent(self.name, f"data.{path}", "required field is missing or empty", kind="missing_field")
        # isinstance, except that a bool is not an int or a float unless bool is asked for
        if types is not None and not (isinstance(value, types) if value.__class__ is not bool
                                      else bool in _as_tuple(types)):
            raise InvalidEvent(
                self.name, f"data.{path}", f"expected {_type_names(types)}, got {type(value).__name__}",
                kind="wrong_type",
            )
        return value

    # --- typed accessors: one per kind of field, so every transformer reads a kind the same way -----

    def text(self, path, required=False):
        """
        ``data.<path>`` as text: a str, or None when it is absent, None or ``""``. Raises
        :class:`InvalidEvent` naming ``data.<path>``: ``missing_field`` when ``required`` and there
        is none, ``wrong_type`` when it is not a str.
        """
        value = self.data_value(path)
        if value is None or value == "":
            return self._absent(path, required)
        if not isinstance(value, str):
            raise self._wrong_type(path, "str", value)
        return value

    def integer(self, path, required=False, minimum=None):
        """
        ``data.<path>`` as an int, or None when absent or None. A float with an integral value is
        an int (a browser sends JavaScript numbers: ``3.0`` is ``3``); a bool is not. Raises
        :class:`InvalidEvent` naming ``data.<path>`` (``missing_field``, ``wrong_type``, or
        ``wrong_type`` below ``minimum``).
        """
        value = self.data_value(path)
        if value is None:
            return self._absent(path, required)
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int):
            raise self._wrong_type(path, "int", value)
        if minimum is not None and value < minimum:
            raise InvalidEvent(self.name, f"data.{path}", f"expected an integer of at least {minimum}, got {value!r}",
                               kind="wrong_type")
        return value

    def number(self, path, required=False):
        """
        ``data.<path>`` as a number (int or float, not a bool), or None when absent or None.
        Raises :class:`InvalidEvent` naming ``data.<path>`` (``missing_field``, ``wrong_type``).
        """
        value = self.data_value(path)
        if value is None:
            return self._absent(path, required)
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise self._wrong_type(path, "a number", value)
        return value

    def flag(self, path):
        """``data.<path>`` as a bool, or None when absent or None; ``wrong_type`` otherwise."""
        value = self.data_value(path)
        if value is None or isinstance(value, bool):
            return value
        raise self._wrong_type(path, "bool", value)

    def usage_key(self, path):
        """
        ``data.<path>``, a block's usage key, required and usable inside an IRI as is
        (:func:`openedx_xapi_router.core.keys.checked_key`); ``missing_field`` or ``invalid_id``.
        """
        return checked_key(self.name, f"data.{path}", self.data_value(path))

    def _absent(self, path, required):
        """None for an absent optional field; ``missing_field`` for a required one."""
        if not required:
            return None
        raise InvalidEvent(self.name, f"data.{path}", "required field is missing or empty", kind="missing_field")

    def _wrong_type(self, path, expected, value):
        return InvalidEvent(self.name, f"data.{path}", f"expected {expected}, got {type(value).__name__}",
                            kind="wrong_type")

    @property
    def iso_time(self):
        """
        ``time.isoformat()``: the time as a statement's ``timestamp`` writes it (``T``, microseconds
        unless 0, the offset as ``+HH:MM``). The event's own text when it is already exactly that,
        as the LMS writes it (``2026-03-01T00:00:27.058543+00:00``: ``time`` parsed it, so its digits
        are the fields ``isoformat`` would write), without formatting the datetime again (a tenth of
        the cost); ``time.isoformat()`` otherwise.
        """
        text = self.timestamp
        # YYYY-MM-DDTHH:MM:SS.ffffff+00:00 is the only 32-character form with these separators; they
        # sit every third character from the 5th to the 20th, so one stepped slice reads them all.
        # ``text[26:] == "+00:00"`` also says the length is 32, so the six digits between are the
        # fraction ``time`` holds: a zero one (which ``isoformat`` leaves out) is a zero microsecond.
        # (A slice costs three times an attribute: the microsecond is read, not the digits.)
        # pylint: disable-next=unidiomatic-typecheck
        if type(text) is str and text[26:] == "+00:00" and text[4:20:3] == "--T::." and self.time.microsecond:
            return text
        return self.time.isoformat()

    @property
    def course_key(self):
        """``course_id`` parsed (a :class:`~openedx_xapi_router.core.keys.CourseKey`, any of its three
        forms); None when the event has no course."""
        return parse_course_key(self.course_id) if self.course_id else None

    def context_value(self, key, default=None):
        """Return ``context[key]``, or ``default`` when absent."""
        return self.context.get(key, default)


def _as_tuple(types):
    return types if isinstance(types, tuple) else (types,)


def _type_names(types):
    return " or ".join(t.__name__ for t in _as_tuple(types))


def parse_timestamp(value):
    """
    Parse an ISO 8601 timestamp with a UTC offset; raise ValueError otherwise.

    Not cached: a log's timestamps almost never repeat, so a cache only missed (a miss cost twice
    the parse) and held up to 65,536 datetimes (about 12 MB of a run's RSS).
    """
    parsed = _fromisoformat(value)
    if parsed.tzinfo is None:
        raise ValueError(_NO_OFFSET)
    return parsed


_fromisoformat = datetime.fromisoformat
_NO_OFFSET = "timestamp has no UTC offset"


#: The characters a JSON text can start with (RFC 8259: whitespace, then a value). A payload starting
#: with any other character is not JSON: it is kept as text without asking orjson, whose refusal (a
#: JSONDecodeError with its position) costs ten times the test.
_JSON_STARTS = frozenset('{["-0123456789tfn \t\n\r')
_NOT_JSON = object()


def _event_source(raw, context):
    """:attr:`TrackingEvent.event_source` of the event dict ``raw`` with its ``context`` (a dict)."""
    event_source = raw.get("event_source")
    if event_source is None or event_source == "":
        event_source = context.get("event_source")
        if event_source == "":
            event_source = None
    return event_source


def _decode_payload(payload, name, raw, context):
    """
    ``(data, data_text)`` from the payload as given: a JSON-encoded string is decoded; a string
    that is not JSON is kept as ``data_text`` (a browser query string), except for server events
    (:func:`_event_source` of ``raw`` and its ``context``), whose payload is always JSON, except a
    cut page view (:func:`is_cut_page_view`), kept as text.
    """
    data_text = None
    if isinstance(payload, str):
        decoded = _NOT_JSON
        if not payload:
            decoded = {}
        elif payload[0] in _JSON_STARTS:  # else (a query string...) not JSON, and orjson is not asked
            try:
                decoded = orjson.loads(payload)
            except orjson.JSONDecodeError:
                pass
            else:
                if type(decoded) is dict:  # pylint: disable=unidiomatic-typecheck
                    return decoded, None  # the usual payload, a JSON object: nothing more to decide
        if decoded is _NOT_JSON:
            if _event_source(raw, context) == "server" and not is_cut_page_view(name, payload):
                raise InvalidEvent(name, "event", "a server event's payload is a string that is not JSON",
                                   kind="unparseable_server_event")
            decoded = None
            data_text = payload
        payload = decoded
    if not isinstance(payload, dict):
        if payload is not None and data_text is None:
            # A JSON payload that is not an object (a list, a number): kept as text for transformers
            # that want it, never guessed into a dict.
            data_text = payload if isinstance(payload, str) else _json_text(payload)
        payload = {}
    return payload, data_text


def _json_text(value):
    """
    ``value`` (a payload that is not an object) as compact JSON text. A live event's payload can
    hold what orjson refuses to write (a lone surrogate, an integer past 64 bits, a ``datetime``):
    it is then written by the standard library, anything not JSON as its ``str``.
    """
    try:
        return orjson.dumps(value).decode()
    except TypeError:
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False, default=str)


#: The length the LMS cuts a page view's payload to: ``TrackMiddleware.process_request`` logs every
#: request as ``json.dumps({"GET": ..., "POST": ...})[:512]`` (openedx/edx-platform
#: ``common/djangoapps/track/middleware.py``, commit eaeb3256aba36e154964f38e7c109c0749e5c866; the cut
#: is unchanged since the middleware's first version). ``json.dumps`` writes ASCII only, so 512
#: characters are 512 bytes.
PAGE_VIEW_PAYLOAD_CUT = 512


def is_page_view(name):
    """True for a server page view: ``TrackMiddleware`` names the event by the request path."""
    return name[:1] == "/"


def is_cut_page_view(name, payload):
    """
    True when ``payload`` (a string that is not JSON) is a page view's request data cut by the LMS
    at :data:`PAGE_VIEW_PAYLOAD_CUT` characters: an ordinary page view, not a broken line.
    """
    return is_page_view(name) and len(payload) == PAGE_VIEW_PAYLOAD_CUT and payload.startswith('{"GET": ')


def normalize(raw):
    """
    Turn one raw event dict, live form or tracking-log form, into a :class:`TrackingEvent`.

    Raises:
        InvalidEvent: with ``kind`` one of ``missing_event_type``, ``missing_time``, ``bad_time``,
            ``invalid_course_key``, ``unparseable_server_event``, ``wrong_type``; ``field`` names the
            field.
    """
    # pylint: disable=too-many-branches,too-many-statements
    # One flat function that calls no helper of ours for a clean event: it runs once per event, and
    # a Python call costs about as much as reading a field. Where a field is looked up in two places
    # (top level, then context), the first "present" one wins: not None and not "".
    if not isinstance(raw, dict):
        raise InvalidEvent(None, "", f"an event is a JSON object, not {type(raw).__name__}", kind="non_object_json")
    get = raw.get
    name = get("name")
    if name is None or name == "":
        event_type = get("event_type")
        name = None if event_type == "" else event_type
        if name is None:
            raise InvalidEvent(None, "name", "neither name nor event_type is present", kind="missing_event_type")
    if not isinstance(name, str):
        raise InvalidEvent(None, "name", f"expected str, got {type(name).__name__}", kind="wrong_type")

    timestamp = get("timestamp")
    time_field = "timestamp"
    if timestamp is None:
        timestamp = get("time")
        time_field = "time"
        if timestamp is None:
            raise InvalidEvent(name, "time", "neither timestamp nor time is present", kind="missing_time")
    if type(timestamp) is not str:  # pylint: disable=unidiomatic-typecheck
        timestamp = _timestamp_text(name, time_field, timestamp)
    try:
        time = _fromisoformat(timestamp)  # parse_timestamp, inlined
        if time.tzinfo is None:
            raise ValueError(_NO_OFFSET)
    except ValueError as error:
        raise InvalidEvent(name, time_field, f"not an ISO 8601 timestamp with an offset: {error}",
                           kind="bad_time") from None

    context = get("context")
    if context is None:
        context = {}
    elif not isinstance(context, dict):
        raise InvalidEvent(name, "context", f"expected an object, got {type(context).__name__}", kind="wrong_type")
    context_get = context.get

    course_id = context_get("course_id")
    if course_id is None:
        course_id = ""
    elif course_id.__class__ is not str or course_id not in _VALID_COURSE_IDS:  # else: found valid before
        if not isinstance(course_id, str) or (course_id and parse_course_key(course_id) is None):
            raise InvalidEvent(name, "context.course_id", f"not a course key: {str(course_id)[:80]!r}",
                               kind="invalid_course_key")
        remember(_VALID_COURSE_IDS, course_id, True, _VALID_COURSE_IDS_MAX)

    payload = raw["data"] if "data" in raw else get("event")
    if type(payload) is dict:  # pylint: disable=unidiomatic-typecheck
        data_text = None
    else:
        payload, data_text = _decode_payload(payload, name, raw, context)

    session = get("session")
    if session is None or session == "":
        session = context_get("session")
        if session == "":
            session = None
    username = get("username")
    if username is None or username == "":
        username = context_get("username")
        if username == "":
            username = None
    # tuple.__new__ with the fields in order: the named tuple's own __new__ is a Python function.
    return _new_tuple(TrackingEvent, (
        name,
        timestamp,
        time,
        payload,
        data_text,
        context,
        session,
        username,
        context_get("user_id"),
        course_id,
        raw,
    ))


_new_tuple = tuple.__new__

#: The course ids (exact strs) :func:`normalize` found to be course keys ("" among them): a course's
#: next events are not parsed again (a dict test, not the parse cache's call). Forgotten past a bound.
_VALID_COURSE_IDS = {}
_VALID_COURSE_IDS_MAX = 50_000


def _timestamp_text(name, time_field, timestamp):
    """
    The text of a ``timestamp`` that is not exactly a str: a live event's ``datetime`` becomes its
    ``isoformat()``; a str subclass is kept; anything else is ``bad_time``.
    """
    if isinstance(timestamp, datetime):
        # event-tracking's Tracker.emit gives a live event a datetime (logs hold the text it becomes).
        timestamp = timestamp.isoformat()
    if not isinstance(timestamp, str):
        raise InvalidEvent(name, time_field, f"expected an ISO 8601 string, got {type(timestamp).__name__}",
                           kind="bad_time")
    return timestamp
