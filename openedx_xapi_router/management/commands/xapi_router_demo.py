"""
``manage.py xapi_router_demo``: a tracking log, end to end, into a fresh local Ralph LRS.

Starts Ralph (its own virtualenv, fresh data directory), transforms the log's lines with the
transformer library, delivers the statements in batches through :class:`LrsClient`, counts them
back from Ralph, prints a summary and stops Ralph. ``make demo [LOG=path]`` runs it.
"""
import gzip
import time
from collections import Counter
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from openedx_xapi_router.devtools import ralph_control
from openedx_xapi_router.lrs.client import LrsClient, LrsError

SAMPLE_LOG = Path(__file__).resolve().parents[2] / "devtools" / "sample_data" / "sample-tracking.log.gz"


def open_log(path):
    """Open a tracking log, gzipped or plain, for reading bytes."""
    path = Path(path)
    if not path.exists():
        raise CommandError(f"tracking log not found: {path}")
    with open(path, "rb") as probe:
        gzipped = probe.read(2) == b"\x1f\x8b"
    return gzip.open(path, "rb") if gzipped else open(path, "rb")


def load_transformer():
    """
    The transformer library's entry point, or None while it is not there yet.

    Returns ``("lines", transform_lines)`` or ``("event", transform_event)``.
    """
    # pylint: disable=import-outside-toplevel
    try:
        from openedx_xapi_router.core.pipeline import transform_lines
    except ImportError:
        pass
    else:
        return "lines", transform_lines
    try:
        from openedx_xapi_router.core.pipeline import transform_event
    except ImportError:
        return None
    return "event", transform_event


def build_context():
    """The transform context for the demo: LMS root URL and pseudonymous actors from settings."""
    from openedx_xapi_router.core.context import TransformContext  # pylint: disable=import-outside-toplevel

    return TransformContext.from_maps(
        getattr(settings, "LMS_ROOT_URL", "http://localhost:18000"),
        actor_secret=getattr(settings, "XAPI_ROUTER_ACTOR_SECRET", None) or "xapi-router-demo-secret",
        transformer_versions=getattr(settings, "XAPI_ROUTER_TRANSFORMER_VERSIONS", {}),
    )


def skip_reason(error):
    """A short counter name for a transform failure."""
    reason = getattr(error, "reason", None)
    if isinstance(reason, str) and reason:
        return reason
    name = type(error).__name__
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in name).lstrip("_")


def iter_statements(kind, transform, lines, context, skipped):
    """Yield statement dicts from ``lines``, counting each line that gives none in ``skipped``."""
    if kind == "lines":
        for result in transform(lines, context):
            statements = getattr(result, "statements", None)
            if statements:
                yield from statements
            else:
                error = getattr(result, "error", None)
                skipped[skip_reason(error) if error is not None else getattr(result, "reason", "skipped")] += 1
        return
    import orjson  # pylint: disable=import-outside-toplevel

    for line in lines:
        if not line.strip():
            continue
        try:
            raw = orjson.loads(line)
        except orjson.JSONDecodeError:
            skipped["invalid_json"] += 1
            continue
        try:
            yield from transform(raw, context)
        except Exception as error:  # pylint: disable=broad-except
            skipped[skip_reason(error)] += 1


class CountingLines:
    """Iterate over a file's lines, counting them."""

    def __init__(self, handle):
        self.handle = handle
        self.count = 0

    def __iter__(self):
        for line in self.handle:
            self.count += 1
            yield line


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
        skipped = Counter()
        delivered = 0
        duplicates = 0
        with open_log(log_path) as handle, LrsClient(
            ralph.statements_url, ralph.auth, timeout=30, allow_insecure_http=True
        ) as client:
            lines = CountingLines(handle)
            if transformer is None:
                for _ in lines:
                    pass
            else:
                kind, transform = transformer
                batch = []
                for statement in iter_statements(kind, transform, lines, build_context(), skipped):
                    batch.append(statement)
                    if len(batch) >= batch_size:
                        delivered, duplicates = self.deliver(client, batch, delivered, duplicates)
                        batch = []
                if batch:
                    delivered, duplicates = self.deliver(client, batch, delivered, duplicates)
            stored = sum(1 for _ in client.iter_statements(page_limit=500))
        return {
            "lines": lines.count,
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
