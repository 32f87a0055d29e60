"""
``manage.py xapi_router_demo``: a tracking log, end to end, into a fresh local Ralph LRS.

On the embedded default (SQLite, eager Celery): migrates the database, starts Ralph (its own
virtualenv, fresh data directory), registers it as an LRS endpoint, runs
``transform_tracking_logs`` over the log (the same transformers and the same delivery code as the
live path), counts the statements back from Ralph, prints a summary and stops Ralph.
``make demo [LOG=path]`` runs it.
"""
import io
import json
import time
from pathlib import Path

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from openedx_xapi_router.devtools import ralph_control
from openedx_xapi_router.lrs.client import LrsClient
from openedx_xapi_router.models import LrsEndpoint

SAMPLE_LOG = Path(__file__).resolve().parents[2] / "devtools" / "sample_data" / "sample-tracking.log.gz"
ENDPOINT_NAME = "demo-ralph"


def skipped_by_reason(report):
    """Lines that gave no statement, by reason, from ``transform_tracking_logs``'s JSON report."""
    reasons = {}
    if report["unsupported"]:
        reasons["unsupported_event"] = sum(report["unsupported"].values())
    if report["anonymous"]:
        reasons["anonymous"] = report["anonymous"]
    reasons.update(report["skipped"])
    for reason, count in report.get("filtered", {}).items():  # not_allowed: XAPI_ROUTER_ALLOWED_EVENT_NAMES
        reasons[f"filtered:{reason}"] = count
    for kind, entry in report["rejected"].items():
        reasons[f"rejected:{kind}"] = entry["count"]
    for kind, fields in report["invalid"].items():
        reasons[f"invalid:{kind}"] = sum(fields.values())
    for kind, count in report["errors"].items():
        reasons[f"error:{kind}"] = count
    return dict(sorted(reasons.items(), key=lambda item: -item[1]))


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
        log_path = Path(options["log"] or SAMPLE_LOG)
        if not log_path.exists():
            raise CommandError(f"tracking log not found: {log_path}")
        problem = ralph_control.ralph_available()
        if problem:
            raise CommandError(problem)
        call_command("migrate", verbosity=0, interactive=False)
        work_dir = Path(options["work_dir"])
        self.stdout.write("Starting a local Ralph LRS (fresh data directory)...")
        ralph = ralph_control.start(work_dir)
        try:
            summary = self.run_demo(ralph, log_path, options["batch_size"], work_dir)
        finally:
            if options["keep_running"]:
                self.stdout.write(f"Ralph left running at {ralph.statements_url} (pid {ralph.pid})")
            else:
                ralph_control.stop(ralph.pid)
        summary["seconds"] = time.monotonic() - started
        self.print_summary(summary, ralph)
        if summary["stored"] != summary["statements"]:
            raise CommandError(f"Ralph holds {summary['stored']} statements, {summary['statements']} were made")

    def run_demo(self, ralph, log_path, batch_size, work_dir):
        """Register Ralph, run the backfill over the log into it; return the counters."""
        username, password = ralph.auth
        LrsEndpoint.objects.update_or_create(name=ENDPOINT_NAME, defaults={
            "statements_url": ralph.statements_url, "auth_type": LrsEndpoint.AUTH_BASIC,
            "username": username, "password": password, "batch_size": batch_size, "enabled": True,
        })
        report_path = work_dir / "report.json"
        call_command("transform_tracking_logs", str(log_path), endpoint=[ENDPOINT_NAME], report=str(report_path),
                     progress="none", stdout=io.StringIO(), stderr=io.StringIO())
        report = json.loads(report_path.read_text())
        with LrsClient(ralph.statements_url, ralph.auth, timeout=30, allow_insecure_http=True) as client:
            stored = sum(1 for _ in client.iter_statements(page_limit=500))
        return {
            "log": str(log_path),
            "lines": report["lines"],
            "statements": report["statements"],
            "destination": report["destination"],
            "stored": stored,
            "skipped": skipped_by_reason(report),
        }

    def print_summary(self, summary, ralph):
        """Print the counters."""
        write = self.stdout.write
        write("")
        write(f"xAPI router demo: {summary['log']}")
        write(f"  lines read:             {summary['lines']}")
        write(f"  statements made:        {summary['statements']}")
        outcomes = ", ".join(f"{kind} {count}" for kind, count in sorted(summary["destination"].items()))
        write(f"  delivery to Ralph:      {outcomes} (endpoint {ENDPOINT_NAME!r}, {ralph.statements_url})")
        write(f"  statements in Ralph:    {summary['stored']} (counted back with GET /xAPI/statements)")
        write(f"  lines skipped:          {sum(summary['skipped'].values())}")
        for reason, count in summary["skipped"].items():
            write(f"    {reason:<26}{count}")
        write(f"  time taken:             {summary['seconds']:.1f}s")
