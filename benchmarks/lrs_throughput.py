"""
The LRS throughput benchmark: ``python -m benchmarks.lrs_throughput`` (``make bench``).

How many statements per second the backfill's LRS destination delivers with ``max_in_flight`` POSTs
in flight, against what the same kind of Ralph accepts from a plain client at the same concurrency:

* two fresh Ralphs, each served by ``--ralph-workers`` uvicorn processes
  (``ralph_control.start(workers=...)``), one for each side, so both hold the same amount of data
  at each round (Ralph's filesystem backend gets slower as its data grows);
* **plain client**: ``--in-flight`` threads, each with its own ``requests.Session``, POST the
  round's statements in batches of ``--batch-size`` (serialised with ``orjson`` in the thread, as
  our client does), nothing else;
* **ours**: :class:`~openedx_xapi_router.backfill.lrs_destinations.LrsDestination` with an
  endpoint of that batch size and ``max_in_flight``: routing, byte-sized batching, the delivery
  policy, counters and the endpoint's bookkeeping in the database, as a backfill runs it;
* the two alternate, round by round (``--rounds``; who goes first alternates too), each round its
  own statements; the ratio is of the totals (target: at least 90 %). The machine may be loaded:
  the ratio within one run is the figure, not the absolute rates.

Then the peak RSS of the sending side (``--rss-sizes``: 12,500, 25,000 and 50,000 statements by
default): each size a fresh process (``--client-only``) streaming its statements, a thousand at a
time, through one ``LrsDestination`` into a fresh Ralph, its own ``VmHWM`` as it ends,
and whether it stays flat (:mod:`benchmarks.memory`). 1,000,000 statements would take over ten
minutes per run at the rates Ralph reaches here.

Every round is bounded (``--timeout`` seconds per POST; a failing POST aborts the run). Uses a
throw-away SQLite database under ``var/bench/``.
"""
import argparse
import json
import os
import subprocess
import queue
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
BENCH_DIR = REPO_ROOT / "var" / "bench"
DB_PATH = BENCH_DIR / f"lrs-throughput-{os.getpid()}.sqlite3"
TARGET_RATIO = 0.9
#: The separate peak-RSS runs (statements), the flatness bound, the client's target.
RSS_SIZES = (12_500, 25_000, 50_000)
RSS_GROWTH_BOUND_MB = 24
TARGET_CLIENT_RSS_MB = 200
#: Events made and sent at a time by a peak-RSS run (a run holds no more than this many).
RSS_CHUNK = 1_000

os.environ["DJANGO_SETTINGS_MODULE"] = "tests.project.settings"
os.environ["XAPI_ROUTER_DATABASE_URL"] = f"sqlite:///{DB_PATH}"


def make_round(count, seed):
    """``[(normalised event, statements)]`` for ``count`` enrollment events of their own learners."""
    # pylint: disable=import-outside-toplevel
    from benchmarks.delivery import make_events
    from openedx_xapi_router.core.event import normalize
    from openedx_xapi_router.core.pipeline import transform_event
    from openedx_xapi_router.resolvers import get_transform_context

    ctx = get_transform_context()
    return [(normalize(raw), transform_event(raw, ctx)) for raw in make_events(count, seed)]


def plain_client(ralph, statements, batch_size, in_flight, timeout):
    """Seconds for ``in_flight`` threads of plain ``requests`` to POST ``statements`` in batches."""
    # pylint: disable=import-outside-toplevel
    import orjson
    import requests

    batches = queue.Queue()
    for start in range(0, len(statements), batch_size):
        batches.put(statements[start:start + batch_size])
    errors = []

    def work():
        with requests.Session() as session:
            session.auth = ralph.auth
            headers = {"Content-Type": "application/json", "X-Experience-API-Version": "1.0.3"}
            while not errors:
                try:
                    batch = batches.get_nowait()
                except queue.Empty:
                    return
                response = session.post(ralph.statements_url, data=orjson.dumps(batch), headers=headers,
                                        timeout=timeout)
                if response.status_code != 200:
                    errors.append(f"HTTP {response.status_code}: {response.text[:200]}")

    threads = [threading.Thread(target=work, name=f"plain-{number}") for number in range(in_flight)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seconds = time.monotonic() - started
    if errors:
        raise RuntimeError(f"plain client: {errors[0]}")
    return seconds


def our_destination(endpoint, made):
    """Seconds for the backfill's LRS destination to deliver ``made``; the report's counts."""
    # pylint: disable=import-outside-toplevel
    from openedx_xapi_router.backfill.counting import BackfillReport
    from openedx_xapi_router.backfill.lrs_destinations import LrsDestination
    from openedx_xapi_router.delivery.client import close_clients

    # Each round is one backfill run, with new connections as a new process (and the plain client's
    # new sessions) has: kept-alive connections of an earlier round would stay with the Ralph
    # workers that accepted them, whose data files then grow faster than the others'.
    close_clients()
    report = BackfillReport()
    destination = LrsDestination([endpoint], report)
    started = time.monotonic()
    for event, statements in made:
        destination.send(event, statements)
    destination.close()
    return time.monotonic() - started, dict(report.destination)


def client_only(count, args):
    """
    The sending side of one peak-RSS run, in its own process: ``count`` statements made and sent
    :data:`RSS_CHUNK` at a time through one ``LrsDestination`` into the Ralph of
    ``XAPI_ROUTER_BENCH_LRS_URL`` (credentials in ``..._USER``, ``..._PASSWORD``); prints the
    report's counts and this process's peak RSS as JSON.
    """
    # pylint: disable=import-outside-toplevel
    from django.core.management import call_command

    from benchmarks import memory
    from openedx_xapi_router.backfill.counting import BackfillReport
    from openedx_xapi_router.backfill.lrs_destinations import LrsDestination
    from openedx_xapi_router.models import LrsEndpoint

    call_command("migrate", verbosity=0)
    endpoint = LrsEndpoint.objects.create(
        name="rss", statements_url=os.environ["XAPI_ROUTER_BENCH_LRS_URL"],
        username=os.environ["XAPI_ROUTER_BENCH_LRS_USER"], password=os.environ["XAPI_ROUTER_BENCH_LRS_PASSWORD"],
        batch_size=args.batch_size, max_in_flight=args.in_flight, timeout=args.timeout, retry_limit=0,
    )
    report = BackfillReport()
    destination = LrsDestination([endpoint], report)
    seed = int(time.time()) % 10_000 * 1_000
    started = time.monotonic()
    for number, start in enumerate(range(0, count, RSS_CHUNK)):
        for event, statements in make_round(min(RSS_CHUNK, count - start), seed + number):
            destination.send(event, statements)
    destination.close()
    print(json.dumps({"counts": dict(report.destination), "seconds": time.monotonic() - started,
                      "peak_rss_mb": memory.own_peak_mb()}))
    return 0


def measure_rss(args, ralph_control, work):
    """The peak-RSS runs: a fresh Ralph and a fresh ``--client-only`` process for each size."""
    from benchmarks import memory  # pylint: disable=import-outside-toplevel

    peaks, runs = {}, {}
    for size in memory.rss_sizes(args):
        ralph = ralph_control.start(work / f"ralph-rss-{size}", workers=args.ralph_workers)
        print(f"peak RSS: {size:,} statements through one LrsDestination, a fresh process ...", flush=True)
        try:
            env = dict(os.environ, XAPI_ROUTER_BENCH_LRS_URL=ralph.statements_url,
                       XAPI_ROUTER_BENCH_LRS_USER=ralph.auth[0], XAPI_ROUTER_BENCH_LRS_PASSWORD=ralph.auth[1],
                       PYTHONPATH=str(REPO_ROOT))
            env.pop("XAPI_ROUTER_DATABASE_URL", None)
            command = [sys.executable, "-m", "benchmarks.lrs_throughput", "--client-only", str(size),
                       "--batch-size", str(args.batch_size), "--in-flight", str(args.in_flight),
                       "--timeout", str(args.timeout)]
            with tempfile.TemporaryFile("w+", encoding="utf-8") as output:
                process = subprocess.Popen(command, cwd=REPO_ROOT, env=env, stdout=output,  # pylint: disable=consider-using-with
                                           stderr=subprocess.STDOUT)
                memory.wait(process, 3600)
                output.seek(0)
                text = output.read()
        finally:
            ralph_control.stop(ralph.pid)
            shutil.rmtree(work / f"ralph-rss-{size}", ignore_errors=True)
        if process.returncode != 0:
            raise RuntimeError(f"the --client-only run of {size} failed:\n{text[-3000:]}")
        runs[size] = json.loads(text.strip().splitlines()[-1])
        peaks[size] = runs[size]["peak_rss_mb"]
        counts = runs[size]["counts"]
        if counts.get("delivered") != size or counts.get("rejected") or counts.get("dead_lettered"):
            raise RuntimeError(f"the --client-only run of {size} did not deliver every statement: {counts}")
        print(f"  {size / runs[size]['seconds']:,.0f} statements/s, peak RSS {peaks[size]:.1f} MB", flush=True)
    verdict = memory.flatness(peaks, RSS_GROWTH_BOUND_MB, TARGET_CLIENT_RSS_MB)
    print("\n".join(memory.table_rows("LrsDestination client", verdict)))
    return {"runs": {str(size): run for size, run in runs.items()}, "verdict": verdict}


def main(argv=None):  # pylint: disable=too-many-locals,too-many-statements
    """Run the rounds and print the table."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.lrs_throughput", description=__doc__.split("\n\n")[0])
    parser.add_argument("--statements", type=int, default=4000, help="statements per round and side (default 4,000)")
    parser.add_argument("--rounds", type=int, default=8, help="rounds, each side once per round (default 8)")
    parser.add_argument("--batch-size", type=int, default=100, help="statements per POST (default 100)")
    parser.add_argument("--in-flight", type=int, default=4, help="POSTs in flight (default 4)")
    parser.add_argument("--ralph-workers", type=int, default=4, help="uvicorn processes of each Ralph (default 4)")
    parser.add_argument("--timeout", type=float, default=60, help="seconds one POST may take (default 60)")
    parser.add_argument("--rss-only", action="store_true", help="only the peak-RSS runs")
    parser.add_argument("--json", type=Path, help="also write the peak-RSS results to this file")
    parser.add_argument("--client-only", type=int, metavar="N", help=argparse.SUPPRESS)  # one peak-RSS run
    from benchmarks import memory  # pylint: disable=import-outside-toplevel

    memory.add_rss_arguments(parser, RSS_SIZES, what="statements")
    args = parser.parse_args(argv)

    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    import django  # pylint: disable=import-outside-toplevel

    django.setup()
    # pylint: disable=import-outside-toplevel
    from django.conf import settings
    from django.core.management import call_command

    from openedx_xapi_router.devtools import ralph_control
    from openedx_xapi_router.models import LrsEndpoint

    settings.XAPI_ROUTER_ALLOW_INSECURE_HTTP = True
    if args.client_only is not None:
        try:
            return client_only(args.client_only, args)
        finally:
            DB_PATH.unlink(missing_ok=True)
    problem = ralph_control.ralph_available()
    if problem:
        sys.exit(problem)
    call_command("migrate", verbosity=0)
    seed = int(time.time()) % 10_000
    work = Path(tempfile.mkdtemp(prefix="lrs-throughput-", dir=BENCH_DIR))
    ralphs = []
    try:
        if args.rss_only:
            rss = measure_rss(args, ralph_control, work)
            if args.json:
                args.json.write_text(json.dumps(rss, indent=1))
            return 0
        for side in ("plain", "ours"):
            ralphs.append(ralph_control.start(work / f"ralph-{side}", workers=args.ralph_workers))
        plain_ralph, our_ralph = ralphs[0], ralphs[1]
        username, password = our_ralph.auth
        endpoint = LrsEndpoint.objects.create(
            name="throughput", statements_url=our_ralph.statements_url, username=username, password=password,
            batch_size=args.batch_size, max_in_flight=args.in_flight, timeout=args.timeout, retry_limit=0,
        )
        print(f"LRS throughput: {args.rounds} rounds of {args.statements} statements per side, batches of "
              f"{args.batch_size}, {args.in_flight} POSTs in flight, Ralph with {args.ralph_workers} workers",
              flush=True)
        totals = {"plain": [0, 0.0], "ours": [0, 0.0]}
        for number in range(args.rounds):
            base = (seed * 100 + number * 2) * 10
            plain_made = make_round(args.statements, base)
            our_made = make_round(args.statements, base + 1)
            plain_statements = [statement for _, statements in plain_made for statement in statements]
            def plain(statements=plain_statements):
                return plain_client(plain_ralph, statements, args.batch_size, args.in_flight, args.timeout)

            if number % 2:  # who goes first alternates: neither side always meets the other's leftovers
                (our_seconds, counts), plain_seconds = our_destination(endpoint, our_made), plain()
            else:
                plain_seconds, (our_seconds, counts) = plain(), our_destination(endpoint, our_made)
            ours = sum(len(statements) for _, statements in our_made)
            if counts.get("delivered") != ours or counts.get("rejected") or counts.get("dead_lettered"):
                raise RuntimeError(f"round {number + 1}: our destination did not deliver every statement: {counts}")
            totals["plain"][0] += len(plain_statements)
            totals["plain"][1] += plain_seconds
            totals["ours"][0] += ours
            totals["ours"][1] += our_seconds
            print(f"  round {number + 1}: plain {len(plain_statements) / plain_seconds:8.0f} statements/s, "
                  f"ours {ours / our_seconds:8.0f} statements/s ({counts.get('requests')} POSTs)", flush=True)
        plain_rate = totals["plain"][0] / totals["plain"][1]
        our_rate = totals["ours"][0] / totals["ours"][1]
        ratio = our_rate / plain_rate
        print(f"plain client: {plain_rate:8.0f} statements/s")
        print(f"ours:         {our_rate:8.0f} statements/s")
        print(f"ratio:        {ratio:8.1%} (target >= {TARGET_RATIO:.0%}) "
              f"{'OK' if ratio >= TARGET_RATIO else 'BELOW TARGET'}")
        for ralph in ralphs:  # the peak-RSS runs start their own
            ralph_control.stop(ralph.pid)
        ralphs.clear()
        if not args.skip_rss:
            rss = measure_rss(args, ralph_control, work)
            if args.json:
                args.json.write_text(json.dumps({"ratio": ratio, "rss": rss}, indent=1))
        return 0
    except RuntimeError:
        for side in ("plain", "ours"):  # what Ralph said about it
            log_path = work / f"ralph-{side}" / "ralph.log"
            if log_path.exists():
                print(f"--- Ralph ({side}) log, last lines:\n" + "\n".join(
                    log_path.read_text(errors="replace").splitlines()[-15:]), file=sys.stderr)
        raise
    finally:
        for ralph in ralphs:
            ralph_control.stop(ralph.pid)
        shutil.rmtree(work, ignore_errors=True)
        DB_PATH.unlink(missing_ok=True)


if __name__ == "__main__":
    sys.exit(main())
