"""
The Django side of :func:`openedx_xapi_router.core.pipeline.process`: what every path inside the
LMS (the live backend, event-routing-backends' processor, the backfill and dead-queue import
commands) gives it from the settings, read in one place.

* the transform context (:func:`openedx_xapi_router.resolvers.get_transform_context`);
* ``XAPI_ROUTER_ALLOWED_EVENT_NAMES``: the names this site sends through the router (its default
  differs by format: a Caliper endpoint's is ERB's default Caliper list). The
  live backend and the backfill (``transform_tracking_logs``) honour it, so a backfill never
  makes a statement the live path would not have made; ``transform_tracking_logs
  --all-event-names`` is the explicit opt-out (a backfill of every name the transformers
  handle). Where event-routing-backends routes (its processor, the import of its dead queue),
  ERB's own whitelist chose the events and ours is not applied a second time. The pure core and
  the ``xapi-router-transform`` CLI have no settings and transform every supported name.
"""
from openedx_xapi_router.conf import router_settings
from openedx_xapi_router.core import outcome as outcomes
from openedx_xapi_router.core.errors import ConfigurationError
from openedx_xapi_router.core.event_names import allowed_event_names
from openedx_xapi_router.core.pipeline import process
from openedx_xapi_router.core.registry import CALIPER, XAPI
from openedx_xapi_router.resolvers import get_transform_context

#: Per format: the last ``XAPI_ROUTER_ALLOWED_EVENT_NAMES`` value seen, and the names it allows.
_allowed_cache = {XAPI: (object(), frozenset()), CALIPER: (object(), frozenset())}


def allowed_names(output_format=XAPI):
    """
    The names ``XAPI_ROUTER_ALLOWED_EVENT_NAMES`` allows into ``output_format`` (None: every
    supported name), worked out once per value of the setting (see
    :mod:`openedx_xapi_router.core.event_names`: the default differs by format).
    """
    value = router_settings.ALLOWED_EVENT_NAMES
    seen, names = _allowed_cache[output_format]
    if seen is not value:
        names = allowed_event_names(value, output_format=output_format)
        _allowed_cache[output_format] = (value, names)
    return names


def process_event(raw, event_filter=None, all_event_names=False, registry=None, output_format=XAPI):
    """
    :func:`~openedx_xapi_router.core.pipeline.process` with this site's context and allowed names
    (every supported name with ``all_event_names``), into ``output_format`` (``"xapi"`` or
    ``"caliper"``: the allowed names of that format). Never raises: a context the settings cannot
    build is a ``Failed("configuration")`` outcome.
    """
    try:
        ctx = get_transform_context()
        names = None if all_event_names else allowed_names(output_format)
    except ConfigurationError as error:
        return outcomes.Failed(error.kind, error)
    return process(raw, ctx, registry, output_format, allowed_names=names, event_filter=event_filter)
