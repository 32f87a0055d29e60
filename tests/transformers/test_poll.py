"""
Poll transformers: exact statements for real events from a generated tracking log
(``make_tracking_log.py --events 100000 --seed 31``), reviewed by hand against
``docs/beyond_erb.rst``; the conventions every statement follows (:func:`check_shape`); bad input.
"""
import copy
import json

import pytest

from openedx_xapi_router.core.errors import InvalidEvent
from openedx_xapi_router.core.registry import default_registry
from openedx_xapi_router.transformers import poll
from tests.transformers.beyond_erb import ACTOR, SESSION_ID, TRANSFORMER_VERSION, check_shape, transform

registry = default_registry()

POLL_SUBMITTED = {
    "name": "xblock.poll.submitted",
    "context": {
        "course_id": "course-v1:TestX+NE131+2025_T3",
        "course_user_tags": {},
        "user_id": 526,
        "path": (
            "/courses/course-v1:TestX+NE131+2025_T3/xblock/block-v1:TestX+NE131+2025_T3+type@poll+block@ae58ddac540"
            "6a51e582fc786b216cdc8/handler/vote"
        ),
        "org_id": "TestX",
        "enterprise_uuid": "",
        "module": {
            "display_name": "Poll",
            "usage_key": "block-v1:TestX+NE131+2025_T3+type@poll+block@ae58ddac5406a51e582fc786b216cdc8",
        },
        "asides": {},
    },
    "username": "juan_patel91",
    "session": "f9aec05b29c685ba6a4be0ff1d95da16",
    "ip": "100.110.124.15",
    "agent": (
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safa"
        "ri/605.1.15"
    ),
    "host": "courses.example.org",
    "referer": (
        "https://courses.example.org/xblock/block-v1:TestX+NE131+2025_T3+type@vertical+block@57708c2b3ab6c9a57bb93c"
        "0c2215d33d?show_title=0&show_bookmark_button=0&recheck_access=1&view=student_view"
    ),
    "accept_language": "en-US,en;q=0.9",
    "event": {
        "url_name": "ae58ddac5406a51e582fc786b216cdc8",
        "choice": "choice_1",
    },
    "time": "2026-03-01T00:41:28.391793+00:00",
    "event_type": "xblock.poll.submitted",
    "event_source": "server",
    "page": "x_module",
}

POLL_SUBMITTED_STATEMENT = {
    "id": "a35b42ef-2fe8-5e3d-a72e-4a2dfc5ff24d",
    "actor": ACTOR,
    "verb": {
        "id": "http://adlnet.gov/expapi/verbs/answered",
        "display": {
            "en": "answered",
        },
    },
    "object": {
        "id": (
            "http://localhost:18000/xblock/block-v1:TestX+NE131+2025_T3+type@poll+block@ae58ddac5406a51e582fc786b21"
            "6cdc8"
        ),
        "objectType": "Activity",
        "definition": {
            "type": "http://adlnet.gov/expapi/activities/cmi.interaction",
            "name": {
                "en-US": "Poll",
            },
            "interactionType": "choice",
        },
    },
    "result": {
        "response": "choice_1",
    },
    "context": {
        "contextActivities": {
            "parent": [
                {
                    "id": "http://localhost:18000/course/course-v1:TestX+NE131+2025_T3",
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
            TRANSFORMER_VERSION: "openedx-xapi-router/xblock.poll.submitted@1",
            SESSION_ID: "f9aec05b29c685ba6a4be0ff1d95da16",
        },
    },
    "timestamp": "2026-03-01T00:41:28.391793+00:00",
    "version": "1.0.3",
}


POLL_RESULTS_VIEWED = {
    "name": "xblock.poll.view_results",
    "context": {
        "course_id": "course-v1:TestX+NE131+2025_T3",
        "course_user_tags": {},
        "user_id": 526,
        "path": (
            "/courses/course-v1:TestX+NE131+2025_T3/xblock/block-v1:TestX+NE131+2025_T3+type@poll+block@ae58ddac540"
            "6a51e582fc786b216cdc8/handler/get_results"
        ),
        "org_id": "TestX",
        "enterprise_uuid": "",
        "module": {
            "display_name": "Poll",
            "usage_key": "block-v1:TestX+NE131+2025_T3+type@poll+block@ae58ddac5406a51e582fc786b216cdc8",
        },
        "asides": {},
    },
    "username": "juan_patel91",
    "session": "f9aec05b29c685ba6a4be0ff1d95da16",
    "ip": "100.110.124.15",
    "agent": (
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safa"
        "ri/605.1.15"
    ),
    "host": "courses.example.org",
    "referer": (
        "https://courses.example.org/xblock/block-v1:TestX+NE131+2025_T3+type@vertical+block@57708c2b3ab6c9a57bb93c"
        "0c2215d33d?show_title=0&show_bookmark_button=0&recheck_access=1&view=student_view"
    ),
    "accept_language": "en-US,en;q=0.9",
    "event": {},
    "time": "2026-03-01T00:41:32.285207+00:00",
    "event_type": "xblock.poll.view_results",
    "event_source": "server",
    "page": "x_module",
}

POLL_RESULTS_VIEWED_STATEMENT = {
    "id": "ca1ce729-7f5a-5cce-91dc-0af9d5530e15",
    "actor": ACTOR,
    "verb": {
        "id": "http://id.tincanapi.com/verb/viewed",
        "display": {
            "en": "viewed",
        },
    },
    "object": {
        "id": (
            "http://localhost:18000/xblock/block-v1:TestX+NE131+2025_T3+type@poll+block@ae58ddac5406a51e582fc786b21"
            "6cdc8/results"
        ),
        "objectType": "Activity",
        "definition": {
            "type": "http://id.tincanapi.com/activitytype/resource",
        },
    },
    "context": {
        "contextActivities": {
            "parent": [
                {
                    "id": "http://localhost:18000/course/course-v1:TestX+NE131+2025_T3",
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
            TRANSFORMER_VERSION: "openedx-xapi-router/xblock.poll.view_results@1",
            SESSION_ID: "f9aec05b29c685ba6a4be0ff1d95da16",
        },
    },
    "timestamp": "2026-03-01T00:41:32.285207+00:00",
    "version": "1.0.3",
}


#: label -> (event, statement, verb, activity type, result keys)
REAL_EVENTS = {
    "submitted": (POLL_SUBMITTED, POLL_SUBMITTED_STATEMENT, "http://adlnet.gov/expapi/verbs/answered",
                  "http://adlnet.gov/expapi/activities/cmi.interaction", ("response",)),
    "view_results": (POLL_RESULTS_VIEWED, POLL_RESULTS_VIEWED_STATEMENT, "http://id.tincanapi.com/verb/viewed",
                     "http://id.tincanapi.com/activitytype/resource", ()),
}


@pytest.mark.parametrize("label", list(REAL_EVENTS))
def test_real_event_gives_exact_statement(label):
    raw, expected, *_ = REAL_EVENTS[label]
    assert transform(raw) == [expected]


@pytest.mark.parametrize("label", list(REAL_EVENTS))
def test_statement_shape(label):
    raw, _, verb, activity_type, result_keys = REAL_EVENTS[label]
    [statement] = transform(raw)
    check_shape(statement, raw, verb=verb, activity_type=activity_type, result_keys=result_keys)


def test_registered_names():
    assert registry.get("xblock.poll.submitted") is poll.PollSubmitted
    assert registry.get("xblock.poll.view_results") is poll.PollResultsViewed
    assert registry.versions("xblock.poll.submitted") == registry.versions("xblock.poll.view_results") == [1]


def test_the_results_are_a_part_of_the_poll():
    [voted] = transform(POLL_SUBMITTED)
    [viewed] = transform(POLL_RESULTS_VIEWED)
    assert viewed["object"]["id"] == f"{voted['object']['id']}/results"


@pytest.mark.parametrize("choice", [None, "", 1, ["choice_1"]])
def test_a_vote_without_a_choice_is_invalid(choice):
    raw = copy.deepcopy(POLL_SUBMITTED)
    raw["event"]["choice"] = choice
    with pytest.raises(InvalidEvent) as error:
        transform(raw)
    assert error.value.field == "data.choice"


def test_results_of_a_block_key_with_a_space_are_invalid():
    raw = copy.deepcopy(POLL_RESULTS_VIEWED)
    raw["context"]["module"]["usage_key"] = "block-v1:X+Y+Z+type@poll+block@a b"
    with pytest.raises(InvalidEvent) as error:
        transform(raw)
    assert error.value.field == "context.module.usage_key"


def test_a_string_encoded_payload_gives_the_same_statement():
    raw = copy.deepcopy(POLL_SUBMITTED)
    raw["event"] = json.dumps(raw["event"])
    assert transform(raw) == [POLL_SUBMITTED_STATEMENT]
