"""
Differential test: our statements equal event-routing-backends' (ERB) on a generated tracking log.

A clean log of 20,000 events (``make_tracking_log.py --events 20000 --seed 3``) is generated into
the session's tmp dir, run through ERB's own xAPI processor (``tests/erb_oracle.py``, once per
session) and through our pipeline. For every event both handle, the statements must be equal as
JSON: dict equality, list order kept, ids included, after blanking the transformer-version value
(``shared/xapi/README.md``'s rules); and stricter than Python's ``==``, a number's JSON type must
match too (``1`` is not ``1.0``: consumers that type columns from the JSON see the difference).
Also: every event ERB transforms, we transform; and the events we transform that ERB does not are
exactly those listed in :data:`OUR_EXTRA_NAMES`.

The counts are exact. ERB's share of the log is derived from the manifest (``per_name`` of every
name ERB registers) and ERB's own refusals, and pinned for this seed (:data:`PINNED`), so the test
cannot pass by silently comparing nothing.
"""
# pytest fixtures are parameters named after the fixture functions.
# pylint: disable=redefined-outer-name
import collections
import json
import subprocess
import sys

import orjson
import pytest

from openedx_xapi_router.core.errors import EventSkipped, XapiRouterError
from openedx_xapi_router.core.pipeline import transform_event
from openedx_xapi_router.core.registry import default_registry
from tests import erb_oracle
from tests.transformers import samples

GENERATOR = samples.SHARED_DIR / "tools" / "make_tracking_log.py"
LOG_ARGS = ("--events", "20000", "--seed", "3")

#: The figures of ``make_tracking_log.py --events 20000 --seed 3`` (generator 1.0.0) under ERB 9.3.8:
#: events ERB transforms, the statements it gives, and the events it refuses for want of a learner
#: (anonymous browser events: ``ValueError: User with username None does not exist``).
PINNED = {"compared_events": 17028, "compared_statements": 18220, "erb_anonymous_refusals": 24}

#: Lower bound, whatever the generator: the comparison must cover most of the log.
MIN_COMPARED_EVENTS = 15000

#: Event names we transform although ERB gives no statement for them: the classes declaring
#: ``erb = False`` (docs/beyond_erb.rst), with their family. Events of any other name that we
#: transform and ERB does not are a failure.
OUR_EXTRA_NAMES = {name: f"{cls.family} (docs/beyond_erb.rst)" for name, _, cls in default_registry().all()
                   if not cls.erb}

#: How many differences the failure message shows in full.
SHOWN = 20


def _generate_log(directory):
    """Generate the clean log into ``directory``; return (lines as bytes, manifest)."""
    samples.require_shared(GENERATOR, "the tracking-log generator")
    path = directory / "clean-20k-seed3.log"
    subprocess.run([sys.executable, str(GENERATOR), *LOG_ARGS, "--out", str(path)],
                   check=True, capture_output=True)
    manifest = json.loads(path.with_name(path.name + ".manifest.json").read_text())
    with path.open("rb") as handle:
        lines = handle.read().splitlines()
    return lines, manifest


@pytest.fixture(scope="session")
def erb_run(tmp_path_factory):
    """The generated log, its manifest and ERB's result for each line (computed once per session)."""
    lines, manifest = _generate_log(tmp_path_factory.mktemp("erb_differential"))
    return {"lines": lines, "manifest": manifest, "erb": erb_oracle.transform_lines(lines)}


@pytest.fixture(scope="session")
def our_run(erb_run):
    """Our result for each line: a list of statement dicts, or the XapiRouterError we raised."""
    ctx = samples.reference_context()
    results = []
    for line in erb_run["lines"]:
        try:
            results.append(transform_event(orjson.loads(line), ctx))
        except XapiRouterError as error:
            results.append(error)
    return results


def _canonical(statements):
    """JSON text with sorted keys: equal exactly when the values are equal as JSON, 1 and 1.0 apart."""
    return orjson.dumps(statements, option=orjson.OPT_SORT_KEYS)


def _name(line):
    return orjson.loads(line).get("name")


def json_differences(ours, theirs, path=""):
    """``(path, ours, theirs)`` for every place two JSON values differ; paths as in shapes.json (``a.b[0].c``)."""
    if isinstance(ours, dict) and isinstance(theirs, dict):
        differences = []
        for key in [*ours, *(k for k in theirs if k not in ours)]:
            child = f"{path}.{key}" if path else key
            differences += json_differences(ours.get(key, "<absent>"), theirs.get(key, "<absent>"), child)
        return differences
    if isinstance(ours, list) and isinstance(theirs, list) and len(ours) == len(theirs):
        differences = []
        for index, (mine, other) in enumerate(zip(ours, theirs, strict=True)):
            differences += json_differences(mine, other, f"{path}[{index}]")
        return differences
    if ours == theirs and type(ours) is type(theirs):
        return []
    return [(path, ours, theirs)]


def test_erb_share_of_the_log_matches_manifest_and_pins(erb_run):
    """ERB attempts exactly the manifest's events of its names; its only refusals are anonymous learners."""
    manifest, erb = erb_run["manifest"], erb_run["erb"]
    erb_names = erb_oracle.registered_names()
    assert manifest["lines"] == len(erb_run["lines"]) == manifest["valid_events"] == 20000
    attempted = sum(count for name, count in manifest["per_name"].items() if name in erb_names)
    no_transformer = sum(1 for result in erb if result is erb_oracle.NO_TRANSFORMER)
    assert len(erb) - no_transformer == attempted
    refusals = collections.Counter(
        result for result in erb if isinstance(result, erb_oracle.Refused) and result is not erb_oracle.NO_TRANSFORMER
    )
    anonymous = erb_oracle.Refused("error", "ValueError: User with username None does not exist.")
    assert set(refusals) <= {anonymous}, refusals
    assert refusals[anonymous] <= manifest["anonymous_browser_events"]
    transformed = [result for result in erb if isinstance(result, list)]
    assert len(transformed) == attempted - refusals[anonymous]
    assert {
        "compared_events": len(transformed),
        "compared_statements": sum(len(statements) for statements in transformed),
        "erb_anonymous_refusals": refusals[anonymous],
    } == PINNED
    assert len(transformed) >= MIN_COMPARED_EVENTS


def test_no_event_erb_transforms_is_lost(erb_run, our_run):
    """Every event ERB gives statements for, we give statements for too."""
    lost = collections.defaultdict(list)
    for number, (erb, ours) in enumerate(zip(erb_run["erb"], our_run, strict=True), start=1):
        if isinstance(erb, list) and not isinstance(ours, list):
            lost[_name(erb_run["lines"][number - 1])].append(f"line {number}: {type(ours).__name__}: {ours}")
    summary = "\n".join(f"{name}: {len(items)} events, first {items[0]}" for name, items in sorted(lost.items()))
    if lost:
        pytest.fail(f"{sum(map(len, lost.values()))} events ERB transforms and we do not:\n{summary}")


def test_events_only_we_transform_are_exactly_the_listed_ones(erb_run, our_run):
    """The events we transform and ERB does not: exactly the manifest's events of OUR_EXTRA_NAMES."""
    extra = collections.Counter()
    first = {}
    for number, (erb, ours) in enumerate(zip(erb_run["erb"], our_run, strict=True), start=1):
        if isinstance(ours, list) and not isinstance(erb, list):
            name = _name(erb_run["lines"][number - 1])
            extra[name] += 1
            first.setdefault(name, f"line {number}: ERB {erb}")
    # Anonymous browser events (a page_close) give no statement here either: not counted as ours.
    anonymous = collections.Counter(
        _name(line) for line, ours in zip(erb_run["lines"], our_run, strict=True)
        if isinstance(ours, EventSkipped) and ours.reason == "anonymous"
    )
    expected = {name: erb_run["manifest"]["per_name"][name] - anonymous[name] for name in OUR_EXTRA_NAMES
                if name in erb_run["manifest"]["per_name"]}
    assert dict(extra) == expected, "\n".join(f"{name}: {count} ({first[name]})" for name, count in extra.items())


def test_statements_equal_erb(erb_run, our_run):
    """Same statements as ERB, ids included, for every event both transform; counts exact."""
    compared_events = compared_statements = 0
    differences = []
    for number, (erb, ours) in enumerate(zip(erb_run["erb"], our_run, strict=True), start=1):
        if not (isinstance(erb, list) and isinstance(ours, list)):
            continue
        compared_events += 1
        compared_statements += len(erb)
        theirs = samples.without_transformer_version(erb)
        mine = samples.without_transformer_version(ours)
        if _canonical(mine) == _canonical(theirs):
            continue
        name = _name(erb_run["lines"][number - 1])
        if len(mine) != len(theirs):
            differences.append((number, name, "<statement count>", len(mine), len(theirs)))
            continue
        for index, (one, other) in enumerate(zip(mine, theirs, strict=True)):
            for path, value, reference in json_differences(one, other):
                differences.append((number, name, f"[{index}].{path}", value, reference))
    per_name = collections.Counter((name, path.partition("].")[2] or path) for _, name, path, _, _ in differences)
    events = len({difference[0] for difference in differences})
    message = "\n".join(
        [f"{len(differences)} differences (ours vs ERB) in {events} events; by name and path:"]
        + [f"  {name} {path}: {count}" for (name, path), count in sorted(per_name.items())]
        + [f"first {SHOWN}:"]
        + [f"  line {number} {name} {path}: ours={value!r} erb={reference!r}"
           for number, name, path, value, reference in differences[:SHOWN]]
    )
    if differences:
        pytest.fail(message)
    assert compared_events == PINNED["compared_events"], "some events were not compared (see the lost-event test)"
    assert compared_statements == PINNED["compared_statements"]
