"""
The backfill into a real Ralph LRS (a fresh one for this module, so everything it holds is
counted): through the live path's delivery code synchronously, a subset of endpoints, endpoint
filters, ``--max-rate``, and ``--queue`` to a real Celery worker on Redis. Statements are counted in
Ralph by id; every test also checks the statements are the live path's, byte for byte.
"""
import time
from collections import Counter

import orjson
import pytest

from openedx_xapi_router.delivery import client as delivery_client
from openedx_xapi_router.delivery import sending
from openedx_xapi_router.models import DeliveryHour, LrsEndpoint
from openedx_xapi_router.resolvers import reset_transform_context
from tests.backfill.conftest import all_statement_ids, generate
from tests.backfill.helpers import core_statements, jsonl, read_report, run_command
from tests.delivery.conftest import start_worker, wait_until

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

UNREACHABLE = "http://127.0.0.1:9/xAPI/statements"  # the discard port: nothing answers


def ids_of(lines):
    return [orjson.loads(line)["id"] for line in lines]


@pytest.fixture(autouse=True)
def fresh_caches():
    sending.endpoint_cache.clear()
    reset_transform_context()
    yield
    delivery_client.close_clients()


class Captured:
    """Stands in for the Celery publishing at the end of the send path: keeps each statement's bytes."""

    def __init__(self):
        self.statements = []

    def submit(self, entry):
        """The send path's publisher interface: ``[endpoint_ids, event_name, version, statements]``."""
        self.statements.extend(orjson.dumps(statement) for statement in entry[3])


def live_path_statements(path):
    """Every statement the live send path (the backend's ``queue_event``) makes of ``path``'s events."""
    captured = Captured()
    for line in path.read_bytes().splitlines():
        sending.queue_event(orjson.loads(line), publisher=captured)
    return captured.statements


def test_the_statements_are_the_live_paths_byte_for_byte(clean_log, tmp_path, ralph_endpoint, fresh_ralph,
                                                         settings):
    """The live path (the backend's send path, publishing captured) and the backfill give the same bytes."""
    settings.XAPI_ROUTER_ALLOWED_EVENT_NAMES = "*"  # every name, as the backfill (the default leaves two out)
    path, _ = clean_log
    ralph_endpoint(fresh_ralph, "parity")
    published = live_path_statements(path)
    out = tmp_path / "out.jsonl"
    run_command(path, "--output", out)
    assert published and jsonl(out) == published == core_statements(path)


def test_sync_delivery_to_a_subset_of_endpoints_then_all_with_filters(clean_log, tmp_path, ralph_endpoint,
                                                                      fresh_ralph):
    path, _ = clean_log
    expected = core_statements(path)
    names = ("play_video", "edx.video.played")
    video = [line for line in expected if orjson.loads(line)["verb"]["id"].endswith("/played")]
    video_ids = set(ids_of(video))
    assert video_ids
    filtered = ralph_endpoint(fresh_ralph, "ralph-videos", allowed_event_names=list(names), batch_size=50)
    ralph_endpoint(fresh_ralph, "not-chosen", statements_url=UNREACHABLE, timeout=0.5, retry_limit=0)
    LrsEndpoint.objects.create(name="disabled", statements_url=UNREACHABLE, enabled=False)
    before = Counter(all_statement_ids(fresh_ralph))
    report_path = tmp_path / "subset.json"
    run_command(path, "--endpoint", "ralph-videos", "--report", report_path)
    report = read_report(report_path)
    stored = Counter(all_statement_ids(fresh_ralph)) - before
    assert set(stored) == video_ids and set(stored.values()) == {1}
    assert report["destination"]["delivered"] == len(video)
    assert report["destination"]["not_routed"] == len(expected) - len(video)
    assert sum(DeliveryHour.objects.filter(endpoint=filtered).values_list("delivered", flat=True)) == len(video)
    # Now every enabled endpoint but the unreachable one: all statements, each stored once.
    ralph_endpoint(fresh_ralph, "ralph-all", batch_size=200)
    LrsEndpoint.objects.filter(name="not-chosen").update(enabled=False)
    run_command(path, "--report", report_path)
    stored = Counter(all_statement_ids(fresh_ralph)) - before
    assert set(stored) == set(ids_of(expected)) and set(stored.values()) == {1}
    report = read_report(report_path)
    assert report["destination"]["delivered"] == len(expected) + len(video)  # both endpoints, 409/204 included
    assert report["destination"].get("dead_lettered", 0) == report["destination"].get("rejected", 0) == 0


def test_max_rate_spares_the_lrs(tmp_path, ralph_endpoint, fresh_ralph):
    path = tmp_path / "small.log"
    generate(path, 400, 21)
    expected = core_statements(path)
    ralph_endpoint(fresh_ralph, "ralph-rate", batch_size=50)
    rate = 150.0
    started = time.monotonic()
    run_command(path, "--max-rate", rate)
    seconds = time.monotonic() - started
    # The first batch goes at once; the others wait their turn: at least (n - 50) / rate seconds.
    assert seconds >= (len(expected) - 50) / rate * 0.95
    stored = Counter(all_statement_ids(fresh_ralph))
    assert all(stored[statement_id] == 1 for statement_id in ids_of(expected))


@pytest.fixture
def queue_worker(redis_url, tmp_path, settings):
    """A real Celery worker running the delivery tasks on the test database; the command publishes to it."""
    from tests.project.celery_app import app as project_app  # pylint: disable=import-outside-toplevel

    worker = start_worker(redis_url, tmp_path)
    settings.XAPI_ROUTER_CELERY_QUEUE = worker.queue
    worker.app.set_current()
    try:
        yield worker
    finally:
        project_app.set_current()
        worker.stop()


def test_queue_hands_the_statements_to_the_celery_delivery_tasks(  # pylint: disable=redefined-outer-name
        tmp_path, ralph_endpoint, fresh_ralph, queue_worker):
    path = tmp_path / "queued.log"
    generate(path, 1500, 22)
    expected = ids_of(core_statements(path))
    endpoint = ralph_endpoint(fresh_ralph, "ralph-queued", batch_size=100)
    before = Counter(all_statement_ids(fresh_ralph))
    report_path = tmp_path / "report.json"
    run_command(path, "--queue", "--endpoint", "ralph-queued", "--report", report_path)
    assert read_report(report_path)["destination"] == {"queued": len(expected)}

    def delivered():
        return sum(DeliveryHour.objects.filter(endpoint=endpoint).values_list("delivered", flat=True))

    wait_until(lambda: delivered() >= len(expected), 90, interval=0.5,
               message=f"{len(expected)} statements delivered by the worker ({queue_worker.log_tail(5)})")
    stored = Counter(all_statement_ids(fresh_ralph)) - before
    assert set(stored) == set(expected) and set(stored.values()) == {1}
    assert delivered() == len(expected)
