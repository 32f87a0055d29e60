"""
Statements from every transformer are accepted by a real Ralph LRS, and read back unchanged.

Input: a clean generated log (every event family the generator writes) plus every shared sample
event, transformed through the public pipeline; the statements of every registered event name that
occurs are POSTed to Ralph through the project's own LRS client, in batches, and each is read back.
"""
import subprocess
import sys
from collections import defaultdict

import pytest

from openedx_xapi_router.core.errors import XapiRouterError
from openedx_xapi_router.core.pipeline import transform_event
from openedx_xapi_router.core.reader import parse_line, read_lines
from openedx_xapi_router.lrs.client import Outcome
from openedx_xapi_router.transformers import registry
from tests.transformers import samples

#: Names the generator never writes and no sample carries: their transformers are tested on hand-made
#: events in their own unit tests. Listed so that a name silently missing here fails the test.
NOT_IN_ANY_INPUT = {"edx.ui.lms.sequence.outline.selected"}


@pytest.fixture(scope="module")
def statements_by_name(tmp_path_factory):
    samples.require_samples()
    log = tmp_path_factory.mktemp("ralph-accept") / "clean.log"
    subprocess.run(
        [sys.executable, str(samples.SHARED_DIR / "tools" / "make_tracking_log.py"),
         "--events", "20000", "--seed", "13", "--out", str(log)],
        check=True, capture_output=True,
    )
    ctx = samples.reference_context()
    by_name = defaultdict(list)
    events = [samples.load_event(name) for name in samples.sample_names()]
    with open(log, "rb") as lines:
        events.extend(parse_line(raw) for _, raw in read_lines(lines, str(log)))
    for event in events:
        try:
            statements = transform_event(event, ctx)
        except XapiRouterError:
            continue
        name = statements[0]["context"]["extensions"][
            "https://w3id.org/xapi/openedx/extension/transformer-version"].split("/")[-1].rsplit("@", 1)[0]
        if len(by_name[name]) < 20:
            by_name[name].extend(statements)
    return by_name


def test_every_transformer_is_accepted_by_ralph(statements_by_name, lrs_client):  # pylint: disable=redefined-outer-name
    assert set(statements_by_name) == set(registry.event_names()) - NOT_IN_ANY_INPUT
    sent = {}
    for name in sorted(statements_by_name):
        # One statement per id: samples share actor, verb and timestamp, hence ids.
        batch = list({s["id"]: s for s in reversed(statements_by_name[name]) if s["id"] not in sent}.values())
        response = lrs_client.post_statements(batch)
        assert (name, response.status_code, response.outcome) == (name, 200, Outcome.OK), response.body[:500]
        assert response.json() == [s["id"] for s in batch]
        sent.update((s["id"], s) for s in batch)
    assert len(sent) >= 2 * len(statements_by_name)
    for statement_id, statement in sent.items():
        stored = lrs_client.get_statement(statement_id)
        for lrs_owned in ("stored", "authority"):
            stored.pop(lrs_owned)
        assert stored == statement
