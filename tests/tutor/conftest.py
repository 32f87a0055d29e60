"""
Fixtures of the Tutor plugin tests: Tutor itself (``.venv-tutor``, built by ``make requirements``
from ``requirements/tutor.txt`` with ``pip install ./tutor``), projects rendered with
``tutor config save`` in temporary ``TUTOR_ROOT``s, and a "test LMS" where rendered scripts run.

The test LMS is this repository's test project (``manage.py``, ``tests.project.settings``) with
the settings block the plugin renders into Tutor's LMS settings executed on top, behind a
``./manage.py`` that takes Tutor's ``./manage.py lms ...`` form, on its own SQLite file migrated as
Tutor's LMS init task does (``./manage.py lms migrate``).
"""
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests import services

REPO = services.REPO_ROOT
TUTOR_BIN = REPO / ".venv-tutor" / "bin"
HELPER = Path(__file__).resolve().parent / "tutor_helper.py"
SETTINGS_BLOCK = re.compile(
    r"^# openedx-xapi-router \(tutor-contrib-xapi-router\): begin\n.*?"
    r"^# openedx-xapi-router \(tutor-contrib-xapi-router\): end\n",
    re.M | re.S,
)


SECRET = "s3cr3t-Pa55 with spaces & 'quotes'"
TOKEN = "bearer-token-0123456789"
ENDPOINTS = [
    {
        "name": "lrs-main", "url": "https://lrs.example.org/xAPI/statements", "username": "router",
        "password": SECRET, "batch_size": 50, "allowed_event_names": ["edx.video.played", "problem_check"],
        "orgs": ["edX"],
    },
    {
        "name": "lrs-backup", "url": "https://backup.example.org/data/xAPI/statements", "token": TOKEN,
        "enabled": False, "courses": ["course-v1:edX+DemoX+Demo_Course"], "timeout": 7.5, "retry_limit": 3,
        "max_body_bytes": 500_000, "max_in_flight": 4,
    },
]


class TutorProject:
    """A ``TUTOR_ROOT`` and Tutor's commands on it."""

    def __init__(self, root):
        self.root = Path(root)

    @property
    def env(self):
        return {
            **os.environ,
            "TUTOR_ROOT": str(self.root),
            "TUTOR_PLUGINS_ROOT": str(self.root / "plugins"),  # no plugins of the machine's user
            "PATH": f"{TUTOR_BIN}{os.pathsep}{os.environ.get('PATH', '')}",
        }

    def tutor(self, *args, check=True):
        """Run ``tutor ARGS`` (a real subprocess of the installed CLI)."""
        result = subprocess.run([str(TUTOR_BIN / "tutor"), *args], env=self.env, capture_output=True, text=True,
                                timeout=120, check=False)
        if check and result.returncode:
            raise AssertionError(f"tutor {' '.join(args)} exited {result.returncode}:\n{result.stdout}{result.stderr}")
        return result

    def jobs(self, *args):
        """What ``tutor ARGS`` (``local do ...``) hands to Docker Compose: ``[(service, command)]``."""
        output = self.root / "jobs.json"
        result = subprocess.run([str(TUTOR_BIN / "python"), str(HELPER), str(output), *args], env=self.env,
                                capture_output=True, text=True, timeout=120, check=False)
        assert result.returncode == 0, result.stdout + result.stderr
        return [tuple(job) for job in json.loads(output.read_text(encoding="utf-8"))]

    def config(self):
        return yaml.safe_load((self.root / "config.yml").read_text(encoding="utf-8"))

    def rendered(self, *path):
        return (self.root / "env").joinpath(*path).read_text(encoding="utf-8")

    def settings_block(self, flavour="production"):
        """Our block of the rendered LMS settings file (``lms/<flavour>.py``), as Tutor wrote it."""
        text = self.rendered("apps", "openedx", "settings", "lms", f"{flavour}.py")
        blocks = SETTINGS_BLOCK.findall(text)
        assert len(blocks) == 1, f"expected our settings block once in lms/{flavour}.py, found {len(blocks)}"
        return blocks[0]

    def init_script(self):
        """Our LMS init task, rendered, as ``tutor local do init`` runs it (the last lms job)."""
        ours = [command for service, command in self.jobs("local", "do", "init", "--limit", "xapi-router")]
        assert len(ours) == 1, ours
        return ours[0]


@pytest.fixture(scope="session")
def tutor_installed():
    if not (TUTOR_BIN / "tutor").exists():
        services.service_missing(f"Tutor is not installed in {TUTOR_BIN.parent}: run `make requirements`")
    return TUTOR_BIN


@pytest.fixture(scope="session")
def make_project(tutor_installed, tmp_path_factory):  # pylint: disable=redefined-outer-name,unused-argument
    """``make_project(name, plugins, **settings)``: a project with those plugins, saved with those values."""

    def make(name, plugins=("xapi-router",), **settings):
        project = TutorProject(tmp_path_factory.mktemp(f"tutor-{name}"))
        project.tutor("plugins", "enable", *plugins)
        sets = []
        for key, value in settings.items():
            sets += ["--set", f"{key}={json.dumps(value)}"]  # YAML parses JSON: Tutor reads --set values as YAML
        project.tutor("config", "save", *sets)
        return project

    return make


@pytest.fixture(scope="session")
def plain(make_project):  # pylint: disable=redefined-outer-name
    """The router alone, with two endpoints."""
    return make_project("plain", XAPI_ROUTER_ENDPOINTS=ENDPOINTS)


@pytest.fixture(scope="session")
def aspects(make_project):  # pylint: disable=redefined-outer-name
    """Beside Aspects 6.1 with its defaults (Vector on) and Ralph on; a worker of concurrency 5."""
    return make_project("aspects", plugins=("aspects", "xapi-router"), RUN_RALPH=True,
                        XAPI_ROUTER_WORKER_CONCURRENCY=5)


class TestLms:
    """The test project behind Tutor's ``./manage.py lms ...``, with a rendered settings block."""

    __test__ = False  # not a test class

    def __init__(self, directory, settings_block):
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        (self.directory / "tutor_block.py").write_text(settings_block, encoding="utf-8")
        (self.directory / "tutor_lms_settings.py").write_text(
            '"""The test project\'s settings, then the block Tutor renders into the LMS settings."""\n'
            "from pathlib import Path\n\n"
            "from tests.project.settings import *  # noqa: F403 (the test LMS)\n\n"
            "_BLOCK = Path(__file__).with_name('tutor_block.py')\n"
            "exec(compile(_BLOCK.read_text(encoding='utf-8'), str(_BLOCK), 'exec'))\n",
            encoding="utf-8",
        )
        manage = self.directory / "manage.py"
        manage.write_text(
            "#!/bin/sh\n"
            "# Tutor's `./manage.py lms ARGS` in the openedx image; here: the test project's manage.py ARGS.\n"
            '[ "$1" = lms ] || { echo "expected ./manage.py lms ..., got $*" >&2; exit 2; }\n'
            "shift\n"
            f'exec {sys.executable} {REPO / "manage.py"} "$@"\n',
            encoding="utf-8",
        )
        manage.chmod(0o755)
        self.env = {
            **{key: value for key, value in os.environ.items() if not key.startswith("XAPI_ROUTER_")},
            "DJANGO_SETTINGS_MODULE": "tutor_lms_settings",
            "PYTHONPATH": f"{self.directory}{os.pathsep}{REPO}",
            "XAPI_ROUTER_DATABASE_URL": f"sqlite:///{self.directory / 'lms.sqlite3'}",
            # `python` in the scripts is the LMS's Python (/openedx/venv/bin in the image).
            "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        }
        self.manage("migrate", "--verbosity", "0")

    def run_script(self, script):
        """Run ``script`` as Tutor runs a job's command: ``sh -e -c SCRIPT`` in the LMS directory."""
        return subprocess.run(["sh", "-e", "-c", script], cwd=self.directory, env=self.env, capture_output=True,
                              text=True, timeout=300, check=False)

    def manage(self, *args):
        result = subprocess.run(["./manage.py", "lms", *args], cwd=self.directory, env=self.env,
                                capture_output=True, text=True, timeout=120, check=False)
        assert result.returncode == 0, result.stdout + result.stderr
        return result.stdout

    def python(self, code):
        """Run ``code`` in the test LMS (``manage.py shell -c``) and return what it prints."""
        return self.manage("shell", "-c", code)

    def python_last_line(self, code):
        """The last line ``code`` prints (Django's shell first says what it imported)."""
        return self.python(code).strip().splitlines()[-1]

    def endpoints(self):
        """Every endpoint as ``lrs_endpoints list --json`` prints it, plus its id and decrypted secrets."""
        lines = self.manage("lrs_endpoints", "list", "--json").splitlines()
        listed = {row["name"]: row for row in map(json.loads, lines)}
        secrets = json.loads(self.python_last_line(
            "import json\n"
            "from openedx_xapi_router.models import LrsEndpoint\n"
            "print(json.dumps({e.name: {'id': e.pk, 'auth_type': e.auth_type, 'username': e.username,\n"
            "    'password': e.password, 'token': e.token, 'timeout': e.timeout, 'retry_limit': e.retry_limit}\n"
            "    for e in LrsEndpoint.objects.all()}))"
        ))
        return {name: {**row, **secrets[name]} for name, row in listed.items()}


@pytest.fixture
def make_lms(tmp_path):
    """``make_lms(settings_block)``: a fresh test LMS with that rendered settings block."""
    count = [0]

    def make(settings_block):
        count[0] += 1
        return TestLms(tmp_path / f"lms-{count[0]}", settings_block)

    return make
