"""
Fixtures of the switching tests: ERB's router configurations in the test database, ERB's router
backend, a second Ralph, and the delivery worker of ``tests/delivery`` (our live path).
"""
import pytest
from django.core.cache import cache
from django.utils.module_loading import import_string
from edx_django_utils.cache.utils import TieredCache

from openedx_xapi_router.resolvers import reset_transform_context
from tests import services
from tests.delivery.conftest import (  # noqa: F401  pylint: disable=unused-import
    delivery_worker,
    event_base,
    make_endpoint,
    routed_to,
)

#: The processors entry of ERB's xAPI router naming our drop-in processor.
OUR_PROCESSOR = {"ENGINE": "openedx_xapi_router.erb.processor.XapiRouterProcessor", "OPTIONS": {}}
ERB_PROCESSOR = {"ENGINE": "event_routing_backends.processors.xapi.transformer_processor.XApiProcessor",
                 "OPTIONS": {}}


def erb_route_url(ralph):
    """The route URL an ERB router needs for ``ralph``: the xAPI base (ERB's client appends ``statements``)."""
    return ralph.statements_url[: -len("statements")]


def clear_erb_caches():
    """ERB caches its routers for 10 minutes (TieredCache): forget them after changing a row."""
    TieredCache.dangerous_clear_all_tiers()
    cache.clear()


@pytest.fixture
def erb_settings(settings):
    """ERB's settings as its plugin sets them in the LMS (xAPI on, no batching), and fresh caches."""
    settings.XAPI_EVENTS_ENABLED = True
    settings.XAPI_EVENT_LOGGING_ENABLED = False
    settings.EVENT_ROUTING_BACKEND_BATCHING_ENABLED = False
    clear_erb_caches()
    reset_transform_context()
    yield settings
    clear_erb_caches()
    reset_transform_context()


@pytest.fixture
def make_router():
    """``make_router(route_url, username, password, configurations=None, **fields)``: an ERB xAPI router row."""
    from event_routing_backends.models import RouterConfiguration  # pylint: disable=import-outside-toplevel

    def make(route_url, username=None, password=None, configurations=None, **fields):
        fields.setdefault("auth_scheme", RouterConfiguration.AUTH_BASIC if username else None)
        fields.setdefault("backend_name", RouterConfiguration.XAPI_BACKEND)
        router = RouterConfiguration.objects.create(
            route_url=route_url, username=username,
            password=password, configurations=configurations, enabled=fields.pop("enabled", True), **fields,
        )
        clear_erb_caches()
        return router

    return make


def erb_router(backend_name, processor):
    """ERB's synchronous router backend with ``processor`` (a processors entry), as eventtracking builds it."""
    from event_routing_backends.backends.sync_events_router import SyncEventsRouter  # pylint: disable=import-outside-toplevel

    instance = import_string(processor["ENGINE"])(**processor["OPTIONS"])
    return SyncEventsRouter(processors=[instance], backend_name=backend_name)


@pytest.fixture(scope="module")
def second_ralph(tmp_path_factory):
    """Another fresh Ralph, for the module: what our own live path sends, to compare with."""
    with services.fresh_ralph(tmp_path_factory.mktemp("ralph-second")) as instance:
        yield instance


def stored(client, statement_id):
    """The statement Ralph stored under ``statement_id`` without what Ralph adds (``stored``, ``authority``)."""
    statement = client.get_statement(statement_id)
    statement.pop("stored", None)
    statement.pop("authority", None)
    return statement
