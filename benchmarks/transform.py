"""
The transformation benchmark's measurements, each run in a fresh process pinned to one core.

Every measurement is a separate ``python -m benchmarks.transform <what> ...`` process, so its peak
RSS (``VmHWM``: see :mod:`benchmarks.memory`) is its own and imports, caches and garbage of one
measurement never count in another. The process prints one JSON object on its last line;
:mod:`benchmarks.__main__` collects them and prints the table.

Measurements:

``ours``
    Our full pipeline on a tracking log: read lines, parse (orjson), normalise, transform,
    validate, serialise, write each statement as a line to a file. Events/s, µs per event,
    statements, outcome counts, RSS at checkpoints.
``floor``
    ``orjson.loads`` + ``orjson.dumps`` of each line, written to a file: what reading and writing
    JSON alone costs, the ceiling for any pipeline in Python.
``profile``
    ``ours`` under cProfile; the top costs by own time.
``erb``
    event-routing-backends' xAPI processor (``tests/erb_oracle.py``) on the same lines, and ours on
    the same lines in the same process, for the ratio.
``erb-only``
    ERB's processor on the lines and nothing else: what :func:`instructions_per_event` counts for ERB.

:func:`instructions_per_event` counts CPU instructions with valgrind's callgrind (deterministic,
so the figure holds on a busy machine): the same command on a small and a large slice of the same
log, start-up subtracted by the difference.
"""
import argparse
import cProfile
import io
import itertools
import json
import os
import pstats
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import orjson

from benchmarks.memory import own_peak_mb
from openedx_xapi_router.core import pipeline
from openedx_xapi_router.core.context import TransformContext
from openedx_xapi_router.core.errors import XapiRouterError

LMS_ROOT_URL = "https://courses.example.org"
#: A pseudonymous-id secret, as a site running the CLI outside the LMS would set one.
ACTOR_SECRET = "benchmark-secret"


def pin_to_one_core():
    """Run this process on one CPU (the last one), so the figures are single-core figures."""
    if hasattr(os, "sched_setaffinity"):
        cpu = max(os.sched_getaffinity(0))
        os.sched_setaffinity(0, {cpu})
        return cpu
    return None


def peak_rss_mb():
    """
    This process's peak resident set size so far, in MB: ``VmHWM``, not ``ru_maxrss``, which counts
    the benchmark process this one was forked from (see :mod:`benchmarks.memory`).
    """
    return own_peak_mb()


def current_rss_mb():
    """This process's resident set size now, in MB (``/proc/self/statm``); None where there is no /proc."""
    try:
        with open("/proc/self/statm", encoding="ascii") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / (1024 * 1024)
    except OSError:
        return None


def benchmark_context():
    """The context of a site running outside the LMS: pseudonymous actor ids, one course name for all."""
    return TransformContext.from_maps(
        LMS_ROOT_URL, actor_secret=ACTOR_SECRET, course_name_map={"*": "Demonstration Course"}
    )


def read_lines(path, limit):
    """The first ``limit`` lines of ``path``, as bytes, streamed."""
    with open(path, "rb") as handle:
        for number, line in enumerate(handle):
            if number >= limit:
                return
            yield line


def _project_api():
    """``(reader.read_lines, pipeline.transform_lines, Report)`` when the core has them, else None."""
    try:
        # pylint: disable=import-outside-toplevel
        from openedx_xapi_router.core import reader
        from openedx_xapi_router.core.report import Report
    except ImportError:
        return None
    transform_lines = getattr(pipeline, "transform_lines", None)
    if transform_lines is None or not hasattr(reader, "read_lines"):
        return None
    return reader.read_lines, transform_lines, Report


def api_name():
    """Which pipeline API the ``ours`` measurement runs."""
    if _project_api():
        return "core.reader.read_lines + pipeline.transform_lines + serialize"
    return "local loop: orjson.loads + pipeline.transform_event + serialize"


def _with_checkpoints(numbered_lines, checkpoints, rss_at):
    """Pass ``(number, line)`` pairs through, noting (current, peak) RSS after each checkpoint line."""
    for item in numbered_lines:
        if item[0] - 1 in checkpoints:
            rss_at[item[0] - 1] = (current_rss_mb(), peak_rss_mb())
        yield item


def run_ours(path, limit, out, ctx, checkpoints=()):
    """
    Read the first ``limit`` lines of ``path``, transform them and write each statement as a JSON
    line to ``out``: the project's ``read_lines`` + ``transform_lines`` when they exist, else a local
    loop (orjson.loads + transform_event + serialize).

    Returns ``(events, statements, outcomes, rss_at)``: ``outcomes`` counts what happened to the
    lines; ``rss_at`` maps each checkpoint line count to (current, peak) RSS in MB.
    """
    checkpoints = set(checkpoints)
    rss_at = {}
    serialize, write = pipeline.serialize, out.write
    api = _project_api()
    if api is not None:
        project_read_lines, transform_lines, report_class = api
        report = report_class()
        with open(path, "rb") as handle:
            numbered = _with_checkpoints(itertools.islice(project_read_lines(handle), limit), checkpoints, rss_at)
            for _, statements in transform_lines(numbered, ctx, report):
                for statement in statements:
                    write(serialize(statement))
                    write(b"\n")
        if report.lines in checkpoints:
            rss_at[report.lines] = (current_rss_mb(), peak_rss_mb())
        summary = report.as_dict()
        outcomes = {"transformed": report.transformed, "unsupported": sum(report.unsupported.values()),
                    "anonymous": report.anonymous, "rejected": sum(e["count"] for e in report.rejected.values()),
                    "skipped": sum(report.skipped.values()), "errors": summary["errors"]}
        return report.lines, report.statements, outcomes, rss_at
    return _run_local_loop(read_lines(path, limit), write, ctx, checkpoints, rss_at)


def _run_local_loop(lines, write, ctx, checkpoints, rss_at):
    outcomes = {}
    events = statements = 0
    transform_event, serialize = pipeline.transform_event, pipeline.serialize
    loads, decode_error = orjson.loads, orjson.JSONDecodeError
    for line in lines:
        events += 1
        try:
            result = transform_event(loads(line), ctx)
        except (XapiRouterError, decode_error) as error:
            kind = getattr(error, "kind", "bad_json")
            outcomes[kind] = outcomes.get(kind, 0) + 1
        else:
            outcomes["transformed"] = outcomes.get("transformed", 0) + 1
            for statement in result:
                write(serialize(statement))
                write(b"\n")
            statements += len(result)
        if events in checkpoints:
            rss_at[events] = (current_rss_mb(), peak_rss_mb())
    return events, statements, outcomes, rss_at


def run_floor(lines, out):
    """orjson.loads + orjson.dumps of each line, written to ``out``; returns the line count."""
    count = 0
    loads, dumps, write = orjson.loads, orjson.dumps, out.write
    for line in lines:
        write(dumps(loads(line)))
        write(b"\n")
        count += 1
    return count


def measure_ours(args):
    """The ``ours`` measurement."""
    ctx = benchmark_context()
    checkpoints = [n for n in (args.events // 4, args.events // 2, args.events) if n]
    with open(args.out, "wb", buffering=1 << 20) as out:
        start = time.perf_counter()
        events, statements, outcomes, rss_at = run_ours(args.log, args.events, out, ctx, checkpoints)
        seconds = time.perf_counter() - start
    return {
        "events": events, "statements": statements, "seconds": seconds, "outcomes": outcomes,
        "rss_at": {str(n): list(values) for n, values in rss_at.items()}, "peak_rss_mb": peak_rss_mb(),
        "api": api_name(),
    }


def measure_floor(args):
    """The ``floor`` measurement."""
    with open(args.out, "wb", buffering=1 << 20) as out:
        start = time.perf_counter()
        events = run_floor(read_lines(args.log, args.events), out)
        seconds = time.perf_counter() - start
    return {"events": events, "seconds": seconds, "peak_rss_mb": peak_rss_mb()}


def measure_profile(args):
    """The ``profile`` measurement: our pipeline under cProfile, top costs by own time."""
    ctx = benchmark_context()
    profiler = cProfile.Profile()
    with open(args.out, "wb", buffering=1 << 20) as out:
        profiler.enable()
        events, statements, _, _ = run_ours(args.log, args.events, out, ctx)
        profiler.disable()
    stats = pstats.Stats(profiler, stream=io.StringIO())
    total = sum(row[2] for row in stats.stats.values())
    rows = []
    for (filename, line, function), (_, calls, own, cumulative, _) in stats.stats.items():
        rows.append({
            "function": f"{_short(filename)}:{line}({function})", "calls": calls,
            "own_s": own, "cumulative_s": cumulative, "own_share": own / total if total else 0.0,
        })
    rows.sort(key=lambda row: row["own_s"], reverse=True)
    return {"events": events, "statements": statements, "profiled_seconds": total, "top": rows[: args.top]}


def _short(filename):
    """A profile row's file name without the directories before the package (or the stdlib path)."""
    for marker, keep in (("openedx_xapi_router/", True), ("site-packages/", False), ("lib/python3.", False)):
        if marker in filename:
            rest = filename.split(marker, 1)[1]
            return marker + rest if keep else rest
    return filename


def measure_erb(args):
    """The ``erb`` measurement: ERB's processor on the lines, then ours on the same lines."""
    from tests import erb_oracle  # pylint: disable=import-outside-toplevel

    lines = list(read_lines(args.log, args.events))
    erb_oracle.processor()  # Django set-up and ERB's imports are not part of the rate
    start = time.perf_counter()
    results = erb_oracle.transform_lines(lines)
    erb_seconds = time.perf_counter() - start
    erb_statements = sum(len(result) for result in results if isinstance(result, list))
    ctx = benchmark_context()
    with open(args.out, "wb", buffering=1 << 20) as out:
        start = time.perf_counter()
        _, statements, _, _ = run_ours(args.log, args.events, out, ctx)
        our_seconds = time.perf_counter() - start
    return {
        "events": len(lines), "erb_seconds": erb_seconds, "erb_statements": erb_statements,
        "our_seconds": our_seconds, "our_statements": statements,
    }


def measure_erb_only(args):
    """The ``erb-only`` measurement: ERB's processor on the lines, Django set-up included."""
    from tests import erb_oracle  # pylint: disable=import-outside-toplevel

    results = erb_oracle.transform_lines(list(read_lines(args.log, args.events)))
    return {"events": args.events, "erb_statements": sum(len(r) for r in results if isinstance(r, list))}


MEASUREMENTS = {"ours": measure_ours, "floor": measure_floor, "profile": measure_profile, "erb": measure_erb,
                "erb-only": measure_erb_only}


# --- instructions per event (callgrind) -----------------------------------------------------------

_SUMMARY_RE = re.compile(rb"^summary:\s*(\d+)", re.MULTILINE)


def valgrind_available():
    """True when valgrind (for callgrind) is on the PATH."""
    return shutil.which("valgrind") is not None


REPO_ROOT = Path(__file__).resolve().parents[1]


def callgrind_instructions(command, cwd=REPO_ROOT):
    """The CPU instructions (callgrind's ``Ir`` total) ``command`` runs, children not followed."""
    with tempfile.TemporaryDirectory(prefix="xapi-router-callgrind-") as work:
        out = Path(work) / "callgrind.out"
        # A fixed hash seed: string hashing (dict and set layout) otherwise moves the count by a
        # thousand or two instructions per event from one run to the next.
        subprocess.run(["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", *command],
                       cwd=cwd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                       env={**os.environ, "PYTHONHASHSEED": "0"})
        found = _SUMMARY_RE.search(out.read_bytes())
    if found is None:
        raise RuntimeError(f"callgrind wrote no summary for {command!r}")
    return int(found.group(1))


def write_slice(log, lines, path):
    """The first ``lines`` lines of ``log``, written to ``path`` (kept: the same slice every run)."""
    if not path.is_file() or sum(1 for _ in open(path, "rb")) != lines:  # pylint: disable=consider-using-with
        with open(path, "wb") as out:
            for line in read_lines(log, lines):
                out.write(line)
    return path


def instructions_per_event(make_command, log, small, large, slice_dir):
    """
    ``(instructions per event, small total, large total)`` of the command ``make_command(slice path,
    events)`` builds, on the first ``small`` and first ``large`` lines of ``log``: the difference of
    the two totals over the difference of the two counts, so start-up (imports, Django set-up)
    cancels out.
    """
    totals = []
    for events in (small, large):
        path = write_slice(log, events, Path(slice_dir) / f"{Path(log).stem}-first{events}.log")
        totals.append(callgrind_instructions(make_command(path, events)))
    return (totals[1] - totals[0]) / (large - small), totals[0], totals[1]


def cli_command(course_name_map):
    """``make_command`` for our CLI, ``xapi-router-transform``, as the benchmark context configures it."""
    script = Path(sys.executable).with_name("xapi-router-transform")

    def make(path, events):  # pylint: disable=unused-argument
        return [str(script), "--lms-root-url", LMS_ROOT_URL, "--actor-secret", ACTOR_SECRET,
                "--course-name-map", str(course_name_map), "--output", os.devnull, "--report", os.devnull, str(path)]
    return make


def module_command(what):
    """``make_command`` for one measurement of this module (``floor``, ``erb-only``) in a fresh process."""
    def make(path, events):
        return [sys.executable, "-m", "benchmarks.transform", what, "--log", str(path), "--events", str(events),
                "--out", os.devnull]
    return make


def main(argv=None):
    """Run one measurement in this process and print its result as JSON on the last line."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.transform")
    parser.add_argument("what", choices=sorted(MEASUREMENTS))
    parser.add_argument("--log", type=Path, required=True)
    parser.add_argument("--events", type=int, required=True)
    parser.add_argument("--out", type=Path, required=True, help="where the serialised output goes (deleted after)")
    parser.add_argument("--top", type=int, default=15)
    args = parser.parse_args(argv)
    result = {"cpu": pin_to_one_core()}
    try:
        result.update(MEASUREMENTS[args.what](args))
    finally:
        if args.out != Path(os.devnull):
            args.out.unlink(missing_ok=True)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
