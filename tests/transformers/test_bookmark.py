"""
Bookmark transformer: exact statements for real events from a generated tracking log
(``make_tracking_log.py --events 100000 --seed 31``), reviewed by hand against
``docs/beyond_erb.rst``; the conventions every statement follows (:func:`check_shape`); bad input.
"""
import copy
import json

import pytest

from openedx_xapi_router.core.errors import InvalidEvent
from openedx_xapi_router.core.registry import default_registry
from openedx_xapi_router.transformers import bookmark
from tests.transformers.beyond_erb import ACTOR, SESSION_ID, TRANSFORMER_VERSION, check_shape, transform

registry = default_registry()

BOOKMARK_ADDED = {
    "name": "edx.bookmark.added",
    "context": {
        "course_id": "course-v1:TestX+NE131+2025_T3",
        "course_user_tags": {},
        "user_id": 526,
        "path": "/api/bookmarks/v1/bookmarks/",
        "org_id": "TestX",
        "enterprise_uuid": "",
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
        "https://apps.courses.example.org/learning/course/course-v1:TestX+NE131+2025_T3/block-v1:TestX+NE131+2025_T"
        "3+type@sequential+block@0d601e2b6bf45d0ef776ec318dee3435/block-v1:TestX+NE131+2025_T3+type@vertical+block@"
        "450d3bffc6cdf6c98c1dd4c1681a70ad"
    ),
    "accept_language": "en-US,en;q=0.9",
    "event": {
        "bookmark_id": "juan_patel91,block-v1:TestX+NE131+2025_T3+type@vertical+block@450d3bffc6cdf6c98c1dd4c1681a70ad",
        "component_type": "vertical",
        "component_usage_id": "block-v1:TestX+NE131+2025_T3+type@vertical+block@450d3bffc6cdf6c98c1dd4c1681a70ad",
        "course_id": "course-v1:TestX+NE131+2025_T3",
    },
    "time": "2026-03-01T01:08:23.217171+00:00",
    "event_type": "edx.bookmark.added",
    "event_source": "server",
    "page": None,
}

BOOKMARK_ADDED_STATEMENT = {
    "id": "5d91216b-7cf1-5e89-91a3-63eb041dc64a",
    "actor": ACTOR,
    "verb": {
        "id": "http://id.tincanapi.com/verb/bookmarked",
        "display": {
            "en": "bookmarked",
        },
    },
    "object": {
        "id": (
            "http://localhost:18000/xblock/block-v1:TestX+NE131+2025_T3+type@vertical+block@450d3bffc6cdf6c98c1dd4c"
            "1681a70ad"
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
            TRANSFORMER_VERSION: "openedx-xapi-router/edx.bookmark.added@1",
            SESSION_ID: "f9aec05b29c685ba6a4be0ff1d95da16",
        },
    },
    "timestamp": "2026-03-01T01:08:23.217171+00:00",
    "version": "1.0.3",
}


def test_real_event_gives_exact_statement():
    assert transform(BOOKMARK_ADDED) == [BOOKMARK_ADDED_STATEMENT]


def test_statement_shape():
    [statement] = transform(BOOKMARK_ADDED)
    check_shape(statement, BOOKMARK_ADDED, verb="http://id.tincanapi.com/verb/bookmarked",
                activity_type="http://id.tincanapi.com/activitytype/resource")


def test_registered_name():
    assert registry.get("edx.bookmark.added") is bookmark.BookmarkAdded
    assert registry.versions("edx.bookmark.added") == [1]


@pytest.mark.parametrize("usage_key", [None, "", 12, "block-v1:X+Y+Z+type@vertical+block@a b", "<script>"])
def test_a_missing_or_unusable_block_key_is_invalid(usage_key):
    raw = copy.deepcopy(BOOKMARK_ADDED)
    raw["event"]["component_usage_id"] = usage_key
    with pytest.raises(InvalidEvent) as error:
        transform(raw)
    assert error.value.field == "data.component_usage_id"


def test_a_string_encoded_payload_gives_the_same_statement():
    raw = copy.deepcopy(BOOKMARK_ADDED)
    raw["event"] = json.dumps(raw["event"])
    assert transform(raw) == [BOOKMARK_ADDED_STATEMENT]
