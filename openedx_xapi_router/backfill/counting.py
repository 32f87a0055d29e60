"""
The backfill's counters: the core's :class:`~openedx_xapi_router.core.report.Report` (same terms as
the ``xapi-router-transform`` CLI and the generator's manifest) plus what only a backfill has:
events left out by a filter, and what the destination did with the statements.

A report survives a checkpoint as JSON (:func:`report_from_dict` reads back
:meth:`BackfillReport.state_dict`), so a resumed run ends with the counts of an uninterrupted one.
"""
from collections import Counter

from openedx_xapi_router.core.report import Report


class BackfillReport(Report):
    """
    A :class:`Report` with one more counter (``filtered``, the events a filter left out, is the
    core report's).

    Attributes:
        destination: what the destination did, e.g. ``written``, ``delivered``, ``duplicates``,
            ``rejected``, ``dead_lettered``, ``queued``, ``not_routed``.
    """

    def __init__(self):
        super().__init__()
        self.destination = Counter()

    def as_dict(self):
        data = super().as_dict()
        data["destination"] = {key: self.destination[key] for key in sorted(self.destination)}
        return data

    def state_dict(self):
        """
        :meth:`as_dict` with every counted page-view path, not only the top ones: what a checkpoint
        and a worker's message keep, so that merged and resumed runs rank the paths exactly.
        """
        data = self.as_dict()
        data["page_view_paths"] = {path: self.page_view_paths[path] for path in sorted(self.page_view_paths)}
        return data

    def merge(self, other):
        super().merge(other)
        self.destination.update(getattr(other, "destination", {}))
        return self


def report_from_dict(data):
    """The :class:`BackfillReport` that :meth:`BackfillReport.as_dict` gave ``data``."""
    report = BackfillReport()
    if not data:
        return report
    for name in ("lines", "events", "transformed", "statements", "anonymous"):
        setattr(report, name, int(data.get(name, 0)))
    for name in ("unsupported", "page_view_paths", "skipped", "recovered", "errors", "filtered", "destination"):
        getattr(report, name).update(data.get(name) or {})
    report.rejected = {kind: {"count": entry["count"], "lines": list(entry["lines"])}
                       for kind, entry in (data.get("rejected") or {}).items()}
    report.invalid = {kind: Counter(fields) for kind, fields in (data.get("invalid") or {}).items()}
    return report
