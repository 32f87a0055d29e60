"""
Open response assessment transformers: exact statements for events in the shapes edx-ora2 publishes
(first taken from a generated tracking log, ``make_tracking_log.py --events 100000 --seed 31``, then
set to the producer's real shape), reviewed by hand against ``docs/beyond_erb.rst``; the
conventions every statement follows (:func:`check_shape`); bad input.

Producer of ``self_assess``/``peer_assess``: ``OpenAssessmentBlock.publish_assessment_event`` in
openedx/edx-ora2 ``openassessment/xblock/openassessmentblock.py`` at commit
5bcb0de51a075b1392ecfc6978d8a02f563db41c: each part is ``{"option": {"name", "points"} or None,
"criterion": {"name", "points_possible"}, "feedback"}``; ``None`` is a feedback-only criterion.
"""
import copy
import json

import pytest

from openedx_xapi_router.core.errors import InvalidEvent
from openedx_xapi_router.core.registry import default_registry
from openedx_xapi_router.transformers import ora
from tests.transformers.beyond_erb import ACTOR, SESSION_ID, TRANSFORMER_VERSION, check_shape, transform

registry = default_registry()

SUBMISSION_CREATED = {
    "name": "openassessmentblock.create_submission",
    "context": {
        "course_id": "course-v1:TestX+NE131+2025_T3",
        "course_user_tags": {},
        "user_id": 526,
        "path": (
            "/courses/course-v1:TestX+NE131+2025_T3/xblock/block-v1:TestX+NE131+2025_T3+type@openassessment+block@1"
            "8fee5621eb49f99cfba2089f9474e91/handler/submit"
        ),
        "org_id": "TestX",
        "enterprise_uuid": "",
        "module": {
            "display_name": "Open Response Assessment",
            "usage_key": "block-v1:TestX+NE131+2025_T3+type@openassessment+block@18fee5621eb49f99cfba2089f9474e91",
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
        "answer": {
            "parts": [
                {
                    "text": (
                        "Video result function a value loop practice theory homework data homework that thanks this"
                        " exam notes does step video reading exam step graph function theory great solution how can"
                        " graph loop notes value model clear video about answer week answer thanks question hint no"
                        "tes week exam explain theory theory function chapter result week."
                    ),
                },
            ],
            "file_keys": [],
            "files_descriptions": [],
        },
        "attempt_number": 1,
        "created_at": "2026-03-01T01:11:44.223654+00:00",
        "submitted_at": "2026-03-01T01:11:44.223654+00:00",
        "submission_uuid": "412c7311-13a9-4d28-bacc-5cbb6b33399d",
    },
    "time": "2026-03-01T01:11:44.223654+00:00",
    "event_type": "openassessmentblock.create_submission",
    "event_source": "server",
    "page": "x_module",
}

SUBMISSION_CREATED_STATEMENT = {
    "id": "6058bda6-9462-58f0-9bc5-64df09471e47",
    "actor": ACTOR,
    "verb": {
        "id": "http://activitystrea.ms/schema/1.0/submit",
        "display": {
            "en": "submitted",
        },
    },
    "object": {
        "id": (
            "http://localhost:18000/xblock/block-v1:TestX+NE131+2025_T3+type@openassessment+block@18fee5621eb49f99c"
            "fba2089f9474e91"
        ),
        "objectType": "Activity",
        "definition": {
            "type": "http://adlnet.gov/expapi/activities/cmi.interaction",
            "name": {
                "en-US": "Open Response Assessment",
            },
            "interactionType": "long-fill-in",
        },
    },
    "result": {
        "response": (
            "Video result function a value loop practice theory homework data homework that thanks this exam notes "
            "does step video reading exam step graph function theory great solution how can graph loop notes value "
            "model clear video about answer week answer thanks question hint notes week exam explain theory theory "
            "function chapter result week."
        ),
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
            TRANSFORMER_VERSION: "openedx-xapi-router/openassessmentblock.create_submission@1",
            SESSION_ID: "f9aec05b29c685ba6a4be0ff1d95da16",
            "https://w3id.org/xapi/openedx/extension/submission-uuid": "412c7311-13a9-4d28-bacc-5cbb6b33399d",
            "http://id.tincanapi.com/extension/attempt-id": 1,
        },
    },
    "timestamp": "2026-03-01T01:11:44.223654+00:00",
    "version": "1.0.3",
}


SUBMISSION_SAVED = {
    "name": "openassessmentblock.save_submission",
    "context": {
        "course_id": "course-v1:TestX+NE131+2025_T3",
        "course_user_tags": {},
        "user_id": 526,
        "path": (
            "/courses/course-v1:TestX+NE131+2025_T3/xblock/block-v1:TestX+NE131+2025_T3+type@openassessment+block@1"
            "8fee5621eb49f99cfba2089f9474e91/handler/save_submission"
        ),
        "org_id": "TestX",
        "enterprise_uuid": "",
        "module": {
            "display_name": "Open Response Assessment",
            "usage_key": "block-v1:TestX+NE131+2025_T3+type@openassessment+block@18fee5621eb49f99cfba2089f9474e91",
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
        "saved_response": (
            "{\"parts\": [{\"text\": \"Video result function a value loop practice theory homework data homework th"
            "at thanks this exam notes does step video reading exam step graph function theory great solution how c"
            "an graph loop notes value model clear video about answer week answer thanks question hint notes week e"
            "xam explain theory theory function chapter result week.\"}]}"
        ),
    },
    "time": "2026-03-01T01:10:01.172480+00:00",
    "event_type": "openassessmentblock.save_submission",
    "event_source": "server",
    "page": "x_module",
}

SUBMISSION_SAVED_STATEMENT = {
    "id": "8de28c2c-8dcb-5c2a-87eb-a9d8b66decdb",
    "actor": ACTOR,
    "verb": {
        "id": "http://activitystrea.ms/schema/1.0/save",
        "display": {
            "en": "saved",
        },
    },
    "object": {
        "id": (
            "http://localhost:18000/xblock/block-v1:TestX+NE131+2025_T3+type@openassessment+block@18fee5621eb49f99c"
            "fba2089f9474e91"
        ),
        "objectType": "Activity",
        "definition": {
            "type": "http://adlnet.gov/expapi/activities/cmi.interaction",
            "name": {
                "en-US": "Open Response Assessment",
            },
            "interactionType": "long-fill-in",
        },
    },
    "result": {
        "response": (
            "Video result function a value loop practice theory homework data homework that thanks this exam notes "
            "does step video reading exam step graph function theory great solution how can graph loop notes value "
            "model clear video about answer week answer thanks question hint notes week exam explain theory theory "
            "function chapter result week."
        ),
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
            TRANSFORMER_VERSION: "openedx-xapi-router/openassessmentblock.save_submission@1",
            SESSION_ID: "f9aec05b29c685ba6a4be0ff1d95da16",
        },
    },
    "timestamp": "2026-03-01T01:10:01.172480+00:00",
    "version": "1.0.3",
}


PEER_SUBMISSION_REQUESTED = {
    "name": "openassessmentblock.get_peer_submission",
    "context": {
        "course_id": "course-v1:TestX+NE131+2025_T3",
        "course_user_tags": {},
        "user_id": 526,
        "path": (
            "/courses/course-v1:TestX+NE131+2025_T3/xblock/block-v1:TestX+NE131+2025_T3+type@openassessment+block@1"
            "8fee5621eb49f99cfba2089f9474e91/handler/render_peer_assessment"
        ),
        "org_id": "TestX",
        "enterprise_uuid": "",
        "module": {
            "display_name": "Open Response Assessment",
            "usage_key": "block-v1:TestX+NE131+2025_T3+type@openassessment+block@18fee5621eb49f99cfba2089f9474e91",
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
        "course_id": "course-v1:TestX+NE131+2025_T3",
        "item_id": "block-v1:TestX+NE131+2025_T3+type@openassessment+block@18fee5621eb49f99cfba2089f9474e91",
        "requesting_student_id": "1088d1e7be27748fa7b049be09e3e4b0",
        "submission_returned_uuid": "edf18194-b7e4-410d-9973-432dbac981cc",
    },
    "time": "2026-03-01T01:13:28.216633+00:00",
    "event_type": "openassessmentblock.get_peer_submission",
    "event_source": "server",
    "page": "x_module",
}

PEER_SUBMISSION_REQUESTED_STATEMENT = {
    "id": "744a000c-9dcb-5366-b516-70bc3b9757a2",
    "actor": ACTOR,
    "verb": {
        "id": "http://activitystrea.ms/schema/1.0/request",
        "display": {
            "en": "requested",
        },
    },
    "object": {
        "id": (
            "http://localhost:18000/xblock/block-v1:TestX+NE131+2025_T3+type@openassessment+block@18fee5621eb49f99c"
            "fba2089f9474e91"
        ),
        "objectType": "Activity",
        "definition": {
            "type": "http://adlnet.gov/expapi/activities/cmi.interaction",
            "name": {
                "en-US": "Open Response Assessment",
            },
            "interactionType": "long-fill-in",
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
            TRANSFORMER_VERSION: "openedx-xapi-router/openassessmentblock.get_peer_submission@1",
            SESSION_ID: "f9aec05b29c685ba6a4be0ff1d95da16",
            "https://w3id.org/xapi/openedx/extension/submission-uuid": "edf18194-b7e4-410d-9973-432dbac981cc",
        },
    },
    "timestamp": "2026-03-01T01:13:28.216633+00:00",
    "version": "1.0.3",
}


SELF_ASSESSED = {
    "name": "openassessmentblock.self_assess",
    "context": {
        "course_id": "course-v1:TestX+NE131+2025_T3",
        "course_user_tags": {},
        "user_id": 526,
        "path": (
            "/courses/course-v1:TestX+NE131+2025_T3/xblock/block-v1:TestX+NE131+2025_T3+type@openassessment+block@1"
            "8fee5621eb49f99cfba2089f9474e91/handler/self_assess"
        ),
        "org_id": "TestX",
        "enterprise_uuid": "",
        "module": {
            "display_name": "Open Response Assessment",
            "usage_key": "block-v1:TestX+NE131+2025_T3+type@openassessment+block@18fee5621eb49f99cfba2089f9474e91",
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
        "feedback": "About how about graph can week grade",
        "parts": [
            {
                "option": {"name": "Good", "points": 2},
                "criterion": {
                    "name": "Ideas",
                    "points_possible": 3,
                },
                "feedback": "",
            },
            {
                "option": {"name": "Excellent", "points": 3},
                "criterion": {
                    "name": "Content",
                    "points_possible": 3,
                },
                "feedback": "",
            },
        ],
        "rubric": {
            "content_hash": "57ddace1bdb6a0bb778ff06f2fe62b3aa11b5ed8",
        },
        "scored_at": "2026-03-01T01:23:12.009834+00:00",
        "scorer_id": "1088d1e7be27748fa7b049be09e3e4b0",
        "score_type": "SE",
        "submission_uuid": "412c7311-13a9-4d28-bacc-5cbb6b33399d",
    },
    "time": "2026-03-01T01:23:12.009834+00:00",
    "event_type": "openassessmentblock.self_assess",
    "event_source": "server",
    "page": "x_module",
}

SELF_ASSESSED_STATEMENT = {
    "id": "9dc6720b-0203-5a69-a695-1df698f874da",
    "actor": ACTOR,
    "verb": {
        "id": "http://www.tincanapi.co.uk/verbs/evaluated",
        "display": {
            "en": "evaluated",
        },
    },
    "object": {
        "id": (
            "http://localhost:18000/xblock/block-v1:TestX+NE131+2025_T3+type@openassessment+block@18fee5621eb49f99c"
            "fba2089f9474e91"
        ),
        "objectType": "Activity",
        "definition": {
            "type": "http://adlnet.gov/expapi/activities/cmi.interaction",
            "name": {
                "en-US": "Open Response Assessment",
            },
            "interactionType": "long-fill-in",
        },
    },
    "result": {
        "response": "About how about graph can week grade",
        "score": {"min": 0.0, "max": 6.0, "raw": 5.0, "scaled": 5 / 6},
        "extensions": {
            "https://w3id.org/xapi/openedx/extension/criteria": {
                "Ideas": "Good",
                "Content": "Excellent",
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
            TRANSFORMER_VERSION: "openedx-xapi-router/openassessmentblock.self_assess@2",
            SESSION_ID: "f9aec05b29c685ba6a4be0ff1d95da16",
            "https://w3id.org/xapi/openedx/extension/submission-uuid": "412c7311-13a9-4d28-bacc-5cbb6b33399d",
            "https://w3id.org/xapi/acrossx/extensions/type": "self",
        },
    },
    "timestamp": "2026-03-01T01:23:12.009834+00:00",
    "version": "1.0.3",
}


PEER_ASSESSED = {
    "name": "openassessmentblock.peer_assess",
    "context": {
        "course_id": "course-v1:TestX+NE131+2025_T3",
        "course_user_tags": {},
        "user_id": 526,
        "path": (
            "/courses/course-v1:TestX+NE131+2025_T3/xblock/block-v1:TestX+NE131+2025_T3+type@openassessment+block@1"
            "8fee5621eb49f99cfba2089f9474e91/handler/peer_assess"
        ),
        "org_id": "TestX",
        "enterprise_uuid": "",
        "module": {
            "display_name": "Open Response Assessment",
            "usage_key": "block-v1:TestX+NE131+2025_T3+type@openassessment+block@18fee5621eb49f99cfba2089f9474e91",
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
        "feedback": "Hint about can step confused about idea answer confused explain loop review thanks a this",
        "parts": [
            {
                "option": {"name": "Good", "points": 2},
                "criterion": {
                    "name": "Ideas",
                    "points_possible": 3,
                },
                "feedback": "",
            },
            {
                "option": {"name": "Excellent", "points": 3},
                "criterion": {
                    "name": "Content",
                    "points_possible": 3,
                },
                "feedback": "",
            },
        ],
        "rubric": {
            "content_hash": "dfd51c04837bc14c822f0005c361df3220abcbbb",
        },
        "scored_at": "2026-03-01T01:18:20.222345+00:00",
        "scorer_id": "1088d1e7be27748fa7b049be09e3e4b0",
        "score_type": "PE",
        "submission_uuid": "9185ea6a-ca23-4a19-a0ab-847a2642486c",
    },
    "time": "2026-03-01T01:18:20.222345+00:00",
    "event_type": "openassessmentblock.peer_assess",
    "event_source": "server",
    "page": "x_module",
}

PEER_ASSESSED_STATEMENT = {
    "id": "cdb48c31-37b2-58e9-9930-437d0d98baa4",
    "actor": ACTOR,
    "verb": {
        "id": "http://www.tincanapi.co.uk/verbs/evaluated",
        "display": {
            "en": "evaluated",
        },
    },
    "object": {
        "id": (
            "http://localhost:18000/xblock/block-v1:TestX+NE131+2025_T3+type@openassessment+block@18fee5621eb49f99c"
            "fba2089f9474e91"
        ),
        "objectType": "Activity",
        "definition": {
            "type": "http://adlnet.gov/expapi/activities/cmi.interaction",
            "name": {
                "en-US": "Open Response Assessment",
            },
            "interactionType": "long-fill-in",
        },
    },
    "result": {
        "response": "Hint about can step confused about idea answer confused explain loop review thanks a this",
        "score": {"min": 0.0, "max": 6.0, "raw": 5.0, "scaled": 5 / 6},
        "extensions": {
            "https://w3id.org/xapi/openedx/extension/criteria": {
                "Ideas": "Good",
                "Content": "Excellent",
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
            TRANSFORMER_VERSION: "openedx-xapi-router/openassessmentblock.peer_assess@2",
            SESSION_ID: "f9aec05b29c685ba6a4be0ff1d95da16",
            "https://w3id.org/xapi/openedx/extension/submission-uuid": "9185ea6a-ca23-4a19-a0ab-847a2642486c",
            "https://w3id.org/xapi/acrossx/extensions/type": "peer",
        },
    },
    "timestamp": "2026-03-01T01:18:20.222345+00:00",
    "version": "1.0.3",
}


SUBMITTED = "http://activitystrea.ms/schema/1.0/submit"
INTERACTION = "http://adlnet.gov/expapi/activities/cmi.interaction"
SUBMISSION_ID = "https://w3id.org/xapi/openedx/extension/submission-uuid"
ATTEMPT_ID = "http://id.tincanapi.com/extension/attempt-id"
CRITERIA = "https://w3id.org/xapi/openedx/extension/criteria"
MODE = "https://w3id.org/xapi/acrossx/extensions/type"

#: label -> (event, statement, verb, result keys, context extension keys after the session id)
REAL_EVENTS = {
    "create_submission": (SUBMISSION_CREATED, SUBMISSION_CREATED_STATEMENT, SUBMITTED, ("response",),
                          (SUBMISSION_ID, ATTEMPT_ID)),
    "save_submission": (SUBMISSION_SAVED, SUBMISSION_SAVED_STATEMENT, "http://activitystrea.ms/schema/1.0/save",
                        ("response",), ()),
    "get_peer_submission": (PEER_SUBMISSION_REQUESTED, PEER_SUBMISSION_REQUESTED_STATEMENT,
                            "http://activitystrea.ms/schema/1.0/request", (), (SUBMISSION_ID,)),
    "self_assess": (SELF_ASSESSED, SELF_ASSESSED_STATEMENT, "http://www.tincanapi.co.uk/verbs/evaluated",
                    ("response", "score", "extensions"), (SUBMISSION_ID, MODE)),
    "peer_assess": (PEER_ASSESSED, PEER_ASSESSED_STATEMENT, "http://www.tincanapi.co.uk/verbs/evaluated",
                    ("response", "score", "extensions"), (SUBMISSION_ID, MODE)),
}

ORA_EVENT_NAMES = {
    "openassessmentblock.create_submission": ora.SubmissionCreated,
    "openassessmentblock.save_submission": ora.SubmissionSaved,
    "openassessmentblock.get_peer_submission": ora.PeerSubmissionRequested,
    "openassessmentblock.self_assess": ora.SelfAssessed,
    "openassessmentblock.peer_assess": ora.PeerAssessed,
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
    raw, _, verb, result_keys, extension_keys = REAL_EVENTS[label]
    [statement] = transform(raw)
    check_shape(statement, raw, verb=verb, activity_type=INTERACTION, result_keys=result_keys,
                extension_keys=extension_keys, version=registry.get(raw["name"]).version)
    assert statement["object"]["definition"]["interactionType"] == "long-fill-in"


def test_every_ora_event_name_is_registered_to_its_class_at_its_version():
    for name, transformer_class in ORA_EVENT_NAMES.items():
        assert registry.get(name) is transformer_class, name
        expected = [2] if name.endswith("_assess") else [1]
        assert registry.versions(name) == expected, name
    assert {name for name in registry.event_names() if registry.get(name).__module__ == ora.__name__} == set(
        ORA_EVENT_NAMES)


def test_a_response_with_several_prompts_joins_their_texts_in_order():
    raw = copy.deepcopy(SUBMISSION_CREATED)
    raw["event"]["answer"]["parts"] = [{"text": "First."}, {"text": ""}, {"text": "Second."}]
    [statement] = transform(raw)
    assert statement["result"] == {"response": "First.\n\nSecond."}


def test_a_file_only_response_has_no_result():
    raw = copy.deepcopy(SUBMISSION_CREATED)
    raw["event"]["answer"] = {"file_keys": ["a"], "files_descriptions": ["b"]}
    [statement] = transform(raw)
    assert "result" not in statement


def test_a_peer_request_that_got_nothing_names_no_submission():
    [statement] = transform(with_data(PEER_SUBMISSION_REQUESTED, submission_returned_uuid=None))
    assert SUBMISSION_ID not in statement["context"]["extensions"]


def test_a_feedback_only_criterion_has_no_option_but_counts_its_points_possible():
    """edx-ora2 sends ``option: None`` for a criterion with written feedback only."""
    raw = copy.deepcopy(PEER_ASSESSED)
    raw["event"]["parts"].append({"option": None, "criterion": {"name": "Comments", "points_possible": 0},
                                  "feedback": "See the inline notes."})
    raw["event"]["parts"][0]["option"] = None
    raw["event"]["feedback"] = ""
    [statement] = transform(raw)
    assert statement["result"] == {
        "score": {"min": 0.0, "max": 6.0, "raw": 3.0, "scaled": 0.5},
        "extensions": {CRITERIA: {"Content": "Excellent"}},
    }


def test_a_rubric_of_feedback_only_criteria_scores_zero_out_of_zero():
    raw = with_data(SELF_ASSESSED, parts=[{"option": None, "criterion": {"name": "Comments", "points_possible": 0},
                                           "feedback": "Fine."}])
    [statement] = transform(raw)
    assert statement["result"]["score"] == {"min": 0.0, "max": 0.0, "raw": 0.0, "scaled": 0.0}
    assert statement["result"]["extensions"] == {CRITERIA: {}}


@pytest.mark.parametrize(("raw", "field"), [
    (with_data(SUBMISSION_CREATED, answer=None), "data.answer"),
    (with_data(SUBMISSION_CREATED, submission_uuid=None), "data.submission_uuid"),
    (with_data(SUBMISSION_CREATED, attempt_number="1"), "data.attempt_number"),
    (with_data(SUBMISSION_CREATED, answer={"parts": "text"}), "data.answer.parts"),
    (with_data(SUBMISSION_CREATED, answer={"parts": [{"text": 3}]}), "data.answer.parts.0.text"),
    (with_data(SUBMISSION_SAVED, saved_response=None), "data.saved_response"),
    (with_data(SUBMISSION_SAVED, saved_response="{not json"), "data.saved_response"),
    (with_data(SUBMISSION_SAVED, saved_response="[1, 2]"), "data.saved_response"),
    (with_data(PEER_SUBMISSION_REQUESTED, submission_returned_uuid=7), "data.submission_returned_uuid"),
    (with_data(SELF_ASSESSED, parts=None), "data.parts"),
    (with_data(SELF_ASSESSED, parts=["Good"]), "data.parts.0"),
    (with_data(SELF_ASSESSED, parts=[{"option": None, "criterion": {}}]), "data.parts.0.criterion.name"),
    (with_data(SELF_ASSESSED, parts=[{"option": None}]), "data.parts.0.criterion"),
    (with_data(SELF_ASSESSED, parts=[{"option": None, "criterion": {"name": "Ideas"}}]),
     "data.parts.0.criterion.points_possible"),
    (with_data(SELF_ASSESSED, parts=[{"option": "Good", "criterion": {"name": "Ideas", "points_possible": 3}}]),
     "data.parts.0.option"),
    (with_data(SELF_ASSESSED, parts=[{"option": {"points": 1}, "criterion": {"name": "Ideas", "points_possible": 3}}]),
     "data.parts.0.option.name"),
    (with_data(SELF_ASSESSED, parts=[{"option": {"name": "Good", "points": "2"},
                                      "criterion": {"name": "Ideas", "points_possible": 3}}]),
     "data.parts.0.option.points"),
    (with_data(SELF_ASSESSED, parts=[{"option": {"name": "Good", "points": -1},
                                      "criterion": {"name": "Ideas", "points_possible": 3}}]),
     "data.parts.0.option.points"),
    (with_data(PEER_ASSESSED, submission_uuid=None), "data.submission_uuid"),
    (with_data(PEER_ASSESSED, feedback=["x"]), "data.feedback"),
])
def test_bad_payload_is_invalid_naming_the_field(raw, field):
    with pytest.raises(InvalidEvent) as error:
        transform(raw)
    assert error.value.field == field


@pytest.mark.parametrize("usage_key", [None, "", "block-v1:X+Y+Z+type@openassessment+block@a b", 'x"y', "a?b", 5])
def test_a_block_key_that_cannot_be_an_iri_is_invalid(usage_key):
    raw = copy.deepcopy(SELF_ASSESSED)
    raw["context"]["module"]["usage_key"] = usage_key
    with pytest.raises(InvalidEvent) as error:
        transform(raw)
    assert error.value.field == "context.module.usage_key"


def test_the_live_form_gives_the_same_statement():
    raw = SUBMISSION_CREATED
    live = {"name": raw["name"], "timestamp": raw["time"], "data": raw["event"],
            "context": {**raw["context"], "session": raw["session"], "username": raw["username"]}}
    assert transform(live) == [SUBMISSION_CREATED_STATEMENT]


def test_a_string_encoded_payload_gives_the_same_statement():
    raw = copy.deepcopy(SELF_ASSESSED)
    raw["event"] = json.dumps(raw["event"])
    assert transform(raw) == [SELF_ASSESSED_STATEMENT]
