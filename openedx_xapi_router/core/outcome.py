"""
What :func:`openedx_xapi_router.core.pipeline.process` made of one input: small frozen values.

Every input ends in exactly one outcome:

==================== =====================================================================
outcome              the input
==================== =====================================================================
:class:`Transformed` gave statements (``statements``, ``transformer``, ``version``)
:class:`Rejected`    is a line holding no usable event (``kind``: the reader's defect names)
:class:`Unsupported` is an event no transformer handles (``event_name``)
:class:`Filtered`    is an event left out on purpose before transforming (``reason``:
                     ``not_allowed`` for ``XAPI_ROUTER_ALLOWED_EVENT_NAMES``, a backfill
                     filter's name, ``no_matching_endpoint``, ...)
:class:`Skipped`     is an event that must not become a statement (``reason``: ``anonymous``,
                     ``unknown_user``, ``retired_user``, ``unknown_course``)
:class:`Invalid`     is an event lacking a field, or with one of the wrong type or form
                     (``kind``, ``field``)
:class:`Failed`      hit an error of ours (``kind``: ``transformer_bug``, ``invalid_statement``,
                     ``configuration``, ``reader_bug``, ...): logged with its traceback when
                     counted (:meth:`~openedx_xapi_router.core.report.Report.count`), a bug to fix
==================== =====================================================================

Each has ``ok`` (True only for :class:`Transformed`), ``key`` (one word for what happened:
``transformed``, ``unsupported``, the kind or the reason), ``statements`` (empty for a refusal),
``event`` (the :class:`~openedx_xapi_router.core.event.TrackingEvent`, None when there is none),
``recovered`` (the reader's recovery, e.g. ``logger_prefix``, or None) and ``error`` (the
exception behind a refusal, or None), so a caller can log or count any of them the same way.
:meth:`openedx_xapi_router.core.report.Report.count` counts any outcome.
"""
from typing import NamedTuple

# Named tuples, not frozen dataclasses: one outcome is built per event, and a frozen dataclass
# costs three times as much to build (about 2 us against 0.7 us here). Compare outcomes by type and
# fields, never with ``==`` alone: two named tuples of different types with equal fields are equal.


class Transformed(NamedTuple):
    """
    Statements made from one event.

    Attributes:
        statements: the validated statement dicts (usually one; a multi-question problem gives more).
        transformer: the transformer class that made them.
        version: the transformer-version value every statement carries
            (``openedx-xapi-router/<event name>@<version>``).
        event: the :class:`~openedx_xapi_router.core.event.TrackingEvent`.
        recovered: the reader's recovery for a raw line (``logger_prefix``, ``nul_padding``), or None.
    """

    statements: list
    transformer: type
    version: str
    event: object
    recovered: str | None = None
    ok = True
    error = None
    key = "transformed"


class Rejected(NamedTuple):
    """
    An input that holds no usable event (a line, or an event dict that cannot be normalised);
    ``kind`` and ``reason`` as :class:`~openedx_xapi_router.core.errors.LineRejected`.
    """

    kind: str
    reason: str
    error: BaseException | None = None
    event: object = None
    recovered: str | None = None
    ok = False
    statements = ()

    @property
    def key(self):
        """The one word for what happened (``kind``)."""
        return self.kind


class Unsupported(NamedTuple):
    """An event no transformer handles (or none of the requested output format)."""

    event_name: str
    event: object
    error: BaseException | None = None
    recovered: str | None = None
    ok = False
    statements = ()
    key = "unsupported"


class Filtered(NamedTuple):
    """An event left out on purpose before it was transformed; ``reason`` names the filter."""

    reason: str
    event: object
    recovered: str | None = None
    error = None
    ok = False
    statements = ()

    @property
    def key(self):
        """The one word for what happened (``reason``)."""
        return self.reason


class Skipped(NamedTuple):
    """
    A valid event that must not become a statement; ``reason`` as
    :class:`~openedx_xapi_router.core.errors.EventSkipped`.
    """

    reason: str
    event: object
    error: BaseException | None = None
    recovered: str | None = None
    ok = False
    statements = ()

    @property
    def key(self):
        """The one word for what happened (``reason``)."""
        return self.reason


class Invalid(NamedTuple):
    """
    An event a transformer cannot use: ``kind`` and ``field`` as
    :class:`~openedx_xapi_router.core.errors.InvalidEvent`.
    """

    kind: str
    field: str
    event: object
    error: BaseException | None = None
    recovered: str | None = None
    ok = False
    statements = ()

    @property
    def key(self):
        """The one word for what happened (``kind``)."""
        return self.kind


class Failed(NamedTuple):
    """
    An error of ours: ``kind`` is the error's kind (``transformer_bug``, ``invalid_statement``,
    ``configuration``, ``reader_bug``, ``internal_error``); ``error`` the exception, with its
    traceback. :meth:`~openedx_xapi_router.core.report.Report.count` logs it.
    """

    kind: str
    error: BaseException
    event: object = None
    recovered: str | None = None
    ok = False
    statements = ()

    @property
    def key(self):
        """The one word for what happened (``kind``)."""
        return self.kind
