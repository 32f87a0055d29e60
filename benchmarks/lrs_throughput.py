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

Every round is bounded (``--timeout`` seconds per POST; a failing POST aborts the run). Uses a
throw-away SQLite database under ``var/bench/``.
"""
import argparse
import os
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


def main(argv=None):  # pylint: disable=too-many-locals,too-many-statements
    """Run the rounds and print the table."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.lrs_throughput", description=__doc__.split("\n\n")[0])
    parser.add_argument("--statements", type=int, default=4000, help="statements per round and side (default 4,000)")
    parser.add_argument("--rounds", type=int, default=8, help="rounds, each side once per round (default 8)")
    parser.add_argument("--batch-size", type=int, default=100, help="statements per POST (default 100)")
    parser.add_argument("--in-flight", type=int, default=4, help="POSTs in flight (default 4)")
    parser.add_argument("--ralph-workers", type=int, default=4, help="uvicorn processes of each Ralph (default 4)")
    parser.add_argument("--timeout", type=float, default=60, help="seconds one POST may take (default 60)")
    args = parser.parse_args(argv)

    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    import django  # pylint: disable=import-outside-toplevel

    django.setup()
    # pylint: disable=import-outside-toplevel
    from django.conf import settings
    from django.core.management import call_command

    from openedx_xapi_router.devtools import ralph_control
    from openedx_xapi_router.models import LrsEndpoint

    problem = ralph_control.ralph_available()
    if problem:
        sys.exit(problem)
    settings.XAPI_ROUTER_ALLOW_INSECURE_HTTP = True
    call_command("migrate", verbosity=0)
    seed = int(time.time()) % 10_000
    work = Path(tempfile.mkdtemp(prefix="lrs-throughput-", dir=BENCH_DIR))
    ralphs = []
    try:
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
