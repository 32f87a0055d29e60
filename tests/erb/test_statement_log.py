"""
``XAPI_ROUTER_LOG_STATEMENTS``: each statement written to the ``xapi_tracking`` logger, as ERB does,
read back from a real log file in the LMS's log format.
"""
# pylint: disable=redefined-outer-name
import json
import logging
import re

import pytest

from openedx_xapi_router.backends.tracking import XapiRouterBackend
from openedx_xapi_router.backfill.destinations import DryRunDestination
from openedx_xapi_router.backfill.counting import BackfillReport
from openedx_xapi_router.core.pipeline import serialize, transform_event
from openedx_xapi_router.delivery import sending
from openedx_xapi_router.erb.statement_log import LoggingDestination
from openedx_xapi_router.resolvers import get_transform_context, reset_transform_context
from tests.delivery.events import enrollment_event

#: The LMS's log format (``lms/envs/common.py``'s ``standard`` formatter, without the hostname prefix).
LMS_FORMAT = "%(asctime)s %(levelname)s %(process)d [%(name)s] %(filename)s:%(lineno)d - %(message)s"
LINE = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} INFO \d+ \[xapi_tracking\] statement_log\.py:\d+ - (\{.*\})$")


@pytest.fixture
def log_file(tmp_path):
    """The ``xapi_tracking`` logger writing to a real file in the LMS format."""
    path = tmp_path / "lms.log"
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(logging.Formatter(LMS_FORMAT))
    logger = logging.getLogger("xapi_tracking")
    level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    yield path
    logger.removeHandler(handler)
    logger.setLevel(level)
    handler.close()


def read_statements(path):
    lines = path.read_text(encoding="utf-8").splitlines()
    matches = [LINE.match(line) for line in lines]
    assert all(matches), [line for line, match in zip(lines, matches, strict=True) if not match][:2]
    return [match.group(1) for match in matches]


@pytest.mark.django_db
def test_live_path_logs_every_statement_even_without_an_endpoint(settings, log_file, event_base):
    settings.XAPI_ROUTER_LOG_STATEMENTS = True
    sending.endpoint_cache.clear()
    reset_transform_context()
    events = [enrollment_event(event_base + n) for n in range(4)]
    backend = XapiRouterBackend()
    for event in events:
        backend.send(dict(event))
    backend.send({"name": "no.such.event", "timestamp": "2026-11-26T09:00:00+00:00"})
    expected = [s for event in events for s in transform_event(event, get_transform_context())]
    messages = read_statements(log_file)
    assert len(messages) == 4
    assert messages == [serialize(s).decode() for s in expected]  # the bytes an LRS gets
    assert [json.loads(m)["id"] for m in messages] == [s["id"] for s in expected]
    assert backend.errors == 0

    settings.XAPI_ROUTER_LOG_STATEMENTS = False
    backend.send(dict(enrollment_event(event_base + 9)))
    assert len(read_statements(log_file)) == 4


def test_backfill_destination_logs_then_hands_on(settings, log_file, event_base):  # pylint: disable=unused-argument
    inner = DryRunDestination(BackfillReport())
    destination = LoggingDestination(inner)
    events = [enrollment_event(event_base + n) for n in range(3)]
    for event in events:
        destination.send(event, transform_event(event, get_transform_context()))
    destination.flush()
    destination.close()
    messages = read_statements(log_file)
    assert [json.loads(m)["id"] for m in messages] == [
        s["id"] for event in events for s in transform_event(event, get_transform_context())]
    assert inner.report.destination["would_send"] == 3


def test_drop_in_processor_logs_as_erb_while_its_toggle_is_on(settings, log_file, event_base):
    from openedx_xapi_router.erb.processor import XapiRouterProcessor  # pylint: disable=import-outside-toplevel

    settings.XAPI_EVENTS_ENABLED = True
    settings.XAPI_EVENT_LOGGING_ENABLED = True  # ERB's toggle (its default)
    events = [enrollment_event(event_base + n) for n in range(2)]
    statements = XapiRouterProcessor()(events)
    settings.XAPI_EVENT_LOGGING_ENABLED = False
    XapiRouterProcessor()(events)
    assert [json.loads(m) for m in read_statements(log_file)] == statements
