"""
The delivery benchmark: ``python -m benchmarks.delivery``.

1. **Send path**: the cost of ``XapiRouterBackend.send(event)`` per event in the request path
   (filter, normalise, transform, publish one Celery message to the real Redis broker): p50 and
   p99 over ``--events`` events, for each durability choice of
   docs/decisions/0002-lms-publishing-durability.rst: publishing in the request (the default),
   publishing from a background thread (``XAPI_ROUTER_PUBLISH_IN_BACKGROUND``), and what a durable
   local spool would add to the request (one appended line per event, without and with ``fsync``).
   Targets (background publishing): p50 <= 150 µs, p99 <= 1 ms.
2. **End to end**: one Celery worker process (solo pool) drains those messages into a fresh Ralph
   (batches of ``--batch-size``); its rate is compared with a plain client POSTing the same
   statements in the same batch size to another fresh Ralph, measured in the same run (target:
   at least 80 %).

3. **A black-hole neighbour** (``--fairness``): a prefork worker (2 processes) delivers to a healthy
   endpoint (the fault LRS in front of a fresh Ralph, which notes when each statement was answered),
   alone, then beside an endpoint that takes every event too and never answers (timeout 10 s).
   Live: events sent at a steady rate, latency from ``send`` to the healthy LRS's answer (p50,
   p95); backlog: a queue of events drained, statements/s to the healthy endpoint. Targets: beside
   the black hole, at least 90 % of the throughput and at most twice the p95 latency.

4. **Peak RSS** of separate runs at 12,500, 25,000 and 50,000 events (``--rss-sizes``), each with a
   fresh Ralph, a fresh solo worker and a fresh sending process: the sender (``XapiRouterBackend``
   publishing to Redis, ``--send-only``; its ``VmHWM`` as it ends; it waits while more
   than 2,000 messages are queued, so the shared Redis never holds a run) and the worker (its
   ``VmHWM``, read in ``/proc`` once it has delivered everything, before it is stopped), and
   whether each stays flat (:mod:`benchmarks.memory`). 1,000,000 events would take about half an
   hour per run through one worker into Ralph on this machine; the sizes are the largest whose
   three runs finish in about ten minutes.

Needs Redis on 127.0.0.1:6379 and Ralph's virtualenv (``make requirements``). Uses a throw-away
SQLite database under ``var/bench/``.
"""
import argparse
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
BENCH_DIR = REPO_ROOT / "var" / "bench"
# A --send-only process shares its parent's database (the endpoints it routes to).
DB_PATH = Path(os.environ.get("XAPI_ROUTER_BENCH_DB", BENCH_DIR / f"delivery-{os.getpid()}.sqlite3"))
REDIS_URL = os.environ.get("XAPI_ROUTER_BENCH_REDIS_URL", "redis://127.0.0.1:6379/10")

TARGET_P50_US = 150
TARGET_P99_US = 1000
TARGET_RATIO = 0.8
TARGET_FAIR_RATE = 0.9
TARGET_FAIR_P95 = 2.0
#: The separate peak-RSS runs (events), the flatness bound and the worker's target.
RSS_SIZES = (12_500, 25_000, 50_000)
RSS_GROWTH_BOUND_MB = 24
TARGET_WORKER_RSS_MB = 200
#: The sender waits while more messages than this are queued (the shared Redis holds no whole run).
SEND_QUEUE_BOUND = 2_000

os.environ["DJANGO_SETTINGS_MODULE"] = "tests.project.settings"
os.environ["XAPI_ROUTER_DATABASE_URL"] = f"sqlite:///{DB_PATH}"


def make_events(count, seed):
    """``count`` live enrollment events, each its own learner and second (so its own statement id)."""
    return list(iter_events(count, seed))


def iter_events(count, seed):
    """The events of :func:`make_events`, one at a time (a run of any size holds one)."""
    start = datetime(2026, 1, 1, tzinfo=UTC) + timedelta(days=seed % 1000)
    for number in range(count):
        user_id = seed * 10_000_000 + number
        course = f"course-v1:BenchX+C{number % 7}+2026"
        yield {
            "name": "edx.course.enrollment.activated",
            "timestamp": (start + timedelta(seconds=number)).isoformat(),
            "data": {"course_id": course, "user_id": user_id, "mode": "audit"},
            "context": {"course_id": course, "org_id": "BenchX", "user_id": user_id, "path": "/change_enrollment"},
            "event_source": "server", "username": f"bench{number}", "session": "0" * 32,
        }


def percentile(sorted_values, fraction):
    """The value at ``fraction`` (0..1) of sorted values (nearest rank)."""
    index = min(len(sorted_values) - 1, max(0, round(fraction * len(sorted_values)) - 1))
    return sorted_values[index]


def measure_send(events, queue, in_background=False):
    """Nanoseconds per ``send`` for each event (statements published to ``queue`` on Redis)."""
    from django.conf import settings  # pylint: disable=import-outside-toplevel

    from openedx_xapi_router.backends.tracking import XapiRouterBackend  # pylint: disable=import-outside-toplevel
    from openedx_xapi_router.delivery import sending  # pylint: disable=import-outside-toplevel
    from tests.project.celery_app import make_app  # pylint: disable=import-outside-toplevel

    settings.XAPI_ROUTER_PUBLISH_IN_BACKGROUND = in_background
    settings.XAPI_ROUTER_CELERY_QUEUE = queue
    app = make_app(broker_url=REDIS_URL, queue=queue, set_as_current=True)
    backend = XapiRouterBackend()
    for event in make_events(200, seed=999):  # warm up: connection, caches, imports (not delivered: other queue)
        settings.XAPI_ROUTER_CELERY_QUEUE = f"{queue}-warmup"
        backend.send(event)
    settings.XAPI_ROUTER_CELERY_QUEUE = queue
    timings = []
    clock = time.perf_counter_ns
    for event in events:
        started = clock()
        backend.send(event)
        timings.append(clock() - started)
    if not sending.publisher.flush(60):
        sys.exit("the background publisher did not publish everything within 60 s")
    if backend.errors:
        sys.exit(f"the backend logged {backend.errors} errors")
    return app, timings


def measure_spool(statement_lines, fsync):
    """
    Nanoseconds per event a durable local spool would add to ``send``: one ``write`` of the
    event's JSON line to a file opened ``O_APPEND`` (it survives SIGKILL and OOM: the kernel holds
    it), and with ``fsync`` (it survives a machine crash too).
    """
    timings = []
    clock = time.perf_counter_ns
    with tempfile.TemporaryDirectory(dir=BENCH_DIR) as spool_dir:
        descriptor = os.open(os.path.join(spool_dir, "spool.jsonl"), os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        try:
            for line in statement_lines:
                started = clock()
                os.write(descriptor, line)
                if fsync:
                    os.fsync(descriptor)
                timings.append(clock() - started)
        finally:
            os.close(descriptor)
    return timings


def summary_us(timings):
    """(p50, p99, mean) of nanosecond timings, in microseconds."""
    ordered = sorted(timings)
    return percentile(ordered, 0.5) / 1000, percentile(ordered, 0.99) / 1000, statistics.fmean(ordered) / 1000


def start_worker(queue, log_path, pool="solo", concurrency=1):
    """A real worker subprocess on ``queue``; returns the process once it answers a ping."""
    from tests.project.celery_app import make_app  # pylint: disable=import-outside-toplevel

    node = f"{queue}@bench"
    env = dict(os.environ, XAPI_ROUTER_BROKER_URL=REDIS_URL, XAPI_ROUTER_CELERY_QUEUE=queue,
               PYTHONPATH=str(REPO_ROOT))
    command = [sys.executable, "-m", "celery", "-A", "tests.project.celery_app", "worker", "--pool", pool,
               "--concurrency", str(concurrency), "--queues", queue, "--hostname", node, "--without-gossip",
               "--without-mingle", "--loglevel", "WARNING", "--include", "openedx_xapi_router.delivery.tasks"]
    with open(log_path, "ab") as log_file:
        process = subprocess.Popen(command, cwd=REPO_ROOT, env=env, stdout=log_file,  # pylint: disable=consider-using-with
                                   stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    client = make_app(broker_url=REDIS_URL, queue=queue, set_as_current=False)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            sys.exit(f"the worker exited: see {log_path}")
        if client.control.ping(destination=[node], timeout=0.5):
            client.close()
            return process
    sys.exit(f"the worker did not start: see {log_path}")


def delivered(endpoint_id):
    """Statements the worker counted as delivered to the endpoint."""
    from openedx_xapi_router.models import DeliveryHour  # pylint: disable=import-outside-toplevel

    return sum(DeliveryHour.objects.filter(endpoint_id=endpoint_id).values_list("delivered", flat=True))


def measure_worker(endpoint, count, queue, log_path, timeout, pool="solo", concurrency=1):
    """Seconds for one worker to deliver ``count`` queued statements (from its ready ping to the last)."""
    process = start_worker(queue, log_path, pool, concurrency)
    started = time.monotonic()
    try:
        while delivered(endpoint.pk) < count:
            if time.monotonic() - started > timeout:
                sys.exit(f"the worker delivered {delivered(endpoint.pk)} of {count} in {timeout}s: see {log_path}")
            time.sleep(0.02)
        return time.monotonic() - started
    finally:
        process.terminate()
        process.wait(20)


def measure_plain_client(ralph, statements, batch_size):
    """Seconds for a plain LrsClient to POST ``statements`` in batches of ``batch_size``."""
    from openedx_xapi_router.lrs.client import LrsClient  # pylint: disable=import-outside-toplevel

    from openedx_xapi_router.lrs.client import LrsError  # pylint: disable=import-outside-toplevel

    with LrsClient(ralph.statements_url, ralph.auth, timeout=60, allow_insecure_http=True) as client:
        started = time.monotonic()
        for start in range(0, len(statements), batch_size):
            for _ in range(5):  # a Ralph sharing its history file with another one answers 500 now and then
                try:
                    client.post_statements(statements[start:start + batch_size])
                    break
                except LrsError as error:
                    if not error.retryable:
                        raise
                    print(f"  plain client: retrying after {error}", flush=True)
        return time.monotonic() - started


def run_with_ralph(ralph_control, work_dir, measure):
    """
    ``measure(ralph)`` with a fresh Ralph started in ``work_dir`` (its data, auth and history file
    all there: see ``ralph_control.start``) and stopped afterwards.
    """
    ralph = ralph_control.start(work_dir)
    try:
        return measure(ralph)
    finally:
        ralph_control.stop(ralph.pid)


def fairness_scenario(ralph, black_hole, rate, seconds, backlog, seed, work, label):
    """
    One run of the neighbour benchmark: ``(live latencies in seconds, live statements/s, backlog
    statements/s)`` to a healthy endpoint, beside a black hole when ``black_hole`` is set.
    """
    import redis  # pylint: disable=import-outside-toplevel
    from django.conf import settings  # pylint: disable=import-outside-toplevel

    from openedx_xapi_router.backends.tracking import XapiRouterBackend  # pylint: disable=import-outside-toplevel
    from openedx_xapi_router.core.pipeline import transform_event  # pylint: disable=import-outside-toplevel
    from openedx_xapi_router.delivery import sending  # pylint: disable=import-outside-toplevel
    from openedx_xapi_router.models import LrsEndpoint  # pylint: disable=import-outside-toplevel
    from openedx_xapi_router.resolvers import get_transform_context  # pylint: disable=import-outside-toplevel
    from tests.fault_lrs import FaultLrs  # pylint: disable=import-outside-toplevel
    from tests.project.celery_app import make_app  # pylint: disable=import-outside-toplevel

    queue = f"xapi-router-fair-{uuid.uuid4().hex[:8]}"
    settings.XAPI_ROUTER_CELERY_QUEUE = queue
    app = make_app(broker_url=REDIS_URL, queue=queue, set_as_current=True)
    healthy_lrs = FaultLrs(ralph.statements_url, ralph.auth)
    hole_lrs = FaultLrs() if black_hole else None
    LrsEndpoint.objects.all().delete()
    sending.endpoint_cache.clear()
    healthy = LrsEndpoint.objects.create(name=f"healthy-{queue}", statements_url=healthy_lrs.statements_url,
                                         username=ralph.auth[0], password=ralph.auth[1], batch_size=100, timeout=10)
    if hole_lrs is not None:
        hole_lrs.delay_next(10**6, 60.0, status=503)
        LrsEndpoint.objects.create(name=f"hole-{queue}", statements_url=hole_lrs.statements_url, timeout=10,
                                   retry_limit=50)
    ctx = get_transform_context()
    backend = XapiRouterBackend()
    process = start_worker(queue, work / f"worker-{label}.log", "prefork", 2)
    try:
        # Live: a steady rate; latency = the healthy LRS's answer time - the send time.
        events = make_events(rate * seconds, seed)
        sent_at = {}
        started = time.monotonic()
        for number, event in enumerate(events):
            pause = started + number / rate - time.monotonic()
            if pause > 0:
                time.sleep(pause)
            sent_at[transform_event(event, ctx)[0]["id"]] = time.monotonic()
            backend.send(event)
        deadline = time.monotonic() + 300
        while delivered(healthy.pk) < len(events) and time.monotonic() < deadline:
            time.sleep(0.05)
        latencies, live_rate = live_latencies(healthy_lrs, sent_at, started, label)
        return latencies, live_rate, drain_backlog(process, backend, healthy, backlog, seed + 1), len(sent_at)
    finally:
        process.terminate()
        process.wait(30)
        healthy_lrs.close()
        if hole_lrs is not None:
            hole_lrs.close()
        redis.Redis.from_url(REDIS_URL).delete(queue)
        app.close()


def live_latencies(healthy_lrs, sent_at, started, label):
    """``(sorted latencies, statements/s)``: each statement's answer time at the healthy LRS minus its send time."""
    with healthy_lrs.lock:
        answered = {}
        for (status, ids), when in zip(healthy_lrs.posts, healthy_lrs.post_times, strict=True):
            if status < 300:
                for statement_id in ids:
                    answered.setdefault(statement_id, when)
    latencies = sorted(answered[sid] - when for sid, when in sent_at.items() if sid in answered)
    if os.environ.get("XAPI_ROUTER_BENCH_TIMELINE"):  # the worst latency of each second of sending
        worst = {}
        for sid, when in sent_at.items():
            second = int(when - started)
            worst[second] = max(worst.get(second, 0.0), answered.get(sid, float("inf")) - when)
        print(f"  {label}: worst latency per second sent: "
              + " ".join(f"{second}:{value:.1f}" for second, value in sorted(worst.items())), flush=True)
    return latencies, (len(latencies) / (max(answered.values()) - started) if answered else 0.0)


def drain_backlog(process, backend, healthy, backlog, seed):
    """Publish ``backlog`` events with the worker paused, then time the drain: statements/s to ``healthy``."""
    from openedx_xapi_router.delivery import sending  # pylint: disable=import-outside-toplevel

    process.send_signal(signal.SIGSTOP)  # the queue fills
    for event in make_events(backlog, seed):
        backend.send(event)
    sending.publisher.flush(60)
    before = delivered(healthy.pk)
    process.send_signal(signal.SIGCONT)
    started = time.monotonic()
    deadline = started + 300
    while delivered(healthy.pk) < before + backlog and time.monotonic() < deadline:
        time.sleep(0.02)
    return (delivered(healthy.pk) - before) / (time.monotonic() - started)


def run_fairness(args):
    """The neighbour benchmark (see the module docstring, 3.): alone, then beside a black hole."""
    from openedx_xapi_router.devtools import ralph_control  # pylint: disable=import-outside-toplevel

    seed = int(time.time()) % 100_000
    work = Path(tempfile.mkdtemp(prefix="fairness-bench-", dir=BENCH_DIR))
    results = {}
    try:
        for index, (label, hole) in enumerate((("alone", False), ("beside a black hole", True))):
            print(f"neighbour benchmark: healthy endpoint {label} ...", flush=True)

            def scenario(ralph, hole=hole, index=index):
                return fairness_scenario(ralph, hole, args.rate, args.seconds, args.backlog, seed + 10 * index,
                                         work, index)

            results[label] = run_with_ralph(ralph_control, work / f"ralph-{index}", scenario)
    finally:
        DB_PATH.unlink(missing_ok=True)
    alone, beside = results["alone"], results["beside a black hole"]
    verdict = {True: "met", False: "MISSED"}
    lines = ["", f"Neighbour benchmark: {args.rate} events/s for {args.seconds} s live, a backlog of "
                 f"{args.backlog:,}; prefork worker x2; black hole timeout 10 s", "",
             f"{'measurement':<52}{'alone':>10}{'beside':>10}   target", f"{'-' * 52}{'-' * 20}   {'-' * 20}"]
    for name, pick in (("live latency p50 (s)", lambda r: percentile(r[0], 0.5)),
                       ("live latency p95 (s)", lambda r: percentile(r[0], 0.95)),
                       ("live statements/s to the healthy LRS", lambda r: r[1]),
                       ("backlog drain statements/s to the healthy LRS", lambda r: r[2])):
        lines.append(f"{name:<52}{pick(alone):>10.2f}{pick(beside):>10.2f}")
    p95_ratio = percentile(beside[0], 0.95) / percentile(alone[0], 0.95)
    rate_ratio = beside[2] / alone[2]
    lines.append(f"{'backlog throughput beside / alone':<52}{rate_ratio:>20.1%}   >= {TARGET_FAIR_RATE:.0%}: "
                 f"{verdict[rate_ratio >= TARGET_FAIR_RATE]}")
    lines.append(f"{'live p95 latency beside / alone':<52}{p95_ratio:>20.2f}   <= {TARGET_FAIR_P95:.0f}x: "
                 f"{verdict[p95_ratio <= TARGET_FAIR_P95]}")
    lines.append(f"{'live statements delivered (of sent)':<52}{len(alone[0]):>10}{len(beside[0]):>10}   "
                 f"(sent {alone[3]}, {beside[3]})")
    print("\n".join(lines))
    return 0


def send_only(count, seed, queue):
    """
    The sending side of one peak-RSS run, in its own process: ``count`` events through
    ``XapiRouterBackend.send`` to ``queue`` on Redis, pausing while more than
    :data:`SEND_QUEUE_BOUND` messages wait; prints the counts and this process's peak RSS as JSON.
    """
    # pylint: disable=import-outside-toplevel
    import redis
    from django.conf import settings

    from benchmarks import memory
    from openedx_xapi_router.backends.tracking import XapiRouterBackend
    from openedx_xapi_router.delivery import sending
    from tests.project.celery_app import make_app

    settings.XAPI_ROUTER_CELERY_QUEUE = queue
    app = make_app(broker_url=REDIS_URL, queue=queue, set_as_current=True)
    broker = redis.Redis.from_url(REDIS_URL)
    backend = XapiRouterBackend()
    deadline = time.monotonic() + 3600
    for number, event in enumerate(iter_events(count, seed)):
        if number % 500 == 0:
            while broker.llen(queue) > SEND_QUEUE_BOUND:
                if time.monotonic() > deadline:
                    sys.exit(f"the worker left more than {SEND_QUEUE_BOUND} messages queued for an hour")
                time.sleep(0.05)
        backend.send(event)
    if not sending.publisher.flush(60):
        sys.exit("the background publisher did not publish everything within 60 s")
    app.close()
    print(json.dumps({"sent": count, "errors": backend.errors, "peak_rss_mb": memory.own_peak_mb()}))
    return 0 if not backend.errors else 1


def measure_rss_run(ralph, size, seed, work):
    """
    One peak-RSS run: a fresh solo worker into ``ralph`` and a fresh ``--send-only`` process of
    ``size`` events; ``{"sender": MB, "worker": MB, "worker_tree": {pid: MB}, "seconds": s}``.
    """
    # pylint: disable=import-outside-toplevel
    import redis

    from benchmarks import memory
    from openedx_xapi_router.models import LrsEndpoint

    queue = f"xapi-router-rss-{uuid.uuid4().hex[:8]}"
    LrsEndpoint.objects.all().delete()
    endpoint = LrsEndpoint.objects.create(name=f"rss-{queue}", statements_url=ralph.statements_url,
                                          username=ralph.auth[0], password=ralph.auth[1], batch_size=100, timeout=60)
    worker = start_worker(queue, work / f"worker-rss-{size}.log")
    try:
        started = time.monotonic()
        env = dict(os.environ, XAPI_ROUTER_BENCH_DB=str(DB_PATH), PYTHONPATH=str(REPO_ROOT))
        with open(work / f"sender-{size}.log", "w+", encoding="utf-8") as output:
            sender = subprocess.Popen(  # pylint: disable=consider-using-with
                [sys.executable, "-m", "benchmarks.delivery", "--send-only", str(size), "--queue", queue,
                 "--seed", str(seed)], cwd=REPO_ROOT, env=env, stdout=output, stderr=subprocess.STDOUT)
            memory.wait(sender, 3600)
            output.seek(0)
            text = output.read()
        if sender.returncode != 0:
            sys.exit(f"the sender failed ({sender.returncode}):\n{text[-3000:]}")
        sent = json.loads(text.strip().splitlines()[-1])
        while delivered(endpoint.pk) < size:
            if time.monotonic() - started > 3600:
                sys.exit(f"the worker delivered {delivered(endpoint.pk)} of {size} in an hour")
            time.sleep(0.1)
        seconds = time.monotonic() - started
        tree = memory.tree_peaks(worker.pid)
    finally:
        worker.terminate()
        worker.wait(30)
        redis.Redis.from_url(REDIS_URL).delete(queue)
    return {"sender": sent["peak_rss_mb"], "worker": tree[worker.pid],
            "worker_tree": {str(pid): peak for pid, peak in tree.items()}, "seconds": seconds,
            "delivered": delivered(endpoint.pk)}


def run_rss(sizes, seed, work):
    """The peak-RSS runs (see the module docstring, 4.): their results and the verdicts."""
    from benchmarks import memory  # pylint: disable=import-outside-toplevel
    from openedx_xapi_router.devtools import ralph_control  # pylint: disable=import-outside-toplevel

    runs = {}
    for number, size in enumerate(sizes):
        print(f"peak RSS: {size:,} events, a fresh sender and a fresh worker into a fresh Ralph ...", flush=True)
        runs[size] = run_with_ralph(ralph_control, work / f"ralph-rss-{size}",
                                    lambda ralph, size=size, number=number: measure_rss_run(
                                        ralph, size, seed + 100 + number, work))
        print(f"  {size / runs[size]['seconds']:,.0f} statements/s, sender {runs[size]['sender']:.1f} MB, "
              f"worker {runs[size]['worker']:.1f} MB", flush=True)
    return {
        "runs": {str(size): run for size, run in runs.items()},
        "sender": memory.flatness({size: run["sender"] for size, run in runs.items()}, RSS_GROWTH_BOUND_MB),
        "worker": memory.flatness({size: run["worker"] for size, run in runs.items()}, RSS_GROWTH_BOUND_MB,
                                  TARGET_WORKER_RSS_MB),
    }


def main(argv=None):  # pylint: disable=too-many-statements
    """Run both measurements and print the table."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.delivery", description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=5000, help="events sent and delivered (default 5,000)")
    parser.add_argument("--batch-size", type=int, default=100, help="statements per POST (default 100)")
    parser.add_argument("--timeout", type=float, default=300, help="seconds the worker may take at most")
    parser.add_argument("--pool", default="solo", help="the worker's pool (default solo: one process)")
    parser.add_argument("--concurrency", type=int, default=1, help="the worker's pool size (prefork, threads)")
    parser.add_argument("--fairness", action="store_true", help="run the black-hole neighbour benchmark instead")
    parser.add_argument("--rate", type=int, default=50, help="--fairness: live events per second (default 50)")
    parser.add_argument("--seconds", type=int, default=20, help="--fairness: live seconds (default 20)")
    parser.add_argument("--backlog", type=int, default=2000, help="--fairness: backlog events (default 2,000)")
    parser.add_argument("--json", type=Path, help="also write the peak-RSS results to this file")
    parser.add_argument("--rss-only", action="store_true", help="only the peak-RSS runs")
    parser.add_argument("--send-only", type=int, metavar="N", help=argparse.SUPPRESS)  # one run's sender
    parser.add_argument("--queue", help=argparse.SUPPRESS)
    parser.add_argument("--seed", type=int, help=argparse.SUPPRESS)
    from benchmarks import memory  # pylint: disable=import-outside-toplevel

    memory.add_rss_arguments(parser, RSS_SIZES)
    args = parser.parse_args(argv)

    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    import django  # pylint: disable=import-outside-toplevel

    django.setup()
    from django.core.management import call_command  # pylint: disable=import-outside-toplevel

    if args.send_only is not None:
        return send_only(args.send_only, args.seed, args.queue)
    if args.rss_only:
        return rss_report(args)
    if args.fairness:
        call_command("migrate", verbosity=0)
        return run_fairness(args)

    from openedx_xapi_router.core.pipeline import transform_event  # pylint: disable=import-outside-toplevel
    from openedx_xapi_router.devtools import ralph_control  # pylint: disable=import-outside-toplevel
    from openedx_xapi_router.models import LrsEndpoint  # pylint: disable=import-outside-toplevel
    from openedx_xapi_router.resolvers import get_transform_context  # pylint: disable=import-outside-toplevel

    problem = ralph_control.ralph_available()
    if problem:
        sys.exit(problem)
    call_command("migrate", verbosity=0)
    seed = int(time.time()) % 100_000
    events = make_events(args.events, seed)
    ctx = get_transform_context()
    statements = [statement for event in events for statement in transform_event(event, ctx)]
    queue = f"xapi-router-bench-{uuid.uuid4().hex[:8]}"
    work = Path(tempfile.mkdtemp(prefix="delivery-bench-", dir=BENCH_DIR))
    # One Ralph at a time, each with its own history file (see run_with_ralph). The plain client
    # runs before and after the worker, so a machine that gets busier or quieter during the run
    # does not favour either side.
    plain_seconds = []
    background_timings = []
    app = None
    messages = 0
    try:
        print(f"baseline: a plain client POSTs {len(statements):,} statements to a fresh Ralph ...", flush=True)
        plain_seconds.append(run_with_ralph(ralph_control, work / "ralph-plain-1",
                                            lambda ralph: measure_plain_client(ralph, statements, args.batch_size)))

        def ours(ralph):
            nonlocal app
            username, password = ralph.auth
            endpoint = LrsEndpoint.objects.create(
                name=f"bench-{queue}", statements_url=ralph.statements_url, username=username, password=password,
                batch_size=args.batch_size, timeout=60,
            )
            print(f"send path: {args.events:,} events through XapiRouterBackend.send to Redis, publishing in "
                  "the request (the default) ...", flush=True)
            app, timings = measure_send(events, queue)
            import redis  # pylint: disable=import-outside-toplevel

            from openedx_xapi_router.delivery import sending  # pylint: disable=import-outside-toplevel

            nonlocal messages
            sending.publisher.flush(60)  # the background publisher's last messages
            messages = redis.Redis.from_url(REDIS_URL).llen(queue)
            print(f"send path again: {args.events:,} other events, publishing in the background ...", flush=True)
            _, background_timings[:] = measure_send(make_events(args.events, seed + 1), f"{queue}-background",
                                                    in_background=True)
            print(f"end to end: one worker delivers {len(statements):,} statements into a fresh Ralph ...", flush=True)
            return timings, measure_worker(endpoint, len(statements), queue, work / "worker.log", args.timeout,
                                           args.pool, args.concurrency)

        timings, worker_seconds = run_with_ralph(ralph_control, work / "ralph-ours", ours)
        print("baseline again, to another fresh Ralph ...", flush=True)
        plain_seconds.append(run_with_ralph(ralph_control, work / "ralph-plain-2",
                                            lambda ralph: measure_plain_client(ralph, statements, args.batch_size)))
    finally:
        if app is not None:
            import redis  # pylint: disable=import-outside-toplevel

            redis.Redis.from_url(REDIS_URL).delete(queue, f"{queue}-warmup", f"{queue}-background")
            app.close()
        DB_PATH.unlink(missing_ok=True)
    p50, p99, mean = summary_us(timings)
    bg_p50, bg_p99, bg_mean = summary_us(background_timings)
    import orjson  # pylint: disable=import-outside-toplevel

    lines = [orjson.dumps([[1], "edx.course.enrollment.activated", "v", [statement]]) + b"\n"
             for statement in statements]
    spool = summary_us(measure_spool(lines, fsync=False))
    spool_fsync = summary_us(measure_spool(lines[:1000], fsync=True))
    ours_rate = len(statements) / worker_seconds
    plain_rate = len(statements) / statistics.fmean(plain_seconds)
    ratio = ours_rate / plain_rate
    verdict = {True: "met", False: "MISSED"}
    print("\n".join([
        "",
        f"Delivery benchmark: {args.events:,} events, batch size {args.batch_size}, Redis {REDIS_URL}, "
        f"Python {sys.version.split()[0]}",
        "",
        f"{'measurement':<52}{'value':>12}   target",
        f"{'-' * 52}{'-' * 12}   {'-' * 20}",
        f"{'send(), publishing in the request (default), p50 (µs)':<52}{p50:>12.1f}",
        f"{'send(), publishing in the request (default), p99 (µs)':<52}{p99:>12.1f}",
        f"{'send(), publishing in the request (default), mean (µs)':<52}{mean:>12.1f}",
        f"{'send(), publishing in the background, p50 (µs)':<52}{bg_p50:>12.1f}   "
        f"<= {TARGET_P50_US}: {verdict[bg_p50 <= TARGET_P50_US]}",
        f"{'send(), publishing in the background, p99 (µs)':<52}{bg_p99:>12.1f}   "
        f"<= {TARGET_P99_US}: {verdict[bg_p99 <= TARGET_P99_US]}",
        f"{'send(), publishing in the background, mean (µs)':<52}{bg_mean:>12.1f}",
        f"{'a local spool would add: append, p50 / p99 (µs)':<52}{f'{spool[0]:.1f} / {spool[1]:.1f}':>12}",
        f"{'a local spool would add: append+fsync, p50 / p99 (µs)':<52}"
        f"{f'{spool_fsync[0]:.0f} / {spool_fsync[1]:.0f}':>12}",
        f"{'messages published (statements per message)':<52}{messages:>12,}   "
        f"({len(statements) / max(1, messages):,.1f})",
        f"{f'one worker ({args.pool} x{args.concurrency}) into Ralph, statements/s':<52}{ours_rate:>12,.0f}",
        f"{'plain client into Ralph, same batches, statements/s':<52}{plain_rate:>12,.0f}   "
        f"(before {len(statements) / plain_seconds[0]:,.0f}, after {len(statements) / plain_seconds[1]:,.0f})",
        f"{'ratio worker / plain client':<52}{ratio:>12.1%}   >= {TARGET_RATIO:.0%}: {verdict[ratio >= TARGET_RATIO]}",
    ]))
    return rss_report(args)


def rss_report(args):
    """Run the peak-RSS runs (unless ``--skip-rss``), print their table, write ``--json``."""
    from benchmarks import memory  # pylint: disable=import-outside-toplevel
    from django.core.management import call_command  # pylint: disable=import-outside-toplevel

    sizes = memory.rss_sizes(args)
    if not sizes:
        return 0
    from django.db import connections  # pylint: disable=import-outside-toplevel

    connections.close_all()  # the database file may have been removed: open it anew
    call_command("migrate", verbosity=0)
    work = Path(tempfile.mkdtemp(prefix="delivery-rss-", dir=BENCH_DIR))
    try:
        rss = run_rss(sizes, int(time.time()) % 100_000, work)
    finally:
        DB_PATH.unlink(missing_ok=True)
        shutil.rmtree(work, ignore_errors=True)
    lines = ["", "Delivery peak RSS: separate runs, each a fresh sender, solo worker and Ralph; batch size 100", "",
             *memory.table_rows("sending process (XapiRouterBackend.send)", rss["sender"], width=60),
             *memory.table_rows("worker process (solo, VmHWM)", rss["worker"], width=60)]
    print("\n".join(lines))
    if args.json:
        args.json.write_text(json.dumps(rss, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
