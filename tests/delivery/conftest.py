"""
Fixtures of the delivery tests: a real Celery worker subprocess (solo pool, real Redis broker) that
runs the delivery tasks against the test database, and LRS endpoints in that database.

The worker shares the test database: SQLite's test database is a file under ``var/`` (see
``tests/project/settings.py``), MariaDB's is ``test_xapi_router_<pid>``; tests that use the worker take
``transactional_db`` so their rows are committed where the worker can read them.
"""
import random
import time

import pytest
from django.db import connection

from openedx_xapi_router.delivery import client as delivery_client
from openedx_xapi_router.delivery import sending
from openedx_xapi_router.models import LrsEndpoint
from openedx_xapi_router.resolvers import reset_transform_context
from tests import services
from tests.fault_lrs import FaultLrs

WORKER_ARGS = ("--include", "openedx_xapi_router.delivery.tasks")
#: Retries in tests wait 0.2 s, 0.4 s, 0.8 s ... (with jitter) instead of 2 s, 4 s, 8 s ...
WORKER_BACKOFF_BASE = "0.2"


def database_url():
    """The URL of the test database as this process sees it (after pytest-django created it)."""
    settings_dict = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{settings_dict['NAME']}"
    return (f"mysql://{settings_dict['USER']}:{settings_dict['PASSWORD']}@{settings_dict['HOST']}:"
            f"{settings_dict['PORT']}/{settings_dict['NAME']}")


def start_worker(broker_url, log_dir, app_module="tests.project.celery_app", queue=None, extra_args=(),
                 **extra_env):
    """
    A started :class:`services.CeleryWorker` running the delivery tasks on the test database
    (``extra_args``: more worker options, e.g. ``("--pool", "prefork", "--concurrency", "2")``).
    """
    worker = services.CeleryWorker(broker_url, app_module=app_module, queue=queue)
    env = {"XAPI_ROUTER_DATABASE_URL": database_url(), "XAPI_ROUTER_RETRY_BACKOFF_BASE": WORKER_BACKOFF_BASE}
    env.update(extra_env)
    worker.start(log_dir, extra_env=env, extra_args=WORKER_ARGS + tuple(extra_args))
    return worker


@pytest.fixture(scope="session")
def delivery_worker(redis_url, django_db_setup, django_db_blocker, tmp_path_factory):  # pylint: disable=unused-argument
    """One worker for the session (see :func:`start_worker`)."""
    with django_db_blocker.unblock():
        worker = start_worker(redis_url, tmp_path_factory.mktemp("delivery-worker"))
    try:
        yield worker
    finally:
        worker.stop()


@pytest.fixture
def routed_to(settings):
    """``routed_to(worker)``: the send path publishes on ``worker``'s broker and queue for this test."""
    from tests.project.celery_app import app as project_app  # pylint: disable=import-outside-toplevel

    def route(worker):
        settings.XAPI_ROUTER_CELERY_QUEUE = worker.queue
        worker.app.set_current()
        return worker

    sending.endpoint_cache.clear()
    reset_transform_context()
    yield route
    assert sending.publisher.flush(10)
    project_app.set_current()
    sending.endpoint_cache.clear()
    delivery_client.close_clients()


@pytest.fixture
def fault_lrs(ralph_lrs):
    """A :class:`FaultLrs` forwarding to the session's Ralph."""
    lrs = FaultLrs(ralph_lrs.statements_url, ralph_lrs.auth)
    yield lrs
    lrs.close()


@pytest.fixture
def make_endpoint(ralph_lrs):
    """``make_endpoint(name, url=None, **fields)``: an enabled endpoint (Ralph's URL and credentials by default)."""

    def make(name, url=None, **fields):
        username, password = ralph_lrs.auth
        fields.setdefault("batch_size", 100)
        fields.setdefault("timeout", 5.0)
        fields.setdefault("retry_limit", 8)
        return LrsEndpoint.objects.create(
            name=name, statements_url=url or ralph_lrs.statements_url, username=username, password=password,
            **fields,
        )

    return make


@pytest.fixture
def event_base():
    """A number no other test uses, so each test's statements are new to the session's Ralph."""
    return random.randrange(1, 10**7) * 1000


def wait_until(predicate, timeout, interval=0.1, message="condition"):
    """Poll ``predicate`` until it is true; fail after ``timeout`` seconds (bounded wait)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {message}")
