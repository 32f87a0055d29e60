"""
Differential test: our Caliper events equal event-routing-backends' (ERB) on a generated tracking log.

A clean log of 4,000 events (``make_tracking_log.py --events 4000 --seed 7``, ../shared/tools) is
generated into a tmp dir; each line goes through our Caliper transformers as the line it is, and
through ERB 9.3.8's own ``CaliperProcessor`` (``tests/caliper/erb_caliper_oracle.py``) in the live
form of the same event (the form ERB's sites have been sending from the LMS). For every event of a
name ERB transforms into Caliper, both must give an event, equal as JSON after removing ``id``
(ERB's is random) and blanking the transformer-version value; or both must refuse it (anonymous
learners). Events of other names: neither gives a Caliper event.

ERB's log replay (its ``transform_tracking_logs`` normalisation, the line as it is) disagrees with
its own live path on every ``problem_check``: it looks for ``event_source`` and ``referer`` only in
``context``, where a log line has neither, so it reads a graded check as a submission and refuses a
browser check. That is counted exactly too (:func:`test_erb_log_replay_differs_from_its_live_path`).

Counts are exact and derived from the manifest (``per_name``), and pinned for this seed (:data:`PINNED`).
"""
# pytest fixtures are parameters named after the fixture functions.
# pylint: disable=redefined-outer-name
import collections
import json
import subprocess
import sys

import pytest

from openedx_xapi_router.core.errors import EventSkipped, UnsupportedEvent
from tests.caliper import erb_caliper_oracle
from tests.caliper.helpers import comparable, transform
from tests.erb_oracle import Refused
from tests.transformers import samples

GENERATOR = samples.SHARED_DIR / "tools" / "make_tracking_log.py"
LOG_ARGS = ("--events", "4000", "--seed", "7")

#: The figures of ``make_tracking_log.py --events 4000 --seed 7`` (generator 1.1.0) under ERB 9.3.8.
PINNED = {"caliper_named": 2509, "compared": 2501, "anonymous": 8, "problem_check": 430}

SHOWN = 10


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    """``(raw events, manifest, ERB's live results, ERB's log-replay results, lines)`` of the generated log."""
    samples.require_shared(GENERATOR, "the tracking-log generator")
    path = tmp_path_factory.mktemp("caliper-differential") / "clean-4k-seed7.log"
    subprocess.run([sys.executable, str(GENERATOR), *LOG_ARGS, "--out", str(path)],
                   check=True, capture_output=True, timeout=300)
    manifest = json.loads(path.with_name(path.name + ".manifest.json").read_text())
    lines = path.read_bytes().splitlines()
    raws = [json.loads(line) for line in lines]
    live = erb_caliper_oracle.transform_events([erb_caliper_oracle.live_form(raw) for raw in raws])
    replay = erb_caliper_oracle.transform_lines(lines)
    return raws, manifest, live, replay


def _ours(raw):
    try:
        return transform(raw)
    except UnsupportedEvent:
        return None
    except EventSkipped as skipped:
        return skipped


def _names_nobody(raw):
    """True when a log line names no learner: no ``context.user_id``, no ``username``, none in the payload."""
    payload = raw.get("event")
    if isinstance(payload, str):
        try:
            payload = json.loads(payload)
        except json.JSONDecodeError:
            payload = {}
    payload = payload if isinstance(payload, dict) else {}
    return (raw.get("context", {}).get("user_id") is None and not raw.get("username")
            and payload.get("user_id") is None and not payload.get("username"))


def test_no_difference_from_erb(generated):
    raws, manifest, live, _ = generated
    caliper_names = erb_caliper_oracle.registered_names()
    per_name = dict(manifest["per_name"])
    caliper_named = sum(count for name, count in per_name.items() if name in caliper_names)

    counts = collections.Counter()
    differences = []
    for line_number, (raw, erb) in enumerate(zip(raws, live, strict=True), 1):
        ours = _ours(raw)
        if raw["name"] not in caliper_names:
            assert ours is None and erb == erb_caliper_oracle.erb_oracle.NO_TRANSFORMER, (line_number, raw["name"])
            counts["other"] += 1
        elif isinstance(erb, Refused):
            # ERB refuses only anonymous learners here; so do we.
            assert erb.detail == "ValueError: User with username None does not exist.", (line_number, erb)
            assert isinstance(ours, EventSkipped) and ours.reason == "anonymous", (line_number, ours)
            counts["anonymous"] += 1
        else:
            assert isinstance(ours, list) and len(ours) == 1, (line_number, raw["name"], ours)
            counts["compared"] += 1
            if comparable(ours[0]) != comparable(erb):
                differences.append((line_number, raw["name"], comparable(erb), comparable(ours[0])))
    shown = "\n".join(f"line {n} {name}:\n  ERB  {json.dumps(e)}\n  ours {json.dumps(o)}"
                      for n, name, e, o in differences[:SHOWN])
    assert not differences, f"{len(differences)} differences:\n{shown}"

    anonymous_lines = sum(1 for raw in raws if raw["name"] in caliper_names and _names_nobody(raw))
    assert counts["anonymous"] == anonymous_lines
    assert counts["compared"] + counts["anonymous"] == caliper_named
    assert counts["other"] == manifest["valid_events"] - caliper_named
    figures = {"caliper_named": caliper_named, "compared": counts["compared"], "anonymous": counts["anonymous"]}
    assert figures == {key: PINNED[key] for key in figures}


def test_erb_log_replay_differs_from_its_live_path(generated):
    """ERB's replay of the log differs from its live output on exactly the problem_check events, and only there."""
    raws, manifest, live, replay = generated
    differing = collections.Counter()
    kinds = collections.Counter()
    for raw, erb_live, erb_replay in zip(raws, live, replay, strict=True):
        if isinstance(erb_live, Refused) and isinstance(erb_replay, Refused):
            continue
        if isinstance(erb_live, dict) and isinstance(erb_replay, dict) and \
                comparable(erb_live) == comparable(erb_replay):
            continue
        differing[raw["name"]] += 1
        source = raw.get("event_source")
        if source == "server":
            assert erb_live["type"] == "GradeEvent" and erb_replay["type"] == "AssessmentEvent"
            kinds["server read as a submission"] += 1
        else:
            assert isinstance(erb_replay, Refused) and "context.referer" in erb_replay.detail, erb_replay
            kinds["browser refused"] += 1
    assert differing == {"problem_check": dict(manifest["per_name"])["problem_check"]}
    assert sum(differing.values()) == PINNED["problem_check"]
    assert set(kinds) == {"server read as a submission", "browser refused"}
