"""
The LMS side's durability (docs/decisions/0002-lms-publishing-durability.rst): publishing in the
request by default, SIGTERM flushing the background publisher in a plain process, and a send path
that never loads credentials. The chaos suite (tests/chaos) proves the same with real processes.
"""
import logging
import signal
import subprocess
import sys
import textwrap
import threading
import types

import pytest

from openedx_xapi_router.delivery import sending
from openedx_xapi_router.models import LrsEndpoint
from openedx_xapi_router.settings import common
from tests.services import REPO_ROOT


def test_the_default_publishes_in_the_request():
    settings = types.SimpleNamespace()  # a settings module with nothing set
    common.plugin_settings(settings)
    assert settings.XAPI_ROUTER_PUBLISH_IN_BACKGROUND is False


@pytest.mark.django_db
def test_the_endpoint_cache_never_loads_credentials():
    LrsEndpoint.objects.create(name="secret", statements_url="https://lrs.example.org/xAPI/statements",
                               username="user", password="password")
    cache = sending.EndpointCache()
    (endpoint,) = cache.get()
    assert set(sending.CREDENTIAL_FIELDS) <= endpoint.get_deferred_fields()
    assert endpoint.matches("edx.course.enrollment.activated", "edX", "course-v1:edX+DemoX+Demo_Course")


SIGTERM_SCRIPT = textwrap.dedent("""
    import os, signal, sys, time
    import django
    django.setup()
    from django.conf import settings
    from openedx_xapi_router.delivery.sending import BackgroundPublisher
    settings.XAPI_ROUTER_PUBLISH_IN_BACKGROUND = True
    if sys.argv[2] == "own-handler":
        signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(3))

    def slow_publish(app, events):  # a broker taking 50 ms per message
        time.sleep(0.05)
        with open(sys.argv[1], "a") as handle:
            for event in events:
                handle.write(event[1] + "\\n")

    publisher = BackgroundPublisher(publish=slow_publish, max_events_per_message=1)
    for number in range(10):
        publisher.submit([[1], f"event-{number}", "v", [{"id": str(number)}]])
    os.kill(os.getpid(), signal.SIGTERM)
    time.sleep(5)
    sys.exit(4)  # not reached: SIGTERM ends the process
""")


@pytest.mark.parametrize("handler,returncode", [
    ("default", -signal.SIGTERM),  # the router's handler: flush, then SIGTERM's default action
    ("own-handler", 3),            # a server's own handler is left alone (it exits cleanly: atexit)
])
def test_sigterm_flushes_the_background_publisher(tmp_path, handler, returncode):
    output = tmp_path / "published.txt"
    result = subprocess.run([sys.executable, "-c", SIGTERM_SCRIPT, str(output), handler], cwd=REPO_ROOT,
                            env={"DJANGO_SETTINGS_MODULE": "tests.project.settings", "PYTHONPATH": str(REPO_ROOT),
                                 "PATH": "/usr/bin:/bin"},
                            capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == returncode, result.stderr
    if handler == "default":  # every event submitted before SIGTERM was published, in order
        assert output.read_text(encoding="utf8").splitlines() == [f"event-{number}" for number in range(10)]


def test_an_exit_flush_that_cannot_finish_is_logged_and_counted(settings, caplog):
    """
    ``atexit`` (a plain process's clean exit, a gunicorn worker's SIGTERM) waits for the thread at
    most its timeout; what is still unpublished then is an error with its count, never silent.
    """
    settings.XAPI_ROUTER_PUBLISH_IN_BACKGROUND = True
    entered, release = threading.Event(), threading.Event()

    def stuck_publish(_app, _events):  # a broker that takes a message and never answers
        entered.set()
        release.wait(30)

    publisher = sending.BackgroundPublisher(publish=stuck_publish, max_events_per_message=1)
    before = sending.counters.get("exit_unpublished", 0)
    try:
        for number in range(3):
            publisher.submit([[1], f"event-{number}", "v", [{"id": str(number)}]])
        assert entered.wait(30)  # the thread holds event-0 in its publish; event-1 and event-2 wait
        with caplog.at_level(logging.ERROR, logger="openedx_xapi_router.delivery.sending"):
            assert sending.flush_at_exit(publisher, timeout=0.2) is False
    finally:
        release.set()
    assert sending.counters["exit_unpublished"] - before == 3
    assert [record.getMessage() for record in caplog.records] == [
        "xapi_router: exit: up to 3 events still unpublished after 0.2 s are lost with this process"]
    assert publisher.flush(30) is True  # released: the thread publishes the rest
    assert sending.flush_at_exit(publisher) is True
