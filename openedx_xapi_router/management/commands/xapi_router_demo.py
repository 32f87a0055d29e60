"""
``manage.py xapi_router_demo``: a tracking log, end to end, into a fresh local Ralph LRS.

Starts Ralph (its own virtualenv, fresh data directory), transforms the log's lines with the
transformer library, delivers the statements in batches through :class:`LrsClient`, counts them
back from Ralph, prints a summary and stops Ralph. ``make demo [LOG=path]`` runs it.
"""
import time
from collections import Counter
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from openedx_xapi_router.devtools import ralph_control
from openedx_xapi_router.lrs.client import LrsClient, LrsError

SAMPLE_LOG = Path(__file__).resolve().parents[2] / "devtools" / "sample_data" / "sample-tracking.log.gz"


def open_log(path):
    """Open a tracking log for reading bytes (the reader detects gzip by its magic bytes)."""
    path = Path(path)
    if not path.exists():
        raise CommandError(f"tracking log not found: {path}")
    return open(path, "rb")


def load_transformer():
    """
    The transformer library's ``(read_lines, transform_lines, Report)``, or None while it is not
    installed yet.
    """
    # pylint: disable=import-outside-toplevel
    try:
        from openedx_xapi_router.core.pipeline import transform_lines
        from openedx_xapi_router.core.reader import read_lines
        from openedx_xapi_router.core.report import Report
    except ImportError:
        return None
    return read_lines, transform_lines, Report


def build_context():
    """The transform context for the demo: LMS root URL and pseudonymous actors from settings."""
    from openedx_xapi_router.core.context import TransformContext  # pylint: disable=import-outside-toplevel

    return TransformContext.from_maps(
        getattr(settings, "LMS_ROOT_URL", "http://localhost:18000"),
        actor_secret=getattr(settings, "XAPI_ROUTER_ACTOR_SECRET", None) or "xapi-router-demo-secret",
        transformer_versions=getattr(settings, "XAPI_ROUTER_TRANSFORMER_VERSIONS", {}),
    )


def skipped_by_reason(report):
    """Lines that gave no statement, by reason, from the transformer library's report."""
    reasons = Counter()
    if sum(report.unsupported.values()):
        reasons["unsupported_event"] = sum(report.unsupported.values())
    if report.anonymous:
        reasons["anonymous"] = report.anonymous
    reasons.update(report.skipped)
    for kind, entry in report.rejected.items():
        reasons[f"rejected:{kind}"] = entry["count"]
    for kind, fields in report.invalid.items():
        reasons[f"invalid:{kind}"] = sum(fields.values())
    for kind, count in report.errors.items():
        reasons[f"error:{kind}"] = count
    return reasons


class Command(BaseCommand):
    """Transform a tracking log and deliver the statements to a fresh local Ralph LRS."""

    help = __doc__

    def add_arguments(self, parser):
        parser.add_argument("--log", default=str(SAMPLE_LOG), help="tracking log (plain or .gz); default: the sample")
        parser.add_argument("--work-dir", default="var/ralph-demo", help="Ralph's data and auth files go here")
        parser.add_argument("--batch-size", type=int, default=100, help="statements per POST")
        parser.add_argument("--keep-running", action="store_true", help="leave Ralph running afterwards")

    def handle(self, *args, **options):
        started = time.monotonic()
        transformer = load_transformer()
        if transformer is None:
            self.stdout.write("transformer library not installed yet: reading lines only")
        problem = ralph_control.ralph_available()
        if problem:
            raise CommandError(problem)
        self.stdout.write("Starting a local Ralph LRS (fresh data directory)...")
        ralph = ralph_control.start(Path(options["work_dir"]))
        try:
            summary = self.run_demo(ralph, options["log"], options["batch_size"], transformer)
        finally:
            if options["keep_running"]:
                self.stdout.write(f"Ralph left running at {ralph.statements_url} (pid {ralph.pid})")
            else:
                ralph_control.stop(ralph.pid)
        summary["seconds"] = time.monotonic() - started
        self.print_summary(summary, ralph)
        if summary["stored"] != summary["delivered"]:
            raise CommandError(f"Ralph holds {summary['stored']} statements, {summary['delivered']} were delivered")

    def run_demo(self, ralph, log_path, batch_size, transformer):
        """Transform and deliver; return the counters."""
        delivered = duplicates = lines = 0
        skipped = Counter()
        with open_log(log_path) as handle, LrsClient(
            ralph.statements_url, ralph.auth, timeout=30, allow_insecure_http=True
        ) as client:
            if transformer is None:
                lines = sum(1 for _ in handle)
            else:
                read_lines, transform_lines, report_class = transformer
                report = report_class()
                batch = []
                for _, statements in transform_lines(read_lines(handle, str(log_path)), build_context(), report):
                    batch.extend(statements)
                    if len(batch) >= batch_size:
                        delivered, duplicates = self.deliver(client, batch, delivered, duplicates)
                        batch = []
                if batch:
                    delivered, duplicates = self.deliver(client, batch, delivered, duplicates)
                lines = report.lines
                skipped = skipped_by_reason(report)
            stored = sum(1 for _ in client.iter_statements(page_limit=500))
        return {
            "lines": lines,
            "delivered": delivered,
            "duplicates": duplicates,
            "stored": stored,
            "skipped": skipped,
            "log": str(log_path),
        }

    def deliver(self, client, batch, delivered, duplicates):
        """POST one batch; a 409 counts as already delivered."""
        try:
            response = client.post_statements(batch)
        except LrsError as error:
            raise CommandError(f"delivery failed: {error}") from error
        if response.status_code == 409:
            return delivered, duplicates + len(batch)
        return delivered + len(batch), duplicates

    def print_summary(self, summary, ralph):
        """Print the counters."""
        write = self.stdout.write
        write("")
        write(f"xAPI router demo: {summary['log']}")
        write(f"  lines read:             {summary['lines']}")
        write(f"  statements delivered:   {summary['delivered']} (to {ralph.statements_url})")
        if summary["duplicates"]:
            write(f"  already in the LRS:     {summary['duplicates']}")
        write(f"  statements in Ralph:    {summary['stored']} (counted back with GET /xAPI/statements)")
        write(f"  lines skipped:          {sum(summary['skipped'].values())}")
        for reason, count in summary["skipped"].most_common():
            write(f"    {reason:<26}{count}")
        write(f"  time taken:             {summary['seconds']:.1f}s")
