"""
Each statement written to the ``xapi_tracking`` logger, as event-routing-backends writes it.

Some sites ship ERB's statements from the LMS's logs rather than (or besides) an LRS: ERB logs
every statement it makes with ``logging.getLogger("xapi_tracking").info(<statement JSON>)``, and
the LMS's log format puts ``[xapi_tracking]`` before the message. With
``XAPI_ROUTER_LOG_STATEMENTS`` True the live path (:func:`openedx_xapi_router.delivery.sending.queue_event`)
does the same with our statements (compact JSON, the bytes sent to an LRS), and
:class:`LoggingDestination` does it for a backfill.
"""
import logging

from openedx_xapi_router.conf import router_settings
from openedx_xapi_router.core.pipeline import serialize

#: ERB's logger name; log shippers filter on it.
LOGGER_NAME = "xapi_tracking"

xapi_logger = logging.getLogger(LOGGER_NAME)


def enabled():
    """True while ``XAPI_ROUTER_LOG_STATEMENTS`` is True (its default)."""
    return bool(router_settings.LOG_STATEMENTS)


def log_statements(statements):
    """Write each statement's JSON to the ``xapi_tracking`` logger (INFO), one record each."""
    if not xapi_logger.isEnabledFor(logging.INFO):
        return
    for statement in statements:
        xapi_logger.info("%s", serialize(statement).decode("utf-8"))


class LoggingDestination:
    """
    A backfill destination (see :mod:`openedx_xapi_router.backfill.destinations`) that logs each
    statement to ``xapi_tracking`` and hands it on to ``inner`` (e.g. an ``LrsDestination``, or a
    ``DryRunDestination`` to log only)::

        make_destination = lambda report: LoggingDestination(DryRunDestination(report))
    """

    def __init__(self, inner):
        self.inner = inner

    @property
    def report(self):
        """The inner destination's report (the backfill runner sets it per unit)."""
        return self.inner.report

    @report.setter
    def report(self, value):
        self.inner.report = value

    def send(self, event, statements, version=""):
        """Log the statements, then send them on."""
        log_statements(statements)
        self.inner.send(event, statements, version)

    def flush(self):
        """Flush the inner destination (log records are written as they are made)."""
        self.inner.flush()

    def close(self):
        """Close the inner destination."""
        self.inner.close()
