"""
Cohort transformers: exact statements for real events from a generated tracking log
(``make_tracking_log.py --events 100000 --seed 31``), reviewed by hand against
``docs/beyond_erb.rst``; the conventions every statement follows (:func:`check_shape`); bad input.
"""
import copy

import pytest

from openedx_xapi_router.core.errors import InvalidEvent
from openedx_xapi_router.core.pipeline import transform_event
from openedx_xapi_router.core.registry import default_registry
from openedx_xapi_router.transformers import cohort
from tests.transformers import samples
from tests.transformers.beyond_erb import ACTOR, SESSION_ID, TRANSFORMER_VERSION, check_shape, transform

registry = default_registry()

COHORT_CREATED = {
    "name": "edx.cohort.created",
    "context": {
        "course_id": "course-v1:OpenUx+HI145+2025_T2",
        "course_user_tags": {},
        "user_id": 379,
        "path": "/courses/course-v1:OpenUx+HI145+2025_T2/course/",
        "org_id": "OpenUx",
        "enterprise_uuid": "",
    },
    "username": "emmap414",
    "session": "8d9230a01892ee2acb8598d44f219720",
    "ip": "100.65.114.103",
    "agent": (
        "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18"
        ".1 Mobile/15E148 Safari/604.1"
    ),
    "host": "courses.example.org",
    "referer": "",
    "accept_language": "es-ES,es;q=0.9,en;q=0.8",
    "event": {
        "cohort_id": 1031,
        "cohort_name": "Group B",
    },
    "time": "2026-03-01T01:06:19.173843+00:00",
    "event_type": "edx.cohort.created",
    "event_source": "server",
    "page": None,
}

COHORT_CREATED_STATEMENT = {
    "id": "1a960695-89a0-5267-8eed-e1a2e68ca619",
    "actor": ACTOR,
    "verb": {
        "id": "http://activitystrea.ms/schema/1.0/create",
        "display": {
            "en": "created",
        },
    },
    "object": {
        "id": "http://localhost:18000/course/course-v1:OpenUx+HI145+2025_T2/cohort/1031",
        "objectType": "Activity",
        "definition": {
            "type": "http://activitystrea.ms/schema/1.0/group",
            "name": {
                "en-US": "Group B",
            },
        },
    },
    "context": {
        "contextActivities": {
            "parent": [
                {
                    "id": "http://localhost:18000/course/course-v1:OpenUx+HI145+2025_T2",
                    "objectType": "Activity",
                    "definition": {
                        "type": "http://adlnet.gov/expapi/activities/course",
                        "name": {
                            "en-US": "Demonstration Course",
                        },
                    },
                },
            ],
        },
        "extensions": {
            TRANSFORMER_VERSION: "openedx-xapi-router/edx.cohort.created@2",
            SESSION_ID: "8d9230a01892ee2acb8598d44f219720",
        },
    },
    "timestamp": "2026-03-01T01:06:19.173843+00:00",
    "version": "1.0.3",
}


COHORT_USER_ADDED = {
    "name": "edx.cohort.user_added",
    "context": {
        "course_id": "course-v1:OpenUx+HI145+2025_T2",
        "course_user_tags": {},
        "user_id": 500,
        "path": "/courses/course-v1:OpenUx+HI145+2025_T2/course/",
        "org_id": "OpenUx",
        "enterprise_uuid": "",
    },
    "username": "arjun.tanaka",
    "session": "7e054e45774488db8966cfeb24a956cf",
    "ip": "198.51.100.32",
    "agent": (
        "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Sa"
        "fari/537.36"
    ),
    "host": "courses.example.org",
    "referer": "",
    "accept_language": "hi-IN,hi;q=0.9,en;q=0.8",
    "event": {
        "cohort_id": 1031,
        "cohort_name": "Group B",
        "user_id": 500,
    },
    "time": "2026-03-01T02:56:36.608109+00:00",
    "event_type": "edx.cohort.user_added",
    "event_source": "server",
    "page": None,
}

COHORT_USER_ADDED_STATEMENT = {
    "id": "16625259-cab0-56d1-9bff-62460973f4b3",
    "actor": ACTOR,
    "verb": {
        "id": "http://activitystrea.ms/schema/1.0/join",
        "display": {
            "en": "joined",
        },
    },
    "object": {
        "id": "http://localhost:18000/course/course-v1:OpenUx+HI145+2025_T2/cohort/1031",
        "objectType": "Activity",
        "definition": {
            "type": "http://activitystrea.ms/schema/1.0/group",
            "name": {
                "en-US": "Group B",
            },
        },
    },
    "context": {
        "contextActivities": {
            "parent": [
                {
                    "id": "http://localhost:18000/course/course-v1:OpenUx+HI145+2025_T2",
                    "objectType": "Activity",
                    "definition": {
                        "type": "http://adlnet.gov/expapi/activities/course",
                        "name": {
                            "en-US": "Demonstration Course",
                        },
                    },
                },
            ],
        },
        "extensions": {
            TRANSFORMER_VERSION: "openedx-xapi-router/edx.cohort.user_added@2",
            SESSION_ID: "7e054e45774488db8966cfeb24a956cf",
        },
    },
    "timestamp": "2026-03-01T02:56:36.608109+00:00",
    "version": "1.0.3",
}


GROUP = "http://activitystrea.ms/schema/1.0/group"


@pytest.mark.parametrize(("raw", "expected"), [(COHORT_CREATED, COHORT_CREATED_STATEMENT),
                                               (COHORT_USER_ADDED, COHORT_USER_ADDED_STATEMENT)])
def test_real_event_gives_exact_statement(raw, expected):
    assert transform(raw) == [expected]


@pytest.mark.parametrize(("raw", "verb"), [(COHORT_CREATED, "http://activitystrea.ms/schema/1.0/create"),
                                           (COHORT_USER_ADDED, "http://activitystrea.ms/schema/1.0/join")])
def test_statement_shape(raw, verb):
    [statement] = transform(raw)
    check_shape(statement, raw, verb=verb, activity_type=GROUP, version=2)


def test_registered_names():
    assert registry.get("edx.cohort.created") is cohort.CohortCreated
    assert registry.get("edx.cohort.user_added") is cohort.CohortUserAdded
    assert registry.versions("edx.cohort.created") == registry.versions("edx.cohort.user_added") == [2]


def test_the_learner_added_is_the_actor_not_the_staff_member_who_added_them():
    seen = []

    def resolver(user, username=None):
        seen.append(user)
        return samples.reference_context().actor_resolver(user, username)

    raw = copy.deepcopy(COHORT_USER_ADDED)
    raw["context"]["user_id"] = 3
    ctx = samples.reference_context()
    transform_event(raw, type(ctx)(ctx.lms_root_url, resolver, ctx.course_name_resolver))
    assert seen == [raw["event"]["user_id"]]


def test_a_cohort_without_a_name_has_no_name():
    raw = copy.deepcopy(COHORT_CREATED)
    del raw["event"]["cohort_name"]
    [statement] = transform(raw)
    assert statement["object"]["definition"] == {"type": GROUP}


@pytest.mark.parametrize(("changes", "field"), [
    ({"cohort_id": None}, "data.cohort_id"),
    ({"cohort_id": "10 31"}, "data.cohort_id"),
    ({"cohort_id": 10.5}, "data.cohort_id"),
    ({"cohort_name": 3}, "data.cohort_name"),
])
def test_bad_payload_is_invalid_naming_the_field(changes, field):
    raw = copy.deepcopy(COHORT_CREATED)
    raw["event"].update(changes)
    with pytest.raises(InvalidEvent) as error:
        transform(raw)
    assert error.value.field == field


def test_a_cohort_needs_a_course():
    raw = copy.deepcopy(COHORT_CREATED)
    del raw["context"]["course_id"]
    with pytest.raises(InvalidEvent) as error:
        transform(raw)
    assert error.value.field == "context.course_id"
