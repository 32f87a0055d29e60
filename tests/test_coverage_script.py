"""``benchmarks/coverage.py``: the event-name split it relies on, and how it groups unsupported types."""
from benchmarks import coverage
from openedx_xapi_router.core.registry import default_registry

registry = default_registry()


def test_the_registry_is_the_65_erb_names_plus_the_beyond_erb_ones():
    """Both lists come from the classes' ``erb`` declarations: disjoint, together every registered name."""
    erb, beyond = coverage.erb_names(), coverage.beyond_erb_names()
    assert (len(erb), len(beyond)) == (65, 20)
    assert not erb & beyond
    assert erb | beyond == set(registry.event_names())
    assert len(registry.event_names()) == 85
    assert {"problem_show", "page_close", "openassessmentblock.self_assess"} <= beyond
    assert {"problem_check", "play_video", "edx.forum.thread.created"} <= erb


def test_url_path_event_types_are_one_line_and_the_rest_most_frequent_first():
    rows = coverage.unsupported_lines({
        "/courses/a/about": 3, "textbook.pdf.zoom.menu.changed": 4, "/api/x": 2, "b.event": 4, "a.event": 1,
    })
    assert rows == [
        (5, "server page views (URL paths): 2 types"),
        (4, "b.event"),
        (4, "textbook.pdf.zoom.menu.changed"),
        (1, "a.event"),
    ]


def test_a_reports_grouped_page_views_are_the_same_one_line():
    rows = coverage.unsupported_lines({"server_page_view": 5, "a.event": 1}, {"/courses/a/about": 3, "/api/x": 2})
    assert rows == [(5, "server page views (URL paths): 2 types"), (1, "a.event")]
