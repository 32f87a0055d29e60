"""
Statements from every transformer are accepted by a real Ralph LRS, and read back unchanged.

Input: a clean generated log (every event family the generator writes) plus every shared sample
event, transformed through the public pipeline; the statements of every registered event name that
occurs are POSTed to Ralph through the project's own LRS client, in batches, and each is read back.
A second test does the same for the video events pinned to version 2 (the opt-in video profile).

The module has a Ralph of its own (fresh data directory), so the statements it holds are exactly the
ones these tests sent: they are read back with paged GETs of the whole store (Ralph's filesystem
backend reads its whole file on every GET, so one GET per statement cost minutes).
"""
# pytest fixtures are parameters named after the fixture functions.
# pylint: disable=redefined-outer-name
import subprocess
import sys
from collections import defaultdict

import pytest

from openedx_xapi_router.core.context import Actor, TransformContext
from openedx_xapi_router.core.errors import XapiRouterError
from openedx_xapi_router.lrs.client import LrsClient
from openedx_xapi_router.core.pipeline import transform_event
from openedx_xapi_router.core.reader import parse_line, read_lines
from openedx_xapi_router.lrs.client import Outcome
from openedx_xapi_router.core.registry import default_registry
from tests import services
from tests.transformers import samples

registry = default_registry()

#: Names the generator never writes and no sample carries: their transformers are tested on hand-made
#: events in their own unit tests. Listed so that a name silently missing here fails the test.
NOT_IN_ANY_INPUT = {"edx.ui.lms.sequence.outline.selected"}


@pytest.fixture(scope="module")
def own_ralph(tmp_path_factory):
    """A Ralph of this module's own: what it stores is exactly what these tests sent."""
    with services.fresh_ralph(tmp_path_factory.mktemp("ralph-acceptance")) as instance:
        yield instance


@pytest.fixture
def lrs_client(own_ralph):
    """An :class:`LrsClient` talking to this module's Ralph."""
    with LrsClient(own_ralph.statements_url, own_ralph.auth, timeout=30, allow_insecure_http=True) as client:
        yield client


@pytest.fixture(scope="module")
def input_events(tmp_path_factory):
    """Every shared sample event, then every line of a clean generated 20,000-event log."""
    samples.require_samples()
    log = tmp_path_factory.mktemp("ralph-accept") / "clean.log"
    subprocess.run(
        [sys.executable, str(samples.SHARED_DIR / "tools" / "make_tracking_log.py"),
         "--events", "20000", "--seed", "13", "--out", str(log)],
        check=True, capture_output=True,
    )
    events = [samples.load_event(name) for name in samples.sample_names()]
    with open(log, "rb") as lines:
        events.extend(parse_line(raw) for _, raw in read_lines(lines, str(log)))
    return events


def collect_statements(events, ctx):
    """Up to 20 events' statements per event name, by the name in their transformer-version extension."""
    by_name = defaultdict(list)
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


@pytest.fixture(scope="module")
def statements_by_name(input_events):
    return collect_statements(input_events, samples.reference_context())


def post_and_read_back(lrs_client, statements_by_name, already_sent):
    """
    POST each name's statements as one batch, then read the whole store back: it must hold exactly
    ``already_sent`` (the module's earlier tests) and these statements, each unchanged. Returns
    these statements by id.
    """
    sent = {}
    for name in sorted(statements_by_name):
        # One statement per id: samples share actor, verb and timestamp, hence ids.
        batch = list({s["id"]: s for s in reversed(statements_by_name[name])
                      if s["id"] not in sent and s["id"] not in already_sent}.values())
        response = lrs_client.post_statements(batch)
        assert (name, response.status_code, response.outcome) == (name, 200, Outcome.OK), response.body[:500]
        assert response.json() == [s["id"] for s in batch]
        sent.update((s["id"], s) for s in batch)
    stored = {}
    for statement in lrs_client.iter_statements(page_limit=1000):
        for lrs_owned in ("stored", "authority"):
            statement.pop(lrs_owned)
        assert statement["id"] not in stored, statement["id"]
        stored[statement["id"]] = statement
    assert set(stored) == set(sent) | set(already_sent)
    for statement_id, statement in sent.items():
        assert stored[statement_id] == statement
    already_sent.update(sent)
    return sent


@pytest.fixture(scope="module")
def sent_by_this_module():
    """Statement id -> statement, of everything the module's tests have POSTed to its Ralph."""
    return {}


def test_every_transformer_is_accepted_by_ralph(statements_by_name, lrs_client, sent_by_this_module):
    assert set(statements_by_name) == set(registry.event_names()) - NOT_IN_ANY_INPUT
    sent = post_and_read_back(lrs_client, statements_by_name, sent_by_this_module)
    assert len(sent) >= 2 * len(statements_by_name)


def test_video_version_2_is_accepted_by_ralph(input_events, lrs_client, sent_by_this_module):
    """Every video event name pinned to version 2 (the xAPI video profile, opt-in)."""
    video_names = [name for name in registry.event_names() if 2 in registry.versions(name)
                   and registry.get(name, {name: 2}).__module__.endswith(".video_profile")]
    assert len(video_names) == 21
    # Another actor than the first test's: version 2 statements have version 1's ids (same verb, actor, time).
    ctx = TransformContext(
        lms_root_url=samples.LMS_ROOT_URL,
        actor_resolver=lambda user, username=None: Actor.account(samples.LMS_ROOT_URL, "video-profile-v2"),
        course_name_resolver=lambda course_id: samples.COURSE_NAME,
        transformer_versions=dict.fromkeys(video_names, 2),
    )
    by_name = collect_statements(input_events, ctx)
    video_statements = {name: statements for name, statements in by_name.items() if name in video_names}
    assert set(video_statements) == set(video_names)
    for statements in video_statements.values():
        for statement in statements:
            assert statement["context"]["extensions"][
                "https://w3id.org/xapi/openedx/extension/transformer-version"].endswith("@2")
    sent = post_and_read_back(lrs_client, video_statements, sent_by_this_module)
    assert len(sent) >= 2 * len(video_statements)
