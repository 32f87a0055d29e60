"""
The status page's hourly delivery charts (``openedx_xapi_router.delivery.chart``): counts per
clock hour from ``DeliveryHour`` and ``DeadLetter`` rows, drawn as inline SVG.

The rows are the ones the delivery code writes (``delivery/store.py``: ``count_hour`` adds to the
hour's ``delivered``/``failed``; ``dead_letter`` creates rows with ``first_failed_at`` now).
"""
import re
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse

from openedx_xapi_router.delivery import store
from openedx_xapi_router.delivery.chart import SERIES, HourCounts, delivery_charts, hourly_counts, render_svg
from openedx_xapi_router.models import DeadLetter, LrsEndpoint
from tests.admin.conftest import make_dead_letter

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 12, 1, 14, 25, 7, tzinfo=UTC)
SVG = "{http://www.w3.org/2000/svg}"


def hours_ago(hours, minute=10):
    return NOW.replace(minute=minute, second=0) - timedelta(hours=hours)


def seed(endpoint):  # pylint: disable=redefined-outer-name
    """Delivered/failed counts and dead letters at known hours (0 = the current hour)."""
    for hours, delivered, failed in ((0, 40, 0), (0, 2, 1), (3, 100, 0), (23, 7, 2), (24, 5, 0), (100, 9, 4),
                                     (167, 3, 0), (168, 11, 11)):
        store.count_hour(endpoint.pk, delivered=delivered, failed=failed, requests=1, now=hours_ago(hours))
    for hours, count, state in ((0, 2, DeadLetter.STATE_PENDING), (5, 1, DeadLetter.STATE_REPLAYED),
                                (30, 3, DeadLetter.STATE_PENDING), (170, 1, DeadLetter.STATE_PENDING)):
        for minute in range(count):
            moment = hours_ago(hours, minute=minute * 7)
            make_dead_letter(endpoint, first_failed_at=moment, last_failed_at=moment, state=state)


@pytest.fixture
def endpoint():
    endpoint = LrsEndpoint.objects.create(  # pylint: disable=redefined-outer-name
        name="charted", statements_url="https://lrs.example.org/xAPI/statements")
    seed(endpoint)
    other = LrsEndpoint.objects.create(name="other", statements_url="https://other.example.org/xAPI/statements")
    store.count_hour(other.pk, delivered=1000, now=NOW)  # another endpoint's hours are not ours
    make_dead_letter(other, first_failed_at=NOW, last_failed_at=NOW)
    return endpoint


def test_hourly_counts_of_the_last_24_hours(endpoint):  # pylint: disable=redefined-outer-name
    counts = hourly_counts(endpoint, 24, now=NOW)
    assert len(counts) == 24
    assert counts[0].hour == datetime(2026, 11, 30, 15, tzinfo=UTC)
    assert counts[-1].hour == datetime(2026, 12, 1, 14, tzinfo=UTC)
    nonzero = {round((NOW - row.hour).total_seconds() // 3600): row for row in counts
               if row.delivered or row.failed or row.dead_lettered}
    assert nonzero == {
        0: HourCounts(hour=datetime(2026, 12, 1, 14, tzinfo=UTC), delivered=42, failed=1, dead_lettered=2),
        3: HourCounts(hour=datetime(2026, 12, 1, 11, tzinfo=UTC), delivered=100),
        5: HourCounts(hour=datetime(2026, 12, 1, 9, tzinfo=UTC), dead_lettered=1),
        23: HourCounts(hour=datetime(2026, 11, 30, 15, tzinfo=UTC), delivered=7, failed=2),
    }


def test_hourly_counts_of_the_last_7_days(endpoint):  # pylint: disable=redefined-outer-name
    counts = hourly_counts(endpoint, 168, now=NOW)
    assert len(counts) == 168
    assert sum(row.delivered for row in counts) == 42 + 100 + 7 + 5 + 9 + 3  # not the hour 168 ago
    assert sum(row.failed for row in counts) == 1 + 2 + 4
    assert sum(row.dead_lettered for row in counts) == 2 + 1 + 3  # not the one 170 hours ago


def parse(svg):
    root = ET.fromstring(str(svg))
    return root, {group.get("data-series"): group for group in root.iter(f"{SVG}g")}


def test_the_svg_has_one_bar_per_hour_with_a_count_and_its_exact_value(endpoint):  # pylint: disable=redefined-outer-name
    charts = {chart["key"]: chart for chart in delivery_charts(endpoint, now=NOW)}
    assert list(charts) == ["day", "week"]
    expected = {
        "day": {"delivered": {0: 42, 3: 100, 23: 7}, "failed": {0: 1, 23: 2}, "dead_lettered": {0: 2, 5: 1}},
        "week": {"delivered": {0: 42, 3: 100, 23: 7, 24: 5, 100: 9, 167: 3}, "failed": {0: 1, 23: 2, 100: 4},
                 "dead_lettered": {0: 2, 5: 1, 30: 3}},
    }
    for key, series in expected.items():
        root, groups = parse(charts[key]["svg"])
        assert root.get("id") == f"delivery-chart-{key}"
        assert list(groups) == [name for name, _, _ in SERIES]
        for name, by_age in series.items():
            bars = list(groups[name].iter(f"{SVG}rect"))
            got = {round((NOW - datetime.fromisoformat(rect.get("data-hour"))).total_seconds() // 3600):
                   int(rect.get("data-count")) for rect in bars}
            assert got == by_age, (key, name)
            assert groups[name].get("data-max") == str(max(by_age.values()))
            # The tallest rect fills the row; the others are in proportion.
            heights = {int(rect.get("data-count")): float(rect.get("height")) for rect in bars}
            peak = max(by_age.values())
            for count, height in heights.items():
                assert height == pytest.approx(max(56 * count / peak, 1.0), abs=0.01)
            # Bars sit in their hour's slot, oldest on the left.
            xs = [float(rect.get("x")) for rect in sorted(bars, key=lambda rect: rect.get("data-hour"))]
            assert xs == sorted(xs)
        assert charts[key]["totals"] == {name: sum(values.values()) for name, values in series.items()}


def test_no_traffic_draws_empty_rows():
    quiet = LrsEndpoint.objects.create(name="quiet", statements_url="https://lrs.example.org/xAPI/statements")
    for chart in delivery_charts(quiet, now=NOW):
        _, groups = parse(chart["svg"])
        assert {name: len(list(group.iter(f"{SVG}rect"))) for name, group in groups.items()} == {
            "delivered": 0, "failed": 0, "dead_lettered": 0}
        assert {name: group.get("data-max") for name, group in groups.items()} == {
            "delivered": "0", "failed": "0", "dead_lettered": "0"}


def test_labels_are_escaped():
    svg = render_svg([HourCounts(hour=NOW.replace(minute=0, second=0))], "x", 'Last <b>"day"</b>')
    assert "<b>" not in str(svg) and "&lt;b&gt;" in str(svg)
    ET.fromstring(str(svg))


def test_the_status_page_shows_both_charts_inline(admin_client, endpoint):  # pylint: disable=redefined-outer-name
    page = admin_client.get(reverse("admin:xapi_router_lrsendpoint_status", args=[endpoint.pk])).content.decode()
    assert page.count('<svg xmlns="http://www.w3.org/2000/svg" class="xapi-router-chart"') == 2
    assert 'id="delivery-chart-day"' in page and 'id="delivery-chart-week"' in page
    # Nothing is loaded from elsewhere, and no script is needed.
    charts = page[page.index('<div class="module" id="delivery-charts">'):]
    charts = charts[:charts.index("</div>") + 6]
    assert "<script" not in charts and not re.search(r'(src|href)="(https?:)?//', charts)


@pytest.mark.mariadb
def test_hourly_counts_on_mariadb(endpoint):  # pylint: disable=redefined-outer-name
    """The same counts where the LMS keeps them (TruncHour in UTC on MariaDB)."""
    test_hourly_counts_of_the_last_24_hours(endpoint)
    test_hourly_counts_of_the_last_7_days(endpoint)
