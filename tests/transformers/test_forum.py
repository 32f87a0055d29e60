"""
Unit tests for :mod:`openedx_xapi_router.transformers.forum`.

The real events below come from ``make_tracking_log.py --events 20000 --seed 12``; their expected
statements are event-routing-backends 9.3.8's for the same lines (transformer version blanked).
"""

import copy

import pytest

from openedx_xapi_router.core.vocab import Extension
from tests.transformers import samples
from tests.transformers.samples import invalid, transform




# --- Real events and their statements ---------------------------------------------------------

# edx.forum.thread.created
FORUM_THREAD_CREATED_EVENT = {
    "name": "edx.forum.thread.created",
    "context": {
        "course_id": "course-v1:HarvardX+LA178+2025_T1",
        "user_id": 20,
        "path": "/api/discussion/v1/threads/",
        "org_id": "HarvardX",
        "enterprise_uuid": "c8d696d9-2fe3-4567-a40d-7dd18bf6bbbc",
    },
    "username": "aisha_patel65",
    "session": "08fdeb7b2df89a1ddd86fd471864bec3",
    "ip": "100.85.122.229",
    "agent": "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0",
    "host": "courses.example.org",
    "referer": "https://apps.courses.example.org/discussions/course-v1:HarvardX+LA178+2025_T1/posts/1cb52f92540ce1415ac17ce8",
    "accept_language": "en-US,en;q=0.9",
    "event": {
        "anonymous": False,
        "anonymous_to_peers": False,
        "body": "<p>Answer week test error hint can graph question can someone that theory question how "
        "practice confused solution loop result proof clear review explain grade test function "
        "someone</p>",
        "commentable_id": "49ea5c28-7d85-49ef-868d-3253a52a7847",
        "from_mfe_sidebar": True,
        "group_id": None,
        "id": "1cb52f92540ce1415ac17ce8",
        "options": {"followed": True},
        "thread_type": "discussion",
        "title": "Confused great a does result",
        "title_truncated": False,
        "truncated": False,
        "url": "https://apps.courses.example.org/discussions/course-v1:HarvardX+LA178+2025_T1/posts/1cb52f92540ce1415ac17ce8",
        "user_forums_roles": ["Student"],
        "user_course_roles": [],
    },
    "time": "2026-03-01T09:01:02.416529+00:00",
    "event_type": "edx.forum.thread.created",
    "event_source": "server",
    "page": None,
}
FORUM_THREAD_CREATED_STATEMENTS = [
    {
        "id": "cae53481-1781-552f-b404-00ccfead5d5b",
        "actor": {
            "objectType": "Agent",
            "account": {"homePage": "http://localhost:18000", "name": "32e08e30-f8ae-4ce2-94a8-c2bfe38a70cb"},
        },
        "verb": {"id": "https://w3id.org/xapi/acrossx/verbs/posted", "display": {"en": "posted"}},
        "object": {
            "id": "http://localhost:18000/api/discussion/v1/threads/1cb52f92540ce1415ac17ce8",
            "objectType": "Activity",
            "definition": {
                "type": "http://id.tincanapi.com/activitytype/discussion",
                "name": {"en": "Confused great a does result"},
            },
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
                "https://w3id.org/xapi/openedx/extensions/session-id": "08fdeb7b2df89a1ddd86fd471864bec3",
                "https://w3id.org/xapi/acrossx/extensions/type": "discussion",
            },
        },
        "timestamp": "2026-03-01T09:01:02.416529+00:00",
        "version": "1.0.3",
    }
]

# edx.forum.response.voted
FORUM_RESPONSE_VOTED_EVENT = {
    "name": "edx.forum.response.voted",
    "context": {
        "course_id": "course-v1:edX+CS139+2025_T1",
        "user_id": 23,
        "path": "/api/discussion/v1/comments/c9082a37f568e95436f15d1a/",
        "org_id": "edX",
        "enterprise_uuid": "",
    },
    "username": "kofiw600",
    "session": "6f93c696131a753178ccaa5ee2285214",
    "ip": "100.65.141.44",
    "agent": "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0",
    "host": "courses.example.org",
    "referer": "https://apps.courses.example.org/discussions/course-v1:edX+CS139+2025_T1/posts/96c7801d16c37a2595bb2228",
    "accept_language": "es-ES,es;q=0.9,en;q=0.8",
    "event": {
        "commentable_id": "1562fdb2-f130-46a1-899b-6bf6237f404b",
        "id": "c9082a37f568e95436f15d1a",
        "target_username": "ivanp267",
        "undo_vote": False,
        "vote_value": "up",
        "url": "https://apps.courses.example.org/discussions/course-v1:edX+CS139+2025_T1/posts/96c7801d16c37a2595bb2228",
        "user_forums_roles": ["Student"],
        "user_course_roles": [],
    },
    "time": "2026-03-01T02:35:19.626538+00:00",
    "event_type": "edx.forum.response.voted",
    "event_source": "server",
    "page": None,
}
FORUM_RESPONSE_VOTED_STATEMENTS = [
    {
        "id": "d666487a-1c75-5006-801d-be32b1714d37",
        "actor": {
            "objectType": "Agent",
            "account": {"homePage": "http://localhost:18000", "name": "32e08e30-f8ae-4ce2-94a8-c2bfe38a70cb"},
        },
        "verb": {"id": "https://w3id.org/xapi/openedx/verb/voted", "display": {"en": "voted"}},
        "object": {
            "id": "http://localhost:18000/api/discussion/v1/comments/c9082a37f568e95436f15d1a",
            "objectType": "Activity",
            "definition": {"type": "http://id.tincanapi.com/activitytype/discussion"},
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
                "https://w3id.org/xapi/openedx/extensions/session-id": "6f93c696131a753178ccaa5ee2285214",
                "https://w3id.org/xapi/acrossx/extensions/type": "up",
            },
        },
        "timestamp": "2026-03-01T02:35:19.626538+00:00",
        "version": "1.0.3",
    }
]

# edx.forum.comment.created
FORUM_COMMENT_CREATED_EVENT = {
    "name": "edx.forum.comment.created",
    "context": {
        "course_id": "course-v1:HarvardX+LA178+2025_T1",
        "user_id": 20,
        "path": "/api/discussion/v1/comments/",
        "org_id": "HarvardX",
        "enterprise_uuid": "c8d696d9-2fe3-4567-a40d-7dd18bf6bbbc",
    },
    "username": "aisha_patel65",
    "session": "08fdeb7b2df89a1ddd86fd471864bec3",
    "ip": "100.85.122.229",
    "agent": "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0",
    "host": "courses.example.org",
    "referer": "https://apps.courses.example.org/discussions/course-v1:HarvardX+LA178+2025_T1/posts/2326178b442d275d5a244d51",
    "accept_language": "en-US,en;q=0.9",
    "event": {
        "body": "<p>Hint solution how example loop</p>",
        "commentable_id": "dbfaaaee-5b11-4232-81f4-1bd23958e254",
        "discussion": {"id": "2326178b442d275d5a244d51"},
        "from_mfe_sidebar": False,
        "id": "83d78ab29f1093d109bca9d7",
        "options": {"followed": False},
        "response": {"id": "81151f4ae8976ce5642e71a6"},
        "truncated": False,
        "url": "https://apps.courses.example.org/discussions/course-v1:HarvardX+LA178+2025_T1/posts/2326178b442d275d5a244d51",
        "user_forums_roles": ["Student"],
        "user_course_roles": [],
    },
    "time": "2026-03-01T09:06:07.633979+00:00",
    "event_type": "edx.forum.comment.created",
    "event_source": "server",
    "page": None,
}
FORUM_COMMENT_CREATED_STATEMENTS = [
    {
        "id": "3c9ed4f7-c792-5a04-8ffc-90cdb9c2db50",
        "actor": {
            "objectType": "Agent",
            "account": {"homePage": "http://localhost:18000", "name": "32e08e30-f8ae-4ce2-94a8-c2bfe38a70cb"},
        },
        "verb": {"id": "https://w3id.org/xapi/acrossx/verbs/posted", "display": {"en": "posted"}},
        "object": {
            "id": "http://localhost:18000/api/discussion/v1/comments/83d78ab29f1093d109bca9d7",
            "objectType": "Activity",
            "definition": {"type": "http://id.tincanapi.com/activitytype/discussion"},
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
                ],
                "grouping": [
                    {
                        "id": "http://localhost:18000/api/discussion/v1/threads/2326178b442d275d5a244d51",
                        "objectType": "Activity",
                        "definition": {"type": "http://id.tincanapi.com/activitytype/discussion"},
                    }
                ],
            },
            "extensions": {
                "https://w3id.org/xapi/openedx/extension/transformer-version": "<blanked>",
                "https://w3id.org/xapi/openedx/extensions/session-id": "08fdeb7b2df89a1ddd86fd471864bec3",
            },
        },
        "timestamp": "2026-03-01T09:06:07.633979+00:00",
        "version": "1.0.3",
    }
]


# --- Tests ------------------------------------------------------------------------------------


# --- TESTS ---
@pytest.mark.parametrize(
    "event, expected",
    [
        pytest.param(FORUM_THREAD_CREATED_EVENT, FORUM_THREAD_CREATED_STATEMENTS, id="thread.created"),
        pytest.param(FORUM_RESPONSE_VOTED_EVENT, FORUM_RESPONSE_VOTED_STATEMENTS, id="response.voted"),
        pytest.param(FORUM_COMMENT_CREATED_EVENT, FORUM_COMMENT_CREATED_STATEMENTS, id="comment.created"),
    ],
)
def test_real_events_give_erb_statements(event, expected):
    assert samples.without_transformer_version(transform(event)) == expected


VERBS = {
    "created": "https://w3id.org/xapi/acrossx/verbs/posted",
    "edited": "https://w3id.org/xapi/acrossx/verbs/edited",
    "viewed": "http://id.tincanapi.com/verb/viewed",
    "deleted": "https://w3id.org/xapi/dod-isd/verbs/deleted",
    "voted": "https://w3id.org/xapi/openedx/verb/voted",
    "reported": "https://w3id.org/xapi/acrossx/verbs/reported",
    "unreported": "https://w3id.org/xapi/openedx/verb/unreported",
}
NAMES = [
    f"edx.forum.{kind}.{action}"
    for kind in ("thread", "response", "comment")
    for action in VERBS
    if not (action == "viewed" and kind != "thread") and not (action == "voted" and kind == "comment")
]


def test_eighteen_forum_names():
    assert len(NAMES) == 18


@pytest.mark.parametrize("name", NAMES)
def test_every_forum_name_has_its_verb_and_version_1(name):
    event = copy.deepcopy(FORUM_RESPONSE_VOTED_EVENT)
    event["name"] = event["event_type"] = name
    [statement] = transform(event)
    assert statement["verb"]["id"] == VERBS[name.rsplit(".", 1)[1]]
    assert statement["object"]["id"] == "http://localhost:18000/api/discussion/v1/comments/c9082a37f568e95436f15d1a"
    assert statement["context"]["extensions"][Extension.TRANSFORMER_VERSION].endswith(f"/{name}@1")


def test_missing_post_id_is_named():
    event = copy.deepcopy(FORUM_THREAD_CREATED_EVENT)
    del event["event"]["id"]
    error = invalid(event)
    assert (error.field, error.kind) == ("data.id", "missing_field")


def test_missing_path_is_named():
    event = copy.deepcopy(FORUM_THREAD_CREATED_EVENT)
    del event["context"]["path"]
    error = invalid(event)
    assert (error.field, error.kind) == ("context.path", "missing_field")


def test_title_of_wrong_type():
    event = copy.deepcopy(FORUM_THREAD_CREATED_EVENT)
    event["event"]["title"] = ["not", "a", "title"]
    error = invalid(event)
    assert (error.field, error.kind) == ("data.title", "wrong_type")


def test_post_id_of_wrong_type():
    event = copy.deepcopy(FORUM_THREAD_CREATED_EVENT)
    event["event"]["id"] = 42
    error = invalid(event)
    assert (error.field, error.kind) == ("data.id", "wrong_type")
