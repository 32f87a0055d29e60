"""Shared helpers of the Caliper tests: the reference context and the comparison rule."""
import copy

from openedx_xapi_router.core.pipeline import transform_event
from openedx_xapi_router.core.registry import CALIPER, default_registry
from tests.transformers import samples


def transform(event, ctx=None):
    """Our Caliper events for ``event`` under the reference context (or ``ctx``)."""
    return transform_event(event, ctx or samples.reference_context(), output_format=CALIPER)


def comparable(caliper_event):
    """
    A copy of ``caliper_event`` as the comparison rule sees it: ``id`` removed (ERB's is a random
    ``uuid4``), the ``extensions.transformerVersion`` value blanked (its key must be present).
    """
    caliper_event = copy.deepcopy(caliper_event)
    caliper_event.pop("id", None)
    assert "transformerVersion" in caliper_event["extensions"], caliper_event
    caliper_event["extensions"]["transformerVersion"] = "<blanked>"
    return caliper_event


def caliper_classes():
    """Every Caliper transformer class the built-in registry discovered, once each, by name."""
    found = {cls for _, _, cls in default_registry().all(CALIPER)}
    return sorted(found, key=lambda cls: cls.__qualname__)
