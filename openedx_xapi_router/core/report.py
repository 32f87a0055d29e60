"""
What happened to every line of a run: the counters the CLI prints and the backfill command logs.

Every input (a line, or an event dict) ends up in exactly one place: rejected (no event), or an
event that was filtered out, gave statements, was unsupported, anonymous, skipped, invalid, or hit
an error. So ``lines == sum(rejected counts) + events`` and
``events == sum(filtered) + transformed + sum(unsupported) + anonymous + sum(skipped) + invalid events
+ sum(errors)``. :meth:`Report.count` counts one
:mod:`~openedx_xapi_router.core.outcome` of :func:`~openedx_xapi_router.core.pipeline.process`.
"""
import logging
from collections import Counter

from openedx_xapi_router.core.outcome import Failed, Filtered, Invalid, Rejected, Skipped, Transformed, Unsupported
from openedx_xapi_router.core.event import is_page_view

log = logging.getLogger(__name__)

#: How many line numbers a report keeps for each rejection kind.
SAMPLE_LINES = 5

#: The one ``unsupported`` key of every server page view (an event named by its URL path: a log
#: has thousands of distinct paths, which would otherwise make thousands of keys).
PAGE_VIEWS = "server_page_view"
#: How many of the most-viewed paths :meth:`Report.as_dict` lists under ``page_view_paths``.
TOP_PAGE_VIEW_PATHS = 20
#: How many distinct paths a report counts one by one; the views of paths beyond are counted in
#: ``unsupported["server_page_view"]`` only (a log of a big site has millions of distinct paths).
MAX_PAGE_VIEW_PATHS = 10_000


class Report:
    """
    Counters for one run of :func:`openedx_xapi_router.core.pipeline.process` over many inputs.

    Attributes:
        lines: inputs counted (lines read, or event dicts given).
        events: inputs that gave an event (clean or recovered).
        filtered: reason -> events left out before transforming (``not_allowed``, a backfill
            filter's name: ``since``, ``until``, ``event_names``, ``orgs``, ``courses``).
        transformed: events that gave statements.
        statements: statements produced (a multi-question problem gives several).
        unsupported: event name -> events with no transformer; every server page view (an event
            named by a URL path) under the one key :data:`PAGE_VIEWS`.
        page_view_paths: path -> server page views of it (the first MAX_PAGE_VIEW_PATHS distinct
            paths); :meth:`as_dict` keeps the TOP_PAGE_VIEW_PATHS most viewed.
        anonymous: events without a learner (not sent, by design).
        skipped: reason -> events refused on purpose for another reason (``unknown_user``, ...).
        recovered: kind -> lines used after a recovery (``logger_prefix``).
        rejected: kind -> {"count": n, "lines": the first SAMPLE_LINES line numbers}.
        invalid: InvalidEvent kind -> field -> events a transformer could not use.
        errors: kind -> statements or transformers that failed (``invalid_statement``,
            ``transformer_bug``, ...): each one is a bug, and should stay 0.
    """

    def __init__(self, on_failure=None):
        #: ``on_failure(outcome, location)`` makes an error of ours visible (default: logged with its
        #: traceback; the live path rate-limits, monitors and records it: ``delivery/live_errors.py``).
        self.on_failure = on_failure or log_failure
        self.lines = 0
        self.events = 0
        self.filtered = Counter()
        self.transformed = 0
        self.statements = 0
        self.unsupported = Counter()
        self.page_view_paths = Counter()
        self.anonymous = 0
        self.skipped = Counter()
        self.recovered = Counter()
        self.rejected = {}
        self.invalid = {}
        self.errors = Counter()

    def count(self, outcome, location=None):
        """
        Count one outcome of :func:`~openedx_xapi_router.core.pipeline.process`. ``location`` (a
        line number, or ``source:line``) is kept for a rejected line and named when an error of ours
        (a :class:`~openedx_xapi_router.core.outcome.Failed` outcome) is logged with its traceback.
        """
        self.lines += 1
        kind = type(outcome)
        if kind is Transformed:
            self.events += 1
            if outcome.recovered is not None:
                self.recovered[outcome.recovered] += 1
            self.transformed += 1
            self.statements += len(outcome.statements)
            return
        if kind is Rejected:
            self.reject(outcome.kind, location)
            return
        if kind is Failed and outcome.event is None:  # the reader itself failed
            self.errors[outcome.kind] += 1
            self.on_failure(outcome, location)
            return
        self.events += 1
        if outcome.recovered is not None:
            self.recovered[outcome.recovered] += 1
        if kind is Unsupported:
            self.unsupported_event(outcome.event_name)
        elif kind is Filtered:
            self.filtered[outcome.reason] += 1
        elif kind is Skipped:
            if outcome.reason == "anonymous":
                self.anonymous += 1
            else:
                self.skipped[outcome.reason] += 1
        elif kind is Invalid:
            self.invalid_event(outcome.kind, outcome.field)
        else:
            self.errors[outcome.kind] += 1
            self.on_failure(outcome, location)

    def reject(self, kind, location):
        """Count a rejected line of ``kind`` at ``location`` (a line number, or ``source:line``)."""
        entry = self.rejected.get(kind)
        if entry is None:
            entry = self.rejected[kind] = {"count": 0, "lines": []}
        entry["count"] += 1
        if len(entry["lines"]) < SAMPLE_LINES:
            entry["lines"].append(location)

    def unsupported_event(self, name):
        """Count an event named ``name`` that has no transformer (page views under :data:`PAGE_VIEWS`)."""
        if is_page_view(name):
            self.unsupported[PAGE_VIEWS] += 1
            if name in self.page_view_paths or len(self.page_view_paths) < MAX_PAGE_VIEW_PATHS:
                self.page_view_paths[name] += 1
        else:
            self.unsupported[name] += 1

    def invalid_event(self, kind, field):
        """Count an event a transformer refused as invalid (``kind``, ``field``)."""
        fields = self.invalid.setdefault(kind, Counter())
        fields[field] += 1

    def as_dict(self):
        """The report as JSON-ready data, keys sorted inside each counter so output is stable."""
        return {
            "lines": self.lines,
            "events": self.events,
            "filtered": _sorted(self.filtered),
            "transformed": self.transformed,
            "statements": self.statements,
            "unsupported": _sorted(self.unsupported),
            "page_view_paths": top_paths(self.page_view_paths),
            "anonymous": self.anonymous,
            "skipped": _sorted(self.skipped),
            "recovered": _sorted(self.recovered),
            "rejected": {kind: dict(self.rejected[kind]) for kind in sorted(self.rejected)},
            "invalid": {kind: _sorted(self.invalid[kind]) for kind in sorted(self.invalid)},
            "errors": _sorted(self.errors),
        }

    def merge(self, other):
        """Add ``other``'s counts to this report (line samples kept up to SAMPLE_LINES)."""
        self.lines += other.lines
        self.events += other.events
        self.filtered.update(getattr(other, "filtered", {}))
        self.transformed += other.transformed
        self.statements += other.statements
        self.unsupported.update(other.unsupported)
        for path, count in getattr(other, "page_view_paths", {}).items():
            if path in self.page_view_paths or len(self.page_view_paths) < MAX_PAGE_VIEW_PATHS:
                self.page_view_paths[path] += count
        self.anonymous += other.anonymous
        self.skipped.update(other.skipped)
        self.recovered.update(other.recovered)
        for kind, entry in other.rejected.items():
            mine = self.rejected.setdefault(kind, {"count": 0, "lines": []})
            mine["count"] += entry["count"]
            mine["lines"] = (mine["lines"] + entry["lines"])[:SAMPLE_LINES]
        for kind, fields in other.invalid.items():
            self.invalid.setdefault(kind, Counter()).update(fields)
        self.errors.update(other.errors)
        return self


def log_failure(outcome, location):
    """Log an error of ours with its traceback: it is a bug (or a misconfiguration) to fix."""
    name = outcome.event.name if outcome.event is not None else None
    where = f"{location}: " if location is not None else ""
    log.error("%s%s on event %r: %s", where, outcome.kind, name, outcome.error,
              exc_info=(type(outcome.error), outcome.error, outcome.error.__traceback__))


def top_paths(counter):
    """The TOP_PAGE_VIEW_PATHS most counted paths, most first (ties by path), as a dict."""
    ranked = sorted(counter.items(), key=lambda item: (-item[1], item[0]))[:TOP_PAGE_VIEW_PATHS]
    return dict(ranked)


def _sorted(counter):
    return {key: counter[key] for key in sorted(counter)}
