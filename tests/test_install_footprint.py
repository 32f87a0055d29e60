"""
Finding 6 (and point 7): installing the router into an environment with the LMS's pins changes
none of them and installs no event-routing-backends; only ``openedx-xapi-router[erb]`` brings it.

pip resolves for real (``pip install --dry-run --report``, nothing installed) against the package
index, constrained by the LMS's pins (``requirements/lms-release.txt``: edx-platform's
``requirements/edx/base.txt`` at the commit its header names). A pin pip had to change would make
the resolution fail (a constraint cannot be broken), and the report lists every package it would
install, with its version.
"""
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
LMS_PINS = REPO_ROOT / "requirements" / "lms-release.txt"
ERB = "edx-event-routing-backends"


def lms_pins():
    """``{name: version}`` of the LMS's pins (commented-out lines excluded)."""
    pins = {}
    for line in LMS_PINS.read_text(encoding="utf8").splitlines():
        match = re.match(r"^([A-Za-z0-9_.\-]+)==(\S+)", line)
        if match:
            pins[match.group(1).lower()] = match.group(2)
    return pins


def dry_run(tmp_path, requirement):
    """``{name: version}`` pip would install for ``requirement`` on top of nothing, with the LMS's pins."""
    report = tmp_path / "report.json"
    process = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--dry-run", "--quiet", "--disable-pip-version-check",
         "--ignore-installed", "--report", str(report), "-c", str(LMS_PINS), requirement],
        capture_output=True, text=True, timeout=300, check=False, cwd=tmp_path,
    )
    if process.returncode != 0:
        pytest.fail(f"pip could not resolve {requirement} with the LMS's pins:\n{process.stderr[-3000:]}")
    data = json.loads(report.read_text(encoding="utf8"))
    return {item["metadata"]["name"].lower(): item["metadata"]["version"] for item in data["install"]}


def test_the_router_keeps_every_lms_pin_and_brings_no_erb(tmp_path):
    installed = dry_run(tmp_path, str(REPO_ROOT))
    assert "openedx-xapi-router" in installed
    assert ERB not in installed
    assert "tincan" not in installed
    pins = lms_pins()
    shared = {name: version for name, version in installed.items() if name in pins}
    assert shared == {name: pins[name] for name in shared}
    assert {"django", "celery", "event-tracking", "edx-opaque-keys", "edx-django-utils"} <= set(shared)


def test_the_erb_extra_brings_erb(tmp_path):
    installed = dry_run(tmp_path, f"{REPO_ROOT}[erb]")
    assert ERB in installed
