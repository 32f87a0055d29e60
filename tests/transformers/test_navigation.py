"""
Navigation transformers: exact statements for real events from a generated tracking log
(``make_tracking_log.py --events 20000 --seed 11``), checked equal to event-routing-backends' statements
for the same events, and the edge cases: a missing target, a missing unit count, no target name.
"""
import copy

import pytest

from openedx_xapi_router.core.errors import InvalidEvent
from openedx_xapi_router.core.registry import default_registry
from openedx_xapi_router.transformers import navigation
from tests.transformers.samples import transform, with_payload

registry = default_registry()

ACTOR = {
    "objectType": "Agent",
    "account": {"homePage": "http://localhost:18000", "name": "32e08e30-f8ae-4ce2-94a8-c2bfe38a70cb"},
}
TRANSFORMER_VERSION = "https://w3id.org/xapi/openedx/extension/transformer-version"
SESSION_ID = "https://w3id.org/xapi/openedx/extensions/session-id"
STARTING_POSITION = "http://id.tincanapi.com/extension/starting-position"
ENDING_POINT = "http://id.tincanapi.com/extension/ending-point"
TOTAL_ITEMS = "https://w3id.org/xapi/acrossx/extensions/total-items"
RESOURCE = "http://id.tincanapi.com/activitytype/resource"
LINK = "http://adlnet.gov/expapi/activities/link"
MODULE = "http://adlnet.gov/expapi/activities/module"


def course_parent(course_id):
    """The ``contextActivities`` every course event's statement has."""
    return {
        "parent": [
            {
                "id": f"http://localhost:18000/course/{course_id}",
                "objectType": "Activity",
                "definition": {
                    "type": "http://adlnet.gov/expapi/activities/course",
                    "name": {"en-US": "Demonstration Course"},
                },
            }
        ]
    }


LINK_CLICKED = {
    "name": "edx.ui.lms.link_clicked",
    "context": {
        "user_id": 35,
        "path": "/event",
        "course_id": "course-v1:edX+CS148+2025_T3",
        "org_id": "edX",
        "enterprise_uuid": "",
    },
    "username": "tomh947",
    "session": "371d1dd90cda63d8b283d7e81b37b870",
    "ip": "100.86.132.30",
    "agent": (
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KH"
        "TML, like Gecko) Version/18.1 Safari/605.1.15"
    ),
    "host": "courses.example.org",
    "referer": (
        "https://apps.courses.example.org/learning/course/course-v1:edX+CS148+202"
        "5_T3/home"
    ),
    "accept_language": "es-ES,es;q=0.9,en;q=0.8",
    "event": (
        "{\"current_url\": \"https://apps.courses.example.org/learning/course/course"
        "-v1:edX+CS148+2025_T3/home\", \"target_url\": \"https://courses.example.org/"
        "courses/course-v1:edX+CS148+2025_T3/jump_to/block-v1:edX+CS148+2025_T3+t"
        "ype@sequential+block@b241279a212c8c3e2b13dbac514c42d0\"}"
    ),
    "time": "2026-03-01T09:21:12.528308+00:00",
    "event_type": "edx.ui.lms.link_clicked",
    "event_source": "browser",
    "page": (
        "https://apps.courses.example.org/learning/course/course-v1:edX+CS148+202"
        "5_T3/home"
    ),
}

LINK_CLICKED_STATEMENT = {
    "id": "252b9dcb-4db0-54e7-b53d-b1c1f19d9db4",
    "actor": ACTOR,
    "verb": {"id": "https://w3id.org/xapi/dod-isd/verbs/navigated", "display": {"en": "navigated"}},
    "object": {
        "id": (
            "https://courses.example.org/courses/course-v1:edX+CS148+2025_T3/jump_to/"
            "block-v1:edX+CS148+2025_T3+type@sequential+block@b241279a212c8c3e2b13dba"
            "c514c42d0"
        ),
        "objectType": "Activity",
        "definition": {"type": LINK},
    },
    "context": {
        "contextActivities": course_parent("course-v1:edX+CS148+2025_T3"),
        "extensions": {
            TRANSFORMER_VERSION: "openedx-xapi-router/edx.ui.lms.link_clicked@1",
            SESSION_ID: "371d1dd90cda63d8b283d7e81b37b870",
        },
    },
    "timestamp": "2026-03-01T09:21:12.528308+00:00",
    "version": "1.0.3",
}

OUTLINE_SELECTED = {
    "name": "edx.ui.lms.outline.selected",
    "context": {
        "user_id": 131,
        "path": "/event",
        "course_id": "course-v1:edX+CS148+2025_T3",
        "org_id": "edX",
        "enterprise_uuid": "",
    },
    "username": "leop255",
    "session": "7c1f002c3c3f547bc822b3b573bd50cb",
    "ip": "198.51.100.36",
    "agent": (
        "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like"
        " Gecko) Chrome/131.0.0.0 Mobile Safari/537.36"
    ),
    "host": "courses.example.org",
    "referer": (
        "https://apps.courses.example.org/learning/course/course-v1:edX+CS148+202"
        "5_T3/home"
    ),
    "accept_language": "pt-BR,pt;q=0.9",
    "event": (
        "{\"current_url\": \"https://apps.courses.example.org/learning/course/course"
        "-v1:edX+CS148+2025_T3/home\", \"target_name\": \"Timed Exam 1\", \"target_url\""
        ": \"https://courses.example.org/courses/course-v1:edX+CS148+2025_T3/jump_"
        "to/block-v1:edX+CS148+2025_T3+type@sequential+block@061fa972ab21932d1a07"
        "d1c6f3622e74\", \"widget_placement\": \"accordion\"}"
    ),
    "time": "2026-03-01T02:59:46.814642+00:00",
    "event_type": "edx.ui.lms.outline.selected",
    "event_source": "browser",
    "page": (
        "https://apps.courses.example.org/learning/course/course-v1:edX+CS148+202"
        "5_T3/home"
    ),
}

OUTLINE_SELECTED_STATEMENT = {
    "id": "af50f6a1-022b-57b8-b8e3-62f5e4dde427",
    "actor": ACTOR,
    "verb": {"id": "https://w3id.org/xapi/dod-isd/verbs/navigated", "display": {"en": "navigated"}},
    "object": {
        "id": (
            "https://courses.example.org/courses/course-v1:edX+CS148+2025_T3/jump_to/"
            "block-v1:edX+CS148+2025_T3+type@sequential+block@061fa972ab21932d1a07d1c"
            "6f3622e74"
        ),
        "objectType": "Activity",
        "definition": {"type": MODULE, "name": {"en": "Timed Exam 1"}},
    },
    "context": {
        "contextActivities": course_parent("course-v1:edX+CS148+2025_T3"),
        "extensions": {
            TRANSFORMER_VERSION: "openedx-xapi-router/edx.ui.lms.outline.selected@1",
            SESSION_ID: "7c1f002c3c3f547bc822b3b573bd50cb",
        },
    },
    "timestamp": "2026-03-01T02:59:46.814642+00:00",
    "version": "1.0.3",
}

SEQUENCE_NEXT_SELECTED = {
    "name": "edx.ui.lms.sequence.next_selected",
    "context": {
        "user_id": 131,
        "path": "/event",
        "course_id": "course-v1:edX+CS148+2025_T3",
        "org_id": "edX",
        "enterprise_uuid": "",
    },
    "username": "leop255",
    "session": "7c1f002c3c3f547bc822b3b573bd50cb",
    "ip": "198.51.100.36",
    "agent": (
        "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like"
        " Gecko) Chrome/131.0.0.0 Mobile Safari/537.36"
    ),
    "host": "courses.example.org",
    "referer": (
        "https://apps.courses.example.org/learning/course/course-v1:edX+CS148+202"
        "5_T3/block-v1:edX+CS148+2025_T3+type@sequential+block@061fa972ab21932d1a"
        "07d1c6f3622e74/block-v1:edX+CS148+2025_T3+type@vertical+block@9784a2f7bb"
        "89d04e0149bba613e3b4fc"
    ),
    "accept_language": "pt-BR,pt;q=0.9",
    "event": (
        "{\"current_tab\": 1, \"id\": \"block-v1:edX+CS148+2025_T3+type@sequential+blo"
        "ck@061fa972ab21932d1a07d1c6f3622e74\", \"tab_count\": 3, \"widget_placement\""
        ": \"bottom\", \"old\": 1, \"new\": 2}"
    ),
    "time": "2026-03-01T03:06:34.009097+00:00",
    "event_type": "seq_next",
    "event_source": "browser",
    "page": (
        "https://apps.courses.example.org/learning/course/course-v1:edX+CS148+202"
        "5_T3/block-v1:edX+CS148+2025_T3+type@sequential+block@061fa972ab21932d1a"
        "07d1c6f3622e74/block-v1:edX+CS148+2025_T3+type@vertical+block@9784a2f7bb"
        "89d04e0149bba613e3b4fc"
    ),
}

SEQUENCE_NEXT_SELECTED_STATEMENT = {
    "id": "1efb14b3-2679-5776-9225-f937acd74d09",
    "actor": ACTOR,
    "verb": {"id": "https://w3id.org/xapi/dod-isd/verbs/navigated", "display": {"en": "navigated"}},
    "object": {
        "id": (
            "http://localhost:18000/xblock/block-v1:edX+CS148+2025_T3+type@sequential"
            "+block@061fa972ab21932d1a07d1c6f3622e74"
        ),
        "objectType": "Activity",
        "definition": {"type": RESOURCE, "extensions": {TOTAL_ITEMS: 3}},
    },
    "context": {
        "contextActivities": course_parent("course-v1:edX+CS148+2025_T3"),
        "extensions": {
            TRANSFORMER_VERSION: "openedx-xapi-router/edx.ui.lms.sequence.next_selected@1",
            SESSION_ID: "7c1f002c3c3f547bc822b3b573bd50cb",
            STARTING_POSITION: 1,
            ENDING_POINT: "next unit",
        },
    },
    "timestamp": "2026-03-01T03:06:34.009097+00:00",
    "version": "1.0.3",
}

SEQUENCE_PREVIOUS_SELECTED = {
    "name": "edx.ui.lms.sequence.previous_selected",
    "context": {
        "user_id": 35,
        "path": "/event",
        "course_id": "course-v1:edX+CS148+2025_T3",
        "org_id": "edX",
        "enterprise_uuid": "",
    },
    "username": "tomh947",
    "session": "371d1dd90cda63d8b283d7e81b37b870",
    "ip": "100.86.132.30",
    "agent": (
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KH"
        "TML, like Gecko) Version/18.1 Safari/605.1.15"
    ),
    "host": "courses.example.org",
    "referer": (
        "https://apps.courses.example.org/learning/course/course-v1:edX+CS148+202"
        "5_T3/block-v1:edX+CS148+2025_T3+type@sequential+block@3aa3bf35a7d73fcdad"
        "bd3d1a9ee33050/block-v1:edX+CS148+2025_T3+type@vertical+block@05c1fa97fd"
        "ef0f164f69d21073985430"
    ),
    "accept_language": "es-ES,es;q=0.9,en;q=0.8",
    "event": (
        "{\"current_tab\": 2, \"id\": \"block-v1:edX+CS148+2025_T3+type@sequential+blo"
        "ck@3aa3bf35a7d73fcdadbd3d1a9ee33050\", \"tab_count\": 4, \"widget_placement\""
        ": \"top\", \"old\": 2, \"new\": 1}"
    ),
    "time": "2026-03-01T09:51:54.207230+00:00",
    "event_type": "seq_prev",
    "event_source": "browser",
    "page": (
        "https://apps.courses.example.org/learning/course/course-v1:edX+CS148+202"
        "5_T3/block-v1:edX+CS148+2025_T3+type@sequential+block@3aa3bf35a7d73fcdad"
        "bd3d1a9ee33050/block-v1:edX+CS148+2025_T3+type@vertical+block@05c1fa97fd"
        "ef0f164f69d21073985430"
    ),
}

SEQUENCE_PREVIOUS_SELECTED_STATEMENT = {
    "id": "441e160e-1dc2-5986-b9fd-e63db6fc9a6a",
    "actor": ACTOR,
    "verb": {"id": "https://w3id.org/xapi/dod-isd/verbs/navigated", "display": {"en": "navigated"}},
    "object": {
        "id": (
            "http://localhost:18000/xblock/block-v1:edX+CS148+2025_T3+type@sequential"
            "+block@3aa3bf35a7d73fcdadbd3d1a9ee33050"
        ),
        "objectType": "Activity",
        "definition": {"type": RESOURCE, "extensions": {TOTAL_ITEMS: 4}},
    },
    "context": {
        "contextActivities": course_parent("course-v1:edX+CS148+2025_T3"),
        "extensions": {
            TRANSFORMER_VERSION: "openedx-xapi-router/edx.ui.lms.sequence.previous_selected@1",
            SESSION_ID: "371d1dd90cda63d8b283d7e81b37b870",
            STARTING_POSITION: 2,
            ENDING_POINT: "previous unit",
        },
    },
    "timestamp": "2026-03-01T09:51:54.207230+00:00",
    "version": "1.0.3",
}

SEQUENCE_TAB_SELECTED = {
    "name": "edx.ui.lms.sequence.tab_selected",
    "context": {
        "user_id": 57,
        "path": "/event",
        "course_id": "course-v1:edX+CS148+2025_T3",
        "org_id": "edX",
        "enterprise_uuid": "",
    },
    "username": "kofi-wang-1989",
    "session": "c5528d17c1731798537c484f2ea1d216",
    "ip": "100.76.61.144",
    "agent": (
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firef"
        "ox/133.0"
    ),
    "host": "courses.example.org",
    "referer": (
        "https://apps.courses.example.org/learning/course/course-v1:edX+CS148+202"
        "5_T3/block-v1:edX+CS148+2025_T3+type@sequential+block@fc39cf1c816d44004c"
        "90bcda396b06b9/block-v1:edX+CS148+2025_T3+type@vertical+block@6e3e89fcdd"
        "b10b6bf75e9bf78dc8d57c"
    ),
    "accept_language": "hi-IN,hi;q=0.9,en;q=0.8",
    "event": (
        "{\"current_tab\": 1, \"id\": \"block-v1:edX+CS148+2025_T3+type@sequential+blo"
        "ck@fc39cf1c816d44004c90bcda396b06b9\", \"tab_count\": 3, \"target_tab\": 2, \""
        "widget_placement\": \"top\", \"old\": 1, \"new\": 2}"
    ),
    "time": "2026-03-01T07:07:28.836617+00:00",
    "event_type": "seq_goto",
    "event_source": "browser",
    "page": (
        "https://apps.courses.example.org/learning/course/course-v1:edX+CS148+202"
        "5_T3/block-v1:edX+CS148+2025_T3+type@sequential+block@fc39cf1c816d44004c"
        "90bcda396b06b9/block-v1:edX+CS148+2025_T3+type@vertical+block@6e3e89fcdd"
        "b10b6bf75e9bf78dc8d57c"
    ),
}

SEQUENCE_TAB_SELECTED_STATEMENT = {
    "id": "1668227a-cdcd-5cc2-8a14-22ef8e6a867f",
    "actor": ACTOR,
    "verb": {"id": "https://w3id.org/xapi/dod-isd/verbs/navigated", "display": {"en": "navigated"}},
    "object": {
        "id": (
            "http://localhost:18000/xblock/block-v1:edX+CS148+2025_T3+type@sequential"
            "+block@fc39cf1c816d44004c90bcda396b06b9"
        ),
        "objectType": "Activity",
        "definition": {"type": RESOURCE, "extensions": {TOTAL_ITEMS: 3}},
    },
    "context": {
        "contextActivities": course_parent("course-v1:edX+CS148+2025_T3"),
        "extensions": {
            TRANSFORMER_VERSION: "openedx-xapi-router/edx.ui.lms.sequence.tab_selected@1",
            SESSION_ID: "c5528d17c1731798537c484f2ea1d216",
            STARTING_POSITION: 1,
            ENDING_POINT: 2,
        },
    },
    "timestamp": "2026-03-01T07:07:28.836617+00:00",
    "version": "1.0.3",
}

REAL_EVENTS = {
    "edx.ui.lms.link_clicked": (LINK_CLICKED, LINK_CLICKED_STATEMENT),
    "edx.ui.lms.outline.selected": (OUTLINE_SELECTED, OUTLINE_SELECTED_STATEMENT),
    "edx.ui.lms.sequence.next_selected": (SEQUENCE_NEXT_SELECTED, SEQUENCE_NEXT_SELECTED_STATEMENT),
    "edx.ui.lms.sequence.previous_selected": (SEQUENCE_PREVIOUS_SELECTED, SEQUENCE_PREVIOUS_SELECTED_STATEMENT),
    "edx.ui.lms.sequence.tab_selected": (SEQUENCE_TAB_SELECTED, SEQUENCE_TAB_SELECTED_STATEMENT),
}

#: Every navigation event name event-routing-backends 9.3.8 registers, and the class that handles it here.
NAVIGATION_EVENT_NAMES = {
    "edx.ui.lms.link_clicked": navigation.LinkClicked,
    "edx.ui.lms.sequence.outline.selected": navigation.OutlineSelected,
    "edx.ui.lms.outline.selected": navigation.OutlineSelected,
    "edx.ui.lms.sequence.next_selected": navigation.SequenceNextSelected,
    "edx.ui.lms.sequence.previous_selected": navigation.SequencePreviousSelected,
    "edx.ui.lms.sequence.tab_selected": navigation.SequenceTabSelected,
    "page_close": navigation.PageClosed,  # beyond event-routing-backends: tests/transformers/test_page_close.py
}


@pytest.mark.parametrize("label", list(REAL_EVENTS))
def test_real_event_gives_exact_statement(label):
    raw, expected = REAL_EVENTS[label]
    assert transform(raw) == [expected]


def test_every_navigation_event_name_is_registered_to_its_class_at_version_1():
    for name, transformer_class in NAVIGATION_EVENT_NAMES.items():
        assert registry.get(name) is transformer_class, name
        assert registry.versions(name) == [1], name
    registered = {
        name for name in registry.event_names() if registry.get(name).__module__ == navigation.__name__
    }
    assert registered == set(NAVIGATION_EVENT_NAMES)


def test_sequence_outline_selected_is_an_outline_selected():
    raw = copy.deepcopy(OUTLINE_SELECTED)
    raw["name"] = raw["event_type"] = "edx.ui.lms.sequence.outline.selected"
    [statement] = transform(raw)
    assert statement["context"]["extensions"].pop(TRANSFORMER_VERSION) == (
        "openedx-xapi-router/edx.ui.lms.sequence.outline.selected@1"
    )
    expected = copy.deepcopy(OUTLINE_SELECTED_STATEMENT)
    del expected["context"]["extensions"][TRANSFORMER_VERSION]
    assert statement == expected


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        (LINK_CLICKED, "target_url"),
        (OUTLINE_SELECTED, "target_url"),
        (SEQUENCE_TAB_SELECTED, "target_tab"),
        (SEQUENCE_TAB_SELECTED, "id"),
        (SEQUENCE_NEXT_SELECTED, "id"),
        (SEQUENCE_PREVIOUS_SELECTED, "id"),
    ],
    ids=["link_clicked", "outline.selected", "tab_selected", "tab_selected-id", "next_selected-id",
         "previous_selected-id"],
)
def test_navigation_without_its_target_is_invalid(raw, field):
    with pytest.raises(InvalidEvent) as error:
        transform(with_payload(raw, **{field: None}))
    assert (error.value.event_name, error.value.field, error.value.kind) == (
        raw["name"], f"data.{field}", "missing_field",
    )


def test_target_url_that_is_not_a_string_is_invalid():
    with pytest.raises(InvalidEvent) as error:
        transform(with_payload(LINK_CLICKED, target_url=["https://courses.example.org/"]))
    assert (error.value.field, error.value.kind) == ("data.target_url", "wrong_type")


def test_outline_selected_without_target_name_has_no_name():
    """The reference fails on this event (a None display name); the name is left out instead."""
    [statement] = transform(with_payload(OUTLINE_SELECTED, target_name=None))
    assert statement["object"]["definition"] == {"type": MODULE}


def test_sequence_without_unit_count_or_current_unit():
    """Both are optional: the object's extensions are then empty, the starting position left out."""
    [statement] = transform(with_payload(SEQUENCE_NEXT_SELECTED, tab_count=None, current_tab=None))
    assert statement["object"]["definition"] == {"type": RESOURCE, "extensions": {}}
    assert list(statement["context"]["extensions"]) == [TRANSFORMER_VERSION, SESSION_ID, ENDING_POINT]
    assert statement["context"]["extensions"][ENDING_POINT] == "next unit"
