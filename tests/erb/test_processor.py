"""
The drop-in processor inside event-routing-backends' pipeline: ERB's router (its
``SyncEventsRouter`` with an ERB ``RouterConfiguration`` row) sends what our processor returns to a
real Ralph, and it equals what our own live path (backend -> Celery worker) sends to another Ralph.
"""
import pytest
from django.conf import settings

from openedx_xapi_router.backends.tracking import XapiRouterBackend
from openedx_xapi_router.core.pipeline import transform_event
from openedx_xapi_router.erb.processor import NoBackendEnabled, XapiRouterProcessor
from openedx_xapi_router.lrs.client import LrsClient
from openedx_xapi_router.models import LrsEndpoint
from openedx_xapi_router.resolvers import get_transform_context
from tests.delivery.conftest import wait_until
from tests.delivery.events import enrollment_event
from tests.erb.conftest import OUR_PROCESSOR, erb_route_url, erb_router, stored

#: On SQLite ERB's router lookup (``backend_name=<its backend_name>``) is case-sensitive, so the
#: router backend is named as the rows are ("xAPI"); on MySQL/MariaDB ERB's default "xapi" matches
#: too (case-insensitive collation), as tests/erb/test_migration_guide.py shows.
SQLITE_BACKEND_NAME = "xAPI"


def test_contract_matches_erb(erb_settings, event_base):
    """A flat list of statement dicts; nothing for an unsupported event; [] while XAPI_EVENTS_ENABLED is off."""
    processor = XapiRouterProcessor()
    events = [enrollment_event(event_base + 1), {"name": "no.such.event", "timestamp": "2026-11-26T09:00:00+00:00"},
              enrollment_event(event_base + 2)]
    statements = processor(events)
    expected = [s for event in (events[0], events[2]) for s in transform_event(event, get_transform_context())]
    assert statements == expected
    assert len(statements) == 2
    assert processor.transform_event(events[1]) is None
    erb_settings.XAPI_EVENTS_ENABLED = False
    assert processor(events) == []
    with pytest.raises(NoBackendEnabled):
        processor.transform_event(events[0])


@pytest.mark.django_db(transaction=True)
def test_erb_router_with_our_processor_equals_our_live_path(
    erb_settings, make_router, ralph_lrs, second_ralph, delivery_worker, routed_to, event_base,
):  # pylint: disable=too-many-arguments,too-many-positional-arguments,unused-argument
    events = [enrollment_event(event_base + n) for n in range(5)]
    # ERB: its router configuration and router backend, our processor, to the session's Ralph.
    make_router(erb_route_url(ralph_lrs), *ralph_lrs.auth)
    router = erb_router(SQLITE_BACKEND_NAME, OUR_PROCESSOR)
    for event in events:
        router.send(dict(event))
    # Ours: the live path (backend -> publisher -> Celery worker) to the second Ralph.
    LrsEndpoint.objects.create(name="second", statements_url=second_ralph.statements_url,
                               username=second_ralph.username, password=second_ralph.password)
    routed_to(delivery_worker)
    backend = XapiRouterBackend()
    for event in events:
        backend.send(dict(event))
    ids = [s["id"] for event in events for s in transform_event(event, get_transform_context())]
    assert len(set(ids)) == 5
    with LrsClient(ralph_lrs.statements_url, ralph_lrs.auth, allow_insecure_http=True) as via_erb, \
            LrsClient(second_ralph.statements_url, second_ralph.auth, allow_insecure_http=True) as via_ours:

        def all_arrived():
            return [s["id"] for s in via_ours.iter_statements({"since": "2000-01-01T00:00:00Z"})
                    if s["id"] in ids]

        wait_until(lambda: len(all_arrived()) == 5, 30, 0.2, "5 statements in the second Ralph")
        for statement_id in ids:
            assert stored(via_erb, statement_id) == stored(via_ours, statement_id)
    assert not settings.XAPI_ROUTER_ENABLED  # the processor needs nothing of the router's backend
