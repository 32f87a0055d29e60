"""
``manage.py xapi_router_demo`` end to end on a small log, against its own fresh Ralph.
"""
import gzip
import io
import itertools

import pytest
from django.core.management import call_command

from openedx_xapi_router.devtools import ralph_control
from openedx_xapi_router.management.commands.xapi_router_demo import SAMPLE_LOG
from tests import services


@pytest.fixture(name="small_log")
def small_log_fixture(tmp_path):
    path = tmp_path / "small.log"
    with gzip.open(SAMPLE_LOG, "rb") as sample:
        path.write_bytes(b"".join(itertools.islice(sample, 200)))
    return path


def test_demo_delivers_and_counts_back(small_log, tmp_path):
    problem = ralph_control.ralph_available()
    if problem:
        services.service_missing(problem)
    out = io.StringIO()
    call_command("xapi_router_demo", log=str(small_log), work_dir=str(tmp_path / "ralph"), stdout=out)
    text = out.getvalue()
    assert "lines read:             200" in text
    delivered = int(text.split("statements delivered:")[1].split()[0])
    stored = int(text.split("statements in Ralph:")[1].split()[0])
    assert delivered == stored
    if "transformer library not installed yet" not in text:
        assert delivered > 0
