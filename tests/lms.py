"""
Running code in the test LMS (``tests/lms_root``): the LMS's module paths, settings order and Celery
app, in a subprocess of its own.

The test LMS is never imported by the main test run: its module paths are the LMS's
(``openedx.core...``, ``common.djangoapps...``), which event-routing-backends' helpers import when
they exist. :func:`run` starts ``python -c SCRIPT`` with ``tests/lms_root`` on ``PYTHONPATH``, the
given settings module, and a fresh SQLite file; the script's last stdout line is JSON.
"""
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

LMS_ROOT = Path(__file__).resolve().parent / "lms_root"
REPO_ROOT = LMS_ROOT.parents[1]  # the router's source tree under test, importable as the LMS's venv would have it

#: Django set-up, then the LMS's data the router reads: the external id types (the LMS's data
#: migrations create them), a learner and a course overview.
SETUP = """
import django, json
django.setup()
from django.core.management import call_command
call_command("migrate", run_syncdb=True, verbosity=0)
from django.contrib.auth import get_user_model
from opaque_keys.edx.keys import CourseKey
from openedx.core.djangoapps.external_user_ids.models import ExternalIdType
from openedx.core.djangoapps.content.course_overviews.models import CourseOverview
for name in (ExternalIdType.CALIPER, ExternalIdType.XAPI, ExternalIdType.LTI):
    ExternalIdType.objects.get_or_create(name=name, defaults={"description": name})
learner, _ = get_user_model().objects.get_or_create(username="ada", defaults={"email": "ada@example.com"})
COURSE_ID = "course-v1:edX+DemoX+Demo_Course"
CourseOverview.objects.get_or_create(id=CourseKey.from_string(COURSE_ID),
                                     defaults={"display_name": "Demonstration Course"})
"""


def env(tmp_path, settings="lms.envs.test", **extra):
    """The environment of a test-LMS process: its path, settings module and database under ``tmp_path``."""
    environment = {key: value for key, value in os.environ.items() if not key.startswith("XAPI_ROUTER_")}
    environment.update({
        "PYTHONPATH": os.pathsep.join((str(LMS_ROOT), str(REPO_ROOT))),
        "DJANGO_SETTINGS_MODULE": settings,
        "XAPI_ROUTER_TEST_LMS_DB": str(tmp_path / "lms.sqlite3"),
    })
    environment.update({key: str(value) for key, value in extra.items()})
    return environment


def run(script, tmp_path, settings="lms.envs.test", setup=True, timeout=120, **extra_env):
    """
    Run ``script`` (after :data:`SETUP` when ``setup``) in a test-LMS process; returns ``(json of the
    last stdout line, CompletedProcess)``. Fails with the process's output when it exits non-zero.
    """
    code = (textwrap.dedent(SETUP) if setup else "import django, json\ndjango.setup()\n") + textwrap.dedent(script)
    process = subprocess.run(
        [sys.executable, "-c", code], env=env(tmp_path, settings, **extra_env), cwd=tmp_path,
        capture_output=True, text=True, timeout=timeout, check=False,
    )
    assert process.returncode == 0, f"test LMS exited {process.returncode}:\n{process.stdout}\n{process.stderr}"
    lines = process.stdout.strip().splitlines()
    return (json.loads(lines[-1]) if lines else None), process
