"""Shared helpers of the Caliper tests: the reference context and the comparison rule."""
import copy

from openedx_xapi_router.transformers.caliper.interim import transform_caliper
from tests.transformers import samples


def transform(event, ctx=None):
    """Our Caliper events for ``event`` under the reference context (or ``ctx``)."""
    return transform_caliper(event, ctx or samples.reference_context())


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
