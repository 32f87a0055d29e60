"""
Where a backfill's statements go. Every destination has the same three methods:

* ``send(event, statements)``: take one event's statements (it may buffer them);
* ``flush()``: make everything taken so far durable: written to the file, delivered (or
  dead-lettered) to every LRS, or published to the broker. A checkpoint is saved only after a
  flush, so a resumed run never skips a statement;
* ``close()``: flush and release.

and counts what it did into ``report.destination``.

* :class:`JsonlDestination`: one statement per line (``--output PATH`` or ``-``);
* :class:`DryRunDestination`: nothing (``--dry-run``);
* :class:`LrsDestination`: LRS endpoints, through the live path's delivery code
  (:func:`openedx_xapi_router.delivery.service.deliver_now`: de-duplication, bisecting rejected
  statements, dead letters, hourly counters), retried as the worker retries (the delivery policy,
  :func:`openedx_xapi_router.delivery.service.after_failure`: the endpoint's ``retry_limit``, the
  worker's back-off settings, ``Retry-After`` honoured);
* :class:`QueueDestination`: the live path's Celery task ``deliver_statements`` (``--queue``).

The last two live in :mod:`.lrs_destinations` (re-exported here).
"""
import logging
import os

# Re-exported (transform_tracking_logs imports every destination from here):
from openedx_xapi_router.backfill.lrs_destinations import (  # noqa: F401  # pylint: disable=unused-import
    LrsDestination,
    QueueDestination,
    RateLimiter,
)
from openedx_xapi_router.core.pipeline import serialize_lines

log = logging.getLogger(__name__)

#: Bytes a JSONL destination buffers before one write.
WRITE_BUFFER = 1 << 20


def write_all(fd, data):
    """``os.write`` until all of ``data`` is written (a regular file opened ``O_APPEND`` keeps it in one piece)."""
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


class LineWriter:
    """
    Lines (bytes, each ending in a newline) written in whole buffers with ``os.write``: several
    processes appending to one file opened ``O_APPEND`` never split each other's lines.
    """

    def __init__(self, fd, close_fd=True):
        self.fd = fd
        self.close_fd = close_fd
        self._parts = []
        self._size = 0

    @classmethod
    def append_to(cls, path):
        """A writer appending to ``path`` (created if missing)."""
        return cls(os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644))

    def write(self, line):
        """Buffer ``line`` (one or more whole lines, each with its line ending)."""
        self._parts.append(line)
        self._size += len(line)
        if self._size >= WRITE_BUFFER:
            self.flush()

    def flush(self):
        """Write what is buffered."""
        if self._parts:
            write_all(self.fd, b"".join(self._parts))
            self._parts = []
            self._size = 0

    def close(self):
        """Flush, then close the file descriptor (unless it is borrowed, e.g. stdout)."""
        self.flush()
        if self.close_fd:
            os.close(self.fd)


class JsonlDestination:
    """
    Each statement as one line of compact JSON, the same bytes
    :func:`~openedx_xapi_router.core.pipeline.serialize` gives the live path. ``written`` counts the
    lines written; a statement the serializer refuses is counted as ``unserializable_statement``
    in the report's errors instead.
    """

    def __init__(self, writer, report):
        self.writer = writer
        self.report = report

    def send(self, event, statements, version=""):  # pylint: disable=unused-argument
        lines = serialize_lines(statements, self.report)
        if lines:
            self.writer.write(lines)
        # One line ending per statement written (a JSON text holds none of its own); a refused
        # statement is counted by serialize_lines as an error, not here.
        self.report.destination["written"] += lines.count(b"\n")

    def flush(self):
        self.writer.flush()
        try:
            os.fsync(self.writer.fd)
        except OSError:  # a pipe or a terminal: nothing to sync
            pass

    def close(self):
        self.writer.close()


class DryRunDestination:
    """Counts, sends nothing (``--dry-run``)."""

    def __init__(self, report):
        self.report = report

    def send(self, event, statements, version=""):  # pylint: disable=unused-argument
        self.report.destination["would_send"] += len(statements)

    def flush(self):
        """Nothing to do."""

    def close(self):
        """Nothing to do."""
