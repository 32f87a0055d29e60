"""
page_close transformer: exact statements for real events from a generated tracking log
(``make_tracking_log.py --events 100000 --seed 31``), reviewed by hand against
``docs/beyond_erb.rst``; the conventions every statement follows (:func:`check_shape`); bad input.
"""
import copy

import pytest

from openedx_xapi_router.core.errors import EventSkipped, InvalidEvent
from openedx_xapi_router.core.event import normalize
from openedx_xapi_router.core.registry import default_registry
from openedx_xapi_router.transformers import navigation
from tests.transformers.beyond_erb import ACTOR, SESSION_ID, TRANSFORMER_VERSION, check_shape, transform

registry = default_registry()

PAGE_CLOSE = {
    "name": "page_close",
    "context": {
        "user_id": 176,
        "path": "/event",
        "course_id": "course-v1:MITx+PH142+2026_T1",
        "org_id": "MITx",
        "enterprise_uuid": "",
    },
    "username": "zoe-wang-2006",
    "session": "8f7af9fdcd8331eb25b1aaf8483dd897",
    "ip": "100.121.227.97",
    "agent": "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36",
    "host": "courses.example.org",
    "referer": (
        "https://apps.courses.example.org/learning/course/course-v1:MITx+PH142+2026_T1/block-v1:MITx+PH142+2026_T1+"
        "type@sequential+block@aa58ba4ff5eb51f2061b740d5c36f0ee/block-v1:MITx+PH142+2026_T1+type@vertical+block@e57"
        "710d2af6e7be5c8dcf86994b56e63"
    ),
    "accept_language": "en-US,en;q=0.9",
    "event": "{}",
    "time": "2026-03-01T00:17:40.060215+00:00",
    "event_type": "page_close",
    "event_source": "browser",
    "page": (
        "https://courses.example.org/xblock/block-v1:MITx+PH142+2026_T1+type@vertical+block@e57710d2af6e7be5c8dcf86"
        "994b56e63?show_title=0&show_bookmark_button=0&recheck_access=1&view=student_view"
    ),
}

PAGE_CLOSE_STATEMENT = {
    "id": "5a4f3a94-9234-53a4-bde1-dfbff42ec82f",
    "actor": ACTOR,
    "verb": {
        "id": "http://adlnet.gov/expapi/verbs/exited",
        "display": {
            "en": "exited",
        },
    },
    "object": {
        "id": (
            "https://courses.example.org/xblock/block-v1:MITx+PH142+2026_T1+type@vertical+block@e57710d2af6e7be5c8d"
            "cf86994b56e63"
        ),
        "objectType": "Activity",
        "definition": {
            "type": "http://activitystrea.ms/schema/1.0/page",
        },
    },
    "context": {
        "contextActivities": {
            "parent": [
                {
                    "id": "http://localhost:18000/course/course-v1:MITx+PH142+2026_T1",
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
            TRANSFORMER_VERSION: "openedx-xapi-router/page_close@1",
            SESSION_ID: "8f7af9fdcd8331eb25b1aaf8483dd897",
        },
    },
    "timestamp": "2026-03-01T00:17:40.060215+00:00",
    "version": "1.0.3",
}


def test_real_event_gives_exact_statement():
    assert transform(PAGE_CLOSE) == [PAGE_CLOSE_STATEMENT]


def test_statement_shape():
    [statement] = transform(PAGE_CLOSE)
    check_shape(statement, PAGE_CLOSE, verb="http://adlnet.gov/expapi/verbs/exited",
                activity_type="http://activitystrea.ms/schema/1.0/page")


def test_registered_name():
    assert registry.get("page_close") is navigation.PageClosed
    assert registry.versions("page_close") == [1]


def test_the_live_form_reads_the_page_from_the_context():
    live = {"name": "page_close", "timestamp": PAGE_CLOSE["time"], "data": {},
            "context": {**PAGE_CLOSE["context"], "page": PAGE_CLOSE["page"], "event_source": "browser",
                        "session": PAGE_CLOSE["session"], "username": PAGE_CLOSE["username"]}}
    assert transform(live) == [PAGE_CLOSE_STATEMENT]


def test_query_and_fragment_are_not_part_of_the_page():
    raw = copy.deepcopy(PAGE_CLOSE)
    raw["page"] = "https://courses.example.org/courses/course-v1:X+Y+Z/about#faq"
    [statement] = transform(raw)
    assert statement["object"]["id"] == "https://courses.example.org/courses/course-v1:X+Y+Z/about"


@pytest.mark.parametrize("page", [None, "", 3, "/courses/x/about", "https://courses.example.org/a page"])
def test_without_a_usable_page_it_is_invalid(page):
    raw = copy.deepcopy(PAGE_CLOSE)
    raw["page"] = page
    with pytest.raises(InvalidEvent) as error:
        transform(raw)
    assert error.value.field == "page"


def test_an_anonymous_page_close_gives_no_statement():
    raw = copy.deepcopy(PAGE_CLOSE)
    raw["context"]["user_id"] = None
    raw["username"] = ""
    with pytest.raises(EventSkipped):
        transform(raw)


def test_only_browser_events_have_a_page():
    assert normalize(PAGE_CLOSE).page == PAGE_CLOSE["page"]
    server = copy.deepcopy(PAGE_CLOSE)
    server["event_source"] = "server"
    server["page"] = "x_module"
    assert normalize(server).page is None
