"""
The four shells around ``process`` give the same statements and the same counts for the same input.

The input is every line of the shared dirty corpus (``../shared/corpus/dirty-10k.log``, made by
``../shared/tools/make_tracking_log.py``) that is a JSON object of at most
:data:`~openedx_xapi_router.core.reader.MAX_LINE_CHARS` characters, the one form all four shells
take alike (a longer line is rejected as ``oversized`` by the line shells only: the limit is the
tracking log's, where the LMS drops longer events, ``TRACK_MAX_EVENT``; a live event of any size
reaches the backend): the line shells read the lines (the ``xapi-router-transform`` loop,
:func:`openedx_xapi_router.core.cli.run`, and the backfill, ``manage.py transform_tracking_logs``);
the dict shells get the decoded objects, as event-tracking hands events to a backend (our
``XapiRouterBackend`` through ``queue_event``) and to a processor (event-routing-backends 9.3.8's
``processors/xapi/transformer_processor.py`` contract: ``processor(events)`` -> a flat list of
statement dicts). Every shell runs with the site's context (:func:`get_transform_context`) and
every supported name (``XAPI_ROUTER_ALLOWED_EVENT_NAMES = "*"``, the backfill's
``--all-event-names``; ERB's processor never applies the setting).
"""
import argparse
import io
import json
from collections import Counter

import orjson
import pytest

from openedx_xapi_router.core import cli
from openedx_xapi_router.core.pipeline import serialize
from openedx_xapi_router.core.reader import MAX_LINE_CHARS
from openedx_xapi_router.core.report import Report
from openedx_xapi_router.delivery import sending
from openedx_xapi_router.erb.processor import XapiRouterProcessor
from openedx_xapi_router.models import LrsEndpoint
from openedx_xapi_router.resolvers import get_transform_context
from tests.backfill.helpers import jsonl, read_report, run_command
from tests.transformers.samples import SHARED_DIR, require_shared

DIRTY = SHARED_DIR / "corpus" / "dirty-10k.log"
#: The core counters every shell keeps (the backfill adds ``destination``, the CLI nothing).
CORE_KEYS = ("lines", "events", "filtered", "transformed", "statements", "unsupported", "page_view_paths",
             "anonymous", "skipped", "recovered", "invalid", "errors")

pytestmark = pytest.mark.django_db


class Captured:
    """The send path's publisher, keeping what it is handed: ``[endpoint_ids, name, version, statements]``."""

    def __init__(self):
        self.entries = []

    def submit(self, entry):
        self.entries.append(entry)


@pytest.fixture(name="object_lines", scope="module")
def object_lines_fixture(tmp_path_factory):
    """``(path, events)``: the dirty corpus's JSON-object lines, as a file and decoded."""
    require_shared(DIRTY, "the shared tracking-log corpus")
    lines, events = [], []
    for line in DIRTY.read_bytes().splitlines():
        try:
            event = orjson.loads(line)
        except orjson.JSONDecodeError:
            continue
        if isinstance(event, dict) and len(line.decode("utf-8")) <= MAX_LINE_CHARS:
            lines.append(line)
            events.append(event)
    path = tmp_path_factory.mktemp("one-pipeline") / "objects.log"
    path.write_bytes(b"\n".join(lines) + b"\n")
    return path, events


def rejected_counts(report):
    return {kind: entry["count"] for kind, entry in report["rejected"].items()}


def test_the_four_shells_give_the_same_statements_and_counts(object_lines, erb_settings, tmp_path, monkeypatch):
    path, events = object_lines
    erb_settings.XAPI_ROUTER_ALLOWED_EVENT_NAMES = "*"
    ctx = get_transform_context()

    # 1. The xapi-router-transform loop (core.cli.run), with the site's context.
    out = io.BytesIO()
    status, cli_report = cli.run(argparse.Namespace(inputs=[str(path)], format="xapi"), ctx, None, out, io.StringIO())
    assert status == cli.EXIT_OK
    cli_statements = out.getvalue().splitlines()
    cli_counts = cli_report.as_dict()

    # 2. The backfill command.
    output, report_path = tmp_path / "backfill.jsonl", tmp_path / "backfill.json"
    run_command(path, "--output", output, "--report", report_path)
    backfill_counts = read_report(report_path)

    # 3. The live backend's send path.
    LrsEndpoint.objects.create(name="all", statements_url="http://127.0.0.1:9/xAPI/statements")
    sending.endpoint_cache.clear()
    monkeypatch.setattr(sending, "report", Report(on_failure=sending._report_failure))  # pylint: disable=protected-access
    before = Counter(sending.counters)
    captured = Captured()
    for event in events:
        sending.queue_event(dict(event), publisher=captured)
    live_counts = Counter(sending.counters) - before
    live_report = sending.report.as_dict()
    live_statements = [serialize(statement) for entry in captured.entries for statement in entry[3]]

    # 4. event-routing-backends' processor.
    processor = XapiRouterProcessor()
    erb_statements = [serialize(statement) for statement in processor([dict(event) for event in events])]
    erb_counts = processor.report.as_dict()

    # The same statements, byte for byte, in the same order.
    assert len(cli_statements) == cli_counts["statements"] > 9000
    assert jsonl(output) == cli_statements
    assert live_statements == cli_statements
    assert erb_statements == cli_statements
    # The same counts: every core counter (the line samples of rejections aside: a dict has no line number).
    for key in CORE_KEYS:
        assert backfill_counts[key] == cli_counts[key], key
        assert erb_counts[key] == cli_counts[key], key
        assert live_report[key] == cli_counts[key], key
    assert rejected_counts(backfill_counts) == rejected_counts(erb_counts) == rejected_counts(cli_counts)
    assert rejected_counts(live_report) == rejected_counts(cli_counts)
    assert cli_counts["lines"] == len(events) and cli_counts["errors"] == {}
    # The live path counts the same outcomes under the same names.
    expected_live = Counter({"queued": cli_counts["statements"]})
    expected_live["unsupported"] = sum(cli_counts["unsupported"].values())
    expected_live["anonymous"] = cli_counts["anonymous"]
    expected_live.update(cli_counts["skipped"])
    expected_live.update(rejected_counts(cli_counts))
    for kind, fields in cli_counts["invalid"].items():
        expected_live[kind] += sum(fields.values())
    assert {key: live_counts[key] for key in expected_live} == +expected_live
    # Each published entry names its transformer's version, from the outcome.
    versions = {entry[2] for entry in captured.entries}
    assert versions == {orjson.loads(body)["context"]["extensions"][
        "https://w3id.org/xapi/openedx/extension/transformer-version"] for body in cli_statements}
    assert all(version.startswith("openedx-xapi-router/") for version in versions)
    json.dumps(cli_counts)  # the report is JSON-ready
