"""
``docs/migrating_from_erb.rst``, followed from start to finish on real services: MariaDB (ERB's
router rows and our endpoints; ERB's router lookup is case-insensitive there, as in an LMS), a real
Ralph, and the delivery worker on Redis.

ERB's LMS lookups (the learner's external id, the course overview) are absent from the test project;
``tests/erb_oracle.erb_environment`` stands in for them on ERB's side (its ``get_anonymous_user_id``),
and the same stand-in replaces the LMS lookup of our ``XAPI_ROUTER_ACTOR_ID_SOURCE =
"lms_external_id"`` (``resolvers.lms_external_id``, which reads the LMS's ``ExternalId``: the test
LMS, ``tests/lms_root``, checks that one against the real shape), so both sides name learners alike.

What the LMS's tracker does (every event to every configured backend) is done by :func:`emit`.
"""
import io
from collections import Counter

import pytest
from django.core import checks as django_checks
from django.core.management import call_command

from openedx_xapi_router.backends.tracking import XapiRouterBackend
from openedx_xapi_router.core.pipeline import transform_event
from openedx_xapi_router.delivery import sending
from openedx_xapi_router import resolvers
from openedx_xapi_router.models import LrsEndpoint
from openedx_xapi_router.resolvers import get_transform_context, reset_transform_context
from openedx_xapi_router.settings.common import add_tracking_backend
from tests import erb_oracle
from tests.delivery.conftest import wait_until
from tests.delivery.events import enrollment_event
from tests.erb.conftest import ERB_PROCESSOR, clear_erb_caches, erb_route_url, erb_router

#: ERB's default xAPI router backend name (``OPTIONS["backend_name"]``); its rows say "xAPI".
ERB_BACKEND_NAME = "xapi"


def emit(backends, events):
    """Each event to each backend, as the LMS's tracker does."""
    for event in events:
        for backend in backends:
            backend.send(dict(event))


def our_ids(events):
    reset_transform_context()
    return [s["id"] for event in events for s in transform_event(event, get_transform_context())]


@pytest.mark.mariadb
@pytest.mark.django_db(transaction=True)
def test_the_guide_start_to_finish(  # pylint: disable=too-many-arguments,too-many-positional-arguments,too-many-locals,too-many-statements
    settings, make_router, ralph_lrs, lrs_client, delivery_worker, routed_to, django_user_model, event_base,
    monkeypatch,
):
    learners = [django_user_model.objects.create(username=f"guide{event_base}-{n}", email=f"g{n}@example.org")
                for n in range(6)]
    events = []
    for number, learner in enumerate(learners):
        event = enrollment_event(event_base + number)
        event["data"]["user_id"] = event["context"]["user_id"] = learner.pk
        events.append(event)
    settings.XAPI_ROUTER_ACTOR_ID_SOURCE = "lms_external_id"
    monkeypatch.setattr(resolvers, "lms_external_id",
                        lambda user: erb_oracle._anonymous_user_id(user.id, "XAPI"))  # pylint: disable=protected-access
    settings.EVENT_ROUTING_BACKEND_BATCHING_ENABLED = False
    clear_erb_caches()
    sending.endpoint_cache.clear()

    with erb_oracle.erb_environment():  # ERB's settings (XAPI_EVENTS_ENABLED on) and LMS lookups
        # Before: ERB sends to the LRS (its router row, its router backend, its own XApiProcessor).
        make_router(erb_route_url(ralph_lrs), *ralph_lrs.auth)
        erb_backend = erb_router(ERB_BACKEND_NAME, ERB_PROCESSOR)
        emit([erb_backend], events[:3])
        erb_ids = [statement["id"] for result in erb_oracle.transform_events(events[:3]) for statement in result]
        wait_until(lambda: {s["id"] for s in lrs_client.iter_statements({"limit": 500})} >= set(erb_ids), 10,
                   message="ERB's 3 statements in Ralph")

        # Step 1: import ERB's router configuration (dry run first), twice: the second run changes nothing.
        out = io.StringIO()
        call_command("import_erb_router_configurations", "--dry-run", stdout=out)
        assert not LrsEndpoint.objects.exists()
        assert ralph_lrs.password not in out.getvalue()
        call_command("import_erb_router_configurations", stdout=out)
        call_command("import_erb_router_configurations", stdout=out)
        assert out.getvalue().splitlines()[-1] == (
            "1 ERB xAPI routers: 0 created, 0 updated, 1 unchanged, 0 not imported")
        endpoint = LrsEndpoint.objects.get()
        assert (endpoint.statements_url, endpoint.username, endpoint.password) == (
            ralph_lrs.statements_url, *ralph_lrs.auth)

        # Step 2: enable the router. While ERB's xAPI is still on, the checks say so.
        settings.XAPI_ROUTER_ENABLED = True
        settings.EVENT_TRACKING_BACKENDS = {}
        add_tracking_backend(settings)
        warnings = [m.id for m in django_checks.run_checks(databases=["default"]) if m.id.startswith("xapi_router")]
        assert "xapi_router.W007" not in warnings  # ERB's router backend is not in EVENT_TRACKING_BACKENDS yet
        settings.EVENT_TRACKING_BACKENDS["event_transformer"] = {
            "ENGINE": "eventtracking.backends.async_routing.AsyncRoutingBackend",
            "OPTIONS": {"backends": {"xapi": {
                "ENGINE": "event_routing_backends.backends.async_events_router.AsyncEventsRouter",
                "OPTIONS": {"processors": [ERB_PROCESSOR], "backend_name": ERB_BACKEND_NAME}}}},
        }
        warnings = [m.id for m in django_checks.run_checks(databases=["default"]) if m.id.startswith("xapi_router")]
        assert warnings.count("xapi_router.W006") == 1 and warnings.count("xapi_router.W007") == 1

        # Step 3: turn ERB's xAPI off: the checks are quiet; both backends still get every event.
        settings.XAPI_EVENTS_ENABLED = False
        warnings = [m.id for m in django_checks.run_checks(databases=["default"]) if m.id.startswith("xapi_router")]
        assert "xapi_router.W006" not in warnings and "xapi_router.W007" not in warnings
        routed_to(delivery_worker)
        reset_transform_context()
        ours = XapiRouterBackend()
        ids = our_ids(events[:5])
        assert ids[:3] == erb_ids  # ERB's ids, actor ids included
        # The same 3 events again (Ralph answers 409: it holds ERB's statements under these ids), then
        # 2 new ones, in another batch (a batch mixing both is split on its 409: see
        # test_a_409_batch_still_delivers_its_new_statements).
        emit([erb_backend, ours], events[:3])
        assert sending.publisher.flush(10)
        wait_until(lambda: sum(endpoint.delivery_hours.values_list("delivered", flat=True)) == 3, 30, 0.2,
                   "the worker's answer for the 3 re-sent statements")
        emit([erb_backend, ours], events[3:5])
        assert sending.publisher.flush(10)

        def counted():
            return Counter(s["id"] for s in lrs_client.iter_statements({"limit": 500}) if s["id"] in ids)

        wait_until(lambda: len(counted()) == 5, 30, 0.2, "5 statements in Ralph")
        assert counted() == Counter(dict.fromkeys(ids, 1))  # each exactly once
        assert ours.errors == 0

        # Rollback: the router off, ERB's xAPI on again: ERB sends, the router nothing.
        settings.XAPI_ROUTER_ENABLED = False
        settings.XAPI_EVENTS_ENABLED = True
        del settings.EVENT_TRACKING_BACKENDS["xapi_router"]
        assert not [m for m in django_checks.run_checks(databases=["default"]) if m.id in (
            "xapi_router.W006", "xapi_router.W007")]
        emit([erb_backend], events[5:])
        rollback_id = [s["id"] for s in erb_oracle.transform_event(events[5])]
        ids += rollback_id
        wait_until(lambda: len(counted()) == 6, 10, 0.2, "the rollback's statement in Ralph")
        assert counted() == Counter(dict.fromkeys(ids, 1))


@pytest.mark.django_db
def test_a_409_batch_still_delivers_its_new_statements(make_endpoint, lrs_client, event_base):
    from openedx_xapi_router.delivery.core import Item  # pylint: disable=import-outside-toplevel
    from openedx_xapi_router.delivery.service import deliver_now  # pylint: disable=import-outside-toplevel

    reset_transform_context()
    known, new = (transform_event(enrollment_event(event_base + n), get_transform_context())[0] for n in range(2))
    erb_version = {**known, "context": {**known["context"], "extensions": {
        **known["context"]["extensions"],
        "https://w3id.org/xapi/openedx/extension/transformer-version": "event-routing-backends@9.3.8"}}}
    lrs_client.post_statements([erb_version])  # what ERB sent before the switch
    result = deliver_now(make_endpoint("ralph"), [Item(known), Item(new)])
    # The pair is answered 409 and stored by nobody; split, each is sent alone: 409 (held) and 200.
    assert ([item.statement_id for item in result.delivered], result.rejected, result.retry, result.requests) == (
        [known["id"], new["id"]], [], [], 3)

    def stored(statement_id):
        statement = lrs_client.get_statement(statement_id)
        return {key: value for key, value in statement.items() if key not in ("stored", "authority")}

    assert stored(new["id"]) == new
    assert stored(known["id"]) == erb_version  # the LRS keeps what it had
