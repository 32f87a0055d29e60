"""
The Vector path into Aspects: the ``xapi_tracking`` log lines the LMS writes with our statements,
read by Vector's own rule, build the same Aspects rows as the same statements sent to Ralph.

What each side does, from its source:

* **The LMS** (openedx/edx-platform ``openedx/core/lib/logsettings.py`` at
  039afc2517c0fc70af8acb1a33b29c0809e503a4, ``get_logger_config``): no logger entry names
  ``xapi_tracking``, so its records reach the root logger's ``console`` handler, whose
  ``standard`` formatter is :data:`LMS_STANDARD_FORMAT`. event-routing-backends logs each
  statement there (``xapi_logger.info(event_json)``, ``processors/xapi/transformer_processor.py``);
  ``XAPI_ROUTER_LOG_STATEMENTS`` does the same with ours (``openedx_xapi_router/erb/statement_log.py``).
* **Vector** (openedx/tutor-contrib-aspects ``tutoraspects/templates/aspects/apps/vector/partials/
  common-post.toml`` at 098c593f8dba7854b5e5a213247a9bf463ecb79c, ``[transforms.xapi]``): keeps a
  container line only when :data:`VECTOR_XAPI_REGEX` matches it, parses the captured JSON, takes
  ``timestamp`` with the ``%+`` (RFC 3339) format (a line whose timestamp does not parse is
  dropped), and sends ``event_id`` (the statement's ``id``), ``emission_time`` and the JSON to the
  raw xAPI table.

The regex is Vector's, as written there (VRL's Rust syntax, which Python's ``re`` reads the same
for this pattern).
"""
# pytest fixtures are parameters named after the fixture functions.
# pylint: disable=redefined-outer-name
import json
import logging
import re
from datetime import datetime

import pytest

from openedx_xapi_router.backends.tracking import XapiRouterBackend
from openedx_xapi_router.core.errors import XapiRouterError
from openedx_xapi_router.core.event import normalize
from openedx_xapi_router.core.event_names import (
    default_event_names,
)
from openedx_xapi_router.core.pipeline import transform
from openedx_xapi_router.delivery import sending
from openedx_xapi_router.erb.statement_log import LOGGER_NAME
from openedx_xapi_router.resolvers import get_transform_context, reset_transform_context
from tests.aspects import clickhouse, statements

#: Derived from the registry (the classes' ``erb`` declarations).
DEFAULT_EVENT_NAMES = default_event_names()

pytest.importorskip("chdb")

#: The LMS's ``standard`` log format (edx-platform ``openedx/core/lib/logsettings.py``).
LMS_STANDARD_FORMAT = "%(asctime)s %(levelname)s %(process)d [%(name)s] %(filename)s:%(lineno)d - %(message)s"

#: Vector's rule for an xAPI line (tutor-contrib-aspects ``vector/partials/common-post.toml``).
VECTOR_XAPI_REGEX = re.compile(r'^.* \[xapi_tracking\] [^{}]* (?P<tracking_message>\{.*\})$')


@pytest.fixture
def lms_log(tmp_path):
    """The ``xapi_tracking`` records written to a file in the LMS's format, as its root handler would."""
    path = tmp_path / "lms.log"
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(logging.Formatter(LMS_STANDARD_FORMAT))
    logger = logging.getLogger(LOGGER_NAME)
    level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    yield path
    logger.removeHandler(handler)
    logger.setLevel(level)
    handler.close()


def vector_rows(path):
    """
    What Vector sends to ClickHouse for each line of ``path``: ``(event_id, emission_time, event)``
    for each line it keeps, and the lines it drops.
    """
    rows, dropped = [], []
    for line in path.read_text(encoding="utf-8").splitlines():
        match = VECTOR_XAPI_REGEX.match(line)
        if match is None:
            dropped.append(line)
            continue
        statement = json.loads(match.group("tracking_message"))
        emitted = datetime.fromisoformat(statement["timestamp"])
        if emitted.tzinfo is None:  # "%+" needs the offset: Vector drops the line
            dropped.append(line)
            continue
        rows.append((statement["id"], emitted.isoformat(), json.dumps(statement)))
    return rows, dropped


def default_fixture_events():
    """The transformer fixtures of the names sent by default (the shared samples and the tests' real events)."""
    return [raw for _, raw in statements.fixture_events()
            if (raw.get("name") or raw.get("event_type")) in DEFAULT_EVENT_NAMES]


@pytest.mark.django_db
def test_log_lines_by_default_build_the_rows_the_statements_build_through_ralph(settings, lms_log):
    assert settings.XAPI_ROUTER_LOG_STATEMENTS is True  # the default: Aspects' Vector gets the lines
    sending.endpoint_cache.clear()
    reset_transform_context()
    events = default_fixture_events()
    assert len(events) > 100
    backend = XapiRouterBackend()
    for event in events:
        backend.send(dict(event))
    assert backend.errors == 0
    expected = []
    for event in events:
        try:
            expected.extend(transform(normalize(event), get_transform_context()))
        except XapiRouterError:
            continue  # refused or skipped: no line either
    rows, dropped = vector_rows(lms_log)
    assert dropped == []
    assert [row[0] for row in rows] == [statement["id"] for statement in expected]

    by_vector, by_ralph = clickhouse.AspectsDatabase("vector"), clickhouse.AspectsDatabase("ralph")
    try:
        assert by_vector.insert_rows(rows) == 0
        assert by_ralph.insert(expected) == 0
        assert by_vector.count("xapi_events_all") == len({statement["id"] for statement in expected})
        for model in clickhouse.MODEL_NAMES:
            assert by_vector.rows(model) == by_ralph.rows(model), model
        assert by_vector.count("problem_events") > 0 and by_vector.count("video_playback_events") > 0
    finally:
        by_vector.close()
        by_ralph.close()


def test_the_regex_is_what_keeps_a_line():
    """Vector keeps the LMS's xAPI lines only: another logger's line, or a bare JSON line, is not sent."""
    statement = '{"id": "x", "timestamp": "2026-03-01T00:00:00+00:00"}'
    kept = f"2026-12-01 10:00:00,000 INFO 7 [xapi_tracking] statement_log.py:31 - {statement}"
    assert VECTOR_XAPI_REGEX.match(kept).group("tracking_message") == statement
    assert VECTOR_XAPI_REGEX.match(kept.replace("[xapi_tracking]", "[tracking]")) is None
    assert VECTOR_XAPI_REGEX.match(statement) is None
