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

Options: ``--events N`` (the log's lines, default 1,000,000), ``--ralph-lines N``, ``--seed``,
``--skip-ralph``, ``--skip-files`` (only the Ralph measurement), ``--json PATH`` (raw results).
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

from benchmarks.__main__ import CACHE_DIR, REPO_ROOT, cached_log
from openedx_xapi_router.devtools import ralph_control

TARGET_ONE_CORE = 25_000
TARGET_RSS_MB = 200
TARGET_SPEEDUP = 1.7
TARGET_RALPH_RATIO = 0.8
BATCH_SIZE = 100


def _env(database):
    return dict(os.environ, DJANGO_SETTINGS_MODULE="tests.project.settings", PYTHONPATH=str(REPO_ROOT),
                XAPI_ROUTER_DATABASE_URL=f"sqlite:///{database}")


def manage(database, *args, cpus=None, sample=False):
    """
    Run ``manage.py *args``; returns ``(seconds, peak_rss_mb, rss_samples)``: wall time, the peak RSS
    of the process and its children (psutil, sampled every 0.1 s), ``[(elapsed, rss_mb), ...]``.
    """
    command = [sys.executable, str(REPO_ROOT / "manage.py"), *[str(arg) for arg in args]]

    def pin():
        if cpus is not None:
            os.sched_setaffinity(0, cpus)

    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=str(REPO_ROOT), env=_env(database), preexec_fn=pin,  # pylint: disable=subprocess-popen-preexec-fn,consider-using-with
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    watched = psutil.Process(process.pid)
    samples, peak = [], 0.0
    while process.poll() is None:
        try:
            rss = sum(proc.memory_info().rss for proc in [watched, *watched.children(recursive=True)]) / 2**20
        except psutil.Error:
            rss = 0.0
        peak = max(peak, rss)
        if sample:
            samples.append((time.perf_counter() - started, rss))
        time.sleep(0.1)
    stderr = process.stderr.read().decode("utf-8", "replace")
    process.stderr.close()
    if process.returncode != 0:
        sys.exit(f"manage.py {' '.join(map(str, args))} failed ({process.returncode}):\n{stderr[-3000:]}")
    return time.perf_counter() - started, peak, samples


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
    seconds, peak, samples = manage(database, "transform_tracking_logs", log, "--output", out, "--jobs", jobs,
                                    "--report", report, "--progress", "none", cpus=cpus, sample=True)
    data = json.loads(report.read_text())
    return {"lines": data["lines"], "statements": data["statements"], "seconds": data["seconds"],
            "wall_seconds": seconds, "peak_rss_mb": peak, "rss_at": _quartiles(samples)}


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
    prefix = work / f"prefix-{lines}.log"
    with open(log, "rb") as source, open(prefix, "wb") as target:
        for number, line in enumerate(source):
            if number >= lines:
                break
            target.write(line)
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
                manage(database, "transform_tracking_logs", prefix, "--report", report, "--progress", "none")
                data = json.loads(report.read_text())
                if data["destination"].get("delivered") != len(statements):
                    sys.exit(f"the backfill delivered {data['destination']} of {len(statements)} statements")
                seconds = data["seconds"]
        finally:
            ralph_control.stop(ralph.pid)
            shutil.rmtree(ralph_dir, ignore_errors=True)
        results[what] = {"seconds": seconds, "rate": len(statements) / seconds}
    prefix.unlink(missing_ok=True)
    statements_file.unlink(missing_ok=True)
    return results


def verdict(ok):
    """A table cell for a target."""
    return "met" if ok else "MISSED"


def report_text(events, one, two, ralph):
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
    args = parser.parse_args(argv)
    log, _ = cached_log(args.events, args.seed)
    work = CACHE_DIR / "backfill"
    work.mkdir(parents=True, exist_ok=True)
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
    print(report_text(args.events, one, two, ralph))
    if args.json:
        args.json.write_text(json.dumps({"one_core": one, "jobs_2": two, "ralph": ralph}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
