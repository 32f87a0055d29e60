"""
The status page's delivery charts: an endpoint's statements per hour, drawn as SVG on the server
(no script, no external asset), one row of bars per series with its own scale.

Series, per clock hour (UTC):

* ``delivered``: statements the LRS took (``DeliveryHour.delivered``);
* ``failed``: statements the delivery gave up on, refused by the LRS or out of retries
  (``DeliveryHour.failed``);
* ``dead_lettered``: dead letters first recorded in that hour, whatever the cause (a broker
  outage too, which never reaches an LRS), counted once each, whatever their state now.
"""
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.db.models import Count
from django.db.models.functions import TruncHour
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from openedx_xapi_router.delivery.store import hour_of
from openedx_xapi_router.models import DeadLetter, DeliveryHour

SERIES = (
    # (key, label, colour): colours tell apart on screen and in grey (dark, mid, light).
    ("delivered", "delivered", "#2e7d32"),
    ("failed", "failed", "#c62828"),
    ("dead_lettered", "dead-lettered", "#ef6c00"),
)
PERIODS = (("day", "Last 24 hours", 24), ("week", "Last 7 days", 24 * 7))


@dataclass(frozen=True)
class HourCounts:
    """
    One clock hour of one endpoint.

    Attributes:
        hour: the start of the hour (aware, UTC).
        delivered, failed, dead_lettered: the statements of each series in that hour.
    """

    hour: datetime
    delivered: int = 0
    failed: int = 0
    dead_lettered: int = 0


def hourly_counts(endpoint, hours, now=None):
    """
    The ``hours`` clock hours up to and including the current one, oldest first, each a
    :class:`HourCounts` (hours with nothing in them included, as zeros).
    """
    last = hour_of(now or timezone.now()).astimezone(UTC)
    first = last - timedelta(hours=hours - 1)
    rows = {first + timedelta(hours=n): {} for n in range(hours)}
    for hour, delivered, failed in DeliveryHour.objects.filter(
            endpoint=endpoint, hour__gte=first, hour__lt=last + timedelta(hours=1)).values_list(
            "hour", "delivered", "failed"):
        rows[hour_of(hour.astimezone(UTC))].update(delivered=delivered, failed=failed)
    dead = (DeadLetter.objects.filter(endpoint=endpoint, first_failed_at__gte=first,
                                      first_failed_at__lt=last + timedelta(hours=1))
            .annotate(slot=TruncHour("first_failed_at", tzinfo=UTC))
            .values("slot").annotate(n=Count("pk")).values_list("slot", "n"))
    for slot, count in dead:
        rows[slot.astimezone(UTC)]["dead_lettered"] = count
    return [HourCounts(hour=hour, **values) for hour, values in rows.items()]


def delivery_charts(endpoint, now=None):
    """The status page's charts: ``[{"key", "title", "hours", "svg"}]`` for 24 hours and 7 days."""
    now = now or timezone.now()
    charts = []
    for key, title, hours in PERIODS:
        counts = hourly_counts(endpoint, hours, now)
        charts.append({"key": key, "title": title, "hours": hours,
                       "totals": {name: sum(getattr(row, name) for row in counts) for name, _, _ in SERIES},
                       "svg": render_svg(counts, key, title)})
    return charts


# Geometry, in SVG user units (the element scales to the page's width).
WIDTH = 960
LEFT = 110  # room for the series' labels
RIGHT = 10
ROW_HEIGHT = 56
ROW_GAP = 14
TOP = 8
AXIS = 22  # the hour labels under the last row


def render_svg(counts, key, title):
    """
    ``counts`` (:class:`HourCounts`, oldest first) as an inline SVG: one row per series, one bar
    per hour that has a count (with its exact value in ``data-count`` and a tooltip), each row
    scaled to its own maximum (written on its left), hour ticks along the bottom.
    """
    slots = len(counts)
    plot_width = WIDTH - LEFT - RIGHT
    slot_width = plot_width / slots
    bar_width = max(slot_width * 0.8, 1.0)
    height = TOP + len(SERIES) * (ROW_HEIGHT + ROW_GAP) + AXIS
    parts = []
    for index, (name, label, colour) in enumerate(SERIES):
        top = TOP + index * (ROW_HEIGHT + ROW_GAP)
        values = [getattr(row, name) for row in counts]
        peak = max(values)
        parts.append(format_html(
            '<g class="series" data-series="{}" data-max="{}">'
            '<text x="0" y="{}" class="label">{}</text><text x="0" y="{}" class="peak">max {}/h</text>'
            '<line x1="{}" y1="{}" x2="{}" y2="{}" class="baseline"/>',
            name, peak, top + 18, label, top + 36, peak, LEFT, top + ROW_HEIGHT, WIDTH - RIGHT, top + ROW_HEIGHT,
        ))
        bars = []
        for slot, (row, value) in enumerate(zip(counts, values, strict=True)):
            if not value:
                continue
            bar_height = max(ROW_HEIGHT * value / peak, 1.0)
            left = LEFT + slot * slot_width + (slot_width - bar_width) / 2
            bars.append((
                round(left, 2), round(top + ROW_HEIGHT - bar_height, 2), round(bar_width, 2), round(bar_height, 2),
                colour, row.hour.isoformat(), value,
                f"{row.hour:%Y-%m-%d %H}:00 UTC: {value} {label}",
            ))
        parts.append(format_html_join(
            "", '<rect x="{}" y="{}" width="{}" height="{}" fill="{}" data-hour="{}" data-count="{}">'
                '<title>{}</title></rect>', bars))
        parts.append(mark_safe("</g>"))
    parts.append(_hour_axis(counts, slot_width, height - AXIS))
    return format_html(
        '<svg xmlns="http://www.w3.org/2000/svg" class="xapi-router-chart" id="delivery-chart-{}" '
        'viewBox="0 0 {} {}" width="100%" role="img" aria-label="{}: statements per hour">'
        "<style>text {{ font: 11px sans-serif; fill: #444; }} .label {{ font-weight: bold; }} "
        ".baseline {{ stroke: #999; stroke-width: 1; }} .tick {{ stroke: #bbb; }}</style>{}</svg>",
        key, WIDTH, height, title, mark_safe("".join(parts)),
    )


def _hour_axis(counts, slot_width, top):
    """Ticks with labels: every 3 hours over a day, every midnight over longer periods."""
    ticks = []
    daily = len(counts) > 48
    for slot, row in enumerate(counts):
        if (daily and row.hour.hour == 0) or (not daily and row.hour.hour % 3 == 0):
            x = round(LEFT + slot * slot_width, 2)
            text = f"{row.hour:%m-%d}" if daily else f"{row.hour:%H}:00"
            ticks.append((x, top - 4, x, top + 2, x, top + 15, text))
    return format_html_join(
        "", '<line x1="{}" y1="{}" x2="{}" y2="{}" class="tick"/><text x="{}" y="{}" class="tick-label">{}</text>',
        ticks)
