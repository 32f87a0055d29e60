"""
Video transformers, version 2 (the xAPI video profile, opt-in): exact statements,
pinned to version 2, for real events from a generated tracking log
(``make_tracking_log.py --events 100000 --seed 31``), reviewed by hand against
``docs/beyond_erb.rst``; the conventions every statement follows (:func:`check_shape`); bad input.
"""
import copy
import itertools
import json
import random

import pytest

from openedx_xapi_router.core.errors import InvalidEvent, TransformerBug, XapiRouterError
from openedx_xapi_router.core.pipeline import transform_event
from openedx_xapi_router.core.validate import validate_statement
from openedx_xapi_router.core.registry import default_registry
from openedx_xapi_router.transformers import video, video_profile
from tests.core.test_properties import BASE_EVENTS, CLEAN_LOG, mutate
from tests.transformers import samples
from tests.transformers.samples import with_payload
from tests.transformers.beyond_erb import ACTOR, SESSION_ID, TRANSFORMER_VERSION, check_shape, transform

registry = default_registry()

LOAD_VIDEO = {
    "name": "load_video",
    "context": {
        "user_id": 526,
        "path": "/event",
        "course_id": "course-v1:TestX+NE131+2025_T3",
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
        "3+type@sequential+block@ecc4a05b9fc3bc6578d52e7f50ef1f12/block-v1:TestX+NE131+2025_T3+type@vertical+block@"
        "038760374f0d40c2aa86a839570c25bd"
    ),
    "accept_language": "en-US,en;q=0.9",
    "event": "{\"id\": \"bfa7b35910d2993e1f87f466e2e7cbf7\", \"code\": \"rlvSK0oSbYj\", \"duration\": 533}",
    "time": "2026-03-01T00:23:00.688361+00:00",
    "event_type": "load_video",
    "event_source": "browser",
    "page": (
        "https://courses.example.org/xblock/block-v1:TestX+NE131+2025_T3+type@vertical+block@038760374f0d40c2aa86a8"
        "39570c25bd?show_title=0&show_bookmark_button=0&recheck_access=1&view=student_view"
    ),
}

LOAD_VIDEO_STATEMENT = {
    "id": "d8ed21c3-855e-5146-9fdb-bfe2dbdf171f",
    "actor": ACTOR,
    "verb": {
        "id": "http://adlnet.gov/expapi/verbs/initialized",
        "display": {
            "en": "initialized",
        },
    },
    "object": {
        "id": (
            "http://localhost:18000/xblock/block-v1:TestX+NE131+2025_T3+type@video+block@bfa7b35910d2993e1f87f466e2"
            "e7cbf7"
        ),
        "objectType": "Activity",
        "definition": {
            "type": "https://w3id.org/xapi/video/activity-type/video",
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
            TRANSFORMER_VERSION: "openedx-xapi-router/load_video@2",
            SESSION_ID: "f9aec05b29c685ba6a4be0ff1d95da16",
            "https://w3id.org/xapi/video/extensions/session-id": "f9aec05b29c685ba6a4be0ff1d95da16",
            "https://w3id.org/xapi/video/extensions/length": 533.0,
        },
    },
    "timestamp": "2026-03-01T00:23:00.688361+00:00",
    "version": "1.0.3",
}


PLAY_VIDEO = {
    "name": "play_video",
    "context": {
        "user_id": 526,
        "path": "/event",
        "course_id": "course-v1:TestX+NE131+2025_T3",
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
        "3+type@sequential+block@ecc4a05b9fc3bc6578d52e7f50ef1f12/block-v1:TestX+NE131+2025_T3+type@vertical+block@"
        "038760374f0d40c2aa86a839570c25bd"
    ),
    "accept_language": "en-US,en;q=0.9",
    "event": (
        "{\"id\": \"bfa7b35910d2993e1f87f466e2e7cbf7\", \"code\": \"rlvSK0oSbYj\", \"currentTime\": 0.0, \"duration"
        "\": 533}"
    ),
    "time": "2026-03-01T00:23:11.682076+00:00",
    "event_type": "play_video",
    "event_source": "browser",
    "page": (
        "https://courses.example.org/xblock/block-v1:TestX+NE131+2025_T3+type@vertical+block@038760374f0d40c2aa86a8"
        "39570c25bd?show_title=0&show_bookmark_button=0&recheck_access=1&view=student_view"
    ),
}

PLAY_VIDEO_STATEMENT = {
    "id": "3a993435-ca07-5913-8e1e-b9d2acc6e634",
    "actor": ACTOR,
    "verb": {
        "id": "https://w3id.org/xapi/video/verbs/played",
        "display": {
            "en": "played",
        },
    },
    "object": {
        "id": (
            "http://localhost:18000/xblock/block-v1:TestX+NE131+2025_T3+type@video+block@bfa7b35910d2993e1f87f466e2"
            "e7cbf7"
        ),
        "objectType": "Activity",
        "definition": {
            "type": "https://w3id.org/xapi/video/activity-type/video",
        },
    },
    "result": {
        "extensions": {
            "https://w3id.org/xapi/video/extensions/time": 0.0,
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
            TRANSFORMER_VERSION: "openedx-xapi-router/play_video@2",
            SESSION_ID: "f9aec05b29c685ba6a4be0ff1d95da16",
            "https://w3id.org/xapi/video/extensions/session-id": "f9aec05b29c685ba6a4be0ff1d95da16",
            "https://w3id.org/xapi/video/extensions/length": 533.0,
        },
    },
    "timestamp": "2026-03-01T00:23:11.682076+00:00",
    "version": "1.0.3",
}


PAUSE_VIDEO = {
    "name": "pause_video",
    "context": {
        "user_id": 526,
        "path": "/event",
        "course_id": "course-v1:TestX+NE131+2025_T3",
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
        "3+type@sequential+block@ecc4a05b9fc3bc6578d52e7f50ef1f12/block-v1:TestX+NE131+2025_T3+type@vertical+block@"
        "038760374f0d40c2aa86a839570c25bd"
    ),
    "accept_language": "en-US,en;q=0.9",
    "event": (
        "{\"id\": \"bfa7b35910d2993e1f87f466e2e7cbf7\", \"code\": \"rlvSK0oSbYj\", \"currentTime\": 434.363, \"dura"
        "tion\": 533}"
    ),
    "time": "2026-03-01T00:29:53.168910+00:00",
    "event_type": "pause_video",
    "event_source": "browser",
    "page": (
        "https://courses.example.org/xblock/block-v1:TestX+NE131+2025_T3+type@vertical+block@038760374f0d40c2aa86a8"
        "39570c25bd?show_title=0&show_bookmark_button=0&recheck_access=1&view=student_view"
    ),
}

PAUSE_VIDEO_STATEMENT = {
    "id": "6b47c4c0-8cf8-52e7-9aae-9afa13863711",
    "actor": ACTOR,
    "verb": {
        "id": "https://w3id.org/xapi/video/verbs/paused",
        "display": {
            "en": "paused",
        },
    },
    "object": {
        "id": (
            "http://localhost:18000/xblock/block-v1:TestX+NE131+2025_T3+type@video+block@bfa7b35910d2993e1f87f466e2"
            "e7cbf7"
        ),
        "objectType": "Activity",
        "definition": {
            "type": "https://w3id.org/xapi/video/activity-type/video",
        },
    },
    "result": {
        "extensions": {
            "https://w3id.org/xapi/video/extensions/time": 434.363,
            "https://w3id.org/xapi/video/extensions/progress": 0.815,
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
            TRANSFORMER_VERSION: "openedx-xapi-router/pause_video@2",
            SESSION_ID: "f9aec05b29c685ba6a4be0ff1d95da16",
            "https://w3id.org/xapi/video/extensions/session-id": "f9aec05b29c685ba6a4be0ff1d95da16",
            "https://w3id.org/xapi/video/extensions/length": 533.0,
        },
    },
    "timestamp": "2026-03-01T00:29:53.168910+00:00",
    "version": "1.0.3",
}


STOP_VIDEO = {
    "name": "stop_video",
    "context": {
        "user_id": 526,
        "path": "/event",
        "course_id": "course-v1:TestX+NE131+2025_T3",
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
        "3+type@sequential+block@d0e442d7f50118c0fa4de16ff77cc01c/block-v1:TestX+NE131+2025_T3+type@vertical+block@"
        "aae1382d1c56c58a9ab0911a0e3b60f4"
    ),
    "accept_language": "en-US,en;q=0.9",
    "event": (
        "{\"id\": \"6cf2f221bf3cc146f843d8d2bcf3be96\", \"code\": \"html5\", \"currentTime\": 198.0, \"duration\": "
        "198}"
    ),
    "time": "2026-03-01T00:49:29.230900+00:00",
    "event_type": "stop_video",
    "event_source": "browser",
    "page": (
        "https://courses.example.org/xblock/block-v1:TestX+NE131+2025_T3+type@vertical+block@aae1382d1c56c58a9ab091"
        "1a0e3b60f4?show_title=0&show_bookmark_button=0&recheck_access=1&view=student_view"
    ),
}

STOP_VIDEO_STATEMENT = {
    "id": "6dec595a-86cd-5fc7-9d1d-32ebbd504c42",
    "actor": ACTOR,
    "verb": {
        "id": "http://adlnet.gov/expapi/verbs/terminated",
        "display": {
            "en": "terminated",
        },
    },
    "object": {
        "id": (
            "http://localhost:18000/xblock/block-v1:TestX+NE131+2025_T3+type@video+block@6cf2f221bf3cc146f843d8d2bc"
            "f3be96"
        ),
        "objectType": "Activity",
        "definition": {
            "type": "https://w3id.org/xapi/video/activity-type/video",
        },
    },
    "result": {
        "extensions": {
            "https://w3id.org/xapi/video/extensions/time": 198.0,
            "https://w3id.org/xapi/video/extensions/progress": 1.0,
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
            TRANSFORMER_VERSION: "openedx-xapi-router/stop_video@2",
            SESSION_ID: "f9aec05b29c685ba6a4be0ff1d95da16",
            "https://w3id.org/xapi/video/extensions/session-id": "f9aec05b29c685ba6a4be0ff1d95da16",
            "https://w3id.org/xapi/video/extensions/length": 198.0,
        },
    },
    "timestamp": "2026-03-01T00:49:29.230900+00:00",
    "version": "1.0.3",
}


COMPLETE_VIDEO = {
    "name": "complete_video",
    "context": {
        "user_id": 526,
        "path": "/event",
        "course_id": "course-v1:TestX+NE131+2025_T3",
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
        "3+type@sequential+block@d0e442d7f50118c0fa4de16ff77cc01c/block-v1:TestX+NE131+2025_T3+type@vertical+block@"
        "aae1382d1c56c58a9ab0911a0e3b60f4"
    ),
    "accept_language": "en-US,en;q=0.9",
    "event": "{\"id\": \"6cf2f221bf3cc146f843d8d2bcf3be96\", \"code\": \"html5\", \"duration\": 198}",
    "time": "2026-03-01T00:49:29.023749+00:00",
    "event_type": "complete_video",
    "event_source": "browser",
    "page": (
        "https://courses.example.org/xblock/block-v1:TestX+NE131+2025_T3+type@vertical+block@aae1382d1c56c58a9ab091"
        "1a0e3b60f4?show_title=0&show_bookmark_button=0&recheck_access=1&view=student_view"
    ),
}

COMPLETE_VIDEO_STATEMENT = {
    "id": "ebc74099-3f6b-5f6a-a0af-930c9d1aaf95",
    "actor": ACTOR,
    "verb": {
        "id": "http://adlnet.gov/expapi/verbs/completed",
        "display": {
            "en": "completed",
        },
    },
    "object": {
        "id": (
            "http://localhost:18000/xblock/block-v1:TestX+NE131+2025_T3+type@video+block@6cf2f221bf3cc146f843d8d2bc"
            "f3be96"
        ),
        "objectType": "Activity",
        "definition": {
            "type": "https://w3id.org/xapi/video/activity-type/video",
        },
    },
    "result": {
        "extensions": {
            "https://w3id.org/xapi/video/extensions/time": 198.0,
            "https://w3id.org/xapi/video/extensions/progress": 1.0,
        },
        "completion": True,
        "duration": "PT03M18S",
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
            TRANSFORMER_VERSION: "openedx-xapi-router/complete_video@2",
            SESSION_ID: "f9aec05b29c685ba6a4be0ff1d95da16",
            "https://w3id.org/xapi/video/extensions/session-id": "f9aec05b29c685ba6a4be0ff1d95da16",
            "https://w3id.org/xapi/video/extensions/length": 198.0,
        },
    },
    "timestamp": "2026-03-01T00:49:29.023749+00:00",
    "version": "1.0.3",
}


SEEK_VIDEO = {
    "name": "seek_video",
    "context": {
        "user_id": 526,
        "path": "/event",
        "course_id": "course-v1:TestX+NE131+2025_T3",
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
        "3+type@sequential+block@ecc4a05b9fc3bc6578d52e7f50ef1f12/block-v1:TestX+NE131+2025_T3+type@vertical+block@"
        "038760374f0d40c2aa86a839570c25bd"
    ),
    "accept_language": "en-US,en;q=0.9",
    "event": (
        "{\"id\": \"bfa7b35910d2993e1f87f466e2e7cbf7\", \"code\": \"rlvSK0oSbYj\", \"duration\": 533, \"new_time\":"
        " 321.607, \"old_time\": 287.963, \"type\": \"onSlideSeek\"}"
    ),
    "time": "2026-03-01T00:27:59.645745+00:00",
    "event_type": "seek_video",
    "event_source": "browser",
    "page": (
        "https://courses.example.org/xblock/block-v1:TestX+NE131+2025_T3+type@vertical+block@038760374f0d40c2aa86a8"
        "39570c25bd?show_title=0&show_bookmark_button=0&recheck_access=1&view=student_view"
    ),
}

SEEK_VIDEO_STATEMENT = {
    "id": "0f03ed60-ccc5-5e56-9172-f08bb1b66f6d",
    "actor": ACTOR,
    "verb": {
        "id": "https://w3id.org/xapi/video/verbs/seeked",
        "display": {
            "en": "seeked",
        },
    },
    "object": {
        "id": (
            "http://localhost:18000/xblock/block-v1:TestX+NE131+2025_T3+type@video+block@bfa7b35910d2993e1f87f466e2"
            "e7cbf7"
        ),
        "objectType": "Activity",
        "definition": {
            "type": "https://w3id.org/xapi/video/activity-type/video",
        },
    },
    "result": {
        "extensions": {
            "https://w3id.org/xapi/video/extensions/time-from": 287.963,
            "https://w3id.org/xapi/video/extensions/time-to": 321.607,
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
            TRANSFORMER_VERSION: "openedx-xapi-router/seek_video@2",
            SESSION_ID: "f9aec05b29c685ba6a4be0ff1d95da16",
            "https://w3id.org/xapi/video/extensions/session-id": "f9aec05b29c685ba6a4be0ff1d95da16",
            "https://w3id.org/xapi/video/extensions/length": 533.0,
        },
    },
    "timestamp": "2026-03-01T00:27:59.645745+00:00",
    "version": "1.0.3",
}


SPEED_CHANGE_VIDEO = {
    "name": "speed_change_video",
    "context": {
        "user_id": 526,
        "path": "/event",
        "course_id": "course-v1:TestX+NE131+2025_T3",
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
    "event": (
        "{\"id\": \"7a1d6b90a89f8a0b737c88009a2e3da9\", \"code\": \"QeyjY6rMg-M\", \"current_time\": 299.58, \"dura"
        "tion\": 714, \"old_speed\": \"1.0\", \"new_speed\": \"1.25\"}"
    ),
    "time": "2026-03-01T01:00:00.886251+00:00",
    "event_type": "speed_change_video",
    "event_source": "browser",
    "page": (
        "https://courses.example.org/xblock/block-v1:TestX+NE131+2025_T3+type@vertical+block@450d3bffc6cdf6c98c1dd4"
        "c1681a70ad?show_title=0&show_bookmark_button=0&recheck_access=1&view=student_view"
    ),
}

SPEED_CHANGE_VIDEO_STATEMENT = {
    "id": "c0f488e3-3b75-5c04-b9a5-538542daaef6",
    "actor": ACTOR,
    "verb": {
        "id": "http://adlnet.gov/expapi/verbs/interacted",
        "display": {
            "en": "interacted",
        },
    },
    "object": {
        "id": (
            "http://localhost:18000/xblock/block-v1:TestX+NE131+2025_T3+type@video+block@7a1d6b90a89f8a0b737c88009a"
            "2e3da9"
        ),
        "objectType": "Activity",
        "definition": {
            "type": "https://w3id.org/xapi/video/activity-type/video",
        },
    },
    "result": {
        "extensions": {
            "https://w3id.org/xapi/video/extensions/time": 299.58,
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
            TRANSFORMER_VERSION: "openedx-xapi-router/speed_change_video@2",
            SESSION_ID: "f9aec05b29c685ba6a4be0ff1d95da16",
            "https://w3id.org/xapi/video/extensions/session-id": "f9aec05b29c685ba6a4be0ff1d95da16",
            "https://w3id.org/xapi/video/extensions/length": 714.0,
            "https://w3id.org/xapi/video/extensions/speed": "1.25x",
        },
    },
    "timestamp": "2026-03-01T01:00:00.886251+00:00",
    "version": "1.0.3",
}


SHOW_CC_MENU = {
    "name": "video_show_cc_menu",
    "context": {
        "user_id": 526,
        "path": "/event",
        "course_id": "course-v1:TestX+NE131+2025_T3",
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
        "d58841662cb2316083a2c57a18e60c34"
    ),
    "accept_language": "en-US,en;q=0.9",
    "event": (
        "{\"id\": \"1eef2edc649ae1362e5871d4da9eedba\", \"code\": \"eXmEv-jwVFV\", \"current_time\": 334.105, \"dur"
        "ation\": 354}"
    ),
    "time": "2026-03-01T01:35:43.002755+00:00",
    "event_type": "video_show_cc_menu",
    "event_source": "browser",
    "page": (
        "https://courses.example.org/xblock/block-v1:TestX+NE131+2025_T3+type@vertical+block@d58841662cb2316083a2c5"
        "7a18e60c34?show_title=0&show_bookmark_button=0&recheck_access=1&view=student_view"
    ),
}

SHOW_CC_MENU_STATEMENT = {
    "id": "6240723e-a74a-5a49-80af-836ee838e835",
    "actor": ACTOR,
    "verb": {
        "id": "http://adlnet.gov/expapi/verbs/interacted",
        "display": {
            "en": "interacted",
        },
    },
    "object": {
        "id": (
            "http://localhost:18000/xblock/block-v1:TestX+NE131+2025_T3+type@video+block@1eef2edc649ae1362e5871d4da"
            "9eedba"
        ),
        "objectType": "Activity",
        "definition": {
            "type": "https://w3id.org/xapi/video/activity-type/video",
        },
    },
    "result": {
        "extensions": {
            "https://w3id.org/xapi/video/extensions/time": 334.105,
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
            TRANSFORMER_VERSION: "openedx-xapi-router/video_show_cc_menu@2",
            SESSION_ID: "f9aec05b29c685ba6a4be0ff1d95da16",
            "https://w3id.org/xapi/video/extensions/session-id": "f9aec05b29c685ba6a4be0ff1d95da16",
            "https://w3id.org/xapi/video/extensions/length": 354.0,
            "https://w3id.org/xapi/video/extensions/cc-enabled": True,
        },
    },
    "timestamp": "2026-03-01T01:35:43.002755+00:00",
    "version": "1.0.3",
}


MOBILE_PAUSED = {
    "name": "edx.video.paused",
    "context": {
        "course_id": "course-v1:TestX+NE131+2025_T3",
        "org_id": "TestX",
        "user_id": 769,
        "path": "/segmentio/event",
        "enterprise_uuid": "aa75e237-6e8b-4d1f-af41-afd7500e88e5",
        "application": {
            "name": "edx.mobileapp.iOS",
            "version": "5.1.0",
        },
        "component": "videoplayer",
        "received_at": "2026-03-01T05:13:19.931941+00:00",
    },
    "username": "ali.cohen",
    "session": "",
    "ip": "203.0.113.247",
    "agent": "edX/org.edx.mobile (5.1.0; OS Version 17.6.1 (Build 21G93))",
    "host": "courses.example.org",
    "referer": "",
    "accept_language": "hi-IN,hi;q=0.9,en;q=0.8",
    "event": "{\"id\": \"c88bea668416359dd954a455ef94a2ef\", \"code\": \"mobile\", \"currentTime\": 97.724}",
    "time": "2026-03-01T05:13:19.081941+00:00",
    "event_type": "pause_video",
    "event_source": "mobile",
    "page": "https://courses.example.org/courses/course-v1:TestX+NE131+2025_T3/jump_to_id",
}

MOBILE_PAUSED_STATEMENT = {
    "id": "6c8c8f0b-2652-5e7a-ac1b-1be224136332",
    "actor": ACTOR,
    "verb": {
        "id": "https://w3id.org/xapi/video/verbs/paused",
        "display": {
            "en": "paused",
        },
    },
    "object": {
        "id": (
            "http://localhost:18000/xblock/block-v1:TestX+NE131+2025_T3+type@video+block@c88bea668416359dd954a455ef"
            "94a2ef"
        ),
        "objectType": "Activity",
        "definition": {
            "type": "https://w3id.org/xapi/video/activity-type/video",
        },
    },
    "result": {
        "extensions": {
            "https://w3id.org/xapi/video/extensions/time": 97.724,
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
            TRANSFORMER_VERSION: "openedx-xapi-router/edx.video.paused@2",
        },
    },
    "timestamp": "2026-03-01T05:13:19.081941+00:00",
    "version": "1.0.3",
}


VIDEO = "https://w3id.org/xapi/video/activity-type/video"
VIDEO_SESSION_ID = "https://w3id.org/xapi/video/extensions/session-id"
LENGTH = "https://w3id.org/xapi/video/extensions/length"
TIME = "https://w3id.org/xapi/video/extensions/time"
PROGRESS = "https://w3id.org/xapi/video/extensions/progress"
CC_ENABLED = "https://w3id.org/xapi/video/extensions/cc-enabled"
SPEED = "https://w3id.org/xapi/video/extensions/speed"

#: Every video event name pinned to version 2, as a site opting in would set XAPI_ROUTER_TRANSFORMER_VERSIONS.
VERSION_2 = dict.fromkeys(
    [name for name in registry.event_names() if registry.get(name).__module__ == video.__name__], 2)

#: label -> (event, statement, verb, result keys, context extension keys after the session id)
REAL_EVENTS = {
    "load_video": (LOAD_VIDEO, LOAD_VIDEO_STATEMENT, "http://adlnet.gov/expapi/verbs/initialized", (),
                   (VIDEO_SESSION_ID, LENGTH)),
    "play_video": (PLAY_VIDEO, PLAY_VIDEO_STATEMENT, "https://w3id.org/xapi/video/verbs/played", ("extensions",),
                   (VIDEO_SESSION_ID, LENGTH)),
    "pause_video": (PAUSE_VIDEO, PAUSE_VIDEO_STATEMENT, "https://w3id.org/xapi/video/verbs/paused", ("extensions",),
                    (VIDEO_SESSION_ID, LENGTH)),
    "stop_video": (STOP_VIDEO, STOP_VIDEO_STATEMENT, "http://adlnet.gov/expapi/verbs/terminated", ("extensions",),
                   (VIDEO_SESSION_ID, LENGTH)),
    "complete_video": (COMPLETE_VIDEO, COMPLETE_VIDEO_STATEMENT, "http://adlnet.gov/expapi/verbs/completed",
                       ("extensions", "completion", "duration"), (VIDEO_SESSION_ID, LENGTH)),
    "seek_video": (SEEK_VIDEO, SEEK_VIDEO_STATEMENT, "https://w3id.org/xapi/video/verbs/seeked", ("extensions",),
                   (VIDEO_SESSION_ID, LENGTH)),
    "speed_change_video": (SPEED_CHANGE_VIDEO, SPEED_CHANGE_VIDEO_STATEMENT, "http://adlnet.gov/expapi/verbs/interacted",
                           ("extensions",), (VIDEO_SESSION_ID, LENGTH, SPEED)),
    "video_show_cc_menu": (SHOW_CC_MENU, SHOW_CC_MENU_STATEMENT, "http://adlnet.gov/expapi/verbs/interacted",
                           ("extensions",), (VIDEO_SESSION_ID, LENGTH, CC_ENABLED)),
    "edx.video.paused (mobile, no duration)": (MOBILE_PAUSED, MOBILE_PAUSED_STATEMENT,
                                               "https://w3id.org/xapi/video/verbs/paused", ("extensions",),
                                               ()),
}


def test_every_video_name_has_an_opt_in_version_2_beside_the_default_version_1():
    assert len(VERSION_2) == 21
    for name in VERSION_2:
        assert registry.versions(name) == [1, 2], name
        assert registry.default_version(name) == 1, name
        assert registry.get(name).version == 1, name
        pinned = registry.get(name, VERSION_2)
        assert (pinned.version, pinned.opt_in, pinned.__module__) == (2, True, video_profile.__name__), name


@pytest.mark.parametrize("label", list(REAL_EVENTS))
def test_real_event_gives_exact_statement(label):
    raw, expected, *_ = REAL_EVENTS[label]
    assert transform(raw, VERSION_2) == [expected]


@pytest.mark.parametrize("label", list(REAL_EVENTS))
def test_statement_shape(label):
    raw, _, verb, result_keys, extension_keys = REAL_EVENTS[label]
    [statement] = transform(raw, VERSION_2)
    check_shape(statement, raw, verb=verb, activity_type=VIDEO, result_keys=result_keys,
                extension_keys=extension_keys, version=2)


@pytest.mark.parametrize("label", list(REAL_EVENTS))
def test_unpinned_the_same_event_gives_version_1_with_the_same_id(label):
    raw, expected, *_ = REAL_EVENTS[label]
    [statement] = transform(raw)
    assert statement["context"]["extensions"][TRANSFORMER_VERSION].endswith("@1")
    assert VIDEO_SESSION_ID not in statement["context"]["extensions"]
    assert statement["id"] == expected["id"]


def test_pause_progress_is_the_playhead_over_the_length():
    [statement] = transform(with_payload(PAUSE_VIDEO, currentTime=133.25, duration=533), VERSION_2)
    assert statement["result"]["extensions"] == {TIME: 133.25, PROGRESS: 0.25}


def test_a_playhead_past_the_length_is_progress_1():
    [statement] = transform(with_payload(STOP_VIDEO, currentTime=200.5, duration=198), VERSION_2)
    assert statement["result"]["extensions"] == {TIME: 200.5, PROGRESS: 1.0}


@pytest.mark.parametrize("duration", [None, 0, "0", ""])
def test_without_a_length_there_is_neither_length_nor_progress(duration):
    [statement] = transform(with_payload(PAUSE_VIDEO, duration=duration), VERSION_2)
    assert statement["result"]["extensions"] == {TIME: 434.363}
    assert LENGTH not in statement["context"]["extensions"]


def test_version_1_sends_a_zero_length_that_version_2_leaves_out():
    raw = with_payload(LOAD_VIDEO, duration=0)
    [old] = transform(raw)
    [new] = transform(raw, VERSION_2)
    assert old["context"]["extensions"]["https://w3id.org/xapi/video/extensions/length"] == 0.0
    assert LENGTH not in new["context"]["extensions"]


def test_a_completion_without_a_length_is_only_a_completion():
    [statement] = transform(with_payload(COMPLETE_VIDEO, duration=None), VERSION_2)
    assert statement["result"] == {"extensions": {}, "completion": True}


def test_a_pause_without_a_playhead_has_no_time_and_no_progress():
    [statement] = transform(with_payload(PAUSE_VIDEO, currentTime=None), VERSION_2)
    assert statement["result"] == {"extensions": {}}


def test_hidden_captions_are_cc_enabled_false_in_the_context():
    raw = copy.deepcopy(SHOW_CC_MENU)
    raw["name"] = raw["event_type"] = "video_hide_cc_menu"
    [statement] = transform(raw, VERSION_2)
    assert statement["context"]["extensions"][CC_ENABLED] is False
    assert CC_ENABLED not in statement["result"]["extensions"]


@pytest.mark.parametrize(("raw", "field"), [
    (with_payload(SPEED_CHANGE_VIDEO, new_speed=None), "data.new_speed"),
    (with_payload(SEEK_VIDEO, old_time=None), "data.old_time"),
    (with_payload(PAUSE_VIDEO, duration="long"), "data.duration"),
    (with_payload(PLAY_VIDEO, id=None), "data.id"),
])
def test_bad_payload_is_invalid_naming_the_field(raw, field):
    with pytest.raises(InvalidEvent) as error:
        transform(raw, VERSION_2)
    assert error.value.field == field


def test_mutated_real_video_events_never_break_version_2():
    """The property test's mutations (tests/core/test_properties.py), on video events, with version 2 pinned."""
    base = [event for event in BASE_EVENTS if event["name"] in VERSION_2]
    if not base:
        samples.require_shared(CLEAN_LOG, "the shared clean corpus")
    rng = random.Random(20260302)
    ctx = samples.reference_context(transformer_versions=VERSION_2)
    transformed = 0
    for _, event in zip(range(3000), itertools.cycle(base)):
        mutated = mutate(event, rng, rng.randint(0, 4))
        try:
            statements = transform_event(mutated, ctx)
        except TransformerBug as bug:
            raise AssertionError(f"{bug} on {json.dumps(mutated)[:2000]}") from bug
        except XapiRouterError:
            continue
        transformed += 1
        for statement in statements:
            validate_statement(statement, "video v2 property")
    assert transformed > 300
