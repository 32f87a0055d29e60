"""
event-routing-backends' (ERB) Caliper processor as a test oracle, run on our events.

Built on :mod:`tests.erb_oracle` (which sets Django up, installs ERB's app long enough to import
its transformers, and patches ERB's LMS lookups with the reference resolvers of
``tests/transformers/samples.py``): ERB's ``AppConfig.ready()`` imports its Caliper transformers
beside the xAPI ones (``event_routing_backends/apps.py``), so the same set-up serves both.

ERB's Caliper processor refuses to run unless ``CALIPER_EVENTS_ENABLED`` is on; it is switched on
(and ``CALIPER_EVENT_LOGGING_ENABLED`` off) only around the oracle's calls.

Every learner's anonymous id is :data:`~tests.transformers.samples.ACTOR_NAME` and every course is
"Demonstration Course", the values ERB's own fixtures were made with, so ERB's output for one of
its fixture events equals its expected fixture (apart from the random ``id``).
"""
import json

from tests import erb_oracle

#: The settings ERB's Caliper processor reads, beside :data:`tests.erb_oracle.ERB_SETTINGS`.
CALIPER_SETTINGS = {"CALIPER_EVENTS_ENABLED": True, "CALIPER_EVENT_LOGGING_ENABLED": False}

_state = {}


def _processor():
    if "processor" not in _state:
        erb_oracle.processor()  # Django, ERB's app and its transformers (xAPI and Caliper)
        # pylint: disable=import-outside-toplevel
        from event_routing_backends.processors.caliper.registry import CaliperTransformersRegistry
        from event_routing_backends.processors.caliper.transformer_processor import CaliperProcessor

        _state["registry"] = CaliperTransformersRegistry
        _state["processor"] = CaliperProcessor()
    return _state["processor"]


def registered_names():
    """Every event name ERB has a Caliper transformer for."""
    _processor()
    return set(_state["registry"].mapping)


def _transform_one(processor, registry, event):
    if event.get("name") not in registry.mapping:
        return erb_oracle.NO_TRANSFORMER
    try:
        caliper_event = processor.transform_event(event)
    except Exception as error:  # pylint: disable=broad-except
        return erb_oracle.Refused("error", f"{type(error).__name__}: {error}")
    if not caliper_event:
        return erb_oracle.NO_STATEMENT
    return json.loads(json.dumps(caliper_event))


def transform_events(events):
    """
    ERB's Caliper event for each event dict (already normalised, or in the live form): a dict, or
    an :class:`tests.erb_oracle.Refused`. Each event is deep-copied first: ERB's navigation
    transformer pops ``data.id`` out of the event it is given.
    """
    processor = _processor()
    registry = _state["registry"]
    from django.test.utils import override_settings  # pylint: disable=import-outside-toplevel

    with erb_oracle.erb_environment(), override_settings(**CALIPER_SETTINGS):
        return [_transform_one(processor, registry, json.loads(json.dumps(event))) for event in events]


def transform_event(event):
    """ERB's Caliper event for one event dict, or a Refused."""
    return transform_events([event])[0]


def transform_lines(lines):
    """ERB's Caliper event for each tracking-log line, normalised as ERB's ``transform_tracking_logs`` does."""
    return transform_events([erb_oracle.normalize_line(json.loads(line)) for line in lines])


#: The fields a tracking-log line carries at its top level that the live event carries in ``context``
#: (shared/xapi/README.md, "Two forms of the same event").
LOG_TOP_LEVEL_CONTEXT_FIELDS = ("username", "session", "ip", "agent", "host", "referer", "accept_language",
                                "page", "event_source")


def live_form(raw):
    """
    A tracking-log event (a dict) in the live form the LMS hands to event-routing-backends: the
    payload ``event`` (decoded when it is a JSON string) as ``data``, ``time`` as ``timestamp``,
    and the top-level request fields in ``context``, where a live event carries them. A live
    event is returned as a copy, unchanged.

    ERB's Caliper transformers read some fields only from ``context`` (``event_source``,
    ``referer``), so its live path and its log replay disagree on some events; the live form is
    what its sites have been sending.
    """
    event = erb_oracle.normalize_line(raw)
    if "event" not in raw:
        return event
    context = dict(event.get("context") or {})
    for key in LOG_TOP_LEVEL_CONTEXT_FIELDS:
        if key in event and key not in context:
            context[key] = event.pop(key)
    event["context"] = context
    event.pop("event", None)
    event.pop("time", None)
    return event
