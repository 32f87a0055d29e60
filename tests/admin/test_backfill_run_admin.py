"""
The distributed backfill's runs in the admin, through Django's test client: the change list's
counts (units done/running/pending/failed, lines, statements, rate) as ``--status`` computes them,
the units inline on a run's page, nothing editable, and the resume action (the eager Celery app
runs the enqueued unit in the request, as a worker would).
"""
import re
import subprocess
import sys

import pytest
from django.urls import reverse

from openedx_xapi_router import tasks as registered_tasks  # noqa: F401  pylint: disable=unused-import  # as the LMS's autodiscovery
from openedx_xapi_router.backfill import distributed
from openedx_xapi_router.backfill.models import BackfillRun, BackfillUnit
from openedx_xapi_router.backfill.sources import discover
from tests.admin.test_dead_letter_admin import messages
from tests.transformers.samples import SHARED_DIR, require_shared

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:xapi_router_backfillrun_changelist")


def cell(page, name):
    """The text of the change list's ``field-<name>`` cell (one run listed)."""
    return re.search(rf'class="field-{name}"[^>]*>(.*?)</t[dh]>', page, re.S).group(1).strip()


@pytest.fixture
def run(tmp_path):
    """A dry run of three logs: one unit done, one failed (its input gone), one pending."""
    generator = SHARED_DIR / "tools" / "make_tracking_log.py"
    require_shared(generator, "the tracking-log generator")
    paths = [tmp_path / f"log-{number}.log" for number in range(3)]
    for number, path in enumerate(paths):
        subprocess.run([sys.executable, str(generator), "--events", "200", "--seed", str(60 + number), "--out",
                        str(path)], check=True, capture_output=True, timeout=120)
    made = distributed.create_run([str(path) for path in paths], discover([str(path) for path in paths]),
                                  distributed.RunOptions(dry_run=True, max_attempts=1))
    first, second, _ = made.units.order_by("number")
    assert distributed.execute(first.pk, "worker-a").kind == "done"
    content = paths[1].read_bytes()
    paths[1].unlink()
    assert distributed.execute(second.pk, "worker-a").kind == "failed"
    paths[1].write_bytes(content)
    return made


def test_the_change_list_shows_where_each_run_stands(admin_client, run):  # pylint: disable=redefined-outer-name
    page = admin_client.get(CHANGELIST).content.decode()
    done = BackfillUnit.objects.get(run=run, number=0)
    assert [cell(page, name) for name in ("units_done", "units_running", "units_pending", "units_failed")] == \
        ["1", "0", "1", "1"]
    assert cell(page, "lines") == str(done.counts["lines"])
    assert cell(page, "statements") == str(done.counts["statements"])
    assert done.counts["lines"] == 200 and done.counts["statements"] > 0
    change = admin_client.get(reverse("admin:xapi_router_backfillrun_change", args=(run.pk,))).content.decode()
    assert change.count("SourceError: cannot open input") == 1 and change.count("worker-a") == 2
    assert 'name="state"' not in change and 'name="units-0-offset"' not in change  # nothing editable
    assert admin_client.post(reverse("admin:xapi_router_backfillrun_add")).status_code == 403


def test_resume_runs_the_failed_and_pending_units(admin_client, run):  # pylint: disable=redefined-outer-name
    response = admin_client.post(CHANGELIST, {"action": "resume_runs", "_selected_action": [run.pk]}, follow=True)
    assert messages(response.content.decode()) == [("success", f"Run {run.pk}: 2 units enqueued again.")]
    run.refresh_from_db()
    assert run.state == BackfillRun.STATE_DONE
    assert set(run.units.values_list("state", flat=True)) == {BackfillUnit.STATE_DONE}
    assert run.totals["lines"] == 600
