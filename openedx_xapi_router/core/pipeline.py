"""
The public API of the core: one input in, one typed outcome out::

    from openedx_xapi_router.core.pipeline import process
    outcome = process(raw, ctx)          # a raw line, an event dict (live or log form) or a TrackingEvent
    if outcome.ok:
        outcome.statements, outcome.transformer, outcome.version
    report.count(outcome)                # any outcome, counted (and an error of ours logged)

:func:`process` is the one pipeline every path runs: the live send path, the backfill, the
``xapi-router-transform`` CLI, event-routing-backends' processor and the dead-queue import are
shells around it. The steps, in order:

1. **read**: a raw line (bytes or str) with :func:`~openedx_xapi_router.core.reader.read_event`
   (NUL padding, logger header, truncation...), an event dict with
   :func:`~openedx_xapi_router.core.event.normalize`; either gives
   :class:`~openedx_xapi_router.core.outcome.Rejected` (same kinds) when it holds no usable event;
   a TrackingEvent is taken as it is;
2. **filter**: the caller's ``event_filter(event)`` (a backfill's ``--since``..., the live path's
   endpoint match) -> :class:`~openedx_xapi_router.core.outcome.Filtered` with its reason;
3. **look up** the transformer (:class:`~openedx_xapi_router.core.outcome.Unsupported`), then
   ``allowed_names`` (``XAPI_ROUTER_ALLOWED_EVENT_NAMES`` as the caller read it:
   ``Filtered("not_allowed")``);
4. **transform** (:class:`~openedx_xapi_router.core.outcome.Skipped`,
   :class:`~openedx_xapi_router.core.outcome.Invalid`; anything unexpected a transformer raises is
   :class:`~openedx_xapi_router.core.outcome.Failed` ``transformer_bug``);
5. **validate** each statement with the transformer's own ``validate(statement)``
   (``Failed("invalid_statement")``).

:func:`process` never raises for bad input or a bug (an error of ours is a ``Failed`` outcome
carrying the exception and its traceback; :meth:`Report.count` logs it). :func:`transform_event`
and :func:`transform` are the raising forms (``XapiRouterError`` subclasses only);
:func:`transform_lines` runs :func:`process` over a log's lines.
"""
import logging

import orjson

from openedx_xapi_router.core.outcome import Failed, Filtered, Invalid, Rejected, Skipped, Transformed, Unsupported
from openedx_xapi_router.core.errors import (
    EventSkipped,
    InvalidEvent,
    LineRejected,
    TransformerBug,
    UnsupportedEvent,
    XapiRouterError,
)
from openedx_xapi_router.core.event import TrackingEvent, normalize
from openedx_xapi_router.core.reader import read_event
from openedx_xapi_router.core.registry import XAPI, default_registry
from openedx_xapi_router.core.validate import MADE_WHOLE

log = logging.getLogger(__name__)



def _run(transformer_class, event, ctx):
    """The transformer's validated statements and the transformer; raises only XapiRouterError."""
    transformer = transformer_class(event, ctx)
    try:
        statements = transformer.statements()
    except XapiRouterError:
        raise
    except Exception as error:
        raise TransformerBug(transformer.transformer_version, event.name, error) from error
    # A statement the transformer made whole (every part made or found valid: ``take_whole``) is
    # taken without the check's call, by identity, as the check itself takes it (never an equal copy).
    # (A transformer that makes nothing by construction, a Caliper one, has an empty ``made``.)
    whole = transformer.made[MADE_WHOLE]
    for statement in statements:
        for taken in whole:
            if taken is statement:
                break
        else:
            transformer.validate(statement)
    return statements, transformer


def _read(raw):
    """``(event, recovered, refusal)``: the TrackingEvent of ``raw`` or the outcome refusing it."""
    if isinstance(raw, TrackingEvent):
        return raw, None, None
    if isinstance(raw, dict):
        try:
            return normalize(raw), None, None
        except InvalidEvent as invalid:  # no usable event, as a line that reads as this dict
            return None, None, Rejected(invalid.kind, str(invalid), invalid)
    if isinstance(raw, str):
        raw = raw.encode("utf-8", "surrogatepass")
    if not isinstance(raw, (bytes, bytearray, memoryview)):
        rejected = LineRejected("non_object_json", f"an event is a JSON object, not {type(raw).__name__}")
        return None, None, Rejected(rejected.kind, rejected.reason, rejected)
    try:
        event, recovered = read_event(bytes(raw))
    except LineRejected as rejected:
        return None, None, Rejected(rejected.kind, rejected.reason, rejected)
    return event, recovered, None


def process(raw, ctx, registry=None, output_format=XAPI, *, allowed_names=None, event_filter=None):
    """
    Turn one input into its :mod:`~openedx_xapi_router.core.outcome` (see the module docstring).

    Arguments:
        raw: a tracking-log line (bytes or str, no line ending), an event dict (live or log form),
            or a :class:`~openedx_xapi_router.core.event.TrackingEvent`.
        ctx: the :class:`~openedx_xapi_router.core.context.TransformContext`.
        registry: the transformer registry (:func:`default_registry` when None).
        output_format: ``"xapi"`` (the default) or another format a registry serves (``"caliper"``).
        allowed_names: the event names that may be transformed (a set), or None for every one.
        event_filter: ``event_filter(event)`` -> a reason (str) to leave the event out, or None.

    Never raises (an exception of ours is a :class:`~openedx_xapi_router.core.outcome.Failed`).
    """
    find = (registry or default_registry()).finder(ctx.transformer_versions, output_format)
    return _process(raw, ctx, find, allowed_names, event_filter)


def _process(raw, ctx, find, allowed_names, event_filter):
    """
    :func:`process` with every argument given, in order (what :func:`transform_lines` calls per
    line), the registry and format as their ``finder``.
    """
    # pylint: disable=too-many-return-statements,too-many-branches
    # One function for the steps of one input, each guarded by its own ``try`` (free in Python 3.11
    # until something raises): it runs once per line.
    try:
        if type(raw) is bytes:  # pylint: disable=unidiomatic-typecheck
            try:  # a log's line: what _read does for it, without the type tests
                event, recovered = read_event(raw)
            except LineRejected as rejected:
                return Rejected(rejected.kind, rejected.reason, rejected)
        else:
            event, recovered, refusal = _read(raw)
            if refusal is not None:
                return refusal
    except Exception as error:  # pylint: disable=broad-except
        return Failed("reader_bug", error)
    try:
        if event_filter is not None:
            reason = event_filter(event)
            if reason is not None:
                return Filtered(reason, event, recovered)
        try:
            transformer_class = find(event.name)
        except XapiRouterError as error:
            return Failed(error.kind, error, event, recovered)
        if transformer_class is None:
            return Unsupported(event.name, event, UnsupportedEvent(event.name), recovered)
        if allowed_names is not None and event.name not in allowed_names:
            return Filtered("not_allowed", event, recovered)
        try:
            statements, transformer = _run(transformer_class, event, ctx)
        except EventSkipped as skipped:
            return Skipped(skipped.reason, event, skipped, recovered)
        except InvalidEvent as invalid:
            return Invalid(invalid.kind, invalid.field, event, invalid, recovered)
        except XapiRouterError as error:
            return Failed(error.kind, error, event, recovered)
        # tuple.__new__ in field order: the named tuple's own __new__ is a Python function.
        return _new_tuple(Transformed, (statements, transformer_class, transformer.transformer_version, event,
                                        recovered))
    except Exception as error:  # pylint: disable=broad-except
        return Failed("internal_error", error, event, recovered)


_new_tuple = tuple.__new__


def transform(event, ctx, registry=None, output_format=XAPI):
    """
    Transform a normalised :class:`TrackingEvent` into validated statements (list of dicts), or
    events of ``output_format``. Raises only ``XapiRouterError`` subclasses (a transformer's own
    bug as ``TransformerBug``).
    """
    transformer_class = (registry or default_registry()).get(event.name, ctx.transformer_versions,
                                                             output_format=output_format)
    return _run(transformer_class, event, ctx)[0]


def transform_event(raw, ctx, registry=None, output_format=XAPI):
    """
    Normalise ``raw`` (a live or tracking-log event dict, or a TrackingEvent) and transform it.

    Returns a list of statement dicts (usually one). Raises only ``XapiRouterError`` subclasses.
    """
    event = raw if isinstance(raw, TrackingEvent) else normalize(raw)
    return transform(event, ctx, registry, output_format)


def serialize(statement):
    """A statement as compact JSON bytes. Key order is the order the transformer built, so stable."""
    return orjson.dumps(statement)


def serialize_line(statement):
    """:func:`serialize`'s bytes and a line ending, made by one ``orjson.dumps`` (no copy to append it)."""
    return orjson.dumps(statement, option=orjson.OPT_APPEND_NEWLINE)


_dumps = orjson.dumps
_APPEND_NEWLINE = orjson.OPT_APPEND_NEWLINE


def serialize_lines(statements, report):
    """
    The statements as JSON lines (each :func:`serialize_line`), in order, in one bytes: what a
    JSON-lines output (the CLI, the backfill's JSONL destination) writes, in one write. A statement
    the serializer refuses (e.g. an integer beyond 64 bits taken from the event) is logged, counted
    in ``report`` as ``unserializable_statement`` and left out; the others are kept.
    """
    # serialize_line's one call, written out: this runs once per event.
    if len(statements) == 1:  # the usual case: no list, no join
        try:
            return _dumps(statements[0], option=_APPEND_NEWLINE)
        except TypeError as error:
            _refused(statements[0], error, report)
            return b""
    bodies = []
    for statement in statements:
        try:
            bodies.append(_dumps(statement, option=_APPEND_NEWLINE))
        except TypeError as error:
            _refused(statement, error, report)
    return b"".join(bodies)


def _refused(statement, error, report):
    log.warning("statement %s cannot be serialised: %s", statement.get("id"), error)
    report.errors["unserializable_statement"] += 1


def transform_lines(lines, ctx, report, registry=None, source=None, *, output_format=XAPI, allowed_names=None,
                    event_filter=None):
    """
    :func:`process` every line of a log, counting each outcome into ``report``.

    Arguments:
        lines: iterable of ``(line_number, raw_bytes)``, as
            :func:`openedx_xapi_router.core.reader.read_lines` yields them.
        ctx: the :class:`~openedx_xapi_router.core.context.TransformContext`.
        report: a :class:`~openedx_xapi_router.core.report.Report` to count into.
        registry: the transformer registry (the built-in one by default).
        source: when given, rejected lines are recorded as ``"<source>:<line>"`` rather than
            bare line numbers (for a report over several inputs).
        output_format, allowed_names, event_filter: as :func:`process` takes them.

    Yields ``(line_number, statements)`` for each line that gives statements. Never raises for
    bad input: every outcome is counted, and the next line is read.
    """
    # pylint: disable=too-many-arguments
    find = (registry or default_registry()).finder(ctx.transformer_versions, output_format)
    count = report.count
    for line_number, raw in lines:
        result = _process(raw, ctx, find, allowed_names, event_filter)
        count(result, line_number if source is None else f"{source}:{line_number}")
        if result.ok:
            yield line_number, result.statements
