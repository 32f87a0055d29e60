"""
``xapi-router-transform --format caliper``: a generated tracking log (``make_tracking_log.py
--events 1500 --seed 7 --dirty 0.02``, ../shared/tools) in, Caliper 1.2 events out, one per line,
with the same report counts as the xAPI run; then the events, in envelopes, to a Caliper endpoint
(the loopback consumer of ``tests/caliper/caliper_consumer.py``), as a backfill would send them.
"""
import io
import json
import subprocess
import sys

import requests

from openedx_xapi_router.core.cli import main
from openedx_xapi_router.transformers.caliper.envelope import build_envelope, request_headers, serialize_envelope
from openedx_xapi_router.core.registry import default_registry
from openedx_xapi_router.transformers.caliper.validate import validate_event
from tests.caliper.caliper_consumer import CaliperConsumer
from tests.caliper.test_endpoint import ERB_TERMS_OUTSIDE_THE_CONTEXT
from tests.transformers import samples

GENERATOR = samples.SHARED_DIR / "tools" / "make_tracking_log.py"


def _run(tmp_path, *extra):
    log = tmp_path / "dirty-1500.log"
    if not log.exists():
        subprocess.run([sys.executable, str(GENERATOR), "--events", "1500", "--seed", "7", "--dirty", "0.02",
                        "--out", str(log)], check=True, capture_output=True, timeout=300)
    out, report = tmp_path / f"out{len(extra)}.jsonl", tmp_path / f"report{len(extra)}.json"
    stderr = io.StringIO()
    status = main(["--actor-secret", "s3cret", "--output", str(out), "--report", str(report), *extra, str(log)],
                  stderr=stderr)
    assert status == 0, stderr.getvalue()
    manifest = json.loads(log.with_name(log.name + ".manifest.json").read_text())
    return out.read_bytes().splitlines(), json.loads(report.read_text()), manifest


def test_caliper_format(tmp_path):
    samples.require_shared(GENERATOR, "the tracking-log generator")
    lines, report, manifest = _run(tmp_path, "--format", "caliper")
    _, xapi_report, _ = _run(tmp_path, "--format", "xapi", "--lms-root-url", "http://localhost:18000")
    events = [json.loads(line) for line in lines]

    # Every line is a valid Caliper 1.2 event, counted exactly.
    assert len(events) == report["statements"] == report["transformed"]
    for event in events:
        validate_event(event, "cli-output")
    names = set(default_registry().event_names("caliper"))
    per_name = dict(manifest["per_name"])
    caliper_named = sum(per_name.get(name, 0) for name in names)
    # Pinned for this seed (generator 1.1.0): every valid event of a Caliper name gives one event,
    # none is anonymous, invalid or an error; the unsupported ones are the other names.
    assert {key: report[key] for key in ("transformed", "anonymous", "invalid", "errors", "skipped")} == \
        {"transformed": 790, "anonymous": 0, "invalid": {}, "errors": {}, "skipped": {}}
    assert report["transformed"] == caliper_named
    assert not names & set(report["unsupported"])
    # The lines read, rejected and recovered are the xAPI run's: one reader, one report.
    for key in ("lines", "events", "rejected", "recovered"):
        assert report[key] == xapi_report[key], key
    assert report["lines"] == manifest["lines"]

    # A backfill's events, 100 per envelope, to a Caliper endpoint with a bearer token.
    with CaliperConsumer(token="backfill-token") as consumer:
        for start in range(0, len(events), 100):
            envelope = build_envelope(events[start:start + 100], "http://localhost:18000")
            response = requests.post(consumer.url, data=serialize_envelope(envelope),
                                     headers=request_headers("backfill-token"), timeout=10)
            assert response.status_code == 200, response.text
        assert len(consumer.events) == len(events)
        assert set(consumer.unknown_terms) <= ERB_TERMS_OUTSIDE_THE_CONTEXT
        assert consumer.refusals == []
