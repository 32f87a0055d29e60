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
  ``XapiRouterError`` subclasses, as ``transform_event`` does.
"""
from functools import lru_cache

from openedx_xapi_router.core.errors import TransformerBug, XapiRouterError
from openedx_xapi_router.core.event import TrackingEvent, normalize
from openedx_xapi_router.core.registry import TransformerRegistry
from openedx_xapi_router.transformers.caliper import enrollment, navigation, problem, video

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
    transformer = registry.get(event.name, ctx.transformer_versions)(event, ctx)
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
