"""
The operator guide's installation page (``docs/operator/install.rst``, "Enabling in the LMS" and
"Setting it up"; README.rst repeats its YAML and worker command), followed literally in the test
LMS (``tests/lms_root``): the YAML settings, ``lrs_endpoints add``, the worker command as printed
(``celery --app lms.celery worker --queues edx.lms.core.xapi_router ...``, no ``--include``), one
enrollment emitted through event-tracking's tracker -> Redis -> that worker -> Ralph, read back by
id with the course's display name and the learner's ``xapi`` external id.

What the test adds to the page, and why: the test LMS's own infrastructure in the YAML (its
SQLite database, its Redis database 13 as broker), and ``XAPI_ROUTER_ALLOW_INSECURE_HTTP: true``
(the local Ralph speaks plain ``http://``).

Contracts: the test LMS's modules cite theirs (``tests/lms_root/README.rst``); the worker command
is the page's, the LMS's Celery app ``lms/celery.py`` -> ``openedx/core/lib/celery/__init__.py``
(openedx/openedx-platform e57a655d77b614f19223984e9805b1fb940ab192).
"""
import contextlib
import os
import shlex
import subprocess
import sys
import time
from pathlib import Path

import pytest

from openedx_xapi_router.lrs.client import LrsError
from tests import lms, services

pytestmark = pytest.mark.services

BROKER_DB = 13  # a Redis database of its own: the queue name is the page's, shared by nobody else
QUEUE = "edx.lms.core.xapi_router"
REPO = Path(__file__).resolve().parents[1]
#: The page the LMS steps live on, and README.rst, which repeats its YAML and worker command.
INSTALL_PAGE = REPO / "docs" / "operator" / "install.rst"
README = REPO / "README.rst"

#: docs/operator/install.rst, "Setting it up": the worker command, as printed (without the line
#: continuations).
WORKER_COMMAND = ("celery --app lms.celery worker --queues edx.lms.core.xapi_router --hostname xapi_router.%h "
                  "--concurrency 2 --loglevel INFO --without-gossip --without-mingle")
#: The page's YAML (its first literal block after "In the LMS's YAML configuration"), with the
#: placeholder key filled in.
YAML_LINES = (
    "XAPI_ROUTER_ENABLED: true",
    'XAPI_ROUTER_ENCRYPTION_KEYS: ["<a long random string>"]',
    "# XAPI_ROUTER_CELERY_QUEUE: edx.lms.core.xapi_router   # the default",
)
KEY_PLACEHOLDER = "<a long random string>"


def printed_worker_command(path):
    """The worker command ``path`` prints after ``DJANGO_SETTINGS_MODULE=lms.envs.production``, as one line."""
    text = path.read_text(encoding="utf8")
    assert text.count("DJANGO_SETTINGS_MODULE=lms.envs.production ") == 1, path
    printed = " ".join(text.split("DJANGO_SETTINGS_MODULE=lms.envs.production ", 1)[1].split("\n", 3)[:3])
    return " ".join(printed.replace("\\", " ").split())


def printed_yaml(path):
    """The lines of the literal block that follows "In the LMS's YAML configuration" in ``path``."""
    text = path.read_text(encoding="utf8")
    block = text.split("In the LMS's YAML configuration::\n\n", 1)[1]
    return tuple(line[4:] for line in block.split("\n\n", 1)[0].splitlines())


def test_the_page_prints_the_commands_this_test_runs():
    assert printed_worker_command(INSTALL_PAGE) == WORKER_COMMAND
    assert printed_yaml(INSTALL_PAGE) == YAML_LINES
    # README.rst's landing page repeats the worker command and the two settings a site must set.
    assert printed_worker_command(README) == WORKER_COMMAND
    readme = README.read_text(encoding="utf8")
    assert all(f"    {line}\n" in readme for line in YAML_LINES[:2])


def readme_worker_command():
    """The page's worker command, word for word (checked against the page), from this virtualenv."""
    assert printed_worker_command(INSTALL_PAGE) == WORKER_COMMAND
    words = shlex.split(WORKER_COMMAND)
    return [str(Path(sys.executable).parent / words[0]), *words[1:]]


def yaml_settings(tmp_path):
    """The page's YAML lines, then the test LMS's infrastructure (see the module docstring)."""
    assert printed_yaml(INSTALL_PAGE) == YAML_LINES
    key = "a-long-random-string-for-the-readme-test"
    return (
        "".join(line.replace(KEY_PLACEHOLDER, key) + "\n" for line in YAML_LINES)
        + "XAPI_ROUTER_ALLOW_INSECURE_HTTP: true\n"
        "DATABASES:\n"
        "  default: {ENGINE: django.db.backends.sqlite3, NAME: '" + str(tmp_path / "lms.sqlite3") + "'}\n"
        "CELERY_BROKER_TRANSPORT: redis\n"
        "CELERY_BROKER_HOSTNAME: 127.0.0.1:6379\n"
        f"CELERY_BROKER_VHOST: '{BROKER_DB}'\n"
    )


@pytest.fixture(name="broker")
def fixture_broker():
    """Redis database 13, its page-named queue emptied before and after."""
    import redis  # pylint: disable=import-outside-toplevel

    url = services.REDIS_URL.rsplit("/", 1)[0] + f"/{BROKER_DB}"
    problem = services.redis_problem(url)
    if problem:
        services.service_missing(problem)
    client = redis.Redis.from_url(url, socket_connect_timeout=2)
    client.delete(QUEUE)
    yield client
    client.delete(QUEUE)
    client.close()


@contextlib.contextmanager
def readme_worker(tmp_path):
    """The page's worker, started in the test LMS with its production settings; stopped after."""
    log_path = tmp_path / "worker.log"
    environment = lms.env(tmp_path, "lms.envs.production", LMS_CFG=tmp_path / "lms.yml")
    with open(log_path, "ab") as log_file:
        process = subprocess.Popen(
            readme_worker_command(), cwd=tmp_path, env=environment, stdin=subprocess.DEVNULL,
            stdout=log_file, stderr=subprocess.STDOUT, start_new_session=True,
        )
    try:
        deadline = time.monotonic() + 60
        while b" ready." not in log_path.read_bytes():
            assert process.poll() is None, f"the worker exited:\n{log_path.read_text()}"
            assert time.monotonic() < deadline, f"the worker was not ready within 60 s:\n{log_path.read_text()}"
            time.sleep(0.2)
        yield process, log_path
    finally:
        if process.poll() is None:
            os.killpg(process.pid, 15)
            try:
                process.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, 9)
                process.wait(5)


@pytest.mark.usefixtures("broker")
def test_readme_steps_deliver_a_course_event_to_ralph(tmp_path, ralph_lrs, lrs_client):
    (tmp_path / "lms.yml").write_text(yaml_settings(tmp_path), encoding="utf8")
    production = {"settings": "lms.envs.production", "LMS_CFG": tmp_path / "lms.yml"}
    lms.run("print(json.dumps('ready'))", tmp_path, **production)  # migrate, the LMS's data
    add = subprocess.run(
        [sys.executable, "-m", "django", "lrs_endpoints", "add", "ralph", ralph_lrs.statements_url,
         "--username", ralph_lrs.username, "--password-env", "LRS_PASSWORD"],
        env=lms.env(tmp_path, "lms.envs.production", LMS_CFG=tmp_path / "lms.yml", LRS_PASSWORD=ralph_lrs.password),
        cwd=tmp_path, capture_output=True, text=True, timeout=60, check=False,
    )
    assert add.returncode == 0, add.stdout + add.stderr
    with readme_worker(tmp_path) as (_, log_path):
        result, _ = lms.run("""
            from eventtracking import tracker
            from openedx_xapi_router.delivery import sending
            from openedx.core.djangoapps.external_user_ids.models import ExternalId
            ids = []
            original_submit = sending.publisher.submit
            def recording_submit(event):
                ids.extend(statement["id"] for statement in event[3])
                return original_submit(event)
            sending.publisher.submit = recording_submit
            context = {"username": learner.username, "user_id": learner.id, "course_id": COURSE_ID, "org_id": "edX",
                       "path": "/change_enrollment", "session": "0123456789abcdef", "ip": "127.0.0.1",
                       "host": "localhost", "agent": "pytest", "accept_language": "en", "referer": ""}
            with tracker.get_tracker().context("edx.request", context):
                tracker.emit("edx.course.enrollment.activated",
                             {"course_id": COURSE_ID, "user_id": learner.id, "mode": "audit"})
            assert sending.publisher.flush(10.0)
            print(json.dumps({"ids": ids, "external_id": str(ExternalId.objects.get(user=learner).external_user_id),
                              "counters": sending.counters}))
        """, tmp_path, **production)
        assert len(result["ids"]) == 1, result
        assert result["counters"].get("published_messages") == 1, result
        statement = None
        deadline = time.monotonic() + 30
        while statement is None:
            try:
                statement = lrs_client.get_statement(result["ids"][0])
            except LrsError as error:
                assert error.status_code == 404, error
                assert time.monotonic() < deadline, f"not in Ralph within 30 s; worker log:\n{log_path.read_text()}"
                time.sleep(0.3)
    assert statement["verb"]["id"] == "http://adlnet.gov/expapi/verbs/registered"
    assert statement["object"]["definition"]["name"] == {"en": "Demonstration Course"}
    assert statement["actor"]["account"] == {"homePage": "http://localhost:18000", "name": result["external_id"]}
    assert "KeyError" not in log_path.read_text()
