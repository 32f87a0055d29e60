"""
Fixtures of the admin tests: statements Ralph accepts, and an endpoint pointing at the real Ralph.
"""
import uuid

import pytest

from openedx_xapi_router.models import DeadLetter, LrsEndpoint


def make_statement(verb="launched", learner="learner-1"):
    """A valid xAPI statement with a fresh id."""
    return {
        "id": str(uuid.uuid4()),
        "actor": {"objectType": "Agent", "account": {"homePage": "http://localhost:18000", "name": learner}},
        "verb": {"id": f"http://adlnet.gov/expapi/verbs/{verb}", "display": {"en-US": verb}},
        "object": {
            "objectType": "Activity",
            "id": "http://localhost:18000/course/course-v1:edX+DemoX+Demo_Course",
            "definition": {"type": "http://adlnet.gov/expapi/activities/course", "name": {"en-US": "Demo"}},
        },
        "timestamp": "2026-11-26T12:00:00.123000+00:00",
        "version": "1.0.3",
    }


def make_dead_letter(endpoint, statement=None, **fields):
    """A pending dead letter of ``statement`` (a fresh valid one by default) for ``endpoint``."""
    statement = statement or make_statement()
    defaults = {
        "event_name": "edx.course.enrollment.activated", "reason": DeadLetter.REASON_RETRIES_EXHAUSTED,
        "http_status": 503, "detail": "Service Unavailable", "attempts": 9,
    }
    defaults.update(fields)
    return DeadLetter.objects.create(endpoint=endpoint, statement_id=statement["id"], statement=statement, **defaults)


@pytest.fixture(autouse=True)
def eager_celery_app():
    """The test project's eager Celery app is the current one: the admin's queued tasks run in the request."""
    from tests.project.celery_app import app  # pylint: disable=import-outside-toplevel

    app.set_current()
    return app


@pytest.fixture
def ralph_endpoint(ralph_lrs, db):  # pylint: disable=unused-argument
    """An enabled endpoint with the real Ralph's statements URL and credentials."""
    return LrsEndpoint.objects.create(
        name="ralph", statements_url=ralph_lrs.statements_url, username=ralph_lrs.username,
        password=ralph_lrs.password, batch_size=50, timeout=10,
    )
