"""
The report of a whole dirty tracking log agrees exactly with the generator's manifest.

The logs come from ``shared/tools/make_tracking_log.py``: the ready-made ``corpus/dirty-10k.log``
and ``corpus/clean-10k.log``, and one generated here with another seed. Every count asserted is
derived from the manifest (and, for "which event names have a transformer", from the registry as
it is), never written down by hand, so the test holds while transformers are added.
"""
import json
import subprocess
import sys

from openedx_xapi_router.core.context import TransformContext
from openedx_xapi_router.core.pipeline import serialize, transform_lines
from openedx_xapi_router.core.reader import read_lines
from openedx_xapi_router.core.report import PAGE_VIEWS, Report, top_paths
from openedx_xapi_router.core.validate import validate_statement
from openedx_xapi_router.core.registry import default_registry
from tests.transformers.samples import SHARED_DIR, require_shared

registry = default_registry()

CORPUS = SHARED_DIR / "corpus"
GENERATOR = SHARED_DIR / "tools" / "make_tracking_log.py"


def require(path):
    require_shared(path, "the shared tracking-log corpus and generator")


def run(path):
    """Transform the log at ``path``; return its report and every statement (each checked)."""
    ctx = TransformContext.from_maps("https://courses.example.org", actor_secret="corpus-secret",
                                     course_name_map={"*": "A Course"})
    report = Report()
    statements = 0
    with open(path, "rb") as file:
        for _, produced in transform_lines(read_lines(file, str(path)), ctx, report):
            for statement in produced:
                validate_statement(statement, "corpus")
                assert serialize(statement)
                statements += 1
    assert statements == report.statements
    return report.as_dict()


def expected_from_manifest(manifest):
    """What the report must say, from the manifest alone (plus which names have a transformer)."""
    kinds = manifest["defect_kinds"]
    per_defect = manifest["per_defect"]
    recoverable = {kind for kind, facts in kinds.items() if facts["recoverable"]}
    rejected = {
        kind: count for kind, count in per_defect.items()
        if kind not in recoverable and kind != "unknown_event_type" and count
    }
    unsupported_named = {
        name: count + manifest["duplicates_per_event_type"].get(name, 0)
        for name, count in manifest["per_name"].items() if not registry.is_supported(name)
    }
    # Server page views (named by their URL path) are one count; their paths are counted apart.
    page_views = {name: unsupported_named.pop(name) for name in list(unsupported_named) if name.startswith("/")}
    if page_views:
        unsupported_named[PAGE_VIEWS] = sum(page_views.values())
    return {
        "lines": manifest["lines"],
        "rejected": rejected,
        "recovered": {"logger_prefix": per_defect["logger_prefix"]} if per_defect.get("logger_prefix") else {},
        # valid_event_lines counts clean, recovered and duplicated lines; an unknown event type is
        # an event too (unsupported, not rejected).
        "events": manifest["valid_event_lines"] + per_defect.get("unknown_event_type", 0),
        "unsupported_named": unsupported_named,
        "page_view_paths": top_paths(page_views),
        "unsupported_unknown": per_defect.get("unknown_event_type", 0),
    }


def check(report, manifest):
    expected = expected_from_manifest(manifest)
    assert report["lines"] == expected["lines"]
    assert {kind: entry["count"] for kind, entry in report["rejected"].items()} == expected["rejected"]
    assert all(len(entry["lines"]) == min(5, entry["count"]) for entry in report["rejected"].values())
    assert report["recovered"] == expected["recovered"]
    assert report["events"] == expected["events"]
    assert report["lines"] == report["events"] + sum(expected["rejected"].values())
    # Every unsupported event name the manifest lists is counted exactly; the rest of the
    # unsupported events are the unknown_event_type lines, whose names the manifest does not list.
    named = {name: count for name, count in report["unsupported"].items()
             if name in manifest["per_name"] or name == PAGE_VIEWS}
    assert named == expected["unsupported_named"]
    assert report["page_view_paths"] == expected["page_view_paths"]
    unknown = sum(count for name, count in report["unsupported"].items()
                  if name not in manifest["per_name"] and name != PAGE_VIEWS)
    assert unknown == expected["unsupported_unknown"]
    # Nothing the transformers cannot handle, no bug; every event is accounted for once.
    assert (report["errors"], report["invalid"], report["skipped"]) == ({}, {}, {})
    assert report["events"] == (
        report["transformed"] + sum(report["unsupported"].values()) + report["anonymous"]
    )
    # Anonymous learners are only ever the manifest's anonymous browser events (and their duplicates);
    # the manifest does not say which of those have a transformer, so this one is a bound.
    assert report["anonymous"] <= manifest["anonymous_browser_events"] + manifest["per_defect"].get("duplicate", 0)
    assert report["statements"] >= report["transformed"]


def load_manifest(path):
    return json.loads(path.with_name(path.name + ".manifest.json").read_text())


def test_dirty_10k_report_matches_its_manifest():
    path = CORPUS / "dirty-10k.log"
    require(path)
    manifest = load_manifest(path)
    report = run(path)
    check(report, manifest)
    # The first line numbers of each kind are kept: they point at lines the generator says are bad.
    assert report["rejected"]["truncated_json"]["lines"][0] == 17
    assert report["rejected"]["blank_line"]["lines"][0] == 74


def test_clean_10k_has_no_rejection_and_no_recovery():
    path = CORPUS / "clean-10k.log"
    require(path)
    manifest = load_manifest(path)
    report = run(path)
    check(report, manifest)
    assert (report["rejected"], report["recovered"]) == ({}, {})
    assert report["events"] == report["lines"] == manifest["valid_event_lines"]


def test_a_freshly_generated_dirty_log_matches_its_manifest(tmp_path):
    require(GENERATOR)
    path = tmp_path / "dirty-seed5.log"
    subprocess.run(
        [sys.executable, str(GENERATOR), "--events", "5000", "--seed", "5", "--dirty", "0.05",
         "--oversize-bytes", "65536", "--out", str(path)],
        check=True, capture_output=True, timeout=300,
    )
    manifest = load_manifest(path)
    assert manifest["seed"] == 5 and manifest["per_defect"]["unknown_event_type"] > 0
    check(run(path), manifest)
