"""
The event-tracking backend the LMS sends every tracking event to.

``plugin_settings`` adds it to ``EVENT_TRACKING_BACKENDS`` while ``XAPI_ROUTER_ENABLED`` is True.
:meth:`XapiRouterBackend.send` runs in the LMS's request: it filters, transforms in-process and
hands the statements to the process's publisher thread, which sends them to Celery (see
:mod:`openedx_xapi_router.delivery.sending`); it never waits for the broker or an LRS and never
raises into the LMS: any error is logged and counted.
"""
import logging

from openedx_xapi_router.delivery.monitoring import set_attribute

log = logging.getLogger(__name__)


class XapiRouterBackend:
    """
    event-tracking backend: ``send(event)`` queues the event's xAPI statements for delivery.

    Options (``EVENT_TRACKING_BACKENDS[...]["OPTIONS"]``): none today; any given are kept.
    """

    def __init__(self, **options):
        self.options = options
        self.errors = 0

    def send(self, event):
        """Queue the xAPI statements of one tracking event. Never raises; returns nothing, as event-tracking expects."""
        try:
            from openedx_xapi_router.delivery.sending import queue_event  # pylint: disable=import-outside-toplevel

            queue_event(event)
        except Exception as error:  # pylint: disable=broad-except
            self.errors += 1
            set_attribute("xapi_router.send_error", type(error).__name__)
            log.exception("xapi_router: could not queue the statements of event %r",
                          event.get("name") if isinstance(event, dict) else type(event).__name__)
