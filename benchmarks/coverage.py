"""
Event coverage: ``python -m benchmarks.coverage [--events N] [--seed S]``.

How much of a real-looking tracking log becomes xAPI statements: a clean log of ``--events``
events (default 100,000, seed 1; generated with ``../shared/tools/make_tracking_log.py`` and cached
under ``var/bench/`` as the benchmark caches it) goes through the pipeline once, and the report
gives

* the share of events that become statements with the configuration equivalent to
  event-routing-backends' default (the event names it transforms: the registered transformers
  that declare ``erb = True``), and with all our transformers (those plus the ``erb = False``
  names of ``docs/beyond_erb.rst``); both lists come from the registry;
* every event type that stays unsupported, with its count, most frequent first; the server
  page-view types, whose event type is a URL path, are one line.

Events that are supported but give no statement (anonymous learners, invalid payloads) are counted
apart, so the shares are of all events.
"""
import argparse
import sys
from collections import Counter

from benchmarks.__main__ import REPO_ROOT, cached_log
from openedx_xapi_router.core.context import Actor, TransformContext
from openedx_xapi_router.core.pipeline import transform_lines
from openedx_xapi_router.core.reader import read_lines
from openedx_xapi_router.core.report import PAGE_VIEWS as REPORT_PAGE_VIEWS, Report
from openedx_xapi_router.core.vocab import Extension
from openedx_xapi_router.core.registry import default_registry


LMS_ROOT_URL = "https://courses.example.org"

PAGE_VIEWS = "server page views (URL paths)"


def erb_names(registry=None):
    """The registered xAPI event names event-routing-backends also transforms (their classes declare ``erb``)."""
    return frozenset((registry or default_registry()).erb_event_names(erb=True))


def beyond_erb_names(registry=None):
    """The registered xAPI event names only this plugin transforms (``docs/beyond_erb.rst``)."""
    return frozenset((registry or default_registry()).erb_event_names(erb=False))


def measure(path):
    """Run the log through the pipeline; returns (report, events that gave statements, by name)."""
    ctx = TransformContext(
        lms_root_url=LMS_ROOT_URL,
        actor_resolver=lambda user, username=None: Actor.account(LMS_ROOT_URL, "coverage"),
        course_name_resolver=lambda course_id: None,
    )
    report = Report()
    transformed = Counter()
    with open(path, "rb") as lines:
        for _, statements in transform_lines(read_lines(lines, str(path)), ctx, report):
            version = statements[0]["context"]["extensions"][Extension.TRANSFORMER_VERSION]
            transformed[version.rsplit("/", 1)[1].rsplit("@", 1)[0]] += 1
    return report, transformed


def unsupported_lines(unsupported, page_view_paths=None):
    """
    ``(count, label)`` per unsupported event type, URL-path types as one line; most frequent first.
    A report already counts its page views under one key (``server_page_view``), with the paths
    in ``page_view_paths``; URL-path names are grouped here too, for counters that were not.
    """
    grouped = Counter()
    page_view_types = len(page_view_paths or ())
    for name, count in unsupported.items():
        if name == REPORT_PAGE_VIEWS:
            grouped[PAGE_VIEWS] += count
        elif name.startswith("/"):
            grouped[PAGE_VIEWS] += count
            page_view_types += 1
        else:
            grouped[name] += count
    rows = []
    for label, count in sorted(grouped.items(), key=lambda item: (-item[1], item[0])):
        if label == PAGE_VIEWS:
            label = f"{PAGE_VIEWS}: {page_view_types:,} types"
        rows.append((count, label))
    return rows


def render(args, path, manifest, report, transformed):
    """The coverage report as text."""
    registry = default_registry()
    shared = erb_names(registry)
    events = report.events
    erb = sum(count for name, count in transformed.items() if name in shared)
    ours = sum(transformed.values())
    unsupported = sum(report.unsupported.values())
    refused = events - ours - unsupported

    def row(label, count):
        percent = f"{100 * count / events:5.1f} %" if events else "    - %"
        return f"  {label:<50}{count:>9,}  {percent}"

    lines = [
        f"Event coverage of {events:,} clean events ({path.relative_to(REPO_ROOT)}, seed {args.seed})",
        "",
        "Events that become statements:",
        row(f"ERB default equivalent ({len(shared)} event names)", erb),
        row(f"all our transformers ({len(registry.event_names())} event names)", ours),
        row(f"  of which beyond ERB ({len(beyond_erb_names(registry))} event names)", ours - erb),
        "Events that do not:",
        row("supported, no statement (anonymous, invalid)", refused),
        row("unsupported event types", unsupported),
    ]
    allowlisted = manifest.get("names_in_erb_default_xapi_allowlist")
    if allowlisted is not None:
        lines += [
            "",
            f"(For reference: the generator's manifest counts {allowlisted:,} events whose name is in ERB's default",
            " xAPI allowlist, which leaves out edx.problem.completed and edx.grades.problem.submitted, and names",
            " edx.video.language_menu.shown/hidden, for which ERB has no transformer.)",
        ]
    lines += [
        "",
        f"Unsupported event types ({len(report.unsupported):,} types):",
    ]
    rows = unsupported_lines(report.unsupported, report.page_view_paths)
    lines.extend(f"  {count:>9,}  {label}" for count, label in rows)
    return "\n".join(lines) + "\n"


def main(argv=None):
    """Entry point."""
    parser = argparse.ArgumentParser(description=__doc__.strip().splitlines()[0])
    parser.add_argument("--events", type=int, default=100_000, help="events in the generated log (default 100,000)")
    parser.add_argument("--seed", type=int, default=1, help="generator seed (default 1)")
    args = parser.parse_args(argv)
    path, manifest = cached_log(args.events, args.seed)
    report, transformed = measure(path)
    sys.stdout.write(render(args, path, manifest, report, transformed))
    return 0


if __name__ == "__main__":
    sys.exit(main())
