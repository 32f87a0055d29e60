"""
Interim glue between the Caliper transformers and today's core, until the one-pipeline refactor
(issue #17) lands: delete this module then.

After the refactor, ``default_registry()`` discovers the classes of this package (they declare
``output_format = "caliper"``) and ``core.pipeline.process(raw, ctx, output_format="caliper")``
runs them and calls their own ``validate``. Until then:

- :func:`caliper_registry` is a :class:`~openedx_xapi_router.core.registry.TransformerRegistry` of
  its own holding only the Caliper classes (today's registry keys by event name and version, so
  the Caliper and xAPI transformers of one event cannot share it);
- :func:`transform_caliper` is today's ``transform_event`` for Caliper: normalise, look up,
  transform, validate each event with the transformer's ``validate``; it raises only
  ``XapiRouterError`` subclasses, as ``transform_event`` does;
- :func:`transform_lines` is today's ``core.pipeline.transform_lines`` for Caliper (the same
  counting into the same Report), used by ``xapi-router-transform --format caliper``.
"""
import logging
from functools import lru_cache

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
from openedx_xapi_router.core.registry import TransformerRegistry
from openedx_xapi_router.transformers.caliper import enrollment, navigation, problem, video

log = logging.getLogger(__name__)

#: Every built-in Caliper transformer class.
CALIPER_TRANSFORMERS = (*enrollment.TRANSFORMERS, *navigation.TRANSFORMERS, *problem.TRANSFORMERS,
                        *video.TRANSFORMERS)


@lru_cache(maxsize=1)
def caliper_registry():
    """A registry holding every built-in Caliper transformer (built once)."""
    registry = TransformerRegistry()
    for transformer_class in CALIPER_TRANSFORMERS:
        registry.register(transformer_class)
    return registry


def transform(event, ctx, registry=None):
    """A normalised TrackingEvent's validated Caliper events (a list of dicts, one today)."""
    registry = registry or caliper_registry()
    transformer = registry.get(event.name, ctx.transformer_versions, output_format="caliper")(event, ctx)
    try:
        caliper_events = transformer.statements()
    except XapiRouterError:
        raise
    except Exception as error:
        raise TransformerBug(transformer.transformer_version, event.name, error) from error
    for caliper_event in caliper_events:
        transformer.validate(caliper_event)
    return caliper_events


def transform_caliper(raw, ctx, registry=None):
    """Normalise ``raw`` (a live or tracking-log event dict, or a TrackingEvent) and transform it to Caliper."""
    event = raw if isinstance(raw, TrackingEvent) else normalize(raw)
    return transform(event, ctx, registry)


def transform_lines(lines, ctx, report, registry=None, source=None):
    """
    Transform tracking-log lines to Caliper events, counting every outcome into ``report`` as
    :func:`openedx_xapi_router.core.pipeline.transform_lines` does (same arguments, same counts;
    ``report.statements`` counts Caliper events). Yields ``(line_number, events)``; never raises
    for bad input.
    """
    registry = registry or caliper_registry()
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
            caliper_events = transform(event, ctx, registry)
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
        report.statements += len(caliper_events)
        yield line_number, caliper_events
