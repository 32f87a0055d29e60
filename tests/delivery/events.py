"""
Live tracking events for the delivery tests: enrollment events whose statement ids all differ.
"""
from datetime import UTC, datetime, timedelta

COURSE = "course-v1:edX+DemoX+Demo_Course"
START = datetime(2026, 11, 26, 9, 0, 0, tzinfo=UTC)


def enrollment_event(number, course=COURSE, org="edX", name="edx.course.enrollment.activated"):
    """The ``number``-th event: its own learner and second, so its own statement id."""
    timestamp = (START + timedelta(seconds=number)).isoformat()
    user_id = 1000 + number
    return {
        "name": name,
        "timestamp": timestamp,
        "data": {"course_id": course, "user_id": user_id, "mode": "audit"},
        "context": {"course_id": course, "org_id": org, "user_id": user_id, "path": "/change_enrollment"},
        "event_source": "server",
        "username": f"learner{number}",
        "session": "0123456789abcdef0123456789abcdef",
        "ip": "127.0.0.1",
        "host": "localhost",
        "agent": "pytest",
        "page": None,
        "accept_language": "en",
        "referer": "",
    }
