"""
Unit tests for :mod:`openedx_xapi_router.transformers.grading`.

The real events below come from ``make_tracking_log.py --events 20000 --seed 12``; their expected
statements are event-routing-backends 9.3.8's for the same lines (transformer version blanked), except
where a test says otherwise.
"""

import copy

import pytest

from openedx_xapi_router.core.vocab import Extension
from tests.transformers import samples
from tests.transformers.samples import invalid, transform




# --- Real events and their statements ---------------------------------------------------------

# edx.grades.subsection.grade_calculated
GRADES_SUBSECTION_GRADE_CALCULATED_EVENT = {
    "name": "edx.grades.subsection.grade_calculated",
    "context": {
        "course_id": "course-v1:HarvardX+LA178+2025_T1",
        "course_user_tags": {},
        "user_id": 20,
        "path": "/courses/course-v1:HarvardX+LA178+2025_T1/xblock/block-v1:HarvardX+LA178+2025_T1+type@problem+block@16814b3b2d8554995c0c5c73c9ead52d/handler/xmodule_handler/problem_check",  # noqa: E501
        "org_id": "HarvardX",
        "enterprise_uuid": "c8d696d9-2fe3-4567-a40d-7dd18bf6bbbc",
        "module": {
            "display_name": "Numerical Input",
            "usage_key": "block-v1:HarvardX+LA178+2025_T1+type@problem+block@16814b3b2d8554995c0c5c73c9ead52d",
        },
    },
    "username": "aisha_patel65",
    "session": "88b9d0ac9c8913970cba29f08048db7c",
    "ip": "100.116.104.66",
    "agent": "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0",
    "host": "courses.example.org",
    "referer": "https://courses.example.org/xblock/block-v1:HarvardX+LA178+2025_T1+type@vertical+block@37cd6ab63eb83bf6a142c1e785495e13?show_title=0&show_bookmark_button=0&recheck_access=1&view=student_view",
    "accept_language": "en-US,en;q=0.9",
    "event": {
        "user_id": "20",
        "course_id": "course-v1:HarvardX+LA178+2025_T1",
        "block_id": "block-v1:HarvardX+LA178+2025_T1+type@sequential+block@8a642869c334b1c86cb412b325c5a689",
        "course_version": "a0f8803643ff5a2ce426cb92",
        "weighted_total_earned": 1.0,
        "weighted_total_possible": 2.0,
        "weighted_graded_earned": 1.0,
        "weighted_graded_possible": 2.0,
        "first_attempted": "2026-03-01 00:40:29.049708+00:00",
        "subtree_edited_timestamp": "2026-01-02 10:41:11.280099+00:00",
        "event_transaction_id": "6d17667d-c401-43d1-a6a1-285895308fed",
        "event_transaction_type": "edx.grades.problem.submitted",
        "visible_blocks_hash": "7f4OIkoAVHumluqXQsIoEYcv6TV=",
    },
    "time": "2026-03-01T00:40:29.073552+00:00",
    "event_type": "edx.grades.subsection.grade_calculated",
    "event_source": "server",
    "page": None,
}
GRADES_SUBSECTION_GRADE_CALCULATED_STATEMENTS = [
    {
        "id": "afd59e21-b2d9-5250-93ab-165ea92967c1",
        "actor": {
            "objectType": "Agent",
            "account": {"homePage": "http://localhost:18000", "name": "32e08e30-f8ae-4ce2-94a8-c2bfe38a70cb"},
        },
        "verb": {"id": "http://id.tincanapi.com/verb/earned", "display": {"en": "earned"}},
        "object": {
            "id": "http://localhost:18000/xblock/block-v1:HarvardX+LA178+2025_T1+type@sequential+block@8a642869c334b1c86cb412b325c5a689",
            "objectType": "Activity",
            "definition": {"type": "http://id.tincanapi.com/activitytype/resource"},
        },
        "result": {"score": {"min": 0.0, "max": 2.0, "raw": 1.0, "scaled": 0.5}, "success": False},
        "context": {
            "contextActivities": {
                "parent": [
                    {
                        "id": "http://localhost:18000/course/course-v1:HarvardX+LA178+2025_T1",
                        "objectType": "Activity",
                        "definition": {
                            "type": "http://adlnet.gov/expapi/activities/course",
                            "name": {"en-US": "Demonstration Course"},
                        },
                    }
                ]
            },
            "extensions": {
                "https://w3id.org/xapi/openedx/extension/transformer-version": "<blanked>",
                "https://w3id.org/xapi/openedx/extensions/session-id": "88b9d0ac9c8913970cba29f08048db7c",
            },
        },
        "timestamp": "2026-03-01T00:40:29.073552+00:00",
        "version": "1.0.3",
    }
]

# edx.grades.course.grade_calculated
GRADES_COURSE_GRADE_CALCULATED_EVENT = {
    "name": "edx.grades.course.grade_calculated",
    "context": {
        "course_id": "course-v1:HarvardX+LA178+2025_T1",
        "course_user_tags": {},
        "user_id": 20,
        "path": "/courses/course-v1:HarvardX+LA178+2025_T1/xblock/block-v1:HarvardX+LA178+2025_T1+type@problem+block@16814b3b2d8554995c0c5c73c9ead52d/handler/xmodule_handler/problem_check",  # noqa: E501
        "org_id": "HarvardX",
        "enterprise_uuid": "c8d696d9-2fe3-4567-a40d-7dd18bf6bbbc",
        "module": {
            "display_name": "Numerical Input",
            "usage_key": "block-v1:HarvardX+LA178+2025_T1+type@problem+block@16814b3b2d8554995c0c5c73c9ead52d",
        },
    },
    "username": "aisha_patel65",
    "session": "88b9d0ac9c8913970cba29f08048db7c",
    "ip": "100.116.104.66",
    "agent": "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0",
    "host": "courses.example.org",
    "referer": "https://courses.example.org/xblock/block-v1:HarvardX+LA178+2025_T1+type@vertical+block@37cd6ab63eb83bf6a142c1e785495e13?show_title=0&show_bookmark_button=0&recheck_access=1&view=student_view",
    "accept_language": "en-US,en;q=0.9",
    "event": {
        "user_id": "20",
        "course_id": "course-v1:HarvardX+LA178+2025_T1",
        "course_version": "a0f8803643ff5a2ce426cb92",
        "percent_grade": 0.6,
        "letter_grade": "Pass",
        "course_edited_timestamp": "2026-01-02 10:41:11.280099+00:00",
        "event_transaction_id": "6d17667d-c401-43d1-a6a1-285895308fed",
        "event_transaction_type": "edx.grades.problem.submitted",
        "grading_policy_hash": "mQ3Kp6gzS5wpF2yjBJ7E4D2GM/r=",
    },
    "time": "2026-03-01T00:40:29.083329+00:00",
    "event_type": "edx.grades.course.grade_calculated",
    "event_source": "server",
    "page": None,
}
GRADES_COURSE_GRADE_CALCULATED_STATEMENTS = [
    {
        "id": "ae285764-a7dd-5a6e-ad1c-30c171c31153",
        "actor": {
            "objectType": "Agent",
            "account": {"homePage": "http://localhost:18000", "name": "32e08e30-f8ae-4ce2-94a8-c2bfe38a70cb"},
        },
        "verb": {"id": "http://id.tincanapi.com/verb/earned", "display": {"en": "earned"}},
        "object": {
            "id": "http://localhost:18000/course/course-v1:HarvardX+LA178+2025_T1",
            "objectType": "Activity",
            "definition": {
                "type": "http://adlnet.gov/expapi/activities/course",
                "name": {"en": "Demonstration Course"},
            },
        },
        "result": {
            "score": {"min": 0.0, "max": 1.0, "raw": 0.6, "scaled": 0.6},
            "extensions": {"http://www.tincanapi.co.uk/activitytypes/grade_classification": "Pass"},
        },
        "context": {
            "contextActivities": {
                "parent": [
                    {
                        "id": "http://localhost:18000/course/course-v1:HarvardX+LA178+2025_T1",
                        "objectType": "Activity",
                        "definition": {
                            "type": "http://adlnet.gov/expapi/activities/course",
                            "name": {"en-US": "Demonstration Course"},
                        },
                    }
                ]
            },
            "extensions": {
                "https://w3id.org/xapi/openedx/extension/transformer-version": "<blanked>",
                "https://w3id.org/xapi/openedx/extensions/session-id": "88b9d0ac9c8913970cba29f08048db7c",
            },
        },
        "timestamp": "2026-03-01T00:40:29.083329+00:00",
        "version": "1.0.3",
    }
]

# course_over
COURSE_OVER_EVENT = {
    "name": "edx.grades.course.grade_calculated",
    "context": {
        "course_id": "course-v1:edX+CS139+2025_T1",
        "course_user_tags": {"xblock.partition_service.partition_986": "1"},
        "user_id": 23,
        "path": "/courses/course-v1:edX+CS139+2025_T1/xblock/block-v1:edX+CS139+2025_T1+type@problem+block@7c7b08c1663e7cb16535b254a02c24f4/handler/xmodule_handler/problem_check",  # noqa: E501
        "org_id": "edX",
        "enterprise_uuid": "",
        "module": {
            "display_name": "Practice Problem",
            "usage_key": "block-v1:edX+CS139+2025_T1+type@problem+block@7c7b08c1663e7cb16535b254a02c24f4",
        },
    },
    "username": "kofiw600",
    "session": "43478b18c8413775167ccca5ae6ca713",
    "ip": "100.65.141.44",
    "agent": "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0",
    "host": "courses.example.org",
    "referer": "https://courses.example.org/xblock/block-v1:edX+CS139+2025_T1+type@vertical+block@605a928c236813205db0ff705d5465e5?show_title=0&show_bookmark_button=0&recheck_access=1&view=student_view",
    "accept_language": "es-ES,es;q=0.9,en;q=0.8",
    "event": {
        "user_id": "23",
        "course_id": "course-v1:edX+CS139+2025_T1",
        "course_version": "2fd8a83bc6514061353fb575",
        "percent_grade": 1.03,
        "letter_grade": "Pass",
        "course_edited_timestamp": "2026-02-04 10:51:58.162272+00:00",
        "event_transaction_id": "badd3fa0-a418-4fda-956d-2fd9dae75325",
        "event_transaction_type": "edx.grades.problem.submitted",
        "grading_policy_hash": "7FEJD+gzXpf2C90xicA+bcGwtDu=",
    },
    "time": "2026-03-04T09:49:11.116208+00:00",
    "event_type": "edx.grades.course.grade_calculated",
    "event_source": "server",
    "page": None,
}
COURSE_OVER_STATEMENTS = [
    {
        "id": "1fe973bc-4192-5859-814d-599fe4e440a1",
        "actor": {
            "objectType": "Agent",
            "account": {"homePage": "http://localhost:18000", "name": "32e08e30-f8ae-4ce2-94a8-c2bfe38a70cb"},
        },
        "verb": {"id": "http://id.tincanapi.com/verb/earned", "display": {"en": "earned"}},
        "object": {
            "id": "http://localhost:18000/course/course-v1:edX+CS139+2025_T1",
            "objectType": "Activity",
            "definition": {
                "type": "http://adlnet.gov/expapi/activities/course",
                "name": {"en": "Demonstration Course"},
            },
        },
        "result": {
            "score": {"min": 0.0, "max": 1.03, "raw": 1.03, "scaled": 1.0},
            "extensions": {"http://www.tincanapi.co.uk/activitytypes/grade_classification": "Pass"},
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
                ]
            },
            "extensions": {
                "https://w3id.org/xapi/openedx/extension/transformer-version": "<blanked>",
                "https://w3id.org/xapi/openedx/extensions/session-id": "43478b18c8413775167ccca5ae6ca713",
            },
        },
        "timestamp": "2026-03-04T09:49:11.116208+00:00",
        "version": "1.0.3",
    }
]


# --- Tests ------------------------------------------------------------------------------------


# --- TESTS ---
@pytest.mark.parametrize(
    "event, expected",
    [
        pytest.param(
            GRADES_SUBSECTION_GRADE_CALCULATED_EVENT, GRADES_SUBSECTION_GRADE_CALCULATED_STATEMENTS, id="subsection"
        ),
        pytest.param(GRADES_COURSE_GRADE_CALCULATED_EVENT, GRADES_COURSE_GRADE_CALCULATED_STATEMENTS, id="course"),
    ],
)
def test_real_events_give_erb_statements(event, expected):
    assert samples.without_transformer_version(transform(event)) == expected


def test_course_grade_above_one_stays_valid_xapi():
    # ERB sends {"max": 1.0, "raw": 1.03, "scaled": 1.03}, which breaks xAPI's score rules (an LRS
    # rejects it). We keep raw, widen max to it and cap scaled; everything else is ERB's statement.
    [statement] = transform(COURSE_OVER_EVENT)
    assert statement["result"]["score"] == {"min": 0.0, "max": 1.03, "raw": 1.03, "scaled": 1.0}
    assert samples.without_transformer_version([statement]) == COURSE_OVER_STATEMENTS


def test_course_grade_without_letter_grade_is_fail():
    event = copy.deepcopy(GRADES_COURSE_GRADE_CALCULATED_EVENT)
    event["event"]["letter_grade"] = ""
    [statement] = transform(event)
    assert statement["result"]["extensions"] == {
        "http://www.tincanapi.co.uk/activitytypes/grade_classification": "Fail"
    }


def test_transformer_versions():
    [subsection] = transform(GRADES_SUBSECTION_GRADE_CALCULATED_EVENT)
    [course] = transform(GRADES_COURSE_GRADE_CALCULATED_EVENT)
    assert subsection["context"]["extensions"][Extension.TRANSFORMER_VERSION].endswith(
        "/edx.grades.subsection.grade_calculated@1"
    )
    assert course["context"]["extensions"][Extension.TRANSFORMER_VERSION].endswith(
        "/edx.grades.course.grade_calculated@1"
    )


def test_subsection_with_nothing_possible_is_a_success_scaled_zero():
    event = copy.deepcopy(GRADES_SUBSECTION_GRADE_CALCULATED_EVENT)
    event["event"]["weighted_total_earned"] = 0.0
    event["event"]["weighted_total_possible"] = None
    [statement] = transform(event)
    assert statement["result"] == {"score": {"min": 0.0, "max": 0.0, "raw": 0.0, "scaled": 0.0}, "success": True}


@pytest.mark.parametrize(
    "event, field",
    [
        (GRADES_SUBSECTION_GRADE_CALCULATED_EVENT, "block_id"),
        (GRADES_SUBSECTION_GRADE_CALCULATED_EVENT, "weighted_total_earned"),
        (GRADES_SUBSECTION_GRADE_CALCULATED_EVENT, "weighted_total_possible"),
        (GRADES_COURSE_GRADE_CALCULATED_EVENT, "percent_grade"),
    ],
)
def test_missing_required_field_is_named(event, field):
    event = copy.deepcopy(event)
    del event["event"][field]
    error = invalid(event)
    assert (error.event_name, error.field, error.kind) == (event["name"], f"data.{field}", "missing_field")


@pytest.mark.parametrize(
    "event, field, value",
    [
        (GRADES_SUBSECTION_GRADE_CALCULATED_EVENT, "weighted_total_earned", "3.0"),
        (GRADES_SUBSECTION_GRADE_CALCULATED_EVENT, "block_id", 12),
        (GRADES_COURSE_GRADE_CALCULATED_EVENT, "percent_grade", True),
        (GRADES_COURSE_GRADE_CALCULATED_EVENT, "letter_grade", 4),
    ],
)
def test_wrong_type_is_named(event, field, value):
    event = copy.deepcopy(event)
    event["event"][field] = value
    error = invalid(event)
    assert (error.field, error.kind) == (f"data.{field}", "wrong_type")


def test_course_grade_needs_a_course():
    event = copy.deepcopy(GRADES_COURSE_GRADE_CALCULATED_EVENT)
    event["context"]["course_id"] = ""
    error = invalid(event)
    assert (error.field, error.kind) == ("context.course_id", "missing_field")
