"""Helpers of the backfill tests: running the command, and what the core alone makes of a log."""
import io
import json
import os
import subprocess
import sys

from django.core.management import call_command

from openedx_xapi_router.core.pipeline import serialize, transform_lines
from openedx_xapi_router.core.reader import read_lines
from openedx_xapi_router.core.report import Report
from openedx_xapi_router.resolvers import get_transform_context
from tests.services import REPO_ROOT


#: The tests compare a backfill with the core's statements and the generator's manifest, which
#: count every event name: they run the backfill of everything (``--all-event-names``) unless a
#: test passes ``all_names=False`` (the default policy: XAPI_ROUTER_ALLOWED_EVENT_NAMES applies).
ALL_NAMES = ("--all-event-names",)


def run_command(*args, all_names=True):
    """``transform_tracking_logs *args`` in this process; returns ``(stdout, stderr)`` text."""
    out, err = io.StringIO(), io.StringIO()
    call_command("transform_tracking_logs", *[str(arg) for arg in args], *(ALL_NAMES if all_names else ()),
                 "--progress", "none", stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def command_line(*args, all_names=True):
    """The command line that runs the command in its own process (the test project's manage.py)."""
    return [sys.executable, str(REPO_ROOT / "manage.py"), "transform_tracking_logs", *[str(arg) for arg in args],
            *(ALL_NAMES if all_names else ())]


def subprocess_env(**extra):
    """The environment of a command subprocess: the test project's settings, plus ``extra``."""
    return dict(os.environ, DJANGO_SETTINGS_MODULE="tests.project.settings", PYTHONPATH=str(REPO_ROOT), **extra)


def run_subprocess(*args, stdin=None, timeout=120, **env):
    """Run the command in its own process; returns the CompletedProcess (bytes)."""
    return subprocess.run(command_line(*args), input=stdin, capture_output=True, timeout=timeout,
                          cwd=str(REPO_ROOT), env=subprocess_env(**env), check=False)


def core_statements(*paths):
    """Every statement the core makes of ``paths`` (in order), serialised: what the backfill must write."""
    ctx = get_transform_context()
    lines = []
    for path in paths:
        with open(path, "rb") as file:
            for _, statements in transform_lines(read_lines(file, str(path)), ctx, Report()):
                lines += [serialize(statement) for statement in statements]
    return lines


def jsonl(path):
    """The lines of a JSONL file, as bytes without line endings."""
    with open(path, "rb") as file:
        return file.read().splitlines()


def read_report(path):
    """The command's ``--report`` JSON."""
    with open(path, encoding="utf-8") as file:
        return json.load(file)
