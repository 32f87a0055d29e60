"""
``--since``, ``--until``, ``--event-names``, ``--orgs`` and ``--courses``: which events a backfill
transforms. An event left out is counted by the first filter that refused it.
"""
from dataclasses import dataclass
from datetime import UTC, datetime


def parse_time(text):
    """An ISO 8601 date or date-time; a naive value is taken as UTC. Raises ValueError."""
    value = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def event_org(event):
    """The event's org: ``context.org_id``, else the org of its ``course-v1:``/``Org/Course/Run`` key."""
    if event.org_id:
        return event.org_id
    course_id = event.course_id or ""
    if course_id.startswith("course-v1:"):
        return course_id[len("course-v1:"):].split("+", 1)[0]
    if course_id.count("/") == 2:
        return course_id.split("/", 1)[0]
    return ""


@dataclass(frozen=True)
class EventFilter:
    """
    Attributes:
        since, until: aware datetimes; an event is kept when ``since <= time < until``.
        event_names, orgs, courses: frozensets; empty keeps every value.
    """

    since: datetime | None = None
    until: datetime | None = None
    event_names: frozenset = frozenset()
    orgs: frozenset = frozenset()
    courses: frozenset = frozenset()

    @property
    def active(self):
        """True when any filter is set."""
        return bool(self.since or self.until or self.event_names or self.orgs or self.courses)

    def refuse(self, event):
        """The name of the first filter that leaves ``event`` out, or None to keep it."""
        if self.since is not None and event.time < self.since:
            return "since"
        if self.until is not None and event.time >= self.until:
            return "until"
        if self.event_names and event.name not in self.event_names and event.event_type not in self.event_names:
            return "event_names"
        if self.orgs and event_org(event) not in self.orgs:
            return "orgs"
        if self.courses and event.course_id not in self.courses:
            return "courses"
        return None
