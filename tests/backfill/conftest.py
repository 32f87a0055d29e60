"""
Fixtures of the backfill tests: tracking logs made by the shared generator (with their manifests),
a real S3-compatible server (moto's, serving HTTP on 127.0.0.1), a fresh Ralph LRS of their own
(so every statement in it can be counted), and LRS endpoints in the test database.
"""
import json
import shutil
import subprocess
import sys

import pytest

from openedx_xapi_router.devtools import ralph_control
from openedx_xapi_router.lrs.client import LrsClient
from openedx_xapi_router.models import LrsEndpoint
from tests import services
from tests.transformers.samples import SHARED_DIR, require_shared

GENERATOR = SHARED_DIR / "tools" / "make_tracking_log.py"
CORPUS = SHARED_DIR / "corpus"


def generate(path, events, seed, *extra):
    """A tracking log made by the shared generator; returns its manifest."""
    require_shared(GENERATOR, "the tracking-log generator")
    subprocess.run([sys.executable, str(GENERATOR), "--events", str(events), "--seed", str(seed), *extra,
                    "--out", str(path)], check=True, capture_output=True, timeout=300)
    return load_manifest(path)


def load_manifest(path):
    """The generator's manifest beside ``path``."""
    return json.loads(path.with_name(path.name + ".manifest.json").read_text())


@pytest.fixture(scope="session")
def dirty_log(tmp_path_factory):
    """``(path, manifest)``: a 4,000-event dirty log (every defect kind), generated once."""
    path = tmp_path_factory.mktemp("logs") / "dirty-4k.log"
    manifest = generate(path, 4000, 11, "--dirty", "0.05", "--oversize-bytes", "65536")
    return path, manifest


@pytest.fixture(scope="session")
def clean_log(tmp_path_factory):
    """``(path, manifest)``: a 3,000-event clean log, generated once."""
    path = tmp_path_factory.mktemp("logs") / "clean-3k.log"
    return path, generate(path, 3000, 12)


@pytest.fixture(scope="session")
def s3_server():
    """A real S3-compatible HTTP server (moto) on 127.0.0.1 and a free port: yields its endpoint URL."""
    from moto.server import ThreadedMotoServer  # pylint: disable=import-outside-toplevel

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        yield f"http://127.0.0.1:{server._server.server_port}"  # pylint: disable=protected-access
    finally:
        server.stop()


def _ralph_of_its_own(tmp_path_factory, prefix):
    """Start a Ralph with a fresh store under a new temporary directory; stop and remove it after."""
    problem = ralph_control.ralph_available()
    if problem:
        services.service_missing(problem)
    work_dir = tmp_path_factory.mktemp(prefix)
    instance = services.start_ralph(work_dir)  # its own history file
    try:
        yield instance
    finally:
        ralph_control.stop(instance.pid)
        shutil.rmtree(work_dir, ignore_errors=True)


@pytest.fixture(scope="module")
def fresh_ralph(tmp_path_factory):
    """A Ralph LRS of this module's own (fresh data), so every statement it holds can be counted."""
    yield from _ralph_of_its_own(tmp_path_factory, "backfill-ralph")


@pytest.fixture
def ralph_per_test(tmp_path_factory):
    """A Ralph of each test's own: it holds only the test's statements, counted run by run."""
    yield from _ralph_of_its_own(tmp_path_factory, "test-ralph")


def all_statement_ids(ralph):
    """Every statement id Ralph holds, one entry per stored statement (so duplicates would show)."""
    with LrsClient(ralph.statements_url, ralph.auth, timeout=30, allow_insecure_http=True) as client:
        return [statement["id"] for statement in client.iter_statements(page_limit=1000)]


@pytest.fixture
def ralph_endpoint():
    """``ralph_endpoint(ralph, name, **fields)``: an enabled endpoint row for ``ralph``."""

    def make(ralph, name, **fields):
        username, password = ralph.auth
        fields.setdefault("batch_size", 100)
        fields.setdefault("timeout", 10.0)
        fields.setdefault("statements_url", ralph.statements_url)
        return LrsEndpoint.objects.create(name=name, username=username, password=password, **fields)

    return make
