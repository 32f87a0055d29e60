"""
Two shapes of real tracking-log lines that are not broken: NUL padding before a complete line, and a
server page view whose payload the LMS cut at 512 characters; and the report's one page-view count.

The page views are built as the LMS builds them: ``TrackMiddleware.process_request`` logs every
request as ``json.dumps({"GET": dict(request.GET), "POST": dict(request.POST)})[:512]`` under the
request path (openedx/edx-platform ``common/djangoapps/track/middleware.py``, commit
eaeb3256aba36e154964f38e7c109c0749e5c866), through ``track.views.server_track`` (``event_source``
``server``, ``event_type`` the path, ``event`` that string).
"""
import io
import json

import pytest

from openedx_xapi_router.backfill.counting import BackfillReport, report_from_dict
from openedx_xapi_router.core import cli
from openedx_xapi_router.core.context import TransformContext
from openedx_xapi_router.core.errors import LineRejected
from openedx_xapi_router.core.pipeline import transform_lines
from openedx_xapi_router.core.reader import parse_line, read_event
from openedx_xapi_router.core.report import MAX_PAGE_VIEW_PATHS, PAGE_VIEWS, TOP_PAGE_VIEW_PATHS, Report

VIDEO = {
    "name": "play_video",
    "event_type": "play_video",
    "time": "2026-03-01T06:30:47.897000+00:00",
    "event_source": "browser",
    "username": "wei.cohen",
    "session": "1e7263cb3d3762f5a94a65e1798d191f",
    "event": json.dumps({"id": "abc", "currentTime": 1.5, "code": "html5"}),
    "context": {"user_id": 16, "course_id": "course-v1:MITx+PH185+2025_T2", "org_id": "MITx", "path": "/event"},
}
VIDEO_LINE = json.dumps(VIDEO).encode()
PREFIX = b"2026-03-01 06:30:47,897 INFO 7 [tracking] [user 16] [ip 100.91.236.128] logger.py:41 - "


def ctx():
    return TransformContext.from_maps("https://courses.example.org", actor_secret="s", course_name_map={"*": "A"})


def run(lines):
    report = Report()
    statements = [s for _, produced in transform_lines(enumerate(lines, 1), ctx(), report) for s in produced]
    return report, statements


# --- NUL padding ---------------------------------------------------------------------------------


@pytest.mark.parametrize("count", [1, 300, 4096])
def test_nul_padding_before_a_complete_event_is_recovered(count):
    event, recovered = read_event(b"\x00" * count + VIDEO_LINE)
    assert recovered == "nul_padding"
    assert event == parse_line(VIDEO_LINE)


def test_nul_padding_before_a_logger_prefixed_event_is_recovered_as_padding():
    event, recovered = read_event(b"\x00" * 300 + PREFIX + VIDEO_LINE)
    assert (event, recovered) == (parse_line(VIDEO_LINE), "nul_padding")


@pytest.mark.parametrize("raw", [
    b"\x00" * 300,  # padding only
    b"\x00" * 300 + VIDEO_LINE[40:],  # NULs over the start of the event
    b"\x00" * 300 + VIDEO_LINE[:100] + b"\x00" * 20 + VIDEO_LINE[120:],  # and NULs inside it
    VIDEO_LINE[:100] + b"\x00" * 300 + VIDEO_LINE[400:],  # the generator's nul_bytes: over the middle
    VIDEO_LINE[:100] + b"\x00" * 20 + VIDEO_LINE[100:],  # NULs inserted inside the event
    b"\x00" * 10 + b"Traceback (most recent call last):",
])
def test_nuls_that_overwrite_part_of_the_event_stay_rejected(raw):
    with pytest.raises(LineRejected) as rejected:
        read_event(raw)
    assert rejected.value.kind == "nul_bytes"


def test_a_padded_event_with_another_defect_is_rejected_by_that_defect():
    bad_time = json.dumps({**VIDEO, "time": "yesterday"}).encode()
    with pytest.raises(LineRejected) as rejected:
        read_event(b"\x00" * 300 + bad_time)
    assert rejected.value.kind == "bad_time"


def test_a_padded_event_is_transformed_and_counted_as_recovered():
    report, statements = run([VIDEO_LINE, b"\x00" * 700 + VIDEO_LINE, VIDEO_LINE[:50] + b"\x00" * 30 + VIDEO_LINE[80:]])
    data = report.as_dict()
    assert (data["lines"], data["events"], data["transformed"], data["statements"]) == (3, 2, 2, 2)
    assert data["recovered"] == {"nul_padding": 1}
    assert data["rejected"] == {"nul_bytes": {"count": 1, "lines": [3]}}
    assert statements[0] == statements[1]  # the same event, the same statement, id included


# --- page views cut at 512 characters --------------------------------------------------------------


def page_view(path, get=None, post=None, **changes):
    """A page-view line as the LMS writes it: the request data as JSON, cut at 512 characters."""
    payload = json.dumps({"GET": get or {}, "POST": post or {}})[:512]
    event = {
        "username": "wei.cohen", "event_source": "server", "name": path, "event_type": path, "event": payload,
        "ip": "100.91.236.128", "agent": "Mozilla/5.0", "page": None, "host": "courses.example.org",
        "time": "2026-03-01T06:30:48.000000+00:00", "accept_language": "en", "referer": "",
        "context": {"user_id": 16, "org_id": "MITx", "course_id": "course-v1:MITx+PH185+2025_T2", "path": path},
    }
    event.update(changes)
    return json.dumps(event).encode()


LONG_POST = {"student_answers": ["x" * 700]}


def test_a_page_view_cut_by_the_lms_is_an_ordinary_event():
    line = page_view("/courses/course-v1:MITx+PH185+2025_T2/xblock/handler", post=LONG_POST)
    event, recovered = read_event(line)
    assert recovered is None
    assert (event.name, event.user_id, event.course_id, event.event_source) == (
        "/courses/course-v1:MITx+PH185+2025_T2/xblock/handler", 16, "course-v1:MITx+PH185+2025_T2", "server")
    assert event.data == {}
    assert len(event.data_text) == 512 and event.data_text.startswith('{"GET": {}, "POST": {"student_answers": ["xxx')


def test_cut_page_views_are_unsupported_page_views_not_broken_lines():
    lines = [
        page_view("/courses/course-v1:MITx+PH185+2025_T2/xblock/handler", post=LONG_POST),
        page_view("/courses/course-v1:MITx+PH185+2025_T2/xblock/handler", post={"a": "b"}),
        page_view("/dashboard", get={"q": "y" * 600}),
    ]
    report, statements = run(lines)
    data = report.as_dict()
    assert statements == []
    assert (data["lines"], data["events"], data["rejected"], data["recovered"]) == (3, 3, {}, {})
    assert data["unsupported"] == {PAGE_VIEWS: 3}
    assert data["page_view_paths"] == {"/courses/course-v1:MITx+PH185+2025_T2/xblock/handler": 2, "/dashboard": 1}


@pytest.mark.parametrize("line", [
    # Not cut by the LMS: shorter than 512 characters.
    page_view("/dashboard", event=json.dumps({"GET": {"q": "y" * 600}, "POST": {}})[:300]),
    # Not a page view: a server event named by its event name, whose payload is always whole JSON.
    page_view("edx.course.enrollment.activated", post=LONG_POST),
    # Not the request data: a Python repr.
    page_view("/dashboard", event=repr({"GET": {"q": "y" * 600}, "POST": {}})[:512]),
])
def test_other_server_payloads_that_are_not_json_stay_broken(line):
    with pytest.raises(LineRejected) as rejected:
        read_event(line)
    assert rejected.value.kind == "unparseable_server_event"


# --- the report's one page-view count -------------------------------------------------------------


def test_thousands_of_paths_are_one_unsupported_count_and_the_top_paths():
    report = Report()
    for number in range(4553):
        for _ in range(1 + (number % 7 == 0) + (number < 3) * 10):
            report.unsupported_event(f"/courses/c/{number}")
    report.unsupported_event("textbook.pdf.zoom.menu.changed")
    data = report.as_dict()
    assert data["unsupported"] == {PAGE_VIEWS: 4553 + 651 + 30, "textbook.pdf.zoom.menu.changed": 1}
    assert len(data["page_view_paths"]) == TOP_PAGE_VIEW_PATHS
    assert list(data["page_view_paths"].items())[:4] == [
        ("/courses/c/0", 12), ("/courses/c/1", 11), ("/courses/c/2", 11), ("/courses/c/1001", 2)]  # ties by path


def test_the_paths_counted_one_by_one_are_bounded():
    report = Report()
    for number in range(MAX_PAGE_VIEW_PATHS + 5):
        report.unsupported_event(f"/p/{number}")
    report.unsupported_event("/p/0")
    assert report.unsupported[PAGE_VIEWS] == MAX_PAGE_VIEW_PATHS + 6
    assert len(report.page_view_paths) == MAX_PAGE_VIEW_PATHS
    assert report.page_view_paths["/p/0"] == 2


def test_merging_and_a_checkpoint_keep_the_page_views():
    first, second = BackfillReport(), BackfillReport()
    first.unsupported_event("/a")
    second.unsupported_event("/a")
    second.unsupported_event("/b")
    first.merge(second)
    assert first.as_dict()["unsupported"] == {PAGE_VIEWS: 3}
    assert first.as_dict()["page_view_paths"] == {"/a": 2, "/b": 1}
    assert report_from_dict(first.as_dict()).as_dict() == first.as_dict()


def test_the_cli_prints_one_page_view_line_and_writes_the_paths_to_its_report(tmp_path):
    log = tmp_path / "tracking.log"
    log.write_bytes(b"\n".join(page_view(f"/courses/c/{number}") for number in range(300)) + b"\n")
    stdout, stderr = io.BytesIO(), io.StringIO()
    assert cli.main(["--lms-root-url", "https://courses.example.org", "--actor-secret", "s", str(log)],
                    stdout=stdout, stderr=stderr) == 0
    printed = json.loads(stderr.getvalue())
    assert printed["unsupported"] == {PAGE_VIEWS: 300} and "page_view_paths" not in printed
    assert stderr.getvalue().count("/courses/c/") == 0
    stderr = io.StringIO()
    assert cli.main(["--lms-root-url", "https://courses.example.org", "--actor-secret", "s",
                     "--report", str(tmp_path / "report.json"), str(log)], stdout=io.BytesIO(), stderr=stderr) == 0
    written = json.loads((tmp_path / "report.json").read_text())
    assert written["unsupported"] == {PAGE_VIEWS: 300}
    assert written["page_view_paths"] == {f"/courses/c/{number}": 1 for number in sorted(range(300), key=str)[:20]}
