"""
The backfill on real files: dirty logs counted exactly as the generator's manifest says, every
unusable line in the reject file, plain/gzip/bzip2 inputs in natural order, globs, stdin,
``--jobs``, filters and ``--dry-run``. The statements are compared with what the core makes of the
same lines, byte for byte.
"""
import bz2
import gzip
import io
import json
import shutil

import pytest

from openedx_xapi_router.backfill import runner
from openedx_xapi_router.backfill.counting import BackfillReport
from openedx_xapi_router.backfill.destinations import JsonlDestination
from openedx_xapi_router.backfill.sources import Source, discover, line_boundaries
from tests.backfill.helpers import core_statements, jsonl, read_report, run_command, run_subprocess
from tests.core.test_dirty_corpus import check


def test_dirty_log_counts_agree_with_the_manifest_and_every_bad_line_is_in_the_reject_file(dirty_log, tmp_path):
    path, manifest = dirty_log
    out, rejects, report_path = tmp_path / "out.jsonl", tmp_path / "rejects.jsonl", tmp_path / "report.json"
    _, summary = run_command(path, "--output", out, "--reject-file", rejects, "--report", report_path)
    report = read_report(report_path)
    check(report, manifest)
    assert jsonl(out) == core_statements(path)
    assert report["statements"] == report["destination"]["written"] == len(jsonl(out))
    entries = [json.loads(line) for line in jsonl(rejects)]
    rejected = {kind: entry["count"] for kind, entry in report["rejected"].items()}
    assert len(entries) == sum(rejected.values())  # the log has no invalid event and no error
    counted = {}
    for entry in entries:
        assert entry["source"] == str(path) and entry["stage"] == "read" and entry["reason"]
        counted[entry["kind"]] = counted.get(entry["kind"], 0) + 1
    assert counted == rejected
    # The reject file names the same lines the report samples.
    for kind, entry in report["rejected"].items():
        first = [f"{path}:{item['line']}" for item in entries if item["kind"] == kind][:5]
        assert first == entry["lines"]
    # The printed summary has every kind with its count.
    for kind, count in rejected.items():
        assert f"rejected: {kind}" in summary and f"{count:,}" in summary
    assert "lines" in summary and f"{manifest['lines']:,}" in summary


def test_jobs_split_a_file_into_line_ranges_and_lose_nothing(dirty_log, tmp_path):
    path, manifest = dirty_log
    results = {}
    for jobs in (1, 3):
        out, rejects, report_path = (tmp_path / f"out{jobs}.jsonl", tmp_path / f"rej{jobs}.jsonl",
                                     tmp_path / f"report{jobs}.json")
        run_command(path, "--output", out, "--reject-file", rejects, "--report", report_path, "--jobs", jobs)
        report = read_report(report_path)
        check(report, manifest)
        results[jobs] = (sorted(jsonl(out)), sorted(jsonl(rejects)), report)
    assert results[3][0] == results[1][0] == sorted(core_statements(path))
    assert results[3][1] == results[1][1]  # the same lines, with the same line numbers
    for key in ("lines", "events", "statements", "unsupported", "anonymous", "recovered"):
        assert results[3][2][key] == results[1][2][key]
    units = runner.plan_units(discover([str(path)]), 3)
    assert len(units) == 3 and units[0].start == 0 and units[-1].end == path.stat().st_size


def test_line_boundaries_start_at_line_starts(tmp_path):
    path = tmp_path / "lines.log"
    lines = [b"x" * (n % 700) + b"\n" for n in range(2000)]
    path.write_bytes(b"".join(lines))
    source = Source("file", str(path), path.stat().st_size)
    for parts in (2, 3, 7):
        bounds = line_boundaries(source, parts)
        assert bounds[0] == 0 and bounds[-1] == path.stat().st_size and bounds == sorted(set(bounds))
        data = path.read_bytes()
        assert all(data[bound - 1:bound] == b"\n" for bound in bounds[1:-1])


def test_rotated_compressed_logs_are_read_in_natural_order_the_live_file_last(clean_log, tmp_path):
    path, _ = clean_log
    lines = path.read_bytes().splitlines(keepends=True)
    directory = tmp_path / "logs"
    directory.mkdir()
    pieces = {  # name -> (compression, slice of the log)
        "tracking.log.1": ("bz2", slice(0, 500)),
        "tracking.log.2.gz": ("gzip", slice(500, 1000)),
        "tracking.log.9": (None, slice(1000, 1500)),
        "tracking.log.10.gz": ("gzip", slice(1500, 2200)),
        "tracking.log": (None, slice(2200, None)),
    }
    for name, (compression, part) in pieces.items():
        data = b"".join(lines[part])
        data = {"bz2": bz2.compress, "gzip": gzip.compress}.get(compression, lambda d: d)(data)
        (directory / name).write_bytes(data)
    order = ["tracking.log.1", "tracking.log.2.gz", "tracking.log.9", "tracking.log.10.gz", "tracking.log"]
    found = discover([str(directory)])
    assert [source.name.rsplit("/", 1)[1] for source in found] == order
    assert [source.compression for source in found] == ["bz2", "gzip", None, "gzip", None]
    out, report_path = tmp_path / "out.jsonl", tmp_path / "report.json"
    run_command(directory, "--output", out, "--report", report_path)
    assert jsonl(out) == core_statements(path)
    assert read_report(report_path)["lines"] == len(lines)
    # A glob picks the same files in the same order; the rotated ones only here.
    out_glob = tmp_path / "glob.jsonl"
    run_command(f"{directory}/tracking.log.*", "--output", out_glob)
    assert jsonl(out_glob) == core_statements(path)[:len(jsonl(out_glob))]
    plain = tmp_path / "first2200.log"
    plain.write_bytes(b"".join(lines[:2200]))
    assert jsonl(out_glob) == core_statements(plain)


def test_stdin_to_stdout_in_a_subprocess(dirty_log, tmp_path):
    path, manifest = dirty_log
    report_path = tmp_path / "report.json"
    completed = run_subprocess("-", "--output", "-", "--report", report_path, "--progress", "log",
                               stdin=gzip.compress(path.read_bytes()))
    assert completed.returncode == 0, completed.stderr.decode()[-2000:]
    assert completed.stdout.splitlines() == core_statements(path)
    check(read_report(report_path), manifest)
    assert b"transform_tracking_logs: done" in completed.stderr


def test_dry_run_counts_and_writes_nothing(clean_log, tmp_path):
    path, manifest = clean_log
    report_path = tmp_path / "report.json"
    stdout, _ = run_command(path, "--dry-run", "--report", report_path)
    report = read_report(report_path)
    assert stdout == "" and report["lines"] == manifest["lines"]
    assert report["destination"] == {"would_send": report["statements"]} and report["statements"] > 0


def _by_line(path):
    """Each line of the log, parsed (a clean log: every line is JSON)."""
    return [json.loads(line) for line in path.read_bytes().splitlines()]


def test_filters_keep_exactly_the_chosen_events(clean_log, tmp_path):
    path, _ = clean_log
    events = _by_line(path)
    times = sorted(event["time"] for event in events)
    since, until = times[len(times) // 4], times[3 * len(times) // 4]
    courses = sorted({event["context"].get("course_id") for event in events if event["context"].get("course_id")})
    course = courses[0]
    org = course.split(":", 1)[1].split("+", 1)[0]
    names = ["play_video", "problem_check", "edx.course.enrollment.activated"]
    cases = {
        "since-until": (["--since", since, "--until", until], lambda e: since <= e["time"] < until),
        "event-names": (["--event-names", ",".join(names)],
                        lambda e: (e.get("name") or e["event_type"]) in names or e["event_type"] in names),
        "orgs": (["--orgs", org], lambda e: (e["context"].get("org_id") or "") == org),
        "courses": (["--courses", course], lambda e: e["context"].get("course_id") == course),
    }
    for name, (options, keep) in cases.items():
        kept = tmp_path / f"{name}.log"
        kept.write_bytes(b"".join(line + b"\n" for line, event in zip(path.read_bytes().splitlines(), events,
                                                                        strict=True) if keep(event)))
        out, report_path = tmp_path / f"{name}.jsonl", tmp_path / f"{name}.json"
        run_command(path, "--output", out, "--report", report_path, *options)
        expected = core_statements(kept)
        assert expected, name
        assert jsonl(out) == expected, name
        report = read_report(report_path)
        assert sum(report["filtered"].values()) == len(events) - sum(1 for event in events if keep(event)), name


def test_a_missing_input_is_a_usage_error(tmp_path):
    from django.core.management import CommandError  # pylint: disable=import-outside-toplevel

    with pytest.raises(CommandError, match="no-such.log"):
        run_command(tmp_path / "no-such.log", "--output", tmp_path / "out.jsonl")
    shutil.rmtree(tmp_path)


def test_a_truncated_gzip_file_counts_its_lines_then_the_run_goes_on(clean_log, tmp_path):
    path, _ = clean_log
    lines = path.read_bytes().splitlines(keepends=True)
    directory = tmp_path / "logs"
    directory.mkdir()
    broken = gzip.compress(b"".join(lines[:1500]))
    (directory / "tracking.log.1.gz").write_bytes(broken[:len(broken) // 2])  # cut mid-stream
    (directory / "tracking.log").write_bytes(b"".join(lines[1500:]))
    out, rejects, report_path = tmp_path / "out.jsonl", tmp_path / "rejects.jsonl", tmp_path / "report.json"
    run_command(directory, "--output", out, "--reject-file", rejects, "--report", report_path)
    report = read_report(report_path)
    assert report["errors"] == {"unreadable_input": 1}
    entries = [json.loads(line) for line in jsonl(rejects)]
    assert [(entry["source"], entry["kind"]) for entry in entries] == [
        (str(directory / "tracking.log.1.gz"), "unreadable_input")]
    read_from_broken = entries[0]["line"] - 1
    assert 500 < read_from_broken < 1500 and report["lines"] == read_from_broken + len(lines) - 1500
    rest = tmp_path / "rest.log"
    rest.write_bytes(b"".join(lines[1500:]))
    assert jsonl(out)[-len(core_statements(rest)):] == core_statements(rest)


def test_jsonl_destination_counts_as_written_only_the_lines_it_wrote():
    """
    A statement orjson refuses (an integer beyond 64 bits, as an event field can carry) is left out
    of the file and counted once as ``unserializable_statement``, not as ``written``.
    """
    report = BackfillReport()
    out = io.BytesIO()
    destination = JsonlDestination(out, report)
    destination.send(None, [{"id": "a"}, {"id": "b", "n": 2**70}, {"id": "c"}])
    destination.send(None, [{"id": "d", "n": -2**70}])
    destination.send(None, [{"id": "e"}])
    assert out.getvalue() == b'{"id":"a"}\n{"id":"c"}\n{"id":"e"}\n'
    assert report.destination == {"written": 3}
    assert report.errors == {"unserializable_statement": 2}
