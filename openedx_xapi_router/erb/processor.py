"""
A drop-in xAPI processor for event-routing-backends' pipeline.

A site that routes with event-routing-backends (ERB) names this class where its configuration
names ERB's ``XApiProcessor`` (``EVENT_TRACKING_BACKENDS[...]["OPTIONS"]["processors"]``)::

    {"ENGINE": "openedx_xapi_router.erb.processor.XapiRouterProcessor", "OPTIONS": {}}

ERB keeps its routers, router configurations, batching, dead queue and Celery tasks; the
statements are ours (our transformers, ``XAPI_ROUTER_TRANSFORMER_VERSIONS``, the resolvers from
``XAPI_ROUTER_*`` settings), with ERB's ids and actor ids.

The contract is ERB 9.3.8's ``XApiProcessor`` (``processors/xapi/transformer_processor.py`` and
``processors/mixins/base_transformer_processor.py``):

* ``processor(events)`` takes a list of event dicts and returns a flat list of statement dicts
  (ERB's are ``json.loads`` of tincan's JSON; ours are fresh copies of the dicts we POST
  ourselves, the same JSON), in order;
* an event without a statement contributes nothing (ERB: no transformer, or a statement without
  an object id); ours: an event we do not transform, an anonymous or unknown learner, an invalid
  event; each counted in the processor's
  ``report``, an error of ours logged with its traceback (as ERB logs its errors);
* while ERB's ``XAPI_EVENTS_ENABLED`` is False, ``transform_event`` raises ERB's
  ``NoBackendEnabled`` and ``processor(events)`` returns ``[]`` (the circuit breaker keeps working);
* while ERB's ``XAPI_EVENT_LOGGING_ENABLED`` is True (ERB's default), each statement is also
  written to the ``xapi_tracking`` logger, as ERB does.

It needs event-routing-backends, which the router does not install (the ``[erb]`` extra): without
it, building the processor raises ``ImproperlyConfigured`` saying how to install it.

It is never used by the router's own backend: there, ``XAPI_ROUTER_LOG_STATEMENTS`` governs logging.
Nor does ``XAPI_ROUTER_ALLOWED_EVENT_NAMES`` apply here: ERB's pipeline chooses the events (its
``NameWhitelistProcessor`` runs before this processor), and a second list would silently drop
events a site allowed in ERB.
"""
import logging

import orjson
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from openedx_xapi_router.core.errors import ConfigurationError
from openedx_xapi_router.core.outcome import Failed
from openedx_xapi_router.core.pipeline import serialize
from openedx_xapi_router.core.report import Report
from openedx_xapi_router.erb import compat, statement_log
from openedx_xapi_router.processing import process_event

log = logging.getLogger(__name__)

try:  # event-tracking is in every LMS; the fallback keeps the class importable without it
    from eventtracking.processors.exceptions import NoBackendEnabled
except ImportError:  # pragma: no cover
    class NoBackendEnabled(Exception):
        """Stand-in for event-tracking's ``NoBackendEnabled`` when event-tracking is absent."""


class XapiRouterProcessor:
    """
    event-tracking processor: ``processor(events)`` -> the events' xAPI statements (list of dicts).

    Options (``OPTIONS``): none; any given are kept in ``self.options``.
    """

    def __init__(self, **options):
        if not compat.erb_installed():
            raise ImproperlyConfigured(compat.erb_missing_message(f"{__name__}.XapiRouterProcessor"))
        self.options = options
        #: What this processor made of every event it was given (the core's counters).
        self.report = Report()

    def __call__(self, events):
        """Every statement of ``events``, in order; ``[]`` while ERB's ``XAPI_EVENTS_ENABLED`` is False."""
        statements = []
        for event in events:
            try:
                statements.extend(self.transform_event(event) or ())
            except NoBackendEnabled:
                break
        return statements

    def transform_event(self, event):
        """
        The statements of one event (a list of dicts), or None when it gives none.

        Raises ``NoBackendEnabled`` while ERB's ``XAPI_EVENTS_ENABLED`` is False, and
        ``ConfigurationError`` (a ``ValueError``, which ERB's router logs) when our settings are wrong.
        Every outcome is counted in :attr:`report`; an error of ours is logged there with its traceback.
        """
        if not compat.erb_xapi_enabled(settings):
            raise NoBackendEnabled
        # ERB's pipeline filters names with its own whitelist before this processor: ours is not applied twice.
        outcome = process_event(event, all_event_names=True)
        self.report.count(outcome)
        if not outcome.ok:
            if isinstance(outcome, Failed) and outcome.kind == ConfigurationError.kind:
                raise outcome.error
            if not isinstance(outcome, Failed):
                log.debug("xapi_router processor: event %r gives no statement: %s", _name(event), outcome)
            return None
        statements = outcome.statements
        if compat.erb_event_logging_enabled(settings):
            statement_log.log_statements(statements)
        # Fresh dicts, as ERB's (json.loads of tincan's JSON): ERB's LRS client hands them to tincan,
        # which rewrites a dict it is given in place (``objectType`` -> ``object_type``), and ours
        # share parts with the resolvers' caches (the actor).
        return [orjson.loads(serialize(statement)) for statement in statements]


def _name(event):
    return event.get("name") or event.get("event_type") if isinstance(event, dict) else type(event).__name__
