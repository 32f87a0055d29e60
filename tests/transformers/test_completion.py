"""
Block-completion transformer: the exact statement for a real event from a generated tracking log
(``make_tracking_log.py --events 20000 --seed 11``), checked equal to event-routing-backends' statement
for the same event, partial completions and malformed payloads.
"""
import copy

import pytest

from openedx_xapi_router.core.context import Actor, TransformContext
from openedx_xapi_router.core.errors import InvalidEvent
from openedx_xapi_router.core.registry import default_registry
from openedx_xapi_router.transformers import completion
from tests.transformers import samples
from tests.transformers.samples import transform

registry = default_registry()

ACTOR = {
    "objectType": "Agent",
    "account": {"homePage": "http://localhost:18000", "name": "32e08e30-f8ae-4ce2-94a8-c2bfe38a70cb"},
}
TRANSFORMER_VERSION = "https://w3id.org/xapi/openedx/extension/transformer-version"
SESSION_ID = "https://w3id.org/xapi/openedx/extensions/session-id"
PROGRESS = "https://w3id.org/xapi/cmi5/result/extensions/progress"
RESOURCE = "http://id.tincanapi.com/activitytype/resource"


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


BLOCK_COMPLETION_CHANGED = {
    "name": "edx.completion.block_completion.changed",
    "context": {
        "course_id": "course-v1:edX+CS148+2025_T3",
        "course_user_tags": {},
        "user_id": 131,
        "path": (
            "/courses/course-v1:edX+CS148+2025_T3/xblock/block-v1:edX+CS148+2025_T3+t"
            "ype@problem+block@f7de4a106d617bf23b55a96d98ab2785/handler/xmodule_handl"
            "er/problem_check"
        ),
        "org_id": "edX",
        "enterprise_uuid": "",
        "module": {
            "display_name": "Numerical Input",
            "usage_key": (
                "block-v1:edX+CS148+2025_T3+type@problem+block@f7de4a106d617bf23b55a96d98"
                "ab2785"
            ),
        },
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
        "https://courses.example.org/xblock/block-v1:edX+CS148+2025_T3+type@verti"
        "cal+block@9784a2f7bb89d04e0149bba613e3b4fc?show_title=0&show_bookmark_bu"
        "tton=0&recheck_access=1&view=student_view"
    ),
    "accept_language": "pt-BR,pt;q=0.9",
    "event": {
        "user_id": 131,
        "course_id": "course-v1:edX+CS148+2025_T3",
        "context_key": "course-v1:edX+CS148+2025_T3",
        "block_id": (
            "block-v1:edX+CS148+2025_T3+type@problem+block@f7de4a106d617bf23b55a96d98"
            "ab2785"
        ),
        "block_type": "problem",
        "completion": 1.0,
        "is_new": True,
    },
    "time": "2026-03-01T03:03:04.521911+00:00",
    "event_type": "edx.completion.block_completion.changed",
    "event_source": "server",
    "page": None,
}

BLOCK_COMPLETION_CHANGED_STATEMENT = {
    "id": "d5f09b48-6016-5551-9653-5e5ee5ae513f",
    "actor": ACTOR,
    "verb": {"id": "http://adlnet.gov/expapi/verbs/progressed", "display": {"en": "progressed"}},
    "object": {
        "id": (
            "http://localhost:18000/xblock/block-v1:edX+CS148+2025_T3+type@problem+bl"
            "ock@f7de4a106d617bf23b55a96d98ab2785"
        ),
        "objectType": "Activity",
        "definition": {"type": RESOURCE},
    },
    "result": {"completion": True, "extensions": {PROGRESS: 100.0}},
    "context": {
        "contextActivities": course_parent("course-v1:edX+CS148+2025_T3"),
        "extensions": {
            TRANSFORMER_VERSION: (
                "openedx-xapi-router/edx.completion.block_completion.changed@1"
            ),
            SESSION_ID: "7c1f002c3c3f547bc822b3b573bd50cb",
        },
    },
    "timestamp": "2026-03-01T03:03:04.521911+00:00",
    "version": "1.0.3",
}



def with_payload(**changes):
    """A copy of the real event whose payload has ``changes`` (None: removed)."""
    raw = copy.deepcopy(BLOCK_COMPLETION_CHANGED)
    for key, value in changes.items():
        if value is None:
            raw["event"].pop(key, None)
        else:
            raw["event"][key] = value
    return raw


def test_real_event_gives_exact_statement():
    assert transform(BLOCK_COMPLETION_CHANGED) == [BLOCK_COMPLETION_CHANGED_STATEMENT]


def test_registered_at_version_1():
    assert registry.get("edx.completion.block_completion.changed") is completion.BlockCompletionChanged
    assert registry.versions("edx.completion.block_completion.changed") == [1]
    assert [name for name in registry.event_names() if registry.get(name).__module__ == completion.__name__] == [
        "edx.completion.block_completion.changed"
    ]


@pytest.mark.parametrize(
    ("value", "complete", "progress"),
    [(0.5, False, 50.0), (0.0, False, 0.0), (0, False, 0), (1, True, 100), (0.999, False, 99.9)],
)
def test_partial_completion(value, complete, progress):
    [statement] = transform(with_payload(completion=value))
    assert statement["result"] == {"completion": complete, "extensions": {PROGRESS: progress}}
    assert type(statement["result"]["extensions"][PROGRESS]) is type(progress)


@pytest.mark.parametrize(
    ("changes", "field", "kind"),
    [
        ({"completion": None}, "data.completion", "missing_field"),
        ({"completion": "1.0"}, "data.completion", "wrong_type"),
        ({"completion": True}, "data.completion", "wrong_type"),
        ({"block_id": None}, "data.block_id", "missing_field"),
        ({"block_id": 7}, "data.block_id", "wrong_type"),
    ],
)
def test_malformed_payload_is_invalid(changes, field, kind):
    with pytest.raises(InvalidEvent) as error:
        transform(with_payload(**changes))
    assert (error.value.event_name, error.value.field, error.value.kind) == (
        "edx.completion.block_completion.changed", field, kind,
    )


def test_the_learner_is_the_payload_user():
    """The completion service may record progress for another user than the request's; that user is the actor."""
    seen = []

    def actor_resolver(user, username=None):
        seen.append((user, username))
        return Actor.account(samples.LMS_ROOT_URL, samples.ACTOR_NAME)

    ctx = TransformContext(samples.LMS_ROOT_URL, actor_resolver, lambda course_id: samples.COURSE_NAME)
    transform(with_payload(user_id=4), ctx)
    assert seen == [(4, None)]


def test_shared_sample_with_a_z_timestamp():
    """The statement writes the time as ``+00:00``; the id hashes the timestamp string as given."""
    samples.require_samples()
    [statement] = transform(samples.load_event("edx.completion.block_completion.changed"))
    assert statement["timestamp"] == "2023-08-22T20:16:25.500832+00:00"
    assert statement["id"] == "88e13618-29ec-5b75-9de7-e2e220af1728"
    assert statement["object"]["id"] == (
        "http://localhost:18000/xblock/block-v1:edX+DemoX+Demo_Course+type@problem+block@7c54b16c8ed34f9f8772015178c7a175"
    )
