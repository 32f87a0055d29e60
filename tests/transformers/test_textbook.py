"""
PDF textbook transformers: exact statements for real events from a generated tracking log
(``make_tracking_log.py --events 100000 --seed 31``), reviewed by hand against
``docs/beyond_erb.rst``; the conventions every statement follows (:func:`check_shape`); bad input.
"""
import copy
import json

import pytest

from openedx_xapi_router.core.errors import InvalidEvent
from openedx_xapi_router.core.registry import default_registry
from openedx_xapi_router.transformers import textbook
from tests.transformers.beyond_erb import ACTOR, SESSION_ID, TRANSFORMER_VERSION, check_shape, transform

registry = default_registry()

PAGE_NAVIGATED = {
    "name": "textbook.pdf.page.navigated",
    "context": {
        "user_id": 586,
        "path": "/event",
        "course_id": "course-v1:edX+CS152+2025_T3",
        "org_id": "edX",
        "enterprise_uuid": "c5aca13b-2dbc-4c35-bc68-34974fea6e56",
    },
    "username": "hiro_novak48",
    "session": "bfdda0c4bdd66699d15dc8b167a206df",
    "ip": "203.0.113.88",
    "agent": "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36",
    "host": "courses.example.org",
    "referer": "https://courses.example.org/courses/course-v1:edX+CS152+2025_T3/pdfbook/0/",
    "accept_language": "en-US,en;q=0.9",
    "event": (
        "{\"name\": \"textbook.pdf.page.navigated\", \"page\": 13, \"chapter\": \"/asset-v1:edX+CS152+2025_T3+type@"
        "asset+block/CS152_textbook_ch5.pdf\"}"
    ),
    "time": "2026-03-01T02:25:30.682919+00:00",
    "event_type": "textbook.pdf.page.navigated",
    "event_source": "browser",
    "page": "https://courses.example.org/courses/course-v1:edX+CS152+2025_T3/pdfbook/0/chapter/5/",
}

PAGE_NAVIGATED_STATEMENT = {
    "id": "74491a4d-cc62-50ef-a45f-9a3fbc87dc4d",
    "actor": ACTOR,
    "verb": {
        "id": "http://id.tincanapi.com/verb/viewed",
        "display": {
            "en": "viewed",
        },
    },
    "object": {
        "id": "http://localhost:18000/asset-v1:edX+CS152+2025_T3+type@asset+block/CS152_textbook_ch5.pdf#page=13",
        "objectType": "Activity",
        "definition": {
            "type": "http://activitystrea.ms/schema/1.0/page",
        },
    },
    "context": {
        "contextActivities": {
            "parent": [
                {
                    "id": "http://localhost:18000/course/course-v1:edX+CS152+2025_T3",
                    "objectType": "Activity",
                    "definition": {
                        "type": "http://adlnet.gov/expapi/activities/course",
                        "name": {
                            "en-US": "Demonstration Course",
                        },
                    },
                },
            ],
            "grouping": [
                {
                    "id": "http://localhost:18000/asset-v1:edX+CS152+2025_T3+type@asset+block/CS152_textbook_ch5.pdf",
                    "objectType": "Activity",
                    "definition": {
                        "type": "http://adlnet.gov/expapi/activities/file",
                    },
                },
            ],
        },
        "extensions": {
            TRANSFORMER_VERSION: "openedx-xapi-router/textbook.pdf.page.navigated@1",
            SESSION_ID: "bfdda0c4bdd66699d15dc8b167a206df",
        },
    },
    "timestamp": "2026-03-01T02:25:30.682919+00:00",
    "version": "1.0.3",
}


PAGE_SCROLLED = {
    "name": "textbook.pdf.page.scrolled",
    "context": {
        "user_id": 586,
        "path": "/event",
        "course_id": "course-v1:edX+CS152+2025_T3",
        "org_id": "edX",
        "enterprise_uuid": "c5aca13b-2dbc-4c35-bc68-34974fea6e56",
    },
    "username": "hiro_novak48",
    "session": "bfdda0c4bdd66699d15dc8b167a206df",
    "ip": "203.0.113.88",
    "agent": "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36",
    "host": "courses.example.org",
    "referer": "https://courses.example.org/courses/course-v1:edX+CS152+2025_T3/pdfbook/0/",
    "accept_language": "en-US,en;q=0.9",
    "event": (
        "{\"name\": \"textbook.pdf.page.scrolled\", \"page\": 2, \"chapter\": \"/asset-v1:edX+CS152+2025_T3+type@as"
        "set+block/CS152_textbook_ch5.pdf\", \"direction\": \"down\"}"
    ),
    "time": "2026-03-01T02:15:42.051453+00:00",
    "event_type": "textbook.pdf.page.scrolled",
    "event_source": "browser",
    "page": "https://courses.example.org/courses/course-v1:edX+CS152+2025_T3/pdfbook/0/chapter/5/",
}

PAGE_SCROLLED_STATEMENT = {
    "id": "eec990ea-8049-563a-8150-be641767e29b",
    "actor": ACTOR,
    "verb": {
        "id": "http://id.tincanapi.com/verb/viewed",
        "display": {
            "en": "viewed",
        },
    },
    "object": {
        "id": "http://localhost:18000/asset-v1:edX+CS152+2025_T3+type@asset+block/CS152_textbook_ch5.pdf#page=2",
        "objectType": "Activity",
        "definition": {
            "type": "http://activitystrea.ms/schema/1.0/page",
        },
    },
    "context": {
        "contextActivities": {
            "parent": [
                {
                    "id": "http://localhost:18000/course/course-v1:edX+CS152+2025_T3",
                    "objectType": "Activity",
                    "definition": {
                        "type": "http://adlnet.gov/expapi/activities/course",
                        "name": {
                            "en-US": "Demonstration Course",
                        },
                    },
                },
            ],
            "grouping": [
                {
                    "id": "http://localhost:18000/asset-v1:edX+CS152+2025_T3+type@asset+block/CS152_textbook_ch5.pdf",
                    "objectType": "Activity",
                    "definition": {
                        "type": "http://adlnet.gov/expapi/activities/file",
                    },
                },
            ],
        },
        "extensions": {
            TRANSFORMER_VERSION: "openedx-xapi-router/textbook.pdf.page.scrolled@1",
            SESSION_ID: "bfdda0c4bdd66699d15dc8b167a206df",
        },
    },
    "timestamp": "2026-03-01T02:15:42.051453+00:00",
    "version": "1.0.3",
}


CHAPTER_NAVIGATED = {
    "name": "textbook.pdf.chapter.navigated",
    "context": {
        "user_id": 586,
        "path": "/event",
        "course_id": "course-v1:edX+CS152+2025_T3",
        "org_id": "edX",
        "enterprise_uuid": "c5aca13b-2dbc-4c35-bc68-34974fea6e56",
    },
    "username": "hiro_novak48",
    "session": "bfdda0c4bdd66699d15dc8b167a206df",
    "ip": "203.0.113.88",
    "agent": "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36",
    "host": "courses.example.org",
    "referer": "https://courses.example.org/courses/course-v1:edX+CS152+2025_T3/pdfbook/0/",
    "accept_language": "en-US,en;q=0.9",
    "event": (
        "{\"name\": \"textbook.pdf.chapter.navigated\", \"chapter\": \"/asset-v1:edX+CS152+2025_T3+type@asset+block"
        "/CS152_textbook_ch5.pdf\", \"chapter_title\": \"Chapter 5\"}"
    ),
    "time": "2026-03-01T02:11:40.315215+00:00",
    "event_type": "textbook.pdf.chapter.navigated",
    "event_source": "browser",
    "page": "https://courses.example.org/courses/course-v1:edX+CS152+2025_T3/pdfbook/0/chapter/5/",
}

CHAPTER_NAVIGATED_STATEMENT = {
    "id": "0673fe88-dc1d-52aa-8619-49cc7a90f86c",
    "actor": ACTOR,
    "verb": {
        "id": "http://id.tincanapi.com/verb/viewed",
        "display": {
            "en": "viewed",
        },
    },
    "object": {
        "id": "http://localhost:18000/asset-v1:edX+CS152+2025_T3+type@asset+block/CS152_textbook_ch5.pdf",
        "objectType": "Activity",
        "definition": {
            "type": "http://adlnet.gov/expapi/activities/file",
            "name": {
                "en-US": "Chapter 5",
            },
        },
    },
    "context": {
        "contextActivities": {
            "parent": [
                {
                    "id": "http://localhost:18000/course/course-v1:edX+CS152+2025_T3",
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
            TRANSFORMER_VERSION: "openedx-xapi-router/textbook.pdf.chapter.navigated@2",
            SESSION_ID: "bfdda0c4bdd66699d15dc8b167a206df",
        },
    },
    "timestamp": "2026-03-01T02:11:40.315215+00:00",
    "version": "1.0.3",
}


SEARCH_NOT_FOUND = {
    "name": "textbook.pdf.search.executed",
    "context": {
        "user_id": 503,
        "path": "/event",
        "course_id": "course-v1:MITx+PH142+2026_T1",
        "org_id": "MITx",
        "enterprise_uuid": "",
    },
    "username": "amara_chen30",
    "session": "3b417a62d1401eab3c7b22ae91dfcfda",
    "ip": "100.114.165.175",
    "agent": "Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:132.0) Gecko/20100101 Firefox/132.0",
    "host": "courses.example.org",
    "referer": "https://courses.example.org/courses/course-v1:MITx+PH142+2026_T1/pdfbook/0/",
    "accept_language": "ar-EG,ar;q=0.9,en;q=0.7",
    "event": (
        "{\"name\": \"textbook.pdf.search.executed\", \"page\": 1, \"chapter\": \"/asset-v1:MITx+PH142+2026_T1+type"
        "@asset+block/PH142_textbook_ch3.pdf\", \"caseSensitive\": false, \"highlightAll\": true, \"query\": \"ener"
        "gy\", \"status\": \"not found\"}"
    ),
    "time": "2026-03-01T18:02:56.046300+00:00",
    "event_type": "textbook.pdf.search.executed",
    "event_source": "browser",
    "page": "https://courses.example.org/courses/course-v1:MITx+PH142+2026_T1/pdfbook/0/chapter/3/",
}

SEARCH_NOT_FOUND_STATEMENT = {
    "id": "65fd4e0c-8199-517b-8847-5df9ebc8fcd8",
    "actor": ACTOR,
    "verb": {
        "id": "http://activitystrea.ms/schema/1.0/search",
        "display": {
            "en": "searched",
        },
    },
    "object": {
        "id": "http://localhost:18000/asset-v1:MITx+PH142+2026_T1+type@asset+block/PH142_textbook_ch3.pdf",
        "objectType": "Activity",
        "definition": {
            "type": "http://adlnet.gov/expapi/activities/file",
        },
    },
    "result": {
        "success": False,
        "response": "energy",
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
            TRANSFORMER_VERSION: "openedx-xapi-router/textbook.pdf.search.executed@1",
            SESSION_ID: "3b417a62d1401eab3c7b22ae91dfcfda",
        },
    },
    "timestamp": "2026-03-01T18:02:56.046300+00:00",
    "version": "1.0.3",
}


VIEWED = "http://id.tincanapi.com/verb/viewed"
PAGE = "http://activitystrea.ms/schema/1.0/page"
FILE = "http://adlnet.gov/expapi/activities/file"

#: label -> (event, statement, verb, activity type, result keys)
REAL_EVENTS = {
    "page.navigated": (PAGE_NAVIGATED, PAGE_NAVIGATED_STATEMENT, VIEWED, PAGE, ()),
    "page.scrolled": (PAGE_SCROLLED, PAGE_SCROLLED_STATEMENT, VIEWED, PAGE, ()),
    "chapter.navigated": (CHAPTER_NAVIGATED, CHAPTER_NAVIGATED_STATEMENT, VIEWED, FILE, ()),
    "search.executed": (SEARCH_NOT_FOUND, SEARCH_NOT_FOUND_STATEMENT, "http://activitystrea.ms/schema/1.0/search",
                        FILE, ("success", "response")),
}

#: Transformer versions other than 1: chapter.navigated is ``viewed`` since 2 (docs/aspects.rst).
VERSIONS = {"textbook.pdf.chapter.navigated": 2}

TEXTBOOK_EVENT_NAMES = {
    "textbook.pdf.page.navigated": textbook.PageNavigated,
    "textbook.pdf.page.scrolled": textbook.PageScrolled,
    "textbook.pdf.chapter.navigated": textbook.ChapterNavigated,
    "textbook.pdf.search.executed": textbook.SearchExecuted,
}
#: Viewer-display noise, left unsupported (docs/beyond_erb.rst).
UNSUPPORTED = ("textbook.pdf.zoom.buttons.changed", "textbook.pdf.zoom.menu.changed", "textbook.pdf.display.scaled",
               "textbook.pdf.outline.toggled", "textbook.pdf.thumbnails.toggled")


def with_data(raw, **changes):
    """A copy of ``raw`` with payload keys set (None: removed); the payload stays a JSON string."""
    raw = copy.deepcopy(raw)
    payload = json.loads(raw["event"])
    for key, value in changes.items():
        if value is None:
            payload.pop(key, None)
        else:
            payload[key] = value
    raw["event"] = json.dumps(payload)
    return raw


@pytest.mark.parametrize("label", list(REAL_EVENTS))
def test_real_event_gives_exact_statement(label):
    raw, expected, *_ = REAL_EVENTS[label]
    assert transform(raw) == [expected]


@pytest.mark.parametrize("label", list(REAL_EVENTS))
def test_statement_shape(label):
    raw, _, verb, activity_type, result_keys = REAL_EVENTS[label]
    [statement] = transform(raw)
    check_shape(statement, raw, verb=verb, activity_type=activity_type, result_keys=result_keys,
                version=VERSIONS.get(raw["name"], 1))


def test_registered_names_and_the_display_noise_left_unsupported():
    for name, transformer_class in TEXTBOOK_EVENT_NAMES.items():
        assert registry.get(name) is transformer_class, name
        assert registry.versions(name) == [VERSIONS.get(name, 1)], name
    assert {name for name in registry.event_names() if registry.get(name).__module__ == textbook.__name__} == set(
        TEXTBOOK_EVENT_NAMES)
    for name in UNSUPPORTED:
        assert not registry.is_supported(name), name


def test_a_page_is_the_chapter_pdf_with_its_page_fragment_grouped_under_the_chapter():
    [statement] = transform(PAGE_NAVIGATED)
    chapter = "http://localhost:18000/asset-v1:edX+CS152+2025_T3+type@asset+block/CS152_textbook_ch5.pdf"
    assert statement["object"]["id"] == f"{chapter}#page=13"
    assert statement["context"]["contextActivities"]["grouping"] == [
        {"id": chapter, "objectType": "Activity", "definition": {"type": FILE}}]


def test_an_absolute_chapter_url_is_kept():
    url = "https://cdn.example.org/books/ch1.pdf"
    [statement] = transform(with_data(PAGE_SCROLLED, chapter=url))
    assert statement["object"]["id"] == f"{url}#page=2"


@pytest.mark.parametrize(("status", "success"), [("", True), ("not found", False), ("wrapped", True), ("pending", None),
                                                 (None, None)])
def test_search_success_follows_the_status(status, success):
    [statement] = transform(with_data(SEARCH_NOT_FOUND, status=status))
    assert statement["result"].get("success") == success


@pytest.mark.parametrize(("raw", "field"), [
    (with_data(PAGE_NAVIGATED, page=None), "data.page"),
    (with_data(PAGE_NAVIGATED, page=0), "data.page"),
    (with_data(PAGE_NAVIGATED, page="13"), "data.page"),
    (with_data(PAGE_NAVIGATED, page=True), "data.page"),
    (with_data(PAGE_SCROLLED, chapter=None), "data.chapter"),
    (with_data(PAGE_SCROLLED, chapter="/asset-v1:X+Y+Z+type@asset+block/my chapter.pdf"), "data.chapter"),
    (with_data(PAGE_SCROLLED, chapter="ch1.pdf"), "data.chapter"),
    (with_data(PAGE_SCROLLED, chapter="https://cdn.example.org/a b.pdf"), "data.chapter"),
    (with_data(PAGE_SCROLLED, chapter="/a.pdf?x=1"), "data.chapter"),
    (with_data(CHAPTER_NAVIGATED, chapter_title=5), "data.chapter_title"),
    (with_data(SEARCH_NOT_FOUND, query=None), "data.query"),
    (with_data(SEARCH_NOT_FOUND, query=["energy"]), "data.query"),
])
def test_bad_payload_is_invalid_naming_the_field(raw, field):
    with pytest.raises(InvalidEvent) as error:
        transform(raw)
    assert error.value.field == field


def test_a_chapter_without_title_has_no_name():
    [statement] = transform(with_data(CHAPTER_NAVIGATED, chapter_title=None))
    assert statement["object"]["definition"] == {"type": FILE}
