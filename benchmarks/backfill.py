"""
The backfill benchmark: ``python -m benchmarks.backfill``.

Runs ``manage.py transform_tracking_logs`` as a subprocess (the test project's settings: SQLite,
pseudonymous actors) on the clean 1,000,000-line log cached under ``var/bench/`` by
``python -m benchmarks``, and prints:

* one core (the command pinned to one CPU) to a JSONL file: events/s, peak RSS, and the RSS
  sampled at a quarter, half, three quarters and the end of the run (flat as the input grows);
* ``--jobs 2`` (both CPUs) to a JSONL file: events/s, and the speed-up over one core;
* the first ``--ralph-lines`` lines (20,000 by default: Ralph's ingest slows as its store grows;
  about 300 statements/s by 40,000 statements on this machine)
  into a fresh local Ralph through the command (synchronous delivery, batches of 100), and the same
  statements POSTed in batches of 100 by a plain ``requests`` client to another fresh Ralph: both
  rates in statements/s, and their ratio.

* peak RSS of separate runs (each a fresh ``manage.py`` process, its own ``VmHWM``): one core
  to a JSONL file on the first 250,000, 500,000 and 1,000,000 lines (``--rss-sizes``), and into a
  fresh Ralph each on the first 12,500, 25,000 and 50,000 lines (``--ralph-rss-sizes``: 1,000,000
  lines into one Ralph would take about an hour here, its ingest slowing as its store grows), and
  whether it stays flat (:mod:`benchmarks.memory`).

Options: ``--events N`` (the log's lines, default 1,000,000), ``--ralph-lines N``, ``--seed``,
``--skip-ralph``, ``--skip-files`` (only the Ralph measurement), ``--rss-sizes N ...``,
``--ralph-rss-sizes N ...``, ``--skip-rss``, ``--json PATH`` (raw results).
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import psutil
import requests

from benchmarks import memory
from benchmarks.__main__ import CACHE_DIR, REPO_ROOT, cached_log
from benchmarks.transform import write_slice
from openedx_xapi_router.devtools import ralph_control

TARGET_ONE_CORE = 25_000
TARGET_RSS_MB = 200
TARGET_SPEEDUP = 1.7
TARGET_RALPH_RATIO = 0.8
BATCH_SIZE = 100
#: Flat: the largest separate run's peak at most this much above the smallest's.
RSS_GROWTH_BOUND_MB = 24
#: Lines of the separate runs into Ralph (see the module docstring).
RALPH_RSS_SIZES = (12_500, 25_000, 50_000)
#: Seconds one ``manage.py`` run may take at most.
RUN_TIMEOUT = 3600


def _env(database):
    return dict(os.environ, DJANGO_SETTINGS_MODULE="tests.project.settings", PYTHONPATH=str(REPO_ROOT),
                XAPI_ROUTER_DATABASE_URL=f"sqlite:///{database}")


def manage(database, *args, cpus=None, sample=False):
    """
    Run ``manage.py *args``; returns ``(seconds, peak_rss_mb, rss_samples, own_peak_mb)``: wall
    time, the peak RSS of the process and its children together (psutil, sampled every 0.1 s),
    ``[(elapsed, rss_mb), ...]``, and the command's own peak (its ``VmHWM`` as it ends, written
    by ``python -m benchmarks.memory``: exact, not sampled; a ``--jobs`` child's not included).
    """
    peak_file = database.with_name(f"peak-{os.getpid()}.txt")
    command = memory.script_command(sys.executable, peak_file, REPO_ROOT / "manage.py", *args)

    def pin():
        if cpus is not None:
            os.sched_setaffinity(0, cpus)

    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=str(REPO_ROOT), env=_env(database), preexec_fn=pin,  # pylint: disable=subprocess-popen-preexec-fn,consider-using-with
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    watched = psutil.Process(process.pid)
    samples, peak = [], 0.0

    def note():
        nonlocal peak
        try:
            rss = sum(proc.memory_info().rss for proc in [watched, *watched.children(recursive=True)]) / 2**20
        except psutil.Error:  # it is ending: no sample (a 0 would be read as the RSS at the end)
            return
        if sample:
            samples.append((time.perf_counter() - started, rss))

    memory.wait(process, RUN_TIMEOUT, on_poll=note)
    own_peak = memory.read_peak(peak_file)
    stderr = process.stderr.read().decode("utf-8", "replace")
    process.stderr.close()
    if process.returncode != 0:
        sys.exit(f"manage.py {' '.join(map(str, args))} failed ({process.returncode}):\n{stderr[-3000:]}")
    return time.perf_counter() - started, peak, samples, own_peak


def prepare_database(database):
    """A fresh SQLite database with the project's tables."""
    database.unlink(missing_ok=True)
    manage(database, "migrate", "--verbosity", "0")


def add_endpoint(database, ralph):
    """An enabled endpoint for ``ralph`` (credentials through the environment, never the command line)."""
    code = ("from openedx_xapi_router.models import LrsEndpoint; import os; "
            "LrsEndpoint.objects.all().delete(); "
            "LrsEndpoint.objects.create(name='bench-ralph', statements_url=os.environ['BENCH_URL'], "
            f"username=os.environ['BENCH_USER'], password=os.environ['BENCH_PASSWORD'], batch_size={BATCH_SIZE}, "
            "timeout=60)")
    env = dict(_env(database), BENCH_URL=ralph.statements_url, BENCH_USER=ralph.username,
               BENCH_PASSWORD=ralph.password)
    subprocess.run([sys.executable, str(REPO_ROOT / "manage.py"), "shell", "-c", code], cwd=str(REPO_ROOT),
                   env=env, check=True)


def run_to_file(database, log, out, report, jobs, cpus=None):
    """The command to a JSONL file; returns its measurements."""
    out.unlink(missing_ok=True)
    seconds, peak, samples, own_peak = manage(database, "transform_tracking_logs", log, "--output", out,
                                              "--jobs", jobs, "--report", report, "--progress", "none",
                                              cpus=cpus, sample=True)
    data = json.loads(report.read_text())
    return {"lines": data["lines"], "statements": data["statements"], "seconds": data["seconds"],
            "wall_seconds": seconds, "peak_rss_mb": peak, "own_peak_rss_mb": own_peak,
            "rss_at": _quartiles(samples)}


def _quartiles(samples):
    if not samples:
        return {}
    end = samples[-1][0]
    result = {}
    for share in (0.25, 0.5, 0.75, 1.0):
        chosen = [rss for elapsed, rss in samples if elapsed <= end * share]
        result[f"{share:.0%}"] = chosen[-1] if chosen else samples[0][1]
    return result


def post_plainly(ralph, statements):
    """POST ``statements`` (serialised lines) in batches with a plain requests session; returns seconds."""
    session = requests.Session()
    session.auth = ralph.auth
    headers = {"X-Experience-API-Version": "1.0.3", "Content-Type": "application/json"}
    started = time.perf_counter()
    for start in range(0, len(statements), BATCH_SIZE):
        body = b"[" + b",".join(statements[start:start + BATCH_SIZE]) + b"]"
        response = session.post(ralph.statements_url, data=body, headers=headers, timeout=60)
        if response.status_code not in (200, 204, 409):
            sys.exit(f"Ralph answered {response.status_code}: {response.text[:500]}")
    seconds = time.perf_counter() - started
    session.close()
    return seconds


def measure_ralph(database, log, lines, work):
    """The command into one fresh Ralph, a plain client into another, the same statements."""
    prefix = write_slice(log, lines, work / f"prefix-{lines}.log")
    statements_file, report = work / "prefix-statements.jsonl", work / "prefix-report.json"
    run_to_file(database, prefix, statements_file, report, 1)
    statements = statements_file.read_bytes().splitlines()
    results = {"lines": lines, "statements": len(statements)}
    for what in ("plain_client", "backfill"):
        ralph_dir = work / f"ralph-{what}"
        shutil.rmtree(ralph_dir, ignore_errors=True)
        ralph = ralph_control.start(ralph_dir)  # its own data and history file
        try:
            if what == "plain_client":
                print(f"measuring a plain client POSTing {len(statements):,} statements to a fresh Ralph ...",
                      flush=True)
                seconds = post_plainly(ralph, statements)
            else:
                print(f"measuring the backfill of {lines:,} lines into a fresh Ralph ...", flush=True)
                add_endpoint(database, ralph)
                seconds, own_peak = backfill_into(database, ralph, prefix, report, len(statements))
                results["own_peak_rss_mb"] = own_peak
        finally:
            ralph_control.stop(ralph.pid)
            shutil.rmtree(ralph_dir, ignore_errors=True)
        results[what] = {"seconds": seconds, "rate": len(statements) / seconds}
    prefix.unlink(missing_ok=True)
    statements_file.unlink(missing_ok=True)
    return results


def backfill_into(database, ralph, prefix, report, expected=None):
    """The command on ``prefix`` into ``ralph``; ``(seconds, own peak RSS MB)``; every statement must arrive."""
    add_endpoint(database, ralph)
    _, _, _, own_peak = manage(database, "transform_tracking_logs", prefix, "--report", report, "--progress", "none")
    data = json.loads(report.read_text())
    wanted = data["statements"] if expected is None else expected
    if data["destination"].get("delivered") != wanted or data["statements"] != wanted:
        sys.exit(f"the backfill delivered {data['destination']} of {wanted} statements")
    return data["seconds"], own_peak


def measure_rss_files(database, log, sizes, work, done):
    """Peak RSS of one-core runs to a JSONL file on the first ``size`` lines, each a fresh process."""
    peaks = {}
    out, report = work / "rss-out.jsonl", work / "rss-report.json"
    for size in sizes:
        if size in done:
            peaks[size] = done[size]
            continue
        prefix = log if size == _line_count(log) else write_slice(log, size, work / f"prefix-{size}.log")
        print(f"peak RSS: one core -> JSONL file, first {size:,} lines ...", flush=True)
        peaks[size] = run_to_file(database, prefix, out, report, 1, cpus={max(os.sched_getaffinity(0))})[
            "own_peak_rss_mb"]
        if prefix != log:
            prefix.unlink()
    out.unlink(missing_ok=True)
    return {"runs": {str(size): peak for size, peak in peaks.items()},
            "verdict": memory.flatness(peaks, RSS_GROWTH_BOUND_MB, TARGET_RSS_MB)}


def measure_rss_ralph(database, log, sizes, work, done):
    """Peak RSS of runs into a fresh Ralph each on the first ``size`` lines, each a fresh process."""
    peaks = {}
    report = work / "rss-report.json"
    for size in sizes:
        if size in done:
            peaks[size] = done[size]
            continue
        prefix = write_slice(log, size, work / f"prefix-{size}.log")
        ralph_dir = work / f"ralph-rss-{size}"
        shutil.rmtree(ralph_dir, ignore_errors=True)
        ralph = ralph_control.start(ralph_dir)
        print(f"peak RSS: backfill of the first {size:,} lines into a fresh Ralph ...", flush=True)
        try:
            seconds, peaks[size] = backfill_into(database, ralph, prefix, report)
        finally:
            ralph_control.stop(ralph.pid)
            shutil.rmtree(ralph_dir, ignore_errors=True)
            prefix.unlink(missing_ok=True)
        print(f"  {size / seconds:,.0f} lines/s, peak RSS {peaks[size]:.1f} MB", flush=True)
    return {"runs": {str(size): peak for size, peak in peaks.items()},
            "verdict": memory.flatness(peaks, RSS_GROWTH_BOUND_MB, TARGET_RSS_MB)}


def _line_count(path):
    with open(path, "rb") as handle:
        return sum(1 for _ in handle)


def verdict(ok):
    """A table cell for a target."""
    return "met" if ok else "MISSED"


def report_text(events, one, two, ralph, rss=None):
    """The results table."""
    lines = [
        "",
        f"Backfill benchmark: manage.py transform_tracking_logs on a clean log of {events:,} lines, "
        f"Python {sys.version.split()[0]}, {os.cpu_count()} CPUs",
        "",
        f"{'measurement':<52}{'value':>14}   target",
        f"{'-' * 52}{'-' * 14}   {'-' * 24}",
    ]
    if one and two:
        lines += _file_rows(one, two)
    if ralph:
        ratio = ralph["backfill"]["rate"] / ralph["plain_client"]["rate"]
        lines += [
            f"{'plain client -> fresh Ralph, statements/s':<52}{ralph['plain_client']['rate']:>14,.0f}   "
            f"({ralph['statements']:,} statements, batches of {BATCH_SIZE})",
            f"{'backfill -> fresh Ralph, statements/s':<52}{ralph['backfill']['rate']:>14,.0f}   "
            f"(first {ralph['lines']:,} lines)",
            f"{'backfill / plain client':<52}{ratio:>14.1%}   >= {TARGET_RALPH_RATIO:.0%}: "
            f"{verdict(ratio >= TARGET_RALPH_RATIO)}",
        ]
    for key, label in (("file", "one core -> file"), ("ralph", "backfill -> Ralph")):
        if key in (rss or {}):
            lines += memory.table_rows(label, rss[key]["verdict"])
    return "\n".join(lines)


def _file_rows(one, two):
    one_rate = one["lines"] / one["seconds"]
    two_rate = two["lines"] / two["seconds"]
    return [
        f"{'statements written':<52}{one['statements']:>14,}",
        f"{'one core -> JSONL file, events/s':<52}{one_rate:>14,.0f}   >= {TARGET_ONE_CORE:,}: "
        f"{verdict(one_rate >= TARGET_ONE_CORE)}",
        f"{'one core, peak RSS (MB)':<52}{one['peak_rss_mb']:>14.1f}   < {TARGET_RSS_MB}: "
        f"{verdict(one['peak_rss_mb'] < TARGET_RSS_MB)}",
        f"{'one core, RSS at 25/50/75/100% of the run (MB)':<52}"
        f"{' / '.join(f'{value:.0f}' for value in one['rss_at'].values()):>14}   flat",
        f"{'--jobs 2 -> JSONL file, events/s':<52}{two_rate:>14,.0f}",
        f"{'--jobs 2 / one core':<52}{two_rate / one_rate:>13.2f}x   >= {TARGET_SPEEDUP}x: "
        f"{verdict(two_rate / one_rate >= TARGET_SPEEDUP)}",
        f"{'--jobs 2, peak RSS of all processes (MB)':<52}{two['peak_rss_mb']:>14.1f}",
    ]


def main(argv=None):
    """Parse the options, run the measurements, print the table."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.backfill", description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--ralph-lines", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--skip-ralph", action="store_true")
    parser.add_argument("--skip-files", action="store_true")
    parser.add_argument("--json", type=Path)
    memory.add_rss_arguments(parser, what="lines (at most --events) of the runs to a file")
    parser.add_argument("--ralph-rss-sizes", type=int, nargs="+", metavar="N", default=list(RALPH_RSS_SIZES),
                        help="lines of the separate peak-RSS runs into Ralph (default 12500 25000 50000)")
    args = parser.parse_args(argv)
    if args.events < memory.DEFAULT_SIZES[-1]:  # a quarter, a half and all of a shorter log
        args.rss_default = tuple(n for n in (args.events // 4, args.events // 2, args.events) if n)
    sizes = memory.rss_sizes(args)
    ralph_sizes = () if args.skip_rss or args.skip_ralph else tuple(sorted(set(args.ralph_rss_sizes)))
    if max((*sizes, *ralph_sizes), default=0) > args.events:
        parser.error(f"the peak-RSS sizes must be at most the log's {args.events:,} lines (--events)")
    log, _ = cached_log(args.events, args.seed)
    work = CACHE_DIR / f"backfill-{os.getpid()}"  # its own: two runs at once do not share a database
    work.mkdir(parents=True, exist_ok=True)
    try:
        return _run(args, log, work, sizes, ralph_sizes)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _run(args, log, work, sizes, ralph_sizes):
    """The measurements of :func:`main` in ``work``."""
    database = work / "bench.sqlite3"
    prepare_database(database)
    out, report = work / "out.jsonl", work / "report.json"
    one = two = None
    if not args.skip_files:
        cpu = max(os.sched_getaffinity(0))
        print(f"measuring one core (cpu {cpu}) on {args.events:,} lines ...", flush=True)
        one = run_to_file(database, log, out, report, 1, cpus={cpu})
        print(f"  {one['lines'] / one['seconds']:,.0f} events/s, peak RSS {one['peak_rss_mb']:.0f} MB", flush=True)
        print(f"measuring --jobs 2 on {args.events:,} lines ...", flush=True)
        two = run_to_file(database, log, out, report, 2)
        print(f"  {two['lines'] / two['seconds']:,.0f} events/s", flush=True)
        out.unlink(missing_ok=True)
    ralph = None if args.skip_ralph else measure_ralph(database, log, min(args.ralph_lines, args.events), work)
    rss = {}
    if sizes and not args.skip_files:
        rss["file"] = measure_rss_files(database, log, sizes, work, {args.events: one["own_peak_rss_mb"]})
    if ralph_sizes:
        rss["ralph"] = measure_rss_ralph(database, log, ralph_sizes, work,
                                         {ralph["lines"]: ralph["own_peak_rss_mb"]} if ralph else {})
    print(report_text(args.events, one, two, ralph, rss))
    if args.json:
        args.json.write_text(json.dumps({"one_core": one, "jobs_2": two, "ralph": ralph, "rss": rss}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
