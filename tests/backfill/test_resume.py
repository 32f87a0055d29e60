"""
Interrupted for real, then resumed: the command runs as a subprocess sending to a fresh Ralph, is
stopped with SIGINT, resumed and killed with SIGKILL, then resumed to the end. Ralph ends up with
every statement exactly once (counted by id over everything it holds) and the final counts are
those of an uninterrupted run.
"""
import json
import signal
import subprocess
import time
from collections import Counter

import orjson
import pytest

from tests.backfill.conftest import all_statement_ids
from tests.backfill.helpers import command_line, core_statements, jsonl, read_report, run_command, subprocess_env
from tests.delivery.conftest import database_url
from tests.services import REPO_ROOT

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


def saved_line(checkpoint):
    """Lines committed in the checkpoint (0 before there is one; a half-written file is never seen)."""
    try:
        data = json.loads(checkpoint.read_text())
    except FileNotFoundError:
        return 0
    return sum(unit["report"].get("lines", 0) for unit in data["units"])


def start(args, log_path):
    with open(log_path, "ab") as log:
        return subprocess.Popen(command_line(*args), cwd=str(REPO_ROOT), stdout=subprocess.DEVNULL, stderr=log,
                                env=subprocess_env(XAPI_ROUTER_DATABASE_URL=database_url()))


def wait_for(predicate, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


@pytest.mark.parametrize("in_flight", [1, 4])
def test_interrupted_with_sigint_then_sigkill_then_resumed_every_statement_once(
        clean_log, tmp_path, ralph_endpoint, ralph_per_test, in_flight):
    """
    With ``max_in_flight`` 4 the destination's four delivery threads finish their batches in any
    order; a checkpoint still only covers lines whose statements are all delivered.
    """
    path, manifest = clean_log
    expected = [orjson.loads(line)["id"] for line in core_statements(path)]
    ralph_endpoint(ralph_per_test, "ralph-resume", batch_size=50, max_in_flight=in_flight)
    checkpoint, report_path, log_path = tmp_path / "checkpoint.json", tmp_path / "report.json", tmp_path / "run.log"
    args = [path, "--checkpoint", checkpoint, "--checkpoint-lines", 100, "--checkpoint-seconds", 0.2,
            "--progress", "log", "--progress-seconds", 1, "--report", report_path]
    # The two runs that are stopped go slowly enough (about 12 s for the whole log) that a busy machine
    # delaying this test's poll still finds them running; the last one, run to its end, goes faster.
    slow, fast = ["--max-rate", 250], ["--max-rate", 1000]

    first = start([*args, *slow], log_path)
    wait_for(lambda: saved_line(checkpoint) >= 600 or first.poll() is not None, 60, "a checkpoint at 600 lines")
    first.send_signal(signal.SIGINT)
    assert first.wait(30) == 130, log_path.read_text()[-2000:]
    assert "INTERRUPTED" in log_path.read_text()
    after_sigint = saved_line(checkpoint)
    stored = Counter(all_statement_ids(ralph_per_test))
    assert 0 < len(stored) < len(expected) and after_sigint < manifest["lines"]

    second = start([*args, *slow, "--resume"], log_path)
    wait_for(lambda: saved_line(checkpoint) >= after_sigint + 600 or second.poll() is not None, 60,
             "the resumed run's checkpoints")
    second.kill()
    second.wait(30)
    assert saved_line(checkpoint) < manifest["lines"]

    third = start([*args, *fast, "--resume"], log_path)
    assert third.wait(120) == 0, log_path.read_text()[-2000:]
    stored = Counter(all_statement_ids(ralph_per_test))
    assert set(stored) == set(expected) and set(stored.values()) == {1}
    report = read_report(report_path)
    uninterrupted = tmp_path / "dry.json"
    run_command(path, "--dry-run", "--report", uninterrupted)
    dry = read_report(uninterrupted)
    for key in ("lines", "events", "transformed", "statements", "unsupported", "anonymous", "rejected", "errors"):
        assert report[key] == dry[key], key
    assert report["lines"] == manifest["lines"]
    # Every statement was delivered at least once over the three runs (the overlap again: harmless).
    assert report["destination"]["delivered"] >= len(expected)


def test_a_finished_parallel_run_resumes_to_nothing_left(dirty_log, tmp_path):
    path, _ = dirty_log
    out, checkpoint, report_path = tmp_path / "out.jsonl", tmp_path / "checkpoint.json", tmp_path / "report.json"
    run_command(path, "--output", out, "--jobs", 2, "--checkpoint", checkpoint, "--report", report_path)
    first = read_report(report_path)
    data = json.loads(checkpoint.read_text())
    assert len(data["units"]) == 2 and all(unit["done"] for unit in data["units"])
    assert sorted(jsonl(out)) == sorted(core_statements(path))
    run_command(path, "--output", out, "--jobs", 2, "--checkpoint", checkpoint, "--resume", "--report", report_path)
    assert read_report(report_path)["lines"] == first["lines"]
    assert sorted(jsonl(out)) == sorted(core_statements(path))  # nothing read again, nothing written twice
