"""
The base class of every Caliper 1.2 transformer, and the few value rules they share.

A Caliper transformer reads top-down as a declaration, like an xAPI one::

    class CaliperVideoPaused(CaliperVideoTransformer):
        event_names = ("pause_video", "edx.video.paused")
        action = Action.PAUSED
        contract = video.VideoPaused.contract

:meth:`CaliperTransformer.statements` assembles the one event from a fixed set of hooks, always in
the same order (the order event-routing-backends writes them): ``@context``, ``id``,
``eventTime``, ``actor``, ``session``, ``type`` (``event_type``), ``object``
(:meth:`get_object`), ``action`` (:meth:`get_action`), ``extensions`` (:meth:`get_extensions`),
then ``target`` (:meth:`get_target`) or ``generated`` (:meth:`get_generated`) when not None.

Parity with event-routing-backends (ERB): the values are ERB's Caliper values for the same event,
except ``id`` (ERB makes a random ``uuid4`` per call; ours is deterministic, see
:func:`caliper_event_id`) and ``extensions.transformerVersion`` (ours names this transformer and its
version). Where ERB leaves a value out, so does :func:`prune_like_erb`, the one place that rule lives.

Pure: no Django import; the LMS root URL and the actor resolver come from the
:class:`~openedx_xapi_router.core.context.TransformContext`, as for xAPI.

Why one module of this size: the base class and the value rules (times, durations, ids, pruning)
every Caliper transformer shares are one vocabulary; split, each half would import the other.
"""
import json
import uuid
from datetime import UTC, timedelta

from openedx_xapi_router.core.errors import ConfigurationError, EventSkipped, InvalidEvent
from openedx_xapi_router.core.keys import block_usage_key, checked_key
from openedx_xapi_router.core.validate import NOTHING_MADE, is_iri
from openedx_xapi_router.transformers.base import PACKAGE_NAME, Transformer, memoized_property
from openedx_xapi_router.transformers.caliper import vocab
from openedx_xapi_router.transformers.caliper.validate import validate_event
from openedx_xapi_router.transformers.caliper.vocab import EntityType

#: The namespace of every Caliper event id: ``uuid5(NAMESPACE_URL, <Caliper 1.2 context IRI>)``.
CALIPER_ID_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, vocab.CONTEXT)


def caliper_event_id(event_type, action, actor_id, object_id, timestamp):
    """
    The deterministic id of a Caliper event: ``urn:uuid:`` and
    ``uuid5(CALIPER_ID_NAMESPACE, json.dumps([event_type, action, actor_id, object_id, timestamp]))``,
    ``timestamp`` being the event's time string exactly as the source wrote it.

    The same event always gets the same id, so a consumer can drop a re-sent or replayed event.
    WARNING: changing this makes every replayed event a new one for a consumer that deduplicates
    by id. ERB gives no stable id to compare with (a random ``uuid4`` per call).
    """
    key = json.dumps([event_type, action, actor_id, object_id, timestamp], ensure_ascii=False)
    return uuid.uuid5(CALIPER_ID_NAMESPACE, key).urn


def erb_absent(value):
    """
    True where ERB treats a value as absent: None, or falsy but not equal to 0 (``""``, ``{}``,
    ``[]``); ``0``, ``0.0`` and ``False`` are values (``False == 0``).
    """
    return value is None or (value != 0 and not value)


def erb_value(value):
    """``value``, or None where ERB treats it as absent (:func:`erb_absent`)."""
    return None if erb_absent(value) else value


def prune_like_erb(mapping):
    """
    ``mapping`` without the keys ERB leaves out of an event, applied once to the assembled event:
    a value that is absent (:func:`erb_absent`) is dropped; a dict that is not is pruned the same
    way, and stays even when that empties it (ERB checks before it prunes). Lists are kept as they
    are. Returns a new dict.
    """
    pruned = {}
    for key, value in mapping.items():
        if erb_absent(value):
            continue
        pruned[key] = prune_like_erb(value) if isinstance(value, dict) else value
    return pruned


def caliper_time(moment):
    """A timezone-aware datetime as Caliper writes it: UTC, milliseconds (truncated), ``Z``."""
    utc = moment.astimezone(UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def iso_duration(seconds):
    """
    ``seconds`` (a number) as an ISO 8601 duration, the form ERB writes (the ``isodate`` package's
    ``duration_isoformat`` of a ``timedelta``): ``PT3M15S``, ``PT0.032788S``, ``P1DT2H``, ``P0D``
    for zero, a leading ``-`` when negative; microseconds as ``timedelta`` rounds them.
    Raises OverflowError beyond ``timedelta``'s range.
    """
    delta = timedelta(seconds=seconds)
    total = abs((delta.days * 86400 + delta.seconds) * 1_000_000 + delta.microseconds)
    whole, micros = divmod(total, 1_000_000)
    minutes, secs = divmod(whole, 60)
    hours, minutes = divmod(minutes, 60)
    days, hours = divmod(hours, 24)
    parts = []
    if days:
        parts.append(f"{days}D")
    if hours or minutes or secs or micros:
        parts.append("T")
        if hours:
            parts.append(f"{hours}H")
        if minutes:
            parts.append(f"{minutes}M")
        if secs or micros:
            parts.append(f"{secs}.{micros:06d}".rstrip("0") if micros else f"{secs}")
            parts.append("S")
    text = "".join(parts) or "0D"
    return ("-P" if delta < timedelta(0) else "P") + text


class CaliperTransformer(Transformer):
    """
    Turns one :class:`~openedx_xapi_router.core.event.TrackingEvent` into one Caliper 1.2 event.

    Class attributes (the declaration):
        event_names: every event name this transformer handles.
        version: this transformer's own version (bump it when the output for the same input changes).
        output_format: ``"caliper"``; the registry keeps Caliper and xAPI transformers of one event apart.
        family: the family of events (``video``, ``problem``, ...), as the xAPI module names it.
        erb: True: event-routing-backends transforms these events into Caliper too (parity applies).
        opt_in: True for a version used only where a site pins it.
        event_type: the Caliper event type (:class:`~.vocab.EventType`), or override :meth:`get_type`.
        action: the Caliper action (:class:`~.vocab.Action`), or override :meth:`get_action`.
        contract: the producer contract(s) of the input, shared with the xAPI transformer of the
            same events (the attribute every transformer declares, read by the registry's docs).

    Instance attributes:
        event: the TrackingEvent; ctx: the TransformContext; event_name: the name it came in under.
    """

    output_format = "caliper"
    family = ""
    erb = True
    event_type = None
    action = None
    # Nothing made by construction: the pipeline checks every event (``validate``). (What the
    # pipeline reads of an xAPI transformer's ``made``, its ``MADE_WHOLE``: none here.)
    made = NOTHING_MADE

    # --- identity -----------------------------------------------------------------------------

    @memoized_property
    def transformer_version(self):
        """``openedx-xapi-router/caliper/<event name>@<transformer version>`` (no package version, as for xAPI)."""
        return f"{PACKAGE_NAME}/caliper/{self.event_name}@{self.version}"

    # --- building blocks ------------------------------------------------------------------------

    def iri(self, kind, object_id):
        """``<LMS root>/<kind>/<object_id>``, as ERB's ``get_object_iri`` builds every id."""
        return f"{self.ctx.lms_root_url}/{kind}/{object_id}"

    def data(self, path):
        """``data.<path>`` (a dotted path), or None where ERB treats the value as absent."""
        return erb_value(self.event.data_value(path))

    # Typed reads: where ERB would put any value into the event, a value of the wrong kind is bad
    # input, refused here with the field's name (never left for the Caliper validator to find).

    def data_text(self, path):
        """``data.<path>`` as text, or None when absent (ERB's absent); ``wrong_type`` when not a str."""
        value = self.data(path)
        if value is not None and not isinstance(value, str):
            raise self._wrong_type(path, "str", value)
        return value

    def data_number(self, path):
        """``data.<path>`` as a number, or None when absent (ERB's absent); ``wrong_type`` otherwise."""
        value = self.data(path)
        if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float))):
            raise self._wrong_type(path, "a number", value)
        return value

    def data_count(self, path, default=None):
        """
        ``data.<path>`` as a whole number for an id or a count, the raw value as ERB reads it
        (``data.get(path, default)``): an int, or None or ``""`` (absent); ``wrong_type`` otherwise.
        """
        value = self.event.data.get(path, default)
        if value is None or value == "" or (isinstance(value, int) and not isinstance(value, bool)):
            return value
        raise self._wrong_type(path, "an integer", value)

    def data_iri(self, path):
        """``data.<path>``, required, an absolute IRI (a URL); ``missing_field`` or ``invalid_id``."""
        value = self.required(path)
        if not is_iri(value):
            raise InvalidEvent(self.event_name, f"data.{path}", f"not an absolute IRI: {str(value)[:80]!r}",
                               kind="invalid_id")
        return value

    def data_key(self, path):
        """``data.<path>``, required, a key usable inside an IRI (a course or usage key)."""
        return checked_key(self.event_name, f"data.{path}", self.required(path))

    def _wrong_type(self, path, expected, value):
        return InvalidEvent(self.event_name, f"data.{path}", f"expected {expected}, got {type(value).__name__}",
                            kind="wrong_type")

    def session_iri(self):
        """The session's IRI, ``<LMS root>/sessions/<session key>``, or None when the event has none."""
        session = self.event.session
        if not session:
            return None
        if not isinstance(session, str):
            raise InvalidEvent(self.event_name, "session", f"expected str, got {type(session).__name__}",
                               kind="wrong_type")
        return self.iri("sessions", checked_key(self.event_name, "session", session))

    def required(self, path):
        """``data.<path>``; :class:`InvalidEvent` (``missing_field``) where ERB's required lookup fails."""
        value = self.event.data_value(path)
        if erb_absent(value):
            raise InvalidEvent(self.event_name, f"data.{path}", "required field is missing or empty",
                               kind="missing_field")
        return value

    def duration(self, path, seconds):
        """``seconds`` (read from ``data.<path>``) as an ISO 8601 duration; None stays None."""
        if seconds is None:
            return None
        if isinstance(seconds, bool) or not isinstance(seconds, (int, float)):
            raise InvalidEvent(self.event_name, f"data.{path}", f"expected a number, got {type(seconds).__name__}",
                               kind="wrong_type")
        try:
            return iso_duration(seconds)
        except (OverflowError, ValueError):
            raise InvalidEvent(self.event_name, f"data.{path}", f"not a duration in seconds: {seconds!r}",
                               kind="wrong_type") from None

    def block_iri(self, block_type, block_id_path):
        """The IRI of block ``data.<block_id_path>`` of ``block_type`` in the event's course."""
        course_key = self.event.course_key
        if course_key is None:
            raise InvalidEvent(self.event_name, "context.course_id", "required field is missing or empty",
                               kind="missing_field")
        block_id = self.event.usage_key(block_id_path)
        return self.iri("xblock", block_usage_key(course_key, block_type, block_id))

    def course_part(self):
        """``{"isPartOf": <the course as a CourseOffering>}`` when the event has a course, else {}."""
        if not self.event.course_id:
            return {}
        return {"isPartOf": {"id": self.iri("course", self.event.course_id), "type": EntityType.COURSE_OFFERING}}

    @property
    def user_key(self):
        """
        Who the event is about, as ``(user id or username, username or None)``: the payload's user
        when it names one (an instructor enrolling a learner), else the acting user, ids before
        usernames (ERB's ``extract_username_or_userid``); ``(None, None)`` when anonymous.
        """
        data_user = erb_value(self.event.data_value("user_id")) or erb_value(self.event.data_value("username"))
        if data_user is not None:
            username = self.event.data_value("username")
            return data_user, username if isinstance(username, str) and username else None
        user = erb_value(self.event.user_id) or erb_value(self.event.username)
        return user, self.event.username

    @memoized_property
    def user_name(self):
        """
        The learner's account name from the injected Caliper actor resolver (the context's
        ``caliper_actor_resolver``, else its ``actor_resolver``; ERB: the anonymous id of type CALIPER).
        """
        user, username = self.user_key
        if user is None:
            raise EventSkipped(self.event_name, "anonymous")
        try:
            actor = (self.ctx.caliper_actor_resolver or self.ctx.actor_resolver)(user, username)
        except EventSkipped as skipped:
            skipped.event_name = self.event_name
            raise
        account = actor.statement_dict.get("account")
        if not account or not account.get("name"):
            raise ConfigurationError(
                "Caliper actors are <LMS root>/user/<account name>: the actor resolver must return account "
                f"actors (Actor.account), not {sorted(actor.statement_dict)}"
            )
        return account["name"]

    @memoized_property
    def actor_id(self):
        """The actor's IRI: ``<LMS root>/user/<account name>``."""
        return self.iri("user", self.user_name)

    # --- hooks --------------------------------------------------------------------------------

    def get_type(self):
        """The Caliper event type; ``event_type`` unless overridden."""
        return self.event_type

    def get_action(self):
        """The Caliper action; ``action`` unless overridden."""
        return self.action

    def get_object(self):
        """The event's object (a dict). Every transformer defines it."""
        raise NotImplementedError(f"{type(self).__qualname__} must define get_object()")

    def get_extensions(self):
        """The event's ``extensions``: the transformer version, then :meth:`extra_extensions`."""
        return {"transformerVersion": self.transformer_version, **self.extra_extensions()}

    def extra_extensions(self):
        """More event extensions for this event type; {} by default."""
        return {}

    def get_target(self):
        """The event's ``target`` entity, or None."""
        return None

    def get_generated(self):
        """The event's ``generated`` entity, or None."""
        return None

    # --- assembly -----------------------------------------------------------------------------

    def statements(self):
        """
        The Caliper event for this event, as a one-element list (the pipeline's "statements").

        Raises:
            EventSkipped: anonymous learner, unknown or retired user.
            InvalidEvent: a field the event needs is missing or malformed.
        """
        event_type = self.get_type()
        action = self.get_action()
        caliper_object = self.get_object()
        actor_id = self.actor_id
        event = {
            "@context": vocab.CONTEXT,
            "id": caliper_event_id(event_type, action, actor_id, caliper_object.get("id"), self.event.timestamp),
            "eventTime": caliper_time(self.event.time),
            "actor": {"id": actor_id, "type": EntityType.PERSON},
        }
        session = self.session_iri()
        if session is not None:
            event["session"] = {"id": session, "type": EntityType.SESSION}
        event["type"] = event_type
        event["object"] = caliper_object
        event["action"] = action
        event["extensions"] = self.get_extensions()
        target = self.get_target()  # pylint: disable=assignment-from-none
        if target is not None:
            event["target"] = target
        generated = self.get_generated()  # pylint: disable=assignment-from-none
        if generated is not None:
            event["generated"] = generated
        return [prune_like_erb(event)]

    def validate(self, event):
        """Raise :class:`~.validate.InvalidCaliperEvent` if ``event`` breaks a Caliper 1.2 rule."""
        validate_event(event, self.transformer_version)
