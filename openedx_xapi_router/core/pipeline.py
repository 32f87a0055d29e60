"""
The public API of the core: one event in, its statements out, every failure typed.

    from openedx_xapi_router.core.pipeline import transform_event, serialize
    statements = transform_event(raw_event_dict, ctx)        # list of dicts, validated
    body = serialize(statements[0])                          # bytes, byte-stable

:func:`transform_event` raises only :class:`~openedx_xapi_router.core.errors.XapiRouterError`
subclasses: ``UnsupportedEvent``, ``InvalidEvent``, ``EventSkipped``, ``InvalidStatement``,
``ConfigurationError`` or ``TransformerBug`` (anything else a transformer raised, wrapped).
"""
import orjson

from openedx_xapi_router.core.errors import XapiRouterError, TransformerBug
from openedx_xapi_router.core.event import TrackingEvent, normalize
from openedx_xapi_router.core.validate import validate_statement


def _default_registry():
    # Imported here, not at module level: the transformers package imports the core.
    from openedx_xapi_router.transformers import registry  # pylint: disable=import-outside-toplevel
    return registry


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
    except Exception as error:  # pylint: disable=broad-except
        raise TransformerBug(transformer.transformer_version, event.name, error) from error
    for statement in statements:
        validate_statement(statement, transformer.transformer_version)
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
