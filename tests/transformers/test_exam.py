"""
Unit tests for :mod:`openedx_xapi_router.transformers.exam`.

The real events below come from ``make_tracking_log.py --events 20000 --seed 12``; their expected
statements are event-routing-backends 9.3.8's for the same lines (transformer version blanked).
"""

import copy

import pytest

from openedx_xapi_router.core.vocab import Extension
from tests.transformers import samples
from tests.transformers.samples import invalid, transform




# --- Real events and their statements ---------------------------------------------------------

# edx.special_exam.proctored.attempt.submitted
SPECIAL_EXAM_PROCTORED_ATTEMPT_SUBMITTED_EVENT = {
    "name": "edx.special_exam.proctored.attempt.submitted",
    "context": {
        "course_id": "course-v1:edX+CS139+2025_T1",
        "user_id": 23,
        "path": "/api/edx_proctoring/v1/proctored_exam/attempt/3",
        "org_id": "edX",
        "enterprise_uuid": "",
    },
    "username": "kofiw600",
    "session": "06989720593e590c8f8e1e61b8048171",
    "ip": "100.65.141.44",
    "agent": "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0",
    "host": "courses.example.org",
    "referer": "https://apps.courses.example.org/learning/course/course-v1:edX+CS139+2025_T1/block-v1:edX+CS139+2025_T1+type@sequential+block@c989a21b2114ef41164996fa9d36e9dc",
    "accept_language": "es-ES,es;q=0.9,en;q=0.8",
    "event": {
        "attempt_allowed_time_limit_mins": 60,
        "attempt_code": "2D164AF2-4233-49E5-AC56-724EF933078F",
        "attempt_completed_at": "2026-03-01T10:17:23.588751+00:00",
        "attempt_event_elapsed_time_secs": 770.3196,
        "attempt_id": 3,
        "attempt_started_at": "2026-03-01T10:04:33.274149+00:00",
        "attempt_status": "submitted",
        "attempt_user_id": 23,
        "exam_content_id": "block-v1:edX+CS139+2025_T1+type@sequential+block@c989a21b2114ef41164996fa9d36e9dc",
        "exam_default_time_limit_mins": 60,
        "exam_id": 2,
        "exam_is_active": True,
        "exam_is_practice_exam": False,
        "exam_is_proctored": True,
        "exam_name": "Proctored Exam 2",
    },
    "time": "2026-03-01T10:17:23.588751+00:00",
    "event_type": "edx.special_exam.proctored.attempt.submitted",
    "event_source": "server",
    "page": None,
}
SPECIAL_EXAM_PROCTORED_ATTEMPT_SUBMITTED_STATEMENTS = [
    {
        "id": "d02ab7ad-23bd-5687-8f94-f626dba6614a",
        "actor": {
            "objectType": "Agent",
            "account": {"homePage": "http://localhost:18000", "name": "32e08e30-f8ae-4ce2-94a8-c2bfe38a70cb"},
        },
        "verb": {"id": "http://adlnet.gov/expapi/verbs/terminated", "display": {"en": "terminated"}},
        "object": {
            "id": "block-v1:edX+CS139+2025_T1+type@sequential+block@c989a21b2114ef41164996fa9d36e9dc",
            "objectType": "Activity",
            "definition": {
                "type": "https://w3id.org/xapi/openedx/activity/proctored-assessment",
                "name": {"en": "Proctored Exam 2"},
                "extensions": {"https://w3id.org/xapi/acrossx/extensions/time-limit": 60},
            },
        },
        "context": {
            "contextActivities": {
                "parent": [
                    {
                        "id": "http://localhost:18000/course/course-v1:edX+CS139+2025_T1",
                        "objectType": "Activity",
                        "definition": {
                            "type": "http://adlnet.gov/expapi/activities/course",
                            "name": {"en-US": "Demonstration Course"},
                        },
                    }
                ],
                "grouping": [
                    {
                        "id": "2D164AF2-4233-49E5-AC56-724EF933078F",
                        "objectType": "Activity",
                        "definition": {
                            "type": "http://adlnet.gov/expapi/activities/attempt",
                            "name": {"en": "Proctored Exam 2"},
                            "extensions": {
                                "https://w3id.org/xapi/openedx/extension/attempt-started": "2026-03-01T10:04:33.274149+00:00",  # noqa: E501
                                "https://w3id.org/xapi/openedx/extension/attempt-completed": "2026-03-01T10:17:23.588751+00:00",  # noqa: E501
                                "http://id.tincanapi.com/extension/duration": 770.3196,
                                "http://id.tincanapi.com/extension/attempt-id": 3,
                            },
                        },
                    }
                ],
            },
            "extensions": {
                "https://w3id.org/xapi/openedx/extension/transformer-version": "<blanked>",
                "https://w3id.org/xapi/openedx/extensions/session-id": "06989720593e590c8f8e1e61b8048171",
            },
        },
        "timestamp": "2026-03-01T10:17:23.588751+00:00",
        "version": "1.0.3",
    }
]


# --- Tests ------------------------------------------------------------------------------------


# --- TESTS ---
def test_real_event_gives_erb_statements():
    assert (
        samples.without_transformer_version(transform(SPECIAL_EXAM_PROCTORED_ATTEMPT_SUBMITTED_EVENT))
        == SPECIAL_EXAM_PROCTORED_ATTEMPT_SUBMITTED_STATEMENTS
    )


KINDS = {
    "timed": "https://w3id.org/xapi/openedx/activity/timed-assessment",
    "practice": "https://w3id.org/xapi/openedx/activity/practice-assessment",
    "proctored": "https://w3id.org/xapi/openedx/activity/proctored-assessment",
}
VERBS = {
    "created": "http://adlnet.gov/expapi/verbs/initialized",
    "submitted": "http://adlnet.gov/expapi/verbs/terminated",
}


@pytest.mark.parametrize("kind", sorted(KINDS))
@pytest.mark.parametrize("action", sorted(VERBS))
def test_every_exam_name_has_its_verb_activity_type_and_version_1(kind, action):
    name = f"edx.special_exam.{kind}.attempt.{action}"
    event = copy.deepcopy(SPECIAL_EXAM_PROCTORED_ATTEMPT_SUBMITTED_EVENT)
    event["name"] = event["event_type"] = name
    [statement] = transform(event)
    assert statement["verb"]["id"] == VERBS[action]
    assert statement["object"]["definition"]["type"] == KINDS[kind]
    assert statement["context"]["extensions"][Extension.TRANSFORMER_VERSION].endswith(f"/{name}@1")


def test_live_form_gives_the_same_statement():
    # ERB reads ``event.*`` here, so its live-form statements lack the exam; ours do not.
    line = SPECIAL_EXAM_PROCTORED_ATTEMPT_SUBMITTED_EVENT
    live = {
        "name": line["name"],
        "timestamp": line["time"],
        "data": line["event"],
        "context": {**line["context"], "session": line["session"], "username": line["username"]},
    }
    assert samples.without_transformer_version(transform(live)) == SPECIAL_EXAM_PROCTORED_ATTEMPT_SUBMITTED_STATEMENTS


def test_absent_optional_values_are_left_out():
    event = copy.deepcopy(SPECIAL_EXAM_PROCTORED_ATTEMPT_SUBMITTED_EVENT)
    for key in (
        "exam_default_time_limit_mins",
        "attempt_started_at",
        "attempt_completed_at",
        "attempt_event_elapsed_time_secs",
        "attempt_id",
    ):
        event["event"][key] = None
    [statement] = transform(event)
    assert statement["object"]["definition"]["extensions"] == {}
    assert statement["context"]["contextActivities"]["grouping"][0]["definition"]["extensions"] == {}


@pytest.mark.parametrize("field", ["exam_content_id", "exam_name", "attempt_code"])
def test_missing_required_field_is_named(field):
    event = copy.deepcopy(SPECIAL_EXAM_PROCTORED_ATTEMPT_SUBMITTED_EVENT)
    del event["event"][field]
    error = invalid(event)
    assert (error.field, error.kind) == (f"data.{field}", "missing_field")


def test_exam_name_of_wrong_type():
    event = copy.deepcopy(SPECIAL_EXAM_PROCTORED_ATTEMPT_SUBMITTED_EVENT)
    event["event"]["exam_name"] = 3
    error = invalid(event)
    assert (error.field, error.kind) == ("data.exam_name", "wrong_type")
