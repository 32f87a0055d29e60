"""
``manage.py xapi_router_demo`` end to end on a small log, against its own fresh Ralph: the
statements in Ralph are exactly those the core makes from the log, by id.
"""
import gzip
import io
import itertools
import re

import pytest
from django.core.management import call_command

from openedx_xapi_router import processing

from openedx_xapi_router.core.pipeline import transform_lines
from openedx_xapi_router.core.reader import read_lines
from openedx_xapi_router.core.report import Report
from openedx_xapi_router.devtools import ralph_control
from openedx_xapi_router.lrs.client import LrsClient
from openedx_xapi_router.management.commands.xapi_router_demo import ENDPOINT_NAME, SAMPLE_LOG
from openedx_xapi_router.models import LrsEndpoint
from openedx_xapi_router.resolvers import get_transform_context, reset_transform_context
from tests import services


@pytest.fixture(name="small_log")
def small_log_fixture(tmp_path):
    path = tmp_path / "small.log"
    with gzip.open(SAMPLE_LOG, "rb") as sample:
        path.write_bytes(b"".join(itertools.islice(sample, 200)))
    return path


@pytest.mark.django_db(transaction=True)
def test_demo_registers_ralph_delivers_and_counts_back(small_log, tmp_path):
    problem = ralph_control.ralph_available()
    if problem:
        services.service_missing(problem)
    reset_transform_context()
    report = Report()
    with open(small_log, "rb") as handle:
        # The demo runs the backfill as a site does: XAPI_ROUTER_ALLOWED_EVENT_NAMES applies.
        made = transform_lines(read_lines(handle), get_transform_context(), report,
                               allowed_names=processing.allowed_names())
        expected_ids = [statement["id"] for _, statements in made for statement in statements]
    assert (report.lines, len(expected_ids)) == (200, report.statements)

    out = io.StringIO()
    call_command("xapi_router_demo", log=str(small_log), work_dir=str(tmp_path / "ralph"), keep_running=True,
                 stdout=out)
    text = out.getvalue()
    pid = int(re.search(r"\(pid (\d+)\)", text).group(1))
    try:
        endpoint = LrsEndpoint.objects.get(name=ENDPOINT_NAME)
        with LrsClient(endpoint.statements_url, endpoint.auth, allow_insecure_http=True) as client:
            stored_ids = [s["id"] for s in client.iter_statements(page_limit=500)]
    finally:
        ralph_control.stop(pid)
    assert sorted(stored_ids) == sorted(expected_ids)
    assert "  lines read:             200\n" in text
    assert f"  statements made:        {len(expected_ids)}\n" in text
    assert f"delivery to Ralph:      delivered {len(expected_ids)}, duplicates 0, rejected 0," in text
    assert f"  statements in Ralph:    {len(expected_ids)} (counted back" in text
    skipped = 200 - report.transformed
    assert dict(report.filtered) == {"not_allowed": 29}  # names the default allow-list leaves out
    assert f"  lines skipped:          {skipped}\n" in text
