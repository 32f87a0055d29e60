"""
The public API of the core: one event in, its statements out, every failure typed.

    from openedx_xapi_router.core.pipeline import transform_event, serialize
    statements = transform_event(raw_event_dict, ctx)        # list of dicts, validated
    body = serialize(statements[0])                          # bytes, byte-stable

:func:`transform_event` raises only :class:`~openedx_xapi_router.core.errors.XapiRouterError`
subclasses: ``UnsupportedEvent``, ``InvalidEvent``, ``EventSkipped``, ``InvalidStatement``,
``ConfigurationError`` or ``TransformerBug`` (anything else a transformer raised, wrapped).

For a whole log, :func:`transform_lines` reads raw lines (see :mod:`openedx_xapi_router.core.reader`)
and counts every outcome into a :class:`~openedx_xapi_router.core.report.Report`; it never raises
for bad input.
"""
import logging

import orjson

from openedx_xapi_router.core.errors import (
    EventSkipped,
    InvalidEvent,
    LineRejected,
    UnsupportedEvent,
    XapiRouterError,
    TransformerBug,
)
from openedx_xapi_router.core.event import TrackingEvent, normalize
from openedx_xapi_router.core.reader import read_event
from openedx_xapi_router.core.registry import default_registry
from openedx_xapi_router.core.validate import validate_statement

log = logging.getLogger(__name__)


def _default_registry():
    return default_registry()


def transform(event, ctx, registry=None):
    """
    Transform a normalised :class:`TrackingEvent` into validated statements (list of dicts).
    """
    registry = registry or _default_registry()
    transformer_class = registry.get(event.name, ctx.transformer_versions)
    transformer = transformer_class(event, ctx)
    try:
        statements = transformer.statements()
    except XapiRouterError:
        raise
    except Exception as error:
        raise TransformerBug(transformer.transformer_version, event.name, error) from error
    trusted = transformer.trusted_parts
    for statement in statements:
        validate_statement(statement, transformer.transformer_version, trusted)
    return statements


def transform_event(raw, ctx, registry=None):
    """
    Normalise ``raw`` (a live or tracking-log event dict, or a TrackingEvent) and transform it.

    Returns a list of statement dicts (usually one). Raises only ``XapiRouterError`` subclasses.
    """
    event = raw if isinstance(raw, TrackingEvent) else normalize(raw)
    return transform(event, ctx, registry)


def serialize(statement):
    """A statement as compact JSON bytes. Key order is the order the transformer built, so stable."""
    return orjson.dumps(statement)


def transform_lines(lines, ctx, report, registry=None, source=None):
    """
    Transform tracking-log lines, counting every outcome into ``report``.

    Arguments:
        lines: iterable of ``(line_number, raw_bytes)``, as
            :func:`openedx_xapi_router.core.reader.read_lines` yields them.
        ctx: the :class:`~openedx_xapi_router.core.context.TransformContext`.
        report: a :class:`~openedx_xapi_router.core.report.Report` to count into.
        registry: the transformer registry (the built-in one by default).
        source: when given, rejected lines are recorded as ``"<source>:<line>"`` rather than
            bare line numbers (for a report over several inputs).

    Yields ``(line_number, statements)`` for each line that gives statements. Never raises for
    bad input: a rejected line, an unsupported, skipped or invalid event, and even a transformer
    bug are counted, and the next line is read.
    """
    registry = registry or _default_registry()
    for line_number, raw in lines:
        report.lines += 1
        try:
            event, recovered = read_event(raw)
        except LineRejected as rejected:
            report.reject(rejected.kind, line_number if source is None else f"{source}:{line_number}")
            continue
        except Exception:  # pylint: disable=broad-except
            log.exception("reading line %s failed", line_number)
            report.errors["reader_bug"] += 1
            continue
        report.events += 1
        if recovered is not None:
            report.recovered[recovered] += 1
        try:
            statements = transform(event, ctx, registry)
        except UnsupportedEvent:
            report.unsupported_event(event.name)
            continue
        except EventSkipped as skipped:
            if skipped.reason == "anonymous":
                report.anonymous += 1
            else:
                report.skipped[skipped.reason] += 1
            continue
        except InvalidEvent as invalid:
            report.invalid_event(invalid.kind, invalid.field)
            continue
        except XapiRouterError as error:
            log.warning("line %s: %s", line_number, error)
            report.errors[error.kind] += 1
            continue
        except Exception:  # pylint: disable=broad-except
            log.exception("line %s: transforming failed", line_number)
            report.errors["internal_error"] += 1
            continue
        report.transformed += 1
        report.statements += len(statements)
        yield line_number, statements
