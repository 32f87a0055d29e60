"""
Drag and drop transformers: exact statements for real events from a generated tracking log
(``make_tracking_log.py --events 100000 --seed 31``), reviewed by hand against
``docs/beyond_erb.rst``; the conventions every statement follows (:func:`check_shape`); bad input.
"""
import copy

import pytest

from openedx_xapi_router.core.errors import InvalidEvent
from openedx_xapi_router.core.registry import default_registry
from openedx_xapi_router.transformers import drag_and_drop
from tests.transformers.beyond_erb import ACTOR, SESSION_ID, TRANSFORMER_VERSION, check_shape, transform

registry = default_registry()

DND_LOADED = {
    "name": "edx.drag_and_drop_v2.loaded",
    "context": {
        "course_id": "course-v1:TestX+NE131+2025_T3",
        "course_user_tags": {},
        "user_id": 526,
        "path": (
            "/courses/course-v1:TestX+NE131+2025_T3/xblock/block-v1:TestX+NE131+2025_T3+type@drag-and-drop-v2+block"
            "@ed949c7793c0c864099f47f7f242e535/handler/publish_event"
        ),
        "org_id": "TestX",
        "enterprise_uuid": "",
        "module": {
            "display_name": "Drag and Drop",
            "usage_key": "block-v1:TestX+NE131+2025_T3+type@drag-and-drop-v2+block@ed949c7793c0c864099f47f7f242e535",
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
        "https://courses.example.org/xblock/block-v1:TestX+NE131+2025_T3+type@vertical+block@89267865a5289951763bd1"
        "5ff4e7ba27?show_title=0&show_bookmark_button=0&recheck_access=1&view=student_view"
    ),
    "accept_language": "en-US,en;q=0.9",
    "event": {},
    "time": "2026-03-01T01:24:23.354760+00:00",
    "event_type": "edx.drag_and_drop_v2.loaded",
    "event_source": "server",
    "page": "x_module",
}

DND_LOADED_STATEMENT = {
    "id": "88db330b-ca3f-53b8-a46a-4dc5fc68a7f1",
    "actor": ACTOR,
    "verb": {
        "id": "http://adlnet.gov/expapi/verbs/initialized",
        "display": {
            "en": "initialized",
        },
    },
    "object": {
        "id": (
            "http://localhost:18000/xblock/block-v1:TestX+NE131+2025_T3+type@drag-and-drop-v2+block@ed949c7793c0c86"
            "4099f47f7f242e535"
        ),
        "objectType": "Activity",
        "definition": {
            "type": "http://adlnet.gov/expapi/activities/cmi.interaction",
            "name": {
                "en-US": "Drag and Drop",
            },
            "interactionType": "matching",
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
            TRANSFORMER_VERSION: "openedx-xapi-router/edx.drag_and_drop_v2.loaded@1",
            SESSION_ID: "f9aec05b29c685ba6a4be0ff1d95da16",
        },
    },
    "timestamp": "2026-03-01T01:24:23.354760+00:00",
    "version": "1.0.3",
}


ITEM_DROPPED = {
    "name": "edx.drag_and_drop_v2.item.dropped",
    "context": {
        "course_id": "course-v1:TestX+NE131+2025_T3",
        "course_user_tags": {},
        "user_id": 526,
        "path": (
            "/courses/course-v1:TestX+NE131+2025_T3/xblock/block-v1:TestX+NE131+2025_T3+type@drag-and-drop-v2+block"
            "@ed949c7793c0c864099f47f7f242e535/handler/drop_item"
        ),
        "org_id": "TestX",
        "enterprise_uuid": "",
        "module": {
            "display_name": "Drag and Drop",
            "usage_key": "block-v1:TestX+NE131+2025_T3+type@drag-and-drop-v2+block@ed949c7793c0c864099f47f7f242e535",
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
        "https://courses.example.org/xblock/block-v1:TestX+NE131+2025_T3+type@vertical+block@89267865a5289951763bd1"
        "5ff4e7ba27?show_title=0&show_bookmark_button=0&recheck_access=1&view=student_view"
    ),
    "accept_language": "en-US,en;q=0.9",
    "event": {
        "item": "Item 2",
        "item_id": 1,
        "location": "Zone 3",
        "location_id": 2,
        "is_correct": False,
    },
    "time": "2026-03-01T01:25:00.675610+00:00",
    "event_type": "edx.drag_and_drop_v2.item.dropped",
    "event_source": "server",
    "page": "x_module",
}

ITEM_DROPPED_STATEMENT = {
    "id": "17583cb9-971e-514a-84c1-a78bca013fd8",
    "actor": ACTOR,
    "verb": {
        "id": "http://adlnet.gov/expapi/verbs/answered",
        "display": {
            "en": "answered",
        },
    },
    "object": {
        "id": (
            "http://localhost:18000/xblock/block-v1:TestX+NE131+2025_T3+type@drag-and-drop-v2+block@ed949c7793c0c86"
            "4099f47f7f242e535"
        ),
        "objectType": "Activity",
        "definition": {
            "type": "http://adlnet.gov/expapi/activities/cmi.interaction",
            "name": {
                "en-US": "Drag and Drop",
            },
            "interactionType": "matching",
        },
    },
    "result": {
        "success": False,
        "response": "1[.]2",
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
            TRANSFORMER_VERSION: "openedx-xapi-router/edx.drag_and_drop_v2.item.dropped@1",
            SESSION_ID: "f9aec05b29c685ba6a4be0ff1d95da16",
        },
    },
    "timestamp": "2026-03-01T01:25:00.675610+00:00",
    "version": "1.0.3",
}


INTERACTION = "http://adlnet.gov/expapi/activities/cmi.interaction"

#: label -> (event, statement, verb, result keys)
REAL_EVENTS = {
    "loaded": (DND_LOADED, DND_LOADED_STATEMENT, "http://adlnet.gov/expapi/verbs/initialized", ()),
    "item.dropped": (ITEM_DROPPED, ITEM_DROPPED_STATEMENT, "http://adlnet.gov/expapi/verbs/answered",
                     ("success", "response")),
}


def with_data(raw, **changes):
    """A copy of ``raw`` with payload keys set (None: removed)."""
    raw = copy.deepcopy(raw)
    for key, value in changes.items():
        if value is None:
            raw["event"].pop(key, None)
        else:
            raw["event"][key] = value
    return raw


@pytest.mark.parametrize("label", list(REAL_EVENTS))
def test_real_event_gives_exact_statement(label):
    raw, expected, *_ = REAL_EVENTS[label]
    assert transform(raw) == [expected]


@pytest.mark.parametrize("label", list(REAL_EVENTS))
def test_statement_shape(label):
    raw, _, verb, result_keys = REAL_EVENTS[label]
    [statement] = transform(raw)
    check_shape(statement, raw, verb=verb, activity_type=INTERACTION, result_keys=result_keys)
    assert statement["object"]["definition"]["interactionType"] == "matching"


def test_registered_names_and_the_ui_noise_left_unsupported():
    assert registry.get("edx.drag_and_drop_v2.loaded") is drag_and_drop.DragAndDropLoaded
    assert registry.get("edx.drag_and_drop_v2.item.dropped") is drag_and_drop.ItemDropped
    assert registry.versions("edx.drag_and_drop_v2.loaded") == registry.versions(
        "edx.drag_and_drop_v2.item.dropped") == [1]
    for name in ("edx.drag_and_drop_v2.item.picked_up", "edx.drag_and_drop_v2.feedback.opened",
                 "edx.drag_and_drop_v2.feedback.closed"):
        assert not registry.is_supported(name), name


def test_an_assessment_mode_drop_has_no_success():
    [statement] = transform(with_data(ITEM_DROPPED, is_correct=None))
    assert statement["result"] == {"response": "1[.]2"}


@pytest.mark.parametrize(("raw", "field"), [
    (with_data(ITEM_DROPPED, item_id=None), "data.item_id"),
    (with_data(ITEM_DROPPED, location_id=None), "data.location_id"),
    (with_data(ITEM_DROPPED, location_id=[1]), "data.location_id"),
    (with_data(ITEM_DROPPED, is_correct="yes"), "data.is_correct"),
])
def test_bad_payload_is_invalid_naming_the_field(raw, field):
    with pytest.raises(InvalidEvent) as error:
        transform(raw)
    assert error.value.field == field


@pytest.mark.parametrize("module", [None, {}, {"usage_key": "block-v1:X+Y+Z+type@drag-and-drop-v2+block@a\tb"}])
def test_no_usable_block_key_is_invalid(module):
    raw = copy.deepcopy(DND_LOADED)
    raw["context"]["module"] = module
    with pytest.raises(InvalidEvent) as error:
        transform(raw)
    assert error.value.field == "context.module.usage_key"


def test_a_block_without_display_name_has_no_name():
    raw = copy.deepcopy(DND_LOADED)
    del raw["context"]["module"]["display_name"]
    [statement] = transform(raw)
    assert statement["object"]["definition"] == {"type": INTERACTION, "interactionType": "matching"}
