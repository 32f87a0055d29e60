"""
Shared fixtures: the real-service harness (Ralph LRS, a Celery worker on Redis, MariaDB).

See ``tests/services.py`` for the skip-or-fail rule (``XAPI_ROUTER_REQUIRE_SERVICES``).
"""
import os

import pytest

from openedx_xapi_router.devtools import ralph_control
from openedx_xapi_router.lrs.client import LrsClient
from tests import services


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    """
    Tests marked ``mariadb`` run only in the MariaDB pass (``XAPI_ROUTER_DATABASE_URL=mysql://...``,
    as ``make test`` runs it), and need the server to answer.
    """
    if item.get_closest_marker("mariadb") is None:
        return
    url = os.environ.get("XAPI_ROUTER_DATABASE_URL", "")
    if not url.startswith(("mysql://", "mariadb://")):
        pytest.skip(
            "runs in the MariaDB pass: `make test`, or "
            f"XAPI_ROUTER_DATABASE_URL={services.MARIADB_URL} pytest -m mariadb"
        )
    problem = services.mariadb_problem(url)
    if problem:
        services.service_missing(problem)


@pytest.fixture(scope="session")
def ralph_lrs(tmp_path_factory):
    """
    A real Ralph LRS (filesystem backend, fresh data directory) on 127.0.0.1 and a free port, for
    the whole session. Yields a :class:`~openedx_xapi_router.devtools.ralph_control.RalphInstance`.
    """
    problem = ralph_control.ralph_available()
    if problem:
        services.service_missing(problem)
    instance = services.start_ralph(tmp_path_factory.mktemp("ralph"))  # its own history file
    try:
        yield instance
    finally:
        ralph_control.stop(instance.pid)


@pytest.fixture
def lrs_client(ralph_lrs):  # pylint: disable=redefined-outer-name
    """An :class:`LrsClient` talking to the session's Ralph."""
    with LrsClient(ralph_lrs.statements_url, ralph_lrs.auth, timeout=10, allow_insecure_http=True) as client:
        yield client


@pytest.fixture(scope="session")
def redis_url():
    """The URL of a dedicated Redis database for tests (``redis://127.0.0.1:6379/9``)."""
    problem = services.redis_problem(services.REDIS_URL)
    if problem:
        services.service_missing(problem)
    return services.REDIS_URL


@pytest.fixture(scope="session")
def celery_worker_redis(redis_url, tmp_path_factory):  # pylint: disable=redefined-outer-name
    """
    A REAL Celery worker subprocess running the test project's app, consuming a queue unique to
    this session on Redis. Yields a :class:`tests.services.CeleryWorker` whose ``app`` sends to it.
    """
    worker = services.CeleryWorker(redis_url)
    worker.start(tmp_path_factory.mktemp("celery"))
    try:
        yield worker
    finally:
        worker.stop()
