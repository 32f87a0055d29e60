"""
Unit tests for :mod:`openedx_xapi_router.transformers.problem`.

The real events below come from ``make_tracking_log.py --events 20000 --seed 12``; their expected
statements are event-routing-backends 9.3.8's for the same lines (transformer version blanked).
"""

import copy
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from openedx_xapi_router.core.vocab import Extension
from openedx_xapi_router.transformers.problem import response_text
from tests.transformers import samples
from tests.transformers.samples import invalid, transform




# --- Real events and their statements ---------------------------------------------------------

# pc_server_multi
PC_SERVER_MULTI_EVENT = {
    "name": "problem_check",
    "context": {
        "course_id": "course-v1:edX+CS139+2025_T1",
        "course_user_tags": {},
        "user_id": 31,
        "path": "/courses/course-v1:edX+CS139+2025_T1/xblock/block-v1:edX+CS139+2025_T1+type@problem+block@7c7b08c1663e7cb16535b254a02c24f4/handler/xmodule_handler/problem_check",  # noqa: E501
        "org_id": "edX",
        "enterprise_uuid": "",
        "module": {
            "display_name": "Practice Problem",
            "usage_key": "block-v1:edX+CS139+2025_T1+type@problem+block@7c7b08c1663e7cb16535b254a02c24f4",
        },
        "asides": {},
    },
    "username": "sara.lopez",
    "session": "a348c7c257108220241502846601c062",
    "ip": "192.0.2.121",
    "agent": "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/18.1 Mobile/15E148 Safari/604.1",
    "host": "courses.example.org",
    "referer": "https://courses.example.org/xblock/block-v1:edX+CS139+2025_T1+type@vertical+block@605a928c236813205db0ff705d5465e5?show_title=0&show_bookmark_button=0&recheck_access=1&view=student_view",
    "accept_language": "zh-CN,zh;q=0.9",
    "event": {
        "state": {
            "seed": 1,
            "student_answers": {},
            "has_saved_answers": False,
            "correct_map": {},
            "input_state": {
                "7c7b08c1663e7cb16535b254a02c24f4_2_1": {},
                "7c7b08c1663e7cb16535b254a02c24f4_3_1": {},
                "7c7b08c1663e7cb16535b254a02c24f4_4_1": {},
            },
            "done": False,
        },
        "problem_id": "block-v1:edX+CS139+2025_T1+type@problem+block@7c7b08c1663e7cb16535b254a02c24f4",
        "answers": {
            "7c7b08c1663e7cb16535b254a02c24f4_2_1": ["choice_0", "choice_2", "choice_4"],
            "7c7b08c1663e7cb16535b254a02c24f4_3_1": "3.14",
            "7c7b08c1663e7cb16535b254a02c24f4_4_1": "choice_1",
        },
        "grade": 3,
        "max_grade": 3,
        "correct_map": {
            "7c7b08c1663e7cb16535b254a02c24f4_2_1": {
                "correctness": "correct",
                "npoints": None,
                "msg": "",
                "hint": "",
                "hintmode": None,
                "queuestate": None,
                "answervariable": None,
            },
            "7c7b08c1663e7cb16535b254a02c24f4_3_1": {
                "correctness": "correct",
                "npoints": None,
                "msg": "",
                "hint": "",
                "hintmode": None,
                "queuestate": None,
                "answervariable": None,
            },
            "7c7b08c1663e7cb16535b254a02c24f4_4_1": {
                "correctness": "correct",
                "npoints": None,
                "msg": "",
                "hint": "",
                "hintmode": None,
                "queuestate": None,
                "answervariable": None,
            },
        },
        "success": "correct",
        "attempts": 1,
        "submission": {
            "7c7b08c1663e7cb16535b254a02c24f4_2_1": {
                "question": "Which of the following are prime numbers?",
                "answer": ["2", "7", "11"],
                "response_type": "choiceresponse",
                "input_type": "checkboxgroup",
                "correct": True,
                "variant": "",
                "group_label": "",
            },
            "7c7b08c1663e7cb16535b254a02c24f4_3_1": {
                "question": "Give pi to two decimal places.",
                "answer": "3.14",
                "response_type": "numericalresponse",
                "input_type": "formulaequationinput",
                "correct": True,
                "variant": "",
                "group_label": "",
            },
            "7c7b08c1663e7cb16535b254a02c24f4_4_1": {
                "question": "What is the time complexity of binary search?",
                "answer": "O(log n)",
                "response_type": "multiplechoiceresponse",
                "input_type": "choicegroup",
                "correct": True,
                "variant": "",
                "group_label": "",
            },
        },
    },
    "time": "2026-03-01T01:18:46.301862+00:00",
    "event_type": "problem_check",
    "event_source": "server",
    "page": "x_module",
}
PC_SERVER_MULTI_STATEMENTS = [
    {
        "id": "5b311907-5b92-5a53-968e-2884bf8e56f9",
        "actor": {
            "objectType": "Agent",
            "account": {"homePage": "http://localhost:18000", "name": "32e08e30-f8ae-4ce2-94a8-c2bfe38a70cb"},
        },
        "verb": {"id": "https://w3id.org/xapi/acrossx/verbs/evaluated", "display": {"en": "evaluated"}},
        "object": {
            "id": "http://localhost:18000/xblock/block-v1:edX+CS139+2025_T1+type@problem+block@7c7b08c1663e7cb16535b254a02c24f4",
            "objectType": "GroupActivity",
            "definition": {
                "type": "http://adlnet.gov/expapi/activities/cmi.interaction",
                "description": {"en-US": "Which of the following are prime numbers?"},
                "interactionType": "other",
                "extensions": {"http://id.tincanapi.com/extension/attempt-id": 1},
            },
        },
        "result": {
            "score": {"min": 0.0, "max": 3.0, "raw": 3.0, "scaled": 1.0},
            "success": True,
            "response": '["2", "7", "11"]',
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
                "https://w3id.org/xapi/openedx/extensions/session-id": "a348c7c257108220241502846601c062",
            },
        },
        "timestamp": "2026-03-01T01:18:46.301862+00:00",
        "version": "1.0.3",
    },
    {
        "id": "10cc4e29-55c1-5ad0-9da1-192364a73422",
        "actor": {
            "objectType": "Agent",
            "account": {"homePage": "http://localhost:18000", "name": "32e08e30-f8ae-4ce2-94a8-c2bfe38a70cb"},
        },
        "verb": {"id": "https://w3id.org/xapi/acrossx/verbs/evaluated", "display": {"en": "evaluated"}},
        "object": {
            "id": "http://localhost:18000/xblock/block-v1:edX+CS139+2025_T1+type@problem+block@7c7b08c1663e7cb16535b254a02c24f4_2_1",
            "objectType": "Activity",
            "definition": {
                "type": "http://adlnet.gov/expapi/activities/cmi.interaction",
                "description": {"en-US": "Which of the following are prime numbers?"},
                "interactionType": "choice",
                "extensions": {"http://id.tincanapi.com/extension/attempt-id": 1},
            },
        },
        "result": {"success": True, "response": '["2", "7", "11"]'},
        "context": {
            "contextActivities": {
                "parent": [
                    {
                        "id": "http://localhost:18000/xblock/block-v1:edX+CS139+2025_T1+type@problem+block@7c7b08c1663e7cb16535b254a02c24f4",
                        "objectType": "GroupActivity",
                        "definition": {
                            "type": "http://adlnet.gov/expapi/activities/cmi.interaction",
                            "description": {"en-US": "Which of the following are prime numbers?"},
                            "interactionType": "other",
                            "extensions": {"http://id.tincanapi.com/extension/attempt-id": 1},
                        },
                    }
                ],
                "grouping": [
                    {
                        "id": "http://localhost:18000/course/course-v1:edX+CS139+2025_T1",
                        "objectType": "Activity",
                        "definition": {
                            "type": "http://adlnet.gov/expapi/activities/course",
                            "name": {"en-US": "Demonstration Course"},
                        },
                    }
                ],
            },
            "statement": {"objectType": "StatementRef", "id": "5b311907-5b92-5a53-968e-2884bf8e56f9"},
            "extensions": {
                "https://w3id.org/xapi/openedx/extension/transformer-version": "<blanked>",
                "https://w3id.org/xapi/openedx/extensions/session-id": "a348c7c257108220241502846601c062",
            },
        },
        "timestamp": "2026-03-01T01:18:46.301862+00:00",
        "version": "1.0.3",
    },
    {
        "id": "0c18a195-797b-540a-a599-33130aed71d7",
        "actor": {
            "objectType": "Agent",
            "account": {"homePage": "http://localhost:18000", "name": "32e08e30-f8ae-4ce2-94a8-c2bfe38a70cb"},
        },
        "verb": {"id": "https://w3id.org/xapi/acrossx/verbs/evaluated", "display": {"en": "evaluated"}},
        "object": {
            "id": "http://localhost:18000/xblock/block-v1:edX+CS139+2025_T1+type@problem+block@7c7b08c1663e7cb16535b254a02c24f4_3_1",
            "objectType": "Activity",
            "definition": {
                "type": "http://adlnet.gov/expapi/activities/cmi.interaction",
                "description": {"en-US": "Give pi to two decimal places."},
                "interactionType": "numeric",
                "extensions": {"http://id.tincanapi.com/extension/attempt-id": 1},
            },
        },
        "result": {"success": True, "response": "3.14"},
        "context": {
            "contextActivities": {
                "parent": [
                    {
                        "id": "http://localhost:18000/xblock/block-v1:edX+CS139+2025_T1+type@problem+block@7c7b08c1663e7cb16535b254a02c24f4",
                        "objectType": "GroupActivity",
                        "definition": {
                            "type": "http://adlnet.gov/expapi/activities/cmi.interaction",
                            "description": {"en-US": "Which of the following are prime numbers?"},
                            "interactionType": "other",
                            "extensions": {"http://id.tincanapi.com/extension/attempt-id": 1},
                        },
                    }
                ],
                "grouping": [
                    {
                        "id": "http://localhost:18000/course/course-v1:edX+CS139+2025_T1",
                        "objectType": "Activity",
                        "definition": {
                            "type": "http://adlnet.gov/expapi/activities/course",
                            "name": {"en-US": "Demonstration Course"},
                        },
                    }
                ],
            },
            "statement": {"objectType": "StatementRef", "id": "5b311907-5b92-5a53-968e-2884bf8e56f9"},
            "extensions": {
                "https://w3id.org/xapi/openedx/extension/transformer-version": "<blanked>",
                "https://w3id.org/xapi/openedx/extensions/session-id": "a348c7c257108220241502846601c062",
            },
        },
        "timestamp": "2026-03-01T01:18:46.301862+00:00",
        "version": "1.0.3",
    },
    {
        "id": "19d76b40-0c4a-5141-bd8a-d27bf2b72371",
        "actor": {
            "objectType": "Agent",
            "account": {"homePage": "http://localhost:18000", "name": "32e08e30-f8ae-4ce2-94a8-c2bfe38a70cb"},
        },
        "verb": {"id": "https://w3id.org/xapi/acrossx/verbs/evaluated", "display": {"en": "evaluated"}},
        "object": {
            "id": "http://localhost:18000/xblock/block-v1:edX+CS139+2025_T1+type@problem+block@7c7b08c1663e7cb16535b254a02c24f4_4_1",
            "objectType": "Activity",
            "definition": {
                "type": "http://adlnet.gov/expapi/activities/cmi.interaction",
                "description": {"en-US": "What is the time complexity of binary search?"},
                "interactionType": "choice",
                "extensions": {"http://id.tincanapi.com/extension/attempt-id": 1},
            },
        },
        "result": {"success": True, "response": "O(log n)"},
        "context": {
            "contextActivities": {
                "parent": [
                    {
                        "id": "http://localhost:18000/xblock/block-v1:edX+CS139+2025_T1+type@problem+block@7c7b08c1663e7cb16535b254a02c24f4",
                        "objectType": "GroupActivity",
                        "definition": {
                            "type": "http://adlnet.gov/expapi/activities/cmi.interaction",
                            "description": {"en-US": "Which of the following are prime numbers?"},
                            "interactionType": "other",
                            "extensions": {"http://id.tincanapi.com/extension/attempt-id": 1},
                        },
                    }
                ],
                "grouping": [
                    {
                        "id": "http://localhost:18000/course/course-v1:edX+CS139+2025_T1",
                        "objectType": "Activity",
                        "definition": {
                            "type": "http://adlnet.gov/expapi/activities/course",
                            "name": {"en-US": "Demonstration Course"},
                        },
                    }
                ],
            },
            "statement": {"objectType": "StatementRef", "id": "5b311907-5b92-5a53-968e-2884bf8e56f9"},
            "extensions": {
                "https://w3id.org/xapi/openedx/extension/transformer-version": "<blanked>",
                "https://w3id.org/xapi/openedx/extensions/session-id": "a348c7c257108220241502846601c062",
            },
        },
        "timestamp": "2026-03-01T01:18:46.301862+00:00",
        "version": "1.0.3",
    },
]

# pc_browser
PC_BROWSER_EVENT = {
    "name": "problem_check",
    "context": {
        "user_id": 20,
        "path": "/event",
        "course_id": "course-v1:HarvardX+LA178+2025_T1",
        "org_id": "HarvardX",
        "enterprise_uuid": "c8d696d9-2fe3-4567-a40d-7dd18bf6bbbc",
    },
    "username": "aisha_patel65",
    "session": "88b9d0ac9c8913970cba29f08048db7c",
    "ip": "100.116.104.66",
    "agent": "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0",
    "host": "courses.example.org",
    "referer": "https://courses.example.org/xblock/block-v1:HarvardX+LA178+2025_T1+type@vertical+block@37cd6ab63eb83bf6a142c1e785495e13?show_title=0&show_bookmark_button=0&recheck_access=1&view=student_view",
    "accept_language": "en-US,en;q=0.9",
    "event": "input_16814b3b2d8554995c0c5c73c9ead52d_2_1=choice_1",
    "time": "2026-03-01T00:40:28.884894+00:00",
    "event_type": "problem_check",
    "event_source": "browser",
    "page": "https://courses.example.org/xblock/block-v1:HarvardX+LA178+2025_T1+type@vertical+block@37cd6ab63eb83bf6a142c1e785495e13?show_title=0&show_bookmark_button=0&recheck_access=1&view=student_view",
}
PC_BROWSER_STATEMENTS = [
    {
        "id": "9bf3a31c-ea87-51cf-a1da-f4ac5d27cf1c",
        "actor": {
            "objectType": "Agent",
            "account": {"homePage": "http://localhost:18000", "name": "32e08e30-f8ae-4ce2-94a8-c2bfe38a70cb"},
        },
        "verb": {"id": "http://adlnet.gov/expapi/verbs/attempted", "display": {"en": "attempted"}},
        "object": {
            "id": "http://localhost:18000/xblock/block-v1:HarvardX+LA178+2025_T1+type@problem+block@16814b3b2d8554995c0c5c73c9ead52d",
            "objectType": "Activity",
            "definition": {"type": "http://adlnet.gov/expapi/activities/cmi.interaction", "interactionType": "other"},
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
                "https://w3id.org/xapi/openedx/extensions/session-id": "88b9d0ac9c8913970cba29f08048db7c",
            },
        },
        "timestamp": "2026-03-01T00:40:28.884894+00:00",
        "version": "1.0.3",
    }
]

# showanswer
SHOWANSWER_EVENT = {
    "name": "showanswer",
    "context": {
        "course_id": "course-v1:edX+CS139+2025_T1",
        "course_user_tags": {},
        "user_id": 6,
        "path": "/courses/course-v1:edX+CS139+2025_T1/xblock/block-v1:edX+CS139+2025_T1+type@problem+block@0a3a5b0e8b4c8b6d593eab2d81d53dd6/handler/xmodule_handler/problem_show",  # noqa: E501
        "org_id": "edX",
        "enterprise_uuid": "",
        "module": {
            "display_name": "Multiple Choice Questions",
            "usage_key": "block-v1:edX+CS139+2025_T1+type@problem+block@0a3a5b0e8b4c8b6d593eab2d81d53dd6",
        },
        "asides": {},
    },
    "username": "hirom984",
    "session": "12f88797d613e70331f3c8a0e185e779",
    "ip": "192.0.2.18",
    "agent": "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 "
    "Safari/537.36",
    "host": "courses.example.org",
    "referer": "https://courses.example.org/xblock/block-v1:edX+CS139+2025_T1+type@vertical+block@8fca1fdb066797ff1ec631594ce745d1?show_title=0&show_bookmark_button=0&recheck_access=1&view=student_view",
    "accept_language": "fr-FR,fr;q=0.9,en;q=0.6",
    "event": {"problem_id": "block-v1:edX+CS139+2025_T1+type@problem+block@0a3a5b0e8b4c8b6d593eab2d81d53dd6"},
    "time": "2026-03-01T09:12:33.439651+00:00",
    "event_type": "showanswer",
    "event_source": "server",
    "page": "x_module",
}
SHOWANSWER_STATEMENTS = [
    {
        "id": "6e01c92f-fdbd-5fdb-9ca9-4ec7d8d4cd7e",
        "actor": {
            "objectType": "Agent",
            "account": {"homePage": "http://localhost:18000", "name": "32e08e30-f8ae-4ce2-94a8-c2bfe38a70cb"},
        },
        "verb": {"id": "http://adlnet.gov/expapi/verbs/asked", "display": {"en": "asked"}},
        "object": {
            "id": "http://localhost:18000/xblock/block-v1:edX+CS139+2025_T1+type@problem+block@0a3a5b0e8b4c8b6d593eab2d81d53dd6/answer",
            "objectType": "Activity",
            "definition": {"type": "http://id.tincanapi.com/activitytype/solution"},
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
                "https://w3id.org/xapi/openedx/extensions/session-id": "12f88797d613e70331f3c8a0e185e779",
            },
        },
        "timestamp": "2026-03-01T09:12:33.439651+00:00",
        "version": "1.0.3",
    }
]

# edx.problem.hint.demandhint_displayed
PROBLEM_HINT_DEMANDHINT_DISPLAYED_EVENT = {
    "name": "edx.problem.hint.demandhint_displayed",
    "context": {
        "course_id": "course-v1:edX+CS139+2025_T1",
        "course_user_tags": {},
        "user_id": 6,
        "path": "/courses/course-v1:edX+CS139+2025_T1/xblock/block-v1:edX+CS139+2025_T1+type@problem+block@76c174e0fc08b78b228d0703169baf0f/handler/xmodule_handler/hint_button",  # noqa: E501
        "org_id": "edX",
        "enterprise_uuid": "",
        "module": {
            "display_name": "Quick Check",
            "usage_key": "block-v1:edX+CS139+2025_T1+type@problem+block@76c174e0fc08b78b228d0703169baf0f",
        },
        "asides": {},
    },
    "username": "hirom984",
    "session": "12f88797d613e70331f3c8a0e185e779",
    "ip": "192.0.2.18",
    "agent": "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 "
    "Safari/537.36",
    "host": "courses.example.org",
    "referer": "https://courses.example.org/xblock/block-v1:edX+CS139+2025_T1+type@vertical+block@47c0d61986c20c67ec30678601c936d4?show_title=0&show_bookmark_button=0&recheck_access=1&view=student_view",
    "accept_language": "fr-FR,fr;q=0.9,en;q=0.6",
    "event": {
        "hint_index": 1,
        "hint_len": 2,
        "hint_text": "Try eliminating the options that are clearly wrong first.",
        "module_id": "block-v1:edX+CS139+2025_T1+type@problem+block@76c174e0fc08b78b228d0703169baf0f",
    },
    "time": "2026-03-01T10:38:17.232629+00:00",
    "event_type": "edx.problem.hint.demandhint_displayed",
    "event_source": "server",
    "page": "x_module",
}
PROBLEM_HINT_DEMANDHINT_DISPLAYED_STATEMENTS = [
    {
        "id": "644b7deb-3407-5d4b-80cc-684e5853f24a",
        "actor": {
            "objectType": "Agent",
            "account": {"homePage": "http://localhost:18000", "name": "32e08e30-f8ae-4ce2-94a8-c2bfe38a70cb"},
        },
        "verb": {"id": "http://adlnet.gov/expapi/verbs/asked", "display": {"en": "asked"}},
        "object": {
            "id": "http://localhost:18000/xblock/block-v1:edX+CS139+2025_T1+type@problem+block@76c174e0fc08b78b228d0703169baf0f/hint/1",
            "objectType": "Activity",
            "definition": {"type": "https://w3id.org/xapi/acrossx/extensions/supplemental-info"},
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
                "https://w3id.org/xapi/openedx/extensions/session-id": "12f88797d613e70331f3c8a0e185e779",
            },
        },
        "timestamp": "2026-03-01T10:38:17.232629+00:00",
        "version": "1.0.3",
    }
]

# edx.problem.completed
PROBLEM_COMPLETED_EVENT = {
    "name": "edx.problem.completed",
    "context": {
        "course_id": "course-v1:HarvardX+LA178+2025_T1",
        "course_user_tags": {},
        "user_id": 20,
        "path": "/courses/course-v1:HarvardX+LA178+2025_T1/xblock/block-v1:HarvardX+LA178+2025_T1+type@problem+block@16814b3b2d8554995c0c5c73c9ead52d/handler/xmodule_handler/problem_check",  # noqa: E501
        "org_id": "HarvardX",
        "enterprise_uuid": "c8d696d9-2fe3-4567-a40d-7dd18bf6bbbc",
        "module": {
            "display_name": "Numerical Input",
            "usage_key": "block-v1:HarvardX+LA178+2025_T1+type@problem+block@16814b3b2d8554995c0c5c73c9ead52d",
        },
    },
    "username": "aisha_patel65",
    "session": "88b9d0ac9c8913970cba29f08048db7c",
    "ip": "100.116.104.66",
    "agent": "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0",
    "host": "courses.example.org",
    "referer": "https://courses.example.org/xblock/block-v1:HarvardX+LA178+2025_T1+type@vertical+block@37cd6ab63eb83bf6a142c1e785495e13?show_title=0&show_bookmark_button=0&recheck_access=1&view=student_view",
    "accept_language": "en-US,en;q=0.9",
    "event": {
        "user_id": "20",
        "course_id": "course-v1:HarvardX+LA178+2025_T1",
        "problem_id": "block-v1:HarvardX+LA178+2025_T1+type@problem+block@16814b3b2d8554995c0c5c73c9ead52d",
        "event_transaction_id": "6d17667d-c401-43d1-a6a1-285895308fed",
        "event_transaction_type": "edx.grades.problem.submitted",
        "weighted_earned": 1,
        "weighted_possible": 1,
    },
    "time": "2026-03-01T00:40:29.034594+00:00",
    "event_type": "edx.problem.completed",
    "event_source": "server",
    "page": None,
}
PROBLEM_COMPLETED_STATEMENTS = [
    {
        "id": "c1fba82b-c60c-5174-9a72-844b70bc7fdc",
        "actor": {
            "objectType": "Agent",
            "account": {"homePage": "http://localhost:18000", "name": "32e08e30-f8ae-4ce2-94a8-c2bfe38a70cb"},
        },
        "verb": {"id": "http://adlnet.gov/expapi/verbs/completed", "display": {"en": "completed"}},
        "object": {
            "id": "block-v1:HarvardX+LA178+2025_T1+type@problem+block@16814b3b2d8554995c0c5c73c9ead52d",
            "objectType": "Activity",
            "definition": {"type": "http://adlnet.gov/expapi/activities/cmi.interaction"},
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
                "https://w3id.org/xapi/openedx/extensions/session-id": "88b9d0ac9c8913970cba29f08048db7c",
            },
        },
        "timestamp": "2026-03-01T00:40:29.034594+00:00",
        "version": "1.0.3",
    }
]

# edx.grades.problem.submitted
GRADES_PROBLEM_SUBMITTED_EVENT = {
    "name": "edx.grades.problem.submitted",
    "context": {
        "course_id": "course-v1:HarvardX+LA178+2025_T1",
        "course_user_tags": {},
        "user_id": 20,
        "path": "/courses/course-v1:HarvardX+LA178+2025_T1/xblock/block-v1:HarvardX+LA178+2025_T1+type@problem+block@16814b3b2d8554995c0c5c73c9ead52d/handler/xmodule_handler/problem_check",  # noqa: E501
        "org_id": "HarvardX",
        "enterprise_uuid": "c8d696d9-2fe3-4567-a40d-7dd18bf6bbbc",
        "module": {
            "display_name": "Numerical Input",
            "usage_key": "block-v1:HarvardX+LA178+2025_T1+type@problem+block@16814b3b2d8554995c0c5c73c9ead52d",
        },
    },
    "username": "aisha_patel65",
    "session": "88b9d0ac9c8913970cba29f08048db7c",
    "ip": "100.116.104.66",
    "agent": "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0",
    "host": "courses.example.org",
    "referer": "https://courses.example.org/xblock/block-v1:HarvardX+LA178+2025_T1+type@vertical+block@37cd6ab63eb83bf6a142c1e785495e13?show_title=0&show_bookmark_button=0&recheck_access=1&view=student_view",
    "accept_language": "en-US,en;q=0.9",
    "event": {
        "user_id": "20",
        "course_id": "course-v1:HarvardX+LA178+2025_T1",
        "problem_id": "block-v1:HarvardX+LA178+2025_T1+type@problem+block@16814b3b2d8554995c0c5c73c9ead52d",
        "event_transaction_id": "6d17667d-c401-43d1-a6a1-285895308fed",
        "event_transaction_type": "edx.grades.problem.submitted",
        "weighted_earned": 1,
        "weighted_possible": 1,
    },
    "time": "2026-03-01T00:40:28.942140+00:00",
    "event_type": "edx.grades.problem.submitted",
    "event_source": "server",
    "page": None,
}
GRADES_PROBLEM_SUBMITTED_STATEMENTS = [
    {
        "id": "270be492-3f76-5913-9ef2-17a94dd7d97d",
        "actor": {
            "objectType": "Agent",
            "account": {"homePage": "http://localhost:18000", "name": "32e08e30-f8ae-4ce2-94a8-c2bfe38a70cb"},
        },
        "verb": {"id": "http://adlnet.gov/expapi/verbs/attempted", "display": {"en": "attempted"}},
        "object": {
            "id": "http://localhost:18000/xblock/block-v1:HarvardX+LA178+2025_T1+type@problem+block@16814b3b2d8554995c0c5c73c9ead52d",
            "objectType": "Activity",
            "definition": {"type": "http://adlnet.gov/expapi/activities/question"},
        },
        "result": {"score": {"min": 0.0, "max": 1.0, "raw": 1.0, "scaled": 1.0}, "success": True},
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
                "https://w3id.org/xapi/openedx/extensions/session-id": "88b9d0ac9c8913970cba29f08048db7c",
            },
        },
        "timestamp": "2026-03-01T00:40:28.942140+00:00",
        "version": "1.0.3",
    }
]


# --- Tests ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "event, expected",
    [
        pytest.param(PC_SERVER_MULTI_EVENT, PC_SERVER_MULTI_STATEMENTS, id="problem_check-server-3-questions"),
        pytest.param(PC_BROWSER_EVENT, PC_BROWSER_STATEMENTS, id="problem_check-browser"),
        pytest.param(SHOWANSWER_EVENT, SHOWANSWER_STATEMENTS, id="showanswer"),
        pytest.param(PROBLEM_HINT_DEMANDHINT_DISPLAYED_EVENT, PROBLEM_HINT_DEMANDHINT_DISPLAYED_STATEMENTS, id="hint"),
        pytest.param(PROBLEM_COMPLETED_EVENT, PROBLEM_COMPLETED_STATEMENTS, id="completed"),
        pytest.param(
            GRADES_PROBLEM_SUBMITTED_EVENT, GRADES_PROBLEM_SUBMITTED_STATEMENTS, id="grades.problem.submitted"
        ),
    ],
)
def test_real_events_give_erb_statements(event, expected):
    assert samples.without_transformer_version(transform(event)) == expected


def test_transformer_version_names_the_event_and_version_1():
    statements = transform(PC_SERVER_MULTI_EVENT)
    assert len(statements) == 4
    for statement in statements:
        assert statement["context"]["extensions"][Extension.TRANSFORMER_VERSION].endswith("/problem_check@1")


def test_multi_question_children_refer_to_the_parent_in_submission_order():
    parent, *children = transform(PC_SERVER_MULTI_EVENT)
    assert parent["object"]["objectType"] == "GroupActivity"
    assert [child["object"]["id"].rsplit("@", 1)[1] for child in children] == list(
        PC_SERVER_MULTI_EVENT["event"]["submission"]
    )
    assert {child["context"]["statement"]["id"] for child in children} == {parent["id"]}
    assert len({parent["id"], *(child["id"] for child in children)}) == 4
    assert all("score" not in child["result"] for child in children)


def test_live_form_gives_the_same_statements_as_the_log_line():
    live = {
        "name": "problem_check",
        "timestamp": PC_SERVER_MULTI_EVENT["time"],
        "data": PC_SERVER_MULTI_EVENT["event"],
        "context": {
            **PC_SERVER_MULTI_EVENT["context"],
            "session": PC_SERVER_MULTI_EVENT["session"],
            "event_source": "server",
            "username": PC_SERVER_MULTI_EVENT["username"],
        },
    }
    assert samples.without_transformer_version(transform(live)) == PC_SERVER_MULTI_STATEMENTS


def test_browser_problem_named_by_the_referer_activate_block_id():
    event = copy.deepcopy(PC_BROWSER_EVENT)
    event["referer"] = (
        "https://courses.example.org/courses/course-v1:HarvardX+LA178+2025_T1/courseware/a/b/"
        "?activate_block_id=block-v1%3AHarvardX%2BLA178%2B2025_T1%2Btype%40problem%2Bblock%40abc"
    )
    [statement] = transform(event)
    assert (
        statement["object"]["id"]
        == "http://localhost:18000/xblock/block-v1:HarvardX+LA178+2025_T1+type@problem+block@abc"
    )


def test_browser_problem_in_a_ccx_course_gets_a_ccx_block_id():
    event = copy.deepcopy(PC_BROWSER_EVENT)
    event["context"]["course_id"] = "ccx-v1:HarvardX+LA178+2025_T1+ccx@3"
    [statement] = transform(event)
    assert statement["object"]["id"] == (
        "http://localhost:18000/xblock/ccx-block-v1:HarvardX+LA178+2025_T1+ccx@3+type@problem"
        "+block@16814b3b2d8554995c0c5c73c9ead52d"
    )


def test_server_problem_check_without_submission_uses_answers_and_success():
    event = copy.deepcopy(PC_SERVER_MULTI_EVENT)
    del event["event"]["submission"]
    [statement] = transform(event)
    assert statement["object"] == {
        "id": "http://localhost:18000/xblock/block-v1:edX+CS139+2025_T1+type@problem+block@7c7b08c1663e7cb16535b254a02c24f4",
        "objectType": "Activity",
        "definition": {
            "type": "http://adlnet.gov/expapi/activities/cmi.interaction",
            "name": {"en-US": "Practice Problem"},
            "interactionType": "other",
            "extensions": {"http://id.tincanapi.com/extension/attempt-id": 1},
        },
    }
    # The answers dict is sent as str() gives it: the form the statements sites already hold have.
    assert statement["result"] == {
        "score": {"min": 0.0, "max": 3.0, "raw": 3.0, "scaled": 1.0},
        "success": True,
        "response": str(PC_SERVER_MULTI_EVENT["event"]["answers"]),
    }


def test_problem_check_with_no_payload_at_all_is_refused():
    # Nothing names the problem, so there is no object id: the reference statement has none, which
    # no LRS accepts (Ralph: 422). The event is refused, naming what it lacks.
    event = {"name": "problem_check", "timestamp": "2026-03-01T00:40:28.884894+00:00", "context": {"user_id": 20}}
    error = invalid(event)
    assert (error.field, error.kind) == ("data", "missing_field")
    assert str(error) == (
        "event 'problem_check': field 'data': names no problem: no referer activate_block_id, no input name, "
        "no problem_id"
    )


def test_submission_without_answer_names_the_field():
    event = copy.deepcopy(PC_SERVER_MULTI_EVENT)
    del event["event"]["submission"]["7c7b08c1663e7cb16535b254a02c24f4_3_1"]["answer"]
    error = invalid(event)
    assert (error.field, error.kind) == ("data.submission.7c7b08c1663e7cb16535b254a02c24f4_3_1.answer", "missing_field")


def test_submission_question_of_wrong_type():
    event = copy.deepcopy(PC_SERVER_MULTI_EVENT)
    event["event"]["submission"]["7c7b08c1663e7cb16535b254a02c24f4_2_1"]["question"] = 7
    error = invalid(event)
    assert (error.field, error.kind) == ("data.submission.7c7b08c1663e7cb16535b254a02c24f4_2_1.question", "wrong_type")


def test_grade_of_wrong_type():
    event = copy.deepcopy(PC_SERVER_MULTI_EVENT)
    event["event"]["grade"] = "3"
    error = invalid(event)
    assert (error.field, error.kind) == ("data.grade", "wrong_type")


def test_submission_of_wrong_type():
    event = copy.deepcopy(PC_SERVER_MULTI_EVENT)
    event["event"]["submission"] = ["a", "b"]
    error = invalid(event)
    assert (error.field, error.kind) == ("data.submission", "wrong_type")


def test_server_payload_without_problem_id_or_module_id():
    event = copy.deepcopy(PC_SERVER_MULTI_EVENT)
    del event["event"]["problem_id"]
    error = invalid(event)
    assert (error.field, error.kind) == ("data.module_id", "missing_field")


@pytest.mark.parametrize(
    "event, field",
    [
        (SHOWANSWER_EVENT, "problem_id"),
        (PROBLEM_HINT_DEMANDHINT_DISPLAYED_EVENT, "hint_index"),
        (PROBLEM_HINT_DEMANDHINT_DISPLAYED_EVENT, "module_id"),
        (GRADES_PROBLEM_SUBMITTED_EVENT, "weighted_possible"),
        (GRADES_PROBLEM_SUBMITTED_EVENT, "weighted_earned"),
    ],
)
def test_missing_required_field_is_named(event, field):
    event = copy.deepcopy(event)
    del event["event"][field]
    error = invalid(event)
    assert (error.event_name, error.field, error.kind) == (event["name"], f"data.{field}", "missing_field")


def test_hint_index_zero_is_a_value():
    event = copy.deepcopy(PROBLEM_HINT_DEMANDHINT_DISPLAYED_EVENT)
    event["event"]["hint_index"] = 0
    [statement] = transform(event)
    assert statement["object"]["id"].endswith("/hint/0")


def test_graded_problem_with_null_possible_counts_it_as_zero():
    event = copy.deepcopy(GRADES_PROBLEM_SUBMITTED_EVENT)
    event["event"]["weighted_possible"] = None
    event["event"]["weighted_earned"] = None
    [statement] = transform(event)
    assert statement["result"] == {"score": {"min": 0.0, "max": 0.0, "raw": 0.0, "scaled": 0.0}, "success": True}


def test_graded_problem_with_wrong_type():
    event = copy.deepcopy(GRADES_PROBLEM_SUBMITTED_EVENT)
    event["event"]["weighted_earned"] = "1"
    error = invalid(event)
    assert (error.field, error.kind) == ("data.weighted_earned", "wrong_type")


@given(st.lists(st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3), max_leaves=8)))
def test_a_list_answer_is_the_text_json_dumps_writes(answer):
    """
    ``result.response`` of a list answer (a checkbox problem's choices; any JSON the payload holds)
    is exactly ``json.dumps(answer, ensure_ascii=False)``, the text the statements sites already
    hold have (event-routing-backends writes the response so), from the encoder built once.
    """
    assert response_text(answer) == json.dumps(answer, ensure_ascii=False)
