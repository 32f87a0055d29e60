"""
Write ``tests/caliper/fixtures/expected/<sample>.json``: event-routing-backends' Caliper event for
each shared sample event (``../shared/xapi/events``, ERB's own fixture inputs,
``event_routing_backends/processors/tests/fixtures/current/``, source 10.0.0) that ERB transforms
into Caliper, made by ERB 9.3.8's ``CaliperProcessor`` (the test venv's oracle) on the sample's
live form (:func:`tests.caliper.erb_caliper_oracle.live_form`), with ERB's random ``id`` removed.

    .venv/bin/python -m tests.caliper.make_expected

Run it again only to follow a new ERB release; review the diff like any golden change.
"""
import json
import sys
from pathlib import Path

from tests.caliper import erb_caliper_oracle
from tests.erb_oracle import Refused
from tests.transformers import samples

EXPECTED_DIR = Path(__file__).parent / "fixtures" / "expected"


def main():
    names = samples.sample_names()
    if not names:
        sys.exit(f"no shared samples under {samples.XAPI_DIR}")
    caliper_names = erb_caliper_oracle.registered_names()
    chosen = [name for name in names if samples.load_event(name).get("name") in caliper_names]
    results = erb_caliper_oracle.transform_events(
        [erb_caliper_oracle.live_form(samples.load_event(name)) for name in chosen]
    )
    EXPECTED_DIR.mkdir(parents=True, exist_ok=True)
    written = 0
    for name, result in zip(chosen, results, strict=True):
        if isinstance(result, Refused):
            print(f"{name}: ERB refuses it ({result.reason}: {result.detail})")
            continue
        result.pop("id")
        (EXPECTED_DIR / f"{name}.json").write_text(json.dumps(result, indent=2) + "\n")
        written += 1
    print(f"wrote {written} expected Caliper events to {EXPECTED_DIR}")


if __name__ == "__main__":
    main()
