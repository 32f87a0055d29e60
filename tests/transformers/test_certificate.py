"""
Certificate transformer: exact statements for real events from a generated tracking log
(``make_tracking_log.py --events 100000 --seed 31``), reviewed by hand against
``docs/beyond_erb.rst``; the conventions every statement follows (:func:`check_shape`); bad input.
"""
import copy

import pytest

from openedx_xapi_router.core.errors import InvalidEvent
from openedx_xapi_router.core.pipeline import transform_event
from openedx_xapi_router.core.registry import default_registry
from openedx_xapi_router.transformers import certificate
from tests.transformers import samples
from tests.transformers.beyond_erb import ACTOR, SESSION_ID, TRANSFORMER_VERSION, check_shape, transform

registry = default_registry()

CERTIFICATE_SELF = {
    "name": "edx.certificate.created",
    "context": {
        "course_id": "course-v1:OpenUx+HI145+2025_T2",
        "course_user_tags": {},
        "user_id": 747,
        "path": "/courses/course-v1:OpenUx+HI145+2025_T2/generate_user_cert",
        "org_id": "OpenUx",
        "enterprise_uuid": "",
    },
    "username": "juan_silva61",
    "session": "867d12c2f14bdf03e5805bbfa80e62b0",
    "ip": "100.112.99.113",
    "agent": (
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/5"
        "37.36"
    ),
    "host": "courses.example.org",
    "referer": "https://apps.courses.example.org/learning/course/course-v1:OpenUx+HI145+2025_T2/progress",
    "accept_language": "en-GB,en;q=0.8",
    "event": {
        "user_id": 747,
        "course_id": "course-v1:OpenUx+HI145+2025_T2",
        "certificate_id": "751e81fe2fec108b7c45ed82b94169c7",
        "certificate_url": "https://courses.example.org/certificates/751e81fe2fec108b7c45ed82b94169c7",
        "enrollment_mode": "verified",
        "generation_mode": "self",
    },
    "time": "2026-03-01T01:46:38.972835+00:00",
    "event_type": "edx.certificate.created",
    "event_source": "server",
    "page": None,
}

CERTIFICATE_SELF_STATEMENT = {
    "id": "a2753157-a925-5d97-abdd-9f074636217e",
    "actor": ACTOR,
    "verb": {
        "id": "http://activitystrea.ms/schema/1.0/receive",
        "display": {
            "en": "received",
        },
    },
    "object": {
        "id": "http://localhost:18000/certificates/751e81fe2fec108b7c45ed82b94169c7",
        "objectType": "Activity",
        "definition": {
            "type": "http://activitystrea.ms/schema/1.0/badge",
            "extensions": {
                "https://w3id.org/xapi/acrossx/extensions/type": "verified",
            },
        },
    },
    "context": {
        "contextActivities": {
            "parent": [
                {
                    "id": "http://localhost:18000/course/course-v1:OpenUx+HI145+2025_T2",
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
            TRANSFORMER_VERSION: "openedx-xapi-router/edx.certificate.created@2",
            SESSION_ID: "867d12c2f14bdf03e5805bbfa80e62b0",
            "https://w3id.org/xapi/openedx/extension/generation-mode": "self",
        },
    },
    "timestamp": "2026-03-01T01:46:38.972835+00:00",
    "version": "1.0.3",
}


CERTIFICATE_BATCH = {
    "name": "edx.certificate.created",
    "context": {
        "course_id": "course-v1:TestX+NE131+2025_T3",
        "org_id": "TestX",
        "enterprise_uuid": "",
    },
    "username": "",
    "session": "",
    "ip": "",
    "agent": "",
    "host": "",
    "referer": "",
    "accept_language": "",
    "event": {
        "user_id": 846,
        "course_id": "course-v1:TestX+NE131+2025_T3",
        "certificate_id": "0909fbbd34c4b06d5f450c0b2d7f488e",
        "certificate_url": "https://courses.example.org/certificates/0909fbbd34c4b06d5f450c0b2d7f488e",
        "enrollment_mode": "verified",
        "generation_mode": "batch",
    },
    "time": "2026-03-02T13:35:45.106455+00:00",
    "event_type": "edx.certificate.created",
    "event_source": "server",
    "page": None,
}

CERTIFICATE_BATCH_STATEMENT = {
    "id": "230be16d-12e1-5091-b448-21a0650f600d",
    "actor": ACTOR,
    "verb": {
        "id": "http://activitystrea.ms/schema/1.0/receive",
        "display": {
            "en": "received",
        },
    },
    "object": {
        "id": "http://localhost:18000/certificates/0909fbbd34c4b06d5f450c0b2d7f488e",
        "objectType": "Activity",
        "definition": {
            "type": "http://activitystrea.ms/schema/1.0/badge",
            "extensions": {
                "https://w3id.org/xapi/acrossx/extensions/type": "verified",
            },
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
            TRANSFORMER_VERSION: "openedx-xapi-router/edx.certificate.created@2",
            "https://w3id.org/xapi/openedx/extension/generation-mode": "batch",
        },
    },
    "timestamp": "2026-03-02T13:35:45.106455+00:00",
    "version": "1.0.3",
}


RECEIVED = "http://activitystrea.ms/schema/1.0/receive"
BADGE = "http://activitystrea.ms/schema/1.0/badge"
GENERATION_MODE = "https://w3id.org/xapi/openedx/extension/generation-mode"


@pytest.mark.parametrize(("raw", "expected"), [(CERTIFICATE_SELF, CERTIFICATE_SELF_STATEMENT),
                                               (CERTIFICATE_BATCH, CERTIFICATE_BATCH_STATEMENT)])
def test_real_event_gives_exact_statement(raw, expected):
    assert transform(raw) == [expected]


@pytest.mark.parametrize("raw", [CERTIFICATE_SELF, CERTIFICATE_BATCH])
def test_statement_shape(raw):
    [statement] = transform(raw)
    check_shape(statement, raw, verb=RECEIVED, activity_type=BADGE, extension_keys=(GENERATION_MODE,), version=2)


def test_registered_name():
    assert registry.get("edx.certificate.created") is certificate.CertificateCreated
    assert registry.versions("edx.certificate.created") == [2]  # 2: received, not earned (docs/aspects.rst)


def test_the_actor_is_the_learner_in_the_payload_not_the_request_user():
    seen = []

    def resolver(user, username=None):
        seen.append((user, username))
        return samples.reference_context().actor_resolver(user, username)

    raw = copy.deepcopy(CERTIFICATE_SELF)
    raw["context"]["user_id"] = 3  # staff generating the learner's certificate
    ctx = samples.reference_context()
    transform_event(raw, type(ctx)(ctx.lms_root_url, resolver, ctx.course_name_resolver))
    assert seen == [(747, None)]


def test_without_enrollment_or_generation_mode_they_are_left_out():
    raw = copy.deepcopy(CERTIFICATE_BATCH)
    del raw["event"]["enrollment_mode"], raw["event"]["generation_mode"]
    [statement] = transform(raw)
    assert statement["object"]["definition"] == {"type": BADGE}
    assert GENERATION_MODE not in statement["context"]["extensions"]


@pytest.mark.parametrize(("changes", "field"), [
    ({"certificate_id": None}, "data.certificate_id"),
    ({"certificate_id": 751}, "data.certificate_id"),
    ({"certificate_id": "751e 81fe"}, "data.certificate_id"),
    ({"enrollment_mode": 1}, "data.enrollment_mode"),
    ({"generation_mode": ["self"]}, "data.generation_mode"),
])
def test_bad_payload_is_invalid_naming_the_field(changes, field):
    raw = copy.deepcopy(CERTIFICATE_SELF)
    raw["event"].update(changes)
    with pytest.raises(InvalidEvent) as error:
        transform(raw)
    assert error.value.field == field
