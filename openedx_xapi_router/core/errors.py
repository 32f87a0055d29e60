"""
The error classes of the pure core.

Every failure the core can meet while turning one event into statements is one of these, so a
caller (the live backend, the CLI, the backfill command) can count it by kind and go on. Any other
exception escaping :func:`openedx_xapi_router.core.pipeline.transform_event` is a bug in this
package, and the pipeline reports it as :class:`TransformerBug` rather than letting it out.
"""


class XapiRouterError(Exception):
    """Root of every error raised on purpose by this package."""

    #: A short, stable machine name for counting, e.g. in a CLI report.
    kind = "error"


class ConfigurationError(XapiRouterError, ValueError):
    """
    A resolver or a setting given to the core is missing or wrong.

    The Django layer re-raises it as ``ImproperlyConfigured``; the core cannot import Django.
    """

    kind = "configuration"


class UnsupportedEvent(XapiRouterError):
    """
    No transformer is registered (or enabled) for this event name.

    Expected and counted: most tracking events have no xAPI form.
    """

    kind = "unsupported"

    def __init__(self, event_name):
        super().__init__(event_name)
        self.event_name = event_name

    def __str__(self):
        return f"no transformer for event {self.event_name!r}"


class InvalidEvent(XapiRouterError):
    """
    The event lacks a field the transformer needs, or a field has the wrong type or form.

    Attributes:
        event_name: the event's name, or None when even that is missing.
        field: dotted path of the offending field, e.g. ``data.currentTime`` or ``time``.
        reason: what is wrong with it, for a person.
        kind: a stable machine name for counting (``missing_field``, ``bad_time``, ...).
    """

    kind = "invalid_event"

    def __init__(self, event_name, field, reason, kind=None):
        super().__init__(event_name, field, reason)
        self.event_name = event_name
        self.field = field
        self.reason = reason
        if kind is not None:
            self.kind = kind

    def __str__(self):
        return f"event {self.event_name!r}: field {self.field!r}: {self.reason}"


class EventSkipped(XapiRouterError):
    """
    A valid event that must not become a statement, on purpose.

    Reasons (``reason`` attribute): ``anonymous`` (no learner), ``unknown_user``, ``retired_user``,
    ``unknown_course``. Counted by reason; never an error an operator must act on.
    """

    kind = "skipped"

    def __init__(self, event_name, reason, detail=""):
        super().__init__(event_name, reason, detail)
        self.event_name = event_name
        self.reason = reason
        self.detail = detail

    def __str__(self):
        text = f"event {self.event_name!r} skipped: {self.reason}"
        return f"{text} ({self.detail})" if self.detail else text


class InvalidStatement(XapiRouterError):
    """
    A transformer built a statement that breaks the xAPI 1.0.3 structural rules.

    This is a bug in the transformer, caught before the statement can reach an LRS.

    Attributes:
        transformer: the transformer's id (``name@version``).
        path: where in the statement the problem is, e.g. ``object.id``.
        reason: what rule it breaks.
    """

    kind = "invalid_statement"

    def __init__(self, transformer, path, reason):
        super().__init__(transformer, path, reason)
        self.transformer = transformer
        self.path = path
        self.reason = reason

    def __str__(self):
        return f"{self.transformer} built an invalid statement: {self.path}: {self.reason}"


class TransformerBug(XapiRouterError):
    """
    A transformer raised something that is not one of the errors above.

    The pipeline wraps the original exception (``__cause__``) so the caller still gets a typed,
    countable error and the LMS request is never broken by a transformer bug.
    """

    kind = "transformer_bug"

    def __init__(self, transformer, event_name, error):
        super().__init__(transformer, event_name, error)
        self.transformer = transformer
        self.event_name = event_name
        self.error = error

    def __str__(self):
        return f"{self.transformer} failed on event {self.event_name!r}: {type(self.error).__name__}: {self.error}"


class LineRejected(XapiRouterError):
    """
    A tracking-log line that holds no usable event (read by :mod:`openedx_xapi_router.core.reader`).

    Attributes:
        kind: why, by the same names the tracking-log generator's manifest uses for its defect kinds:
            ``blank_line``, ``nul_bytes``, ``invalid_utf8``, ``oversized``, ``truncated_json``,
            ``non_object_json``, ``missing_event_type``, ``missing_time``, ``bad_time``,
            ``unparseable_server_event``, ``invalid_course_key``; and ``not_json`` (text that is
            neither JSON nor a logger-prefixed JSON line) and ``wrong_type`` (``name`` or
            ``context`` of the wrong JSON type), which the generator does not make.
        reason: what is wrong, for a person.
    """

    kind = "rejected"

    def __init__(self, kind, reason):
        super().__init__(kind, reason)
        self.kind = kind
        self.reason = reason

    def __str__(self):
        return f"line rejected ({self.kind}): {self.reason}"


class UnreadableInput(XapiRouterError):
    """An input file or stream could not be opened or read to its end (e.g. a truncated gzip file)."""

    kind = "unreadable_input"

    def __init__(self, source, reason):
        super().__init__(source, reason)
        self.source = source
        self.reason = reason

    def __str__(self):
        return f"cannot read {self.source}: {self.reason}"
