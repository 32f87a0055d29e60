"""
``manage.py transform_tracking_logs``: turn tracking logs into xAPI statements and send them to the
configured LRS endpoints (or a JSONL file, or stdout), fast, resumable, and byte-identical to the
live path. A thin shell around :mod:`openedx_xapi_router.backfill`; see the README, "Backfilling
tracking logs". ``--distribute`` records the run in the database and hands its units to the LMS's
Celery workers instead (:mod:`openedx_xapi_router.backfill.distributed`); ``--status RUN`` and
``--resume-run RUN`` watch and resume such a run.
"""
import json
import os
import sys
import time

from django.core.management.base import BaseCommand, CommandError

from openedx_xapi_router import processing
from openedx_xapi_router.backfill import distributed, runner
from openedx_xapi_router.backfill.destinations import (
    DryRunDestination,
    JsonlDestination,
    LineWriter,
    LrsDestination,
    QueueDestination,
)
from openedx_xapi_router.backfill.filters import EventFilter, parse_time
from openedx_xapi_router.backfill.lrs_destinations import caliper_transform
from openedx_xapi_router.backfill.progress import Progress, summary_table
from openedx_xapi_router.backfill.sources import S3Settings, SourceError, discover
from openedx_xapi_router.core.errors import ConfigurationError
from openedx_xapi_router.resolvers import get_transform_context

EXIT_INTERRUPTED = 130


def _names(values):
    """A frozenset from repeatable, comma-separated option values."""
    return frozenset(item.strip() for value in values or () for item in value.split(",") if item.strip())


class Command(BaseCommand):
    """Transform tracking logs into xAPI statements and send them on."""

    help = ("Transform Open edX tracking logs (files, directories, globs, gzip/bzip2, stdin '-', s3://bucket/prefix) "
            "into xAPI statements, sent to the enabled LRS endpoints, a JSONL file or stdout.")

    def add_arguments(self, parser):
        parser.add_argument("inputs", nargs="*", metavar="INPUT",
                            help="a tracking-log file, directory or glob, '-' for stdin, or s3://bucket/prefix")
        where = parser.add_argument_group("destination (default: every enabled LRS endpoint)")
        where.add_argument("--endpoint", action="append", default=[], metavar="NAME",
                           help="send only to this LRS endpoint (repeatable)")
        where.add_argument("--output", metavar="PATH", help="write statements as JSONL to PATH ('-': stdout) instead")
        where.add_argument("--queue", action="store_true",
                           help="publish to the Celery delivery tasks instead of delivering synchronously")
        where.add_argument("--max-rate", type=float, metavar="N", help="at most N statements per second per LRS")
        where.add_argument("--dry-run", action="store_true", help="count, send nothing")
        which = parser.add_argument_group("filters")
        which.add_argument("--since", metavar="ISO8601", help="only events at or after this time")
        which.add_argument("--until", metavar="ISO8601", help="only events before this time")
        which.add_argument("--event-names", action="append", metavar="NAMES", help="comma-separated event names")
        which.add_argument("--orgs", action="append", metavar="ORGS", help="comma-separated orgs")
        which.add_argument("--courses", action="append", metavar="KEYS", help="comma-separated course keys")
        which.add_argument("--all-event-names", action="store_true",
                           help="transform every event name a transformer handles, not only the names "
                                "XAPI_ROUTER_ALLOWED_EVENT_NAMES sends live (the default)")
        how = parser.add_argument_group("running")
        how.add_argument("--jobs", type=int, default=1, metavar="N", help="worker processes (default 1)")
        how.add_argument("--reject-file", metavar="PATH", help="append every unusable line here (JSONL)")
        how.add_argument("--report", metavar="PATH", help="write the final counts here as JSON")
        how.add_argument("--checkpoint", metavar="PATH", help="save progress here as the run goes")
        how.add_argument("--resume", action="store_true", help="continue from --checkpoint")
        how.add_argument("--checkpoint-lines", type=int, default=50_000, metavar="N",
                         help="save the checkpoint at least every N lines (default 50,000)")
        how.add_argument("--checkpoint-seconds", type=float, default=10.0, metavar="S",
                         help="and at least every S seconds (default 10)")
        how.add_argument("--progress", choices=("auto", "bar", "log", "none"), default="auto",
                         help="progress on stderr: a bar on a terminal, log lines otherwise (default auto)")
        how.add_argument("--progress-seconds", type=float, metavar="S", help="seconds between progress updates")
        spread = parser.add_argument_group("distributed (units run by the LMS's Celery workers)")
        spread.add_argument("--distribute", action="store_true",
                            help="record the run and its units in the database, enqueue one backfill_unit task "
                                 "per unit, print the run id and return")
        spread.add_argument("--unit-bytes", type=int, default=distributed.DEFAULT_UNIT_BYTES, metavar="N",
                            help="cut plain files larger than N bytes into units of about N (default 256 MiB)")
        spread.add_argument("--lease-seconds", type=float, default=distributed.DEFAULT_LEASE_SECONDS, metavar="S",
                            help="another worker resumes a unit whose worker sent no heartbeat for S seconds "
                                 "(default 300)")
        spread.add_argument("--max-attempts", type=int, default=distributed.DEFAULT_MAX_ATTEMPTS, metavar="N",
                            help="a unit is failed after N claims that did not finish it (default 5)")
        spread.add_argument("--celery-queue", default=distributed.DEFAULT_QUEUE, metavar="QUEUE",
                            help=f"the queue of the run's tasks (default {distributed.DEFAULT_QUEUE})")
        spread.add_argument("--status", type=int, metavar="RUN", help="show a distributed run's progress and return")
        spread.add_argument("--resume-run", type=int, metavar="RUN",
                            help="enqueue again the units of a distributed run that are not done")
        s3 = parser.add_argument_group("S3-compatible storage (else the AWS_* environment variables)")
        s3.add_argument("--s3-endpoint-url", metavar="URL", help="e.g. https://minio.example.org:9000")
        s3.add_argument("--s3-access-key", metavar="KEY")
        s3.add_argument("--s3-secret-key", metavar="SECRET")
        s3.add_argument("--s3-region", metavar="REGION")

    def handle(self, *args, **options):  # pylint: disable=too-many-locals
        if options["status"] is not None or options["resume_run"] is not None:
            self._watch(options)
            return
        if not options["inputs"]:
            raise CommandError("give at least one INPUT (or --status RUN / --resume-run RUN)")
        if options["jobs"] < 1:
            raise CommandError("--jobs must be at least 1")
        if options["resume"] and not options["checkpoint"]:
            raise CommandError("--resume needs --checkpoint PATH")
        if options["output"] and (options["endpoint"] or options["queue"]):
            raise CommandError("--output writes a file; it cannot be combined with --endpoint or --queue")
        if options["max_rate"] is not None and options["max_rate"] <= 0:
            raise CommandError("--max-rate must be positive")
        try:
            event_filter = EventFilter(
                since=parse_time(options["since"]) if options["since"] else None,
                until=parse_time(options["until"]) if options["until"] else None,
                event_names=_names(options["event_names"]), orgs=_names(options["orgs"]),
                courses=_names(options["courses"]),
            )
        except ValueError as error:
            raise CommandError(f"--since/--until must be ISO 8601: {error}") from None
        s3_settings = S3Settings.from_options(options["s3_endpoint_url"], options["s3_access_key"],
                                              options["s3_secret_key"], options["s3_region"])
        try:
            sources = discover(options["inputs"], s3_settings)
            ctx = get_transform_context()
            allowed = None if options["all_event_names"] else processing.allowed_names()
        except (SourceError, ConfigurationError) as error:
            raise CommandError(str(error)) from None
        if options["distribute"]:
            self._distribute(options, sources, event_filter, allowed)
            return
        if "-" in options["inputs"] and options["jobs"] > 1:
            self.stderr.write("transform_tracking_logs: stdin is read by one process")
        make_destination, cleanup = self._destination(options)
        settings = runner.Settings(
            ctx=ctx, event_filter=event_filter, allowed_names=allowed, reject_path=options["reject_file"],
            every_lines=options["checkpoint_lines"], every_seconds=options["checkpoint_seconds"],
            checkpointing=bool(options["checkpoint"]), s3_settings=s3_settings,
        )
        progress = self._progress(options, sources)
        started = progress.started if progress else time.monotonic()
        try:
            report, interrupted = runner.run(
                options["inputs"], sources, settings, make_destination, jobs=options["jobs"],
                checkpoint_path=options["checkpoint"], resume=options["resume"], progress=progress,
                before_fork=_close_connections,
            )
        except (SourceError, runner.CheckpointMismatch) as error:
            raise CommandError(str(error)) from None
        finally:
            cleanup()
        seconds = time.monotonic() - started
        if options["report"]:
            with open(options["report"], "w", encoding="utf-8") as file:
                json.dump({**report.as_dict(), "seconds": seconds, "interrupted": interrupted}, file, indent=1)
        self.stderr.write(summary_table(report, seconds, interrupted), ending="")
        if interrupted:
            sys.exit(EXIT_INTERRUPTED)

    def _distribute(self, options, sources, event_filter, allowed):
        """Record the run and its units, enqueue them, say how to watch."""
        if options["output"] or options["queue"] or options["resume"] or options["checkpoint"] or options["jobs"] > 1:
            raise CommandError("--distribute delivers to LRS endpoints (or --dry-run) from the Celery workers; "
                               "--output, --queue, --jobs, --checkpoint and --resume do not apply")
        if options["unit_bytes"] < 1 or options["lease_seconds"] <= 0 or options["max_attempts"] < 1:
            raise CommandError("--unit-bytes, --lease-seconds and --max-attempts must be positive")
        endpoints = [] if options["dry_run"] else self._endpoints(options["endpoint"])
        run_options = distributed.RunOptions(
            endpoint_ids=tuple(endpoint.pk for endpoint in endpoints), dry_run=options["dry_run"],
            allowed_names=None if allowed is None else tuple(sorted(allowed)),
            since=event_filter.since.isoformat() if event_filter.since else None,
            until=event_filter.until.isoformat() if event_filter.until else None,
            event_names=tuple(sorted(event_filter.event_names)), orgs=tuple(sorted(event_filter.orgs)),
            courses=tuple(sorted(event_filter.courses)), max_rate=options["max_rate"],
            reject_file=options["reject_file"], checkpoint_lines=options["checkpoint_lines"],
            checkpoint_seconds=options["checkpoint_seconds"], lease_seconds=options["lease_seconds"],
            max_attempts=options["max_attempts"], queue=options["celery_queue"],
            s3_endpoint_url=options["s3_endpoint_url"], s3_region=options["s3_region"],
        )
        try:
            run = distributed.create_run(options["inputs"], sources, run_options, options["unit_bytes"])
        except distributed.RunError as error:
            raise CommandError(str(error)) from None
        count = distributed.enqueue(run, list(run.units.order_by("number").values_list("pk", flat=True)))
        self.stdout.write(f"backfill run {run.pk}: {count} units enqueued on the Celery queue {run_options.queue}")
        self.stdout.write(f"watch it: transform_tracking_logs --status {run.pk} (or the admin's backfill runs); "
                          f"resume it: transform_tracking_logs --resume-run {run.pk}")

    def _watch(self, options):
        """``--status RUN`` and ``--resume-run RUN``."""
        try:
            if options["resume_run"] is not None:
                run = distributed.get_run(options["resume_run"])
                count = distributed.resume(run)
                self.stdout.write(f"backfill run {run.pk}: {count} units enqueued again")
            run = distributed.get_run(options["status"] if options["status"] is not None else options["resume_run"])
        except distributed.RunError as error:
            raise CommandError(str(error)) from None
        status = distributed.run_status(run)
        self.stdout.write(status.summary(), ending="")
        if options["report"]:
            with open(options["report"], "w", encoding="utf-8") as file:
                json.dump({**status.report.as_dict(), "units": status.units, "state": run.state,
                           "seconds": status.seconds}, file, indent=1)

    def _progress(self, options, sources):
        mode = options["progress"]
        if mode == "none":
            return None
        interactive = {"bar": True, "log": False}.get(mode)
        total = sum(source.size for source in sources) if all(source.seekable for source in sources) else None
        return Progress(sys.stderr, total, interactive=interactive, interval=options["progress_seconds"])

    def _destination(self, options):
        """``(make_destination, cleanup)`` for the options."""
        if options["dry_run"]:
            return DryRunDestination, lambda: None
        output = options["output"]
        if output == "-":
            return _stdout_destination(options["jobs"])
        if output:
            if not options["resume"] and os.path.isfile(output):
                os.truncate(output, 0)
            return (lambda report: JsonlDestination(LineWriter.append_to(output), report)), lambda: None
        endpoints = self._endpoints(options["endpoint"])
        transform_caliper = caliper_transform(options["all_event_names"])  # its default names differ from xAPI's
        if options["queue"]:
            return (lambda report: QueueDestination(endpoints, report, max_rate=options["max_rate"],
                                                    transform_caliper=transform_caliper)), lambda: None
        rate = options["max_rate"] / options["jobs"] if options["max_rate"] else None
        return (lambda report: LrsDestination(endpoints, report, max_rate=rate,
                                              transform_caliper=transform_caliper)), lambda: None

    def _endpoints(self, names):
        from openedx_xapi_router.models import LrsEndpoint  # pylint: disable=import-outside-toplevel

        enabled = list(LrsEndpoint.objects.filter(enabled=True).order_by("name"))
        if names:
            by_name = {endpoint.name: endpoint for endpoint in LrsEndpoint.objects.filter(name__in=names)}
            missing = [name for name in names if name not in by_name]
            if missing:
                raise CommandError(f"no LRS endpoint named {', '.join(missing)}")
            disabled = [name for name in names if not by_name[name].enabled]
            if disabled:
                raise CommandError(f"LRS endpoint {', '.join(disabled)} is disabled")
            return [by_name[name] for name in dict.fromkeys(names)]
        if not enabled:
            raise CommandError("no enabled LRS endpoint: add one (manage.py lrs_endpoints add), or use --output")
        return enabled


def _stdout_destination(jobs):
    """Statements to stdout; with several jobs each writes a part file, copied to stdout whole."""
    if jobs <= 1:
        sys.stdout.flush()
        return (lambda report: JsonlDestination(LineWriter(sys.stdout.fileno(), close_fd=False), report)), \
            lambda: None
    import tempfile  # pylint: disable=import-outside-toplevel

    directory = tempfile.mkdtemp(prefix="transform_tracking_logs-")

    def make(report):
        path = os.path.join(directory, f"part-{os.getpid()}.jsonl")
        return JsonlDestination(LineWriter.append_to(path), report)

    def cleanup():
        sys.stdout.flush()
        for name in sorted(os.listdir(directory)):
            path = os.path.join(directory, name)
            with open(path, "rb") as part:
                while True:
                    block = part.read(1 << 20)
                    if not block:
                        break
                    sys.stdout.buffer.write(block)
            os.unlink(path)
        sys.stdout.buffer.flush()
        os.rmdir(directory)

    return make, cleanup


def _close_connections():
    """Forked workers must not share the parent's database connections."""
    from django.db import connections  # pylint: disable=import-outside-toplevel

    connections.close_all()
