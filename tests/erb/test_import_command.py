"""
``manage.py import_erb_router_configurations``: ERB's xAPI routers in the test database become
LRS endpoints (dry run, exact fields, secrets re-encrypted and never printed, idempotent), and
ERB's Redis dead queue (a real Redis, a DB of our own, items in ERB's format) becomes dead letters.
"""
# pylint: disable=redefined-outer-name
import io
import json
from datetime import UTC, datetime, timedelta

import pytest
import redis
from django.core.management import call_command
from django.db import connection
from eventtracking.backends.logger import DateTimeJSONEncoder

from openedx_xapi_router.erb import importer
from openedx_xapi_router.models import DeadLetter, LrsEndpoint
from openedx_xapi_router.core.registry import default_registry
from tests.delivery.events import enrollment_event

registry = default_registry()

ROUTE = "http://127.0.0.1:8100/xAPI/"
BEARER_ROUTE = "https://lrs.example.org/xAPI"
PASSWORD = "s3cret-basic-password"
TOKEN = "s3cret-bearer-token"
CALIPER_ROUTE = "http://caliper.example.org/"
CALIPER_TOKEN = "s3cret-caliper-token"
#: A Redis DB no other test uses.
DEAD_QUEUE_DB = 12


def run(*args):
    out = io.StringIO()
    call_command("import_erb_router_configurations", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def routers(make_router):
    """Two current xAPI routers (one edited once) and a Caliper one (a Caliper endpoint)."""
    from event_routing_backends.models import RouterConfiguration  # pylint: disable=import-outside-toplevel

    make_router(ROUTE, "erb-user", "old-password")  # an older row of the same route: not current
    basic = make_router(ROUTE, "erb-user", PASSWORD, configurations={"match_params": {
        "name": ["^edx\\.course\\.enrollment\\.activated$", "edx.course.enrollment.deactivated"],
        "context.org_id": "^edX$",
    }})
    bearer = make_router(BEARER_ROUTE, auth_scheme=RouterConfiguration.AUTH_BEARER, auth_key=TOKEN,
                         configurations={"match_params": {"data.user_id": "^42$", "context.course_id": "edX"},
                                         "override_args": {"verb": "x"}})
    make_router(CALIPER_ROUTE, backend_name=RouterConfiguration.CALIPER_BACKEND,
                auth_scheme=RouterConfiguration.AUTH_BEARER, auth_key=CALIPER_TOKEN)
    return basic, bearer


@pytest.mark.django_db
def test_dry_run_then_import_then_nothing_changes(routers):
    basic, bearer = routers
    basic_name, bearer_name = importer.endpoint_name(ROUTE), importer.endpoint_name(BEARER_ROUTE)
    assert basic_name == f"erb-127.0.0.1-{importer.hashlib.sha1(ROUTE.encode()).hexdigest()[:8]}"

    dry = run("--dry-run")
    assert LrsEndpoint.objects.count() == 0
    assert PASSWORD not in dry and TOKEN not in dry and "old-password" not in dry
    assert dry.splitlines()[0] == (
        f"router {basic.pk} -> {basic_name}: [dry run] would be created: http://127.0.0.1:8100/xAPI/statements "
        "(HTTP Basic, user 'erb-user', password set); enabled; allowed_event_names: 2 "
        "(edx.course.enrollment.activated, edx.course.enrollment.deactivated); orgs: 1 (edX)"
    )
    assert dry.splitlines()[-2:] == [
        "2 ERB xAPI routers: 2 [dry run] would be created, 0 [dry run] would be updated, 0 unchanged, 0 not imported",
        "1 ERB Caliper routers: 1 [dry run] would be created, 0 [dry run] would be updated, 0 unchanged, "
        "0 not imported"]
    assert CALIPER_TOKEN not in dry
    assert f"router {bearer.pk} -> {bearer_name}: [dry run] would be created: " \
           "https://lrs.example.org/xAPI/statements (bearer token set); disabled; courses: 1 (edX)" in dry
    assert "    not represented: match_params['data.user_id'] '^42$': no filter on 'data.user_id' here " \
           "(filters: event name, context.org_id, context.course_id)" in dry
    assert "    not represented: override_args ['verb']: we never rewrite statements" in dry
    assert "    note: imported disabled: review the filters above, then enable it" in dry
    assert "anywhere in the value; imported as exact values" in dry

    out = run()
    assert PASSWORD not in out and TOKEN not in out and CALIPER_TOKEN not in out
    assert out.splitlines()[-2:] == ["2 ERB xAPI routers: 2 created, 0 updated, 0 unchanged, 0 not imported",
                                     "1 ERB Caliper routers: 1 created, 0 updated, 0 unchanged, 0 not imported"]
    first = LrsEndpoint.objects.get(name=basic_name)
    assert (first.statements_url, first.auth_type, first.username, first.password, first.token, first.enabled) == (
        "http://127.0.0.1:8100/xAPI/statements", "basic", "erb-user", PASSWORD, "", True)
    assert (first.allowed_event_names, first.orgs, first.courses, first.denied_event_names) == (
        ["edx.course.enrollment.activated", "edx.course.enrollment.deactivated"], ["edX"], [], [])
    second = LrsEndpoint.objects.get(name=bearer_name)
    assert (second.statements_url, second.auth_type, second.username, second.token, second.enabled) == (
        "https://lrs.example.org/xAPI/statements", "bearer", "", TOKEN, False)
    assert (second.allowed_event_names, second.orgs, second.courses) == ([], [], ["edX"])
    with connection.cursor() as cursor:  # at rest: our ciphertext, never the secret
        cursor.execute("SELECT password, token FROM xapi_router_lrsendpoint ORDER BY name")
        raw = b" ".join(bytes(value, "utf-8") if isinstance(value, str) else bytes(value)
                        for row in cursor.fetchall() for value in row)
    assert PASSWORD.encode() not in raw and TOKEN.encode() not in raw and CALIPER_TOKEN.encode() not in raw
    assert len(raw) > 100

    modified = dict(LrsEndpoint.objects.values_list("name", "modified"))
    again = run()
    assert again.splitlines()[-2:] == ["2 ERB xAPI routers: 0 created, 0 updated, 2 unchanged, 0 not imported",
                                       "1 ERB Caliper routers: 0 created, 0 updated, 1 unchanged, 0 not imported"]
    assert dict(LrsEndpoint.objects.values_list("name", "modified")) == modified
    assert LrsEndpoint.objects.count() == 3


@pytest.mark.django_db
def test_an_edited_erb_router_updates_its_endpoint_but_never_re_enables_it(routers, make_router):  # pylint: disable=unused-argument
    run()
    LrsEndpoint.objects.filter(name=importer.endpoint_name(ROUTE)).update(enabled=False)
    make_router(ROUTE, "erb-user", "rotated-password")  # ERB keeps history: a new row, a new id
    out = run()
    assert f"-> {importer.endpoint_name(ROUTE)}: updated (password, allowed_event_names, orgs): " in out
    assert out.splitlines()[-2] == "2 ERB xAPI routers: 0 created, 1 updated, 1 unchanged, 0 not imported"
    endpoint = LrsEndpoint.objects.get(name=importer.endpoint_name(ROUTE))
    assert (endpoint.password, endpoint.allowed_event_names, endpoint.enabled) == ("rotated-password", [], False)


def test_plain_values_and_name_expansion():
    assert importer.plain_value("^edX$") == ("edX", True)
    assert importer.plain_value("course-v1:edX\\+DemoX\\+Demo") == ("course-v1:edX+DemoX+Demo", False)
    assert importer.plain_value("course-v1:edX+DemoX") is None
    assert importer.plain_value("^MIT.*") is None
    assert importer.plain_value("\\d+") is None
    filters, _, unrepresented = importer.map_match_params({"name": "^edx\\.video\\."}, sorted(registry.event_names()))
    assert filters["allowed_event_names"] == sorted(n for n in registry.event_names() if n.startswith("edx.video."))
    assert not unrepresented
    _, _, unrepresented = importer.map_match_params({"name": "^nothing-we-know$"}, ["edx.video.played"])
    assert unrepresented == ["match_params['name'] '^nothing-we-know$' matches no event name we transform"]


@pytest.fixture
def dead_queue(redis_url):
    """ERB's dead queue ``dead_queue_xapi`` in a Redis DB of our own, emptied before and after."""
    url = redis_url.rsplit("/", 1)[0] + f"/{DEAD_QUEUE_DB}"
    client = redis.Redis.from_url(url)
    client.delete("dead_queue_xapi")
    yield url, client
    client.delete("dead_queue_xapi")
    client.close()


@pytest.mark.django_db
def test_dead_queue_becomes_dead_letters_once(routers, dead_queue, event_base):  # pylint: disable=unused-argument
    url, client = dead_queue
    start = datetime(2026, 11, 26, 8, 0, tzinfo=UTC)
    events = [enrollment_event(event_base + n) for n in range(3)]
    events.append(enrollment_event(event_base + 3, org="OtherX"))       # filtered out by the router's org
    events.append({**enrollment_event(event_base + 4), "name": "edx.ui.lms.unknown"})  # no statement
    for number, event in enumerate(events):  # as ERB queues them: timestamp a datetime, JSON with its encoder
        event["timestamp"] = start + timedelta(seconds=number)
        client.lpush("dead_queue_xapi", json.dumps(event, cls=DateTimeJSONEncoder))
    client.lpush("dead_queue_xapi", b"{not json")

    dry = run("--dead-queue", "--redis-url", url, "--dry-run")
    assert DeadLetter.objects.count() == 0
    assert dry.splitlines()[-1].startswith(
        "dead queue dead_queue_xapi: 6 items, 1 unreadable, 1 without a statement, 4 statements; "
        "3 dead letters would be created, 0 already there.")
    out = run("--dead-queue", "--redis-url", url)
    assert f"dead queue: nothing kept for {importer.endpoint_name(BEARER_ROUTE)}: its ERB filters are not " \
           "represented" in out
    assert out.splitlines()[-1].startswith(
        "dead queue dead_queue_xapi: 6 items, 1 unreadable, 1 without a statement, 4 statements; "
        "3 dead letters created, 0 already there.")
    letters = DeadLetter.objects.order_by("first_failed_at", "pk")
    assert [(d.endpoint.name, d.event_name, d.reason, d.state) for d in letters] == [
        (importer.endpoint_name(ROUTE), "edx.course.enrollment.activated", "broker_unavailable", "pending")] * 3
    assert sorted(d.statement["timestamp"] for d in letters) == [
        (start + timedelta(seconds=n)).isoformat() for n in range(3)]
    again = run("--dead-queue", "--redis-url", url)
    assert again.splitlines()[-1].startswith(
        "dead queue dead_queue_xapi: 6 items, 1 unreadable, 1 without a statement, 4 statements; "
        "0 dead letters created, 3 already there.")
    assert list(DeadLetter.objects.values_list("attempts", flat=True)) == [1, 1, 1]
    assert client.llen("dead_queue_xapi") == 6  # left as it is


@pytest.mark.django_db
def test_erb_caliper_routers_become_caliper_endpoints(make_router, settings):
    """
    ERB's Caliper routers (``RouterConfiguration.backend_name`` ``Caliper``; openedx/event-routing-backends
    9.3.8, the installed package: ``models.py``; ``backends/events_router.py`` ``configure_host`` gives a
    Caliper host ``url = route_url`` and, for ``Bearer``, ``auth_key``; ``utils/http_client.py``
    ``HttpClient`` POSTs to that URL with ``Authorization: Bearer <auth_key>``) become Caliper endpoints
    at the route URL unchanged, with that token: the imported endpoint passes "Test connection" against
    the loopback Caliper consumer. Basic or no auth cannot be a Caliper endpoint here: not imported.
    """
    from event_routing_backends.models import RouterConfiguration  # pylint: disable=import-outside-toplevel

    from openedx_xapi_router.delivery.client import test_connection  # pylint: disable=import-outside-toplevel
    from tests.caliper.caliper_consumer import CaliperConsumer  # pylint: disable=import-outside-toplevel

    settings.XAPI_ROUTER_ALLOW_INSECURE_HTTP = True
    caliper_names = set(registry.event_names("caliper"))
    with CaliperConsumer(token=CALIPER_TOKEN) as consumer:
        good = make_router(consumer.url, backend_name="Caliper", auth_scheme=RouterConfiguration.AUTH_BEARER,
                           auth_key=CALIPER_TOKEN,
                           configurations={"match_params": {"name": "enrollment"}, "headers": {}})
        headed = make_router("https://caliper.example.org/events", backend_name="Caliper",
                             auth_scheme=RouterConfiguration.AUTH_BEARER, auth_key="t2",
                             configurations={"headers": {"X-Tenant": "a"}})
        basic = make_router("https://basic.example.org/caliper", "u", "p", backend_name="Caliper")
        bare = make_router("https://bare.example.org/caliper", backend_name="Caliper")
        from django.core.management.base import CommandError  # pylint: disable=import-outside-toplevel

        out = io.StringIO()
        with pytest.raises(CommandError, match="2 router"):
            call_command("import_erb_router_configurations", stdout=out)
        lines = out.getvalue().splitlines()
        assert lines[-2:] == ["0 ERB xAPI routers: 0 created, 0 updated, 0 unchanged, 0 not imported",
                              "4 ERB Caliper routers: 2 created, 0 updated, 0 unchanged, 2 not imported"]
        assert f"router {basic.pk} (https://basic.example.org/caliper): not imported: a Caliper router with Basic " \
               "auth: a Caliper endpoint here authenticates with a bearer token (give ERB's router the Bearer " \
               "scheme and its key)" in lines
        assert any(line.startswith(f"router {bare.pk} (https://bare.example.org/caliper): not imported: "
                                   "a Caliper router with no auth") for line in lines)
        assert CALIPER_TOKEN not in out.getvalue()
        endpoint = LrsEndpoint.objects.get(name=importer.endpoint_name(consumer.url))
        enrollment_names = sorted(name for name in caliper_names if "enrollment" in name)
        assert (endpoint.statements_url, endpoint.output_format, endpoint.auth_type, endpoint.token,
                endpoint.username, endpoint.enabled, endpoint.allowed_event_names) == (
            consumer.url, "caliper", "bearer", CALIPER_TOKEN, "", True, enrollment_names)
        # expanded over the Caliper names, not xAPI's (which have edx.course.enrollment.mode_changed too)
        assert enrollment_names == ["edx.course.enrollment.activated", "edx.course.enrollment.deactivated"]
        assert "edx.course.enrollment.mode_changed" in registry.event_names()
        assert f"router {good.pk} -> {endpoint.name}: created: Caliper; {consumer.url} (bearer token set); enabled; " \
               f"allowed_event_names: 2 ({', '.join(enrollment_names)})" in lines
        disabled = LrsEndpoint.objects.get(name=importer.endpoint_name("https://caliper.example.org/events"))
        assert (disabled.output_format, disabled.statements_url, disabled.token, disabled.enabled) == (
            "caliper", "https://caliper.example.org/events", "t2", False)
        assert "    not represented: headers ['X-Tenant']: a Caliper endpoint here sends no extra headers" in lines
        assert f"router {headed.pk} -> {disabled.name}: created: Caliper; " in out.getvalue()
        assert LrsEndpoint.objects.count() == 2
        ok, message = test_connection(endpoint)
        assert (ok, message) == (True, f"{endpoint.name}: OK; POST envelope with 1 test event: HTTP 200")
        assert len(consumer.envelopes) == 1 and consumer.refusals == []
