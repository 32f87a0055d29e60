"""
The backfill honours ``XAPI_ROUTER_ALLOWED_EVENT_NAMES`` as the live path does; ``--all-event-names``
transforms every supported name.

Why (``openedx_xapi_router/processing.py``): the setting says which events this site sends as
xAPI; a backfill into the same LRS that made statements the live path never makes would put
there what the site chose to leave out (the default list leaves out names whose statements would
change Open edX Aspects' rows: ``core/event_names.py``). The events are event-routing-backends'
samples (``../shared/xapi/events``), live form, one JSON object per line as the backfill reads them.
"""
import orjson
import pytest

from openedx_xapi_router.delivery import sending
from openedx_xapi_router.resolvers import reset_transform_context
from tests.backfill.helpers import read_report, run_command
from tests.delivery.events import enrollment_event
from tests.transformers.samples import XAPI_DIR, load_event, require_shared

pytestmark = pytest.mark.django_db

ENROLLED = "edx.course.enrollment.activated"
GRADED = "edx.grades.problem.submitted"  # ERB transforms it, but neither ERB nor we send it by default


@pytest.fixture(name="log")
def log_fixture(tmp_path):
    require_shared(XAPI_DIR / "events", "event-routing-backends' sample events")
    reset_transform_context()
    path = tmp_path / "tracking.log"
    path.write_bytes(b"\n".join([
        orjson.dumps(enrollment_event(1)),
        orjson.dumps(load_event(GRADED)),
        orjson.dumps(enrollment_event(2, name="edx.nobody.handles.this")),
    ]) + b"\n")
    yield path
    reset_transform_context()


def backfill(log, tmp_path, all_names):
    report_path = tmp_path / "report.json"
    run_command(log, "--dry-run", "--report", report_path, all_names=all_names)
    report = read_report(report_path)
    return report["transformed"], report["filtered"], report["unsupported"]


def test_the_default_names_apply_to_a_backfill(log, tmp_path, settings):
    settings.XAPI_ROUTER_ALLOWED_EVENT_NAMES = None
    assert backfill(log, tmp_path, all_names=False) == (
        1, {"not_allowed": 1}, {"edx.nobody.handles.this": 1})


def test_a_site_list_applies_to_a_backfill_and_the_live_path_alike(log, tmp_path, settings):
    settings.XAPI_ROUTER_ALLOWED_EVENT_NAMES = [GRADED]
    assert backfill(log, tmp_path, all_names=False) == (
        1, {"not_allowed": 1}, {"edx.nobody.handles.this": 1})
    from openedx_xapi_router.models import LrsEndpoint  # pylint: disable=import-outside-toplevel

    LrsEndpoint.objects.create(name="all", statements_url="http://127.0.0.1:9/xAPI/statements")
    sending.endpoint_cache.clear()
    queued = []
    publisher = type("Captured", (), {"submit": lambda self, entry: queued.append(entry[1])})()
    for line in log.read_bytes().splitlines():
        sending.queue_event(orjson.loads(line), publisher=publisher)
    sending.endpoint_cache.clear()
    assert queued == [GRADED]


def test_all_event_names_transforms_every_supported_name(log, tmp_path, settings):
    settings.XAPI_ROUTER_ALLOWED_EVENT_NAMES = [GRADED]
    assert backfill(log, tmp_path, all_names=True) == (2, {}, {"edx.nobody.handles.this": 1})
