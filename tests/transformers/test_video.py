"""
Video transformers: exact statements for real events from a generated tracking log
(``make_tracking_log.py --events 20000 --seed 11``), checked equal to event-routing-backends' statements
for the same events, and the edge cases: no duration, mobile ``edx.video.*`` names, seeks without times.
"""
import copy
import json
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tincan import Result

from openedx_xapi_router.core.errors import InvalidEvent
from openedx_xapi_router.core.event import normalize
from openedx_xapi_router.core.registry import default_registry
from openedx_xapi_router.transformers import video
from tests.transformers.samples import transform, with_payload

registry = default_registry()

ACTOR = {
    "objectType": "Agent",
    "account": {"homePage": "http://localhost:18000", "name": "32e08e30-f8ae-4ce2-94a8-c2bfe38a70cb"},
}
TRANSFORMER_VERSION = "https://w3id.org/xapi/openedx/extension/transformer-version"
SESSION_ID = "https://w3id.org/xapi/openedx/extensions/session-id"
VIDEO_LENGTH = "https://w3id.org/xapi/video/extensions/length"
VIDEO_TIME = "https://w3id.org/xapi/video/extensions/time"
VIDEO_TIME_FROM = "https://w3id.org/xapi/video/extensions/time-from"
VIDEO_TIME_TO = "https://w3id.org/xapi/video/extensions/time-to"
CC_ENABLED = "https://w3id.org/xapi/video/extensions/cc-enabled"
SPEED_FROM = "https://w3id.org/xapi/openedx/extension/speed-from"
SPEED_TO = "https://w3id.org/xapi/openedx/extension/speed-to"
VIDEO_TYPE = {"type": "https://w3id.org/xapi/video/activity-type/video"}


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


PLAY_VIDEO = {
    "name": "play_video",
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
        "{\"id\": \"667bea56b1e3db48c8f8b6628d6077cd\", \"code\": \"9txoF1RWQdu\", \"curre"
        "ntTime\": 0.0, \"duration\": 742}"
    ),
    "time": "2026-03-01T09:46:59.703903+00:00",
    "event_type": "play_video",
    "event_source": "browser",
    "page": (
        "https://courses.example.org/xblock/block-v1:edX+CS148+2025_T3+type@verti"
        "cal+block@05c1fa97fdef0f164f69d21073985430?show_title=0&show_bookmark_bu"
        "tton=0&recheck_access=1&view=student_view"
    ),
}

PLAY_VIDEO_STATEMENT = {
    "id": "732ba711-fb66-5fe1-b873-912435425797",
    "actor": ACTOR,
    "verb": {"id": "https://w3id.org/xapi/video/verbs/played", "display": {"en": "played"}},
    "object": {
        "id": (
            "http://localhost:18000/xblock/block-v1:edX+CS148+2025_T3+type@video+bloc"
            "k@667bea56b1e3db48c8f8b6628d6077cd"
        ),
        "objectType": "Activity",
        "definition": VIDEO_TYPE,
    },
    "result": {"extensions": {VIDEO_TIME: 0.0}},
    "context": {
        "contextActivities": course_parent("course-v1:edX+CS148+2025_T3"),
        "extensions": {
            TRANSFORMER_VERSION: "openedx-xapi-router/play_video@1",
            SESSION_ID: "371d1dd90cda63d8b283d7e81b37b870",
            VIDEO_LENGTH: 742.0,
        },
    },
    "timestamp": "2026-03-01T09:46:59.703903+00:00",
    "version": "1.0.3",
}

VIDEO_PLAYED = {
    "name": "edx.video.played",
    "context": {
        "course_id": "course-v1:edX+CS148+2025_T3",
        "org_id": "edX",
        "user_id": 149,
        "path": "/segmentio/event",
        "enterprise_uuid": "",
        "application": {"name": "edx.mobileapp.android", "version": "4.0.2"},
        "component": "videoplayer",
        "received_at": "2026-03-01T00:45:01.671523+00:00",
    },
    "username": "sara-kim-2004",
    "session": "",
    "ip": "100.81.242.153",
    "agent": (
        "Dalvik/2.1.0 (Linux; U; Android 14; SM-S911B Build/UP1A.231005.007) edX/"
        "org.edx.mobile/4.0.2"
    ),
    "host": "courses.example.org",
    "referer": "",
    "accept_language": "es-ES,es;q=0.9,en;q=0.8",
    "event": (
        "{\"id\": \"c76f3ceb0f7071e18ae94a9577b4097e\", \"code\": \"mobile\", \"currentTim"
        "e\": 0.0}"
    ),
    "time": "2026-03-01T00:45:00.821523+00:00",
    "event_type": "play_video",
    "event_source": "mobile",
    "page": "https://courses.example.org/courses/course-v1:edX+CS148+2025_T3/jump_to_id",
}

VIDEO_PLAYED_STATEMENT = {
    "id": "67f7ff53-cfd9-5021-a882-442907aa49a6",
    "actor": ACTOR,
    "verb": {"id": "https://w3id.org/xapi/video/verbs/played", "display": {"en": "played"}},
    "object": {
        "id": (
            "http://localhost:18000/xblock/block-v1:edX+CS148+2025_T3+type@video+bloc"
            "k@c76f3ceb0f7071e18ae94a9577b4097e"
        ),
        "objectType": "Activity",
        "definition": VIDEO_TYPE,
    },
    "result": {"extensions": {VIDEO_TIME: 0.0}},
    "context": {
        "contextActivities": course_parent("course-v1:edX+CS148+2025_T3"),
        "extensions": {TRANSFORMER_VERSION: "openedx-xapi-router/edx.video.played@1"},
    },
    "timestamp": "2026-03-01T00:45:00.821523+00:00",
    "version": "1.0.3",
}

VIDEO_POSITION_CHANGED = {
    "name": "edx.video.position.changed",
    "context": {
        "course_id": "course-v1:edX+CS148+2025_T3",
        "org_id": "edX",
        "user_id": 149,
        "path": "/segmentio/event",
        "enterprise_uuid": "",
        "application": {"name": "edx.mobileapp.android", "version": "4.0.2"},
        "component": "videoplayer",
        "received_at": "2026-03-01T00:56:31.987619+00:00",
    },
    "username": "sara-kim-2004",
    "session": "",
    "ip": "100.81.242.153",
    "agent": (
        "Dalvik/2.1.0 (Linux; U; Android 14; SM-S911B Build/UP1A.231005.007) edX/"
        "org.edx.mobile/4.0.2"
    ),
    "host": "courses.example.org",
    "referer": "",
    "accept_language": "es-ES,es;q=0.9,en;q=0.8",
    "event": (
        "{\"id\": \"db7dbab7a92032c7553e6c949f54c32b\", \"code\": \"mobile\", \"currentTim"
        "e\": 107.912, \"old_time\": 107.912, \"new_time\": 77.912, \"type\": \"onSkipSee"
        "k\", \"requested_skip_interval\": -30}"
    ),
    "time": "2026-03-01T00:56:31.137619+00:00",
    "event_type": "seek_video",
    "event_source": "mobile",
    "page": "https://courses.example.org/courses/course-v1:edX+CS148+2025_T3/jump_to_id",
}

VIDEO_POSITION_CHANGED_STATEMENT = {
    "id": "82814afb-81ce-56c0-9f94-5ae48c50593e",
    "actor": ACTOR,
    "verb": {"id": "https://w3id.org/xapi/video/verbs/seeked", "display": {"en": "seeked"}},
    "object": {
        "id": (
            "http://localhost:18000/xblock/block-v1:edX+CS148+2025_T3+type@video+bloc"
            "k@db7dbab7a92032c7553e6c949f54c32b"
        ),
        "objectType": "Activity",
        "definition": VIDEO_TYPE,
    },
    "result": {"extensions": {VIDEO_TIME_FROM: 107.912, VIDEO_TIME_TO: 77.912}},
    "context": {
        "contextActivities": course_parent("course-v1:edX+CS148+2025_T3"),
        "extensions": {TRANSFORMER_VERSION: "openedx-xapi-router/edx.video.position.changed@1"},
    },
    "timestamp": "2026-03-01T00:56:31.137619+00:00",
    "version": "1.0.3",
}

SEEK_VIDEO = {
    "name": "seek_video",
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
        "{\"id\": \"667bea56b1e3db48c8f8b6628d6077cd\", \"code\": \"9txoF1RWQdu\", \"durat"
        "ion\": 742, \"new_time\": 285.959, \"old_time\": 208.42, \"type\": \"onSlideSeek"
        "\"}"
    ),
    "time": "2026-03-01T10:03:32.586613+00:00",
    "event_type": "seek_video",
    "event_source": "browser",
    "page": (
        "https://courses.example.org/xblock/block-v1:edX+CS148+2025_T3+type@verti"
        "cal+block@05c1fa97fdef0f164f69d21073985430?show_title=0&show_bookmark_bu"
        "tton=0&recheck_access=1&view=student_view"
    ),
}

SEEK_VIDEO_STATEMENT = {
    "id": "66deda26-ea13-57bf-906c-ccb727c439d7",
    "actor": ACTOR,
    "verb": {"id": "https://w3id.org/xapi/video/verbs/seeked", "display": {"en": "seeked"}},
    "object": {
        "id": (
            "http://localhost:18000/xblock/block-v1:edX+CS148+2025_T3+type@video+bloc"
            "k@667bea56b1e3db48c8f8b6628d6077cd"
        ),
        "objectType": "Activity",
        "definition": VIDEO_TYPE,
    },
    "result": {"extensions": {VIDEO_TIME_FROM: 208.42, VIDEO_TIME_TO: 285.959}},
    "context": {
        "contextActivities": course_parent("course-v1:edX+CS148+2025_T3"),
        "extensions": {
            TRANSFORMER_VERSION: "openedx-xapi-router/seek_video@1",
            SESSION_ID: "371d1dd90cda63d8b283d7e81b37b870",
            VIDEO_LENGTH: 742.0,
        },
    },
    "timestamp": "2026-03-01T10:03:32.586613+00:00",
    "version": "1.0.3",
}

COMPLETE_VIDEO = {
    "name": "complete_video",
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
        "{\"id\": \"667bea56b1e3db48c8f8b6628d6077cd\", \"code\": \"9txoF1RWQdu\", \"durat"
        "ion\": 742}"
    ),
    "time": "2026-03-01T10:10:58.482015+00:00",
    "event_type": "complete_video",
    "event_source": "browser",
    "page": (
        "https://courses.example.org/xblock/block-v1:edX+CS148+2025_T3+type@verti"
        "cal+block@05c1fa97fdef0f164f69d21073985430?show_title=0&show_bookmark_bu"
        "tton=0&recheck_access=1&view=student_view"
    ),
}

COMPLETE_VIDEO_STATEMENT = {
    "id": "2ee30c0b-e6c5-53c2-af1d-6ea9308e7fa8",
    "actor": ACTOR,
    "verb": {"id": "http://adlnet.gov/expapi/verbs/completed", "display": {"en": "completed"}},
    "object": {
        "id": (
            "http://localhost:18000/xblock/block-v1:edX+CS148+2025_T3+type@video+bloc"
            "k@667bea56b1e3db48c8f8b6628d6077cd"
        ),
        "objectType": "Activity",
        "definition": VIDEO_TYPE,
    },
    "result": {"extensions": {VIDEO_TIME: 742.0}, "completion": True, "duration": "PT12M22S"},
    "context": {
        "contextActivities": course_parent("course-v1:edX+CS148+2025_T3"),
        "extensions": {
            TRANSFORMER_VERSION: "openedx-xapi-router/complete_video@1",
            SESSION_ID: "371d1dd90cda63d8b283d7e81b37b870",
            VIDEO_LENGTH: 742.0,
        },
    },
    "timestamp": "2026-03-01T10:10:58.482015+00:00",
    "version": "1.0.3",
}

SPEED_CHANGE_VIDEO = {
    "name": "speed_change_video",
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
        "bd3d1a9ee33050/block-v1:edX+CS148+2025_T3+type@vertical+block@ce02f28f81"
        "1f897747b5d07e268b41ac"
    ),
    "accept_language": "es-ES,es;q=0.9,en;q=0.8",
    "event": (
        "{\"id\": \"9f8cfbcee9bb61a77cc8cf77c70f643d\", \"code\": \"html5\", \"current_tim"
        "e\": 144.878, \"duration\": 829, \"old_speed\": \"1.0\", \"new_speed\": \"2.0\"}"
    ),
    "time": "2026-03-01T10:24:51.133541+00:00",
    "event_type": "speed_change_video",
    "event_source": "browser",
    "page": (
        "https://courses.example.org/xblock/block-v1:edX+CS148+2025_T3+type@verti"
        "cal+block@ce02f28f811f897747b5d07e268b41ac?show_title=0&show_bookmark_bu"
        "tton=0&recheck_access=1&view=student_view"
    ),
}

SPEED_CHANGE_VIDEO_STATEMENT = {
    "id": "01a45b9c-04d8-5cdf-a6e6-d724d8d2060c",
    "actor": ACTOR,
    "verb": {"id": "http://adlnet.gov/expapi/verbs/interacted", "display": {"en": "interacted"}},
    "object": {
        "id": (
            "http://localhost:18000/xblock/block-v1:edX+CS148+2025_T3+type@video+bloc"
            "k@9f8cfbcee9bb61a77cc8cf77c70f643d"
        ),
        "objectType": "Activity",
        "definition": VIDEO_TYPE,
    },
    "result": {"extensions": {SPEED_FROM: "1.0x", SPEED_TO: "2.0x"}},
    "context": {
        "contextActivities": course_parent("course-v1:edX+CS148+2025_T3"),
        "extensions": {
            TRANSFORMER_VERSION: "openedx-xapi-router/speed_change_video@1",
            SESSION_ID: "371d1dd90cda63d8b283d7e81b37b870",
            VIDEO_LENGTH: 829.0,
        },
    },
    "timestamp": "2026-03-01T10:24:51.133541+00:00",
    "version": "1.0.3",
}

VIDEO_SHOW_CC_MENU = {
    "name": "video_show_cc_menu",
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
        "{\"id\": \"667bea56b1e3db48c8f8b6628d6077cd\", \"code\": \"9txoF1RWQdu\", \"curre"
        "nt_time\": 443.722, \"duration\": 742}"
    ),
    "time": "2026-03-01T10:06:12.202344+00:00",
    "event_type": "video_show_cc_menu",
    "event_source": "browser",
    "page": (
        "https://courses.example.org/xblock/block-v1:edX+CS148+2025_T3+type@verti"
        "cal+block@05c1fa97fdef0f164f69d21073985430?show_title=0&show_bookmark_bu"
        "tton=0&recheck_access=1&view=student_view"
    ),
}

VIDEO_SHOW_CC_MENU_STATEMENT = {
    "id": "100e0ac9-01bb-5bb1-978f-2823daef3e54",
    "actor": ACTOR,
    "verb": {"id": "http://adlnet.gov/expapi/verbs/interacted", "display": {"en": "interacted"}},
    "object": {
        "id": (
            "http://localhost:18000/xblock/block-v1:edX+CS148+2025_T3+type@video+bloc"
            "k@667bea56b1e3db48c8f8b6628d6077cd"
        ),
        "objectType": "Activity",
        "definition": VIDEO_TYPE,
    },
    "result": {"extensions": {VIDEO_TIME: 443.722, CC_ENABLED: True}},
    "context": {
        "contextActivities": course_parent("course-v1:edX+CS148+2025_T3"),
        "extensions": {
            TRANSFORMER_VERSION: "openedx-xapi-router/video_show_cc_menu@1",
            SESSION_ID: "371d1dd90cda63d8b283d7e81b37b870",
            VIDEO_LENGTH: 742.0,
        },
    },
    "timestamp": "2026-03-01T10:06:12.202344+00:00",
    "version": "1.0.3",
}

VIDEO_TRANSCRIPT_HIDDEN = {
    "name": "edx.video.transcript.hidden",
    "context": {
        "course_id": "course-v1:edX+CS148+2025_T3",
        "org_id": "edX",
        "user_id": 149,
        "path": "/segmentio/event",
        "enterprise_uuid": "",
        "application": {"name": "edx.mobileapp.android", "version": "4.0.2"},
        "component": "videoplayer",
        "received_at": "2026-03-01T00:57:32.763214+00:00",
    },
    "username": "sara-kim-2004",
    "session": "",
    "ip": "100.81.242.153",
    "agent": (
        "Dalvik/2.1.0 (Linux; U; Android 14; SM-S911B Build/UP1A.231005.007) edX/"
        "org.edx.mobile/4.0.2"
    ),
    "host": "courses.example.org",
    "referer": "",
    "accept_language": "es-ES,es;q=0.9,en;q=0.8",
    "event": (
        "{\"id\": \"db7dbab7a92032c7553e6c949f54c32b\", \"code\": \"mobile\", \"currentTim"
        "e\": 137.412}"
    ),
    "time": "2026-03-01T00:57:31.913214+00:00",
    "event_type": "hide_transcript",
    "event_source": "mobile",
    "page": "https://courses.example.org/courses/course-v1:edX+CS148+2025_T3/jump_to_id",
}

VIDEO_TRANSCRIPT_HIDDEN_STATEMENT = {
    "id": "f6b4e99a-6ed7-5c2b-8fce-feaeacbfdf8d",
    "actor": ACTOR,
    "verb": {"id": "http://adlnet.gov/expapi/verbs/interacted", "display": {"en": "interacted"}},
    "object": {
        "id": (
            "http://localhost:18000/xblock/block-v1:edX+CS148+2025_T3+type@video+bloc"
            "k@db7dbab7a92032c7553e6c949f54c32b"
        ),
        "objectType": "Activity",
        "definition": VIDEO_TYPE,
    },
    "result": {"extensions": {VIDEO_TIME: 137.412, CC_ENABLED: False}},
    "context": {
        "contextActivities": course_parent("course-v1:edX+CS148+2025_T3"),
        "extensions": {TRANSFORMER_VERSION: "openedx-xapi-router/edx.video.transcript.hidden@1"},
    },
    "timestamp": "2026-03-01T00:57:31.913214+00:00",
    "version": "1.0.3",
}

REAL_EVENTS = {
    "play_video (browser, log form)": (PLAY_VIDEO, PLAY_VIDEO_STATEMENT),
    "edx.video.played (mobile, no duration, no session)": (VIDEO_PLAYED, VIDEO_PLAYED_STATEMENT),
    "edx.video.position.changed (mobile seek)": (VIDEO_POSITION_CHANGED, VIDEO_POSITION_CHANGED_STATEMENT),
    "seek_video": (SEEK_VIDEO, SEEK_VIDEO_STATEMENT),
    "complete_video": (COMPLETE_VIDEO, COMPLETE_VIDEO_STATEMENT),
    "speed_change_video": (SPEED_CHANGE_VIDEO, SPEED_CHANGE_VIDEO_STATEMENT),
    "video_show_cc_menu": (VIDEO_SHOW_CC_MENU, VIDEO_SHOW_CC_MENU_STATEMENT),
    "edx.video.transcript.hidden (mobile)": (VIDEO_TRANSCRIPT_HIDDEN, VIDEO_TRANSCRIPT_HIDDEN_STATEMENT),
}

#: Every video event name event-routing-backends 9.3.8 registers, and the class that handles it here.
VIDEO_EVENT_NAMES = {
    "load_video": video.VideoLoaded,
    "edx.video.loaded": video.VideoLoaded,
    "play_video": video.VideoPlayed,
    "edx.video.played": video.VideoPlayed,
    "stop_video": video.VideoStopped,
    "edx.video.stopped": video.VideoStopped,
    "pause_video": video.VideoPaused,
    "edx.video.paused": video.VideoPaused,
    "hide_transcript": video.VideoCaptionsHidden,
    "edx.video.transcript.hidden": video.VideoCaptionsHidden,
    "video_hide_cc_menu": video.VideoCaptionsHidden,
    "edx.video.closed_captions.hidden": video.VideoCaptionsHidden,
    "show_transcript": video.VideoCaptionsShown,
    "edx.video.transcript.shown": video.VideoCaptionsShown,
    "video_show_cc_menu": video.VideoCaptionsShown,
    "edx.video.closed_captions.shown": video.VideoCaptionsShown,
    "complete_video": video.VideoCompleted,
    "edx.video.completed": video.VideoCompleted,
    "seek_video": video.VideoSeeked,
    "edx.video.position.changed": video.VideoSeeked,
    "speed_change_video": video.VideoSpeedChanged,
}


@pytest.mark.parametrize("label", list(REAL_EVENTS))
def test_real_event_gives_exact_statement(label):
    raw, expected = REAL_EVENTS[label]
    assert transform(raw) == [expected]


def test_every_video_event_name_is_registered_to_its_class_at_version_1():
    for name, transformer_class in VIDEO_EVENT_NAMES.items():
        assert registry.get(name) is transformer_class, name
        # Version 2 (the video profile, tests/transformers/test_video_v2.py) is opt-in: 1 stays the default.
        assert registry.versions(name) == [1, 2], name
        assert registry.default_version(name) == 1, name
    registered = {
        name for name in registry.event_names() if registry.get(name).__module__ == video.__name__
    }
    assert registered == set(VIDEO_EVENT_NAMES)


def test_mobile_name_gives_the_legacy_statement_under_its_own_name():
    """The mobile ``edx.video.paused`` is a ``pause_video``: same statement, id included."""
    mobile = with_payload(VIDEO_PLAYED, currentTime=156.903)
    mobile["name"] = "edx.video.paused"
    legacy = copy.deepcopy(mobile)
    legacy["name"] = "pause_video"
    [from_mobile], [from_legacy] = transform(mobile), transform(legacy)
    assert from_mobile["verb"] == {"id": "https://w3id.org/xapi/video/verbs/paused", "display": {"en": "paused"}}
    assert from_mobile["result"] == {"extensions": {VIDEO_TIME: 156.903}}
    assert from_mobile["id"] == from_legacy["id"] == "17b4277b-ed1d-5fc4-aeff-ab2a6fd942d6"
    versions = (from_mobile["context"]["extensions"].pop(TRANSFORMER_VERSION),
                from_legacy["context"]["extensions"].pop(TRANSFORMER_VERSION))
    assert versions == ("openedx-xapi-router/edx.video.paused@1",
                        "openedx-xapi-router/pause_video@1")
    assert from_mobile == from_legacy


@pytest.mark.parametrize("duration", [None, "", 0])
def test_video_without_duration(duration):
    """Absent or empty duration: no length extension. Zero is a length (0.0), as the reference has it."""
    [statement] = transform(with_payload(PLAY_VIDEO, duration=duration))
    extensions = statement["context"]["extensions"]
    assert list(extensions) == [TRANSFORMER_VERSION, SESSION_ID] + ([VIDEO_LENGTH] if duration == 0 else [])
    if duration == 0:
        assert extensions[VIDEO_LENGTH] == 0.0


def test_complete_video_without_duration_is_complete_with_no_time():
    [statement] = transform(with_payload(COMPLETE_VIDEO, duration=None))
    assert statement["result"] == {"extensions": {}, "completion": True}


def test_play_without_current_time_has_empty_result_extensions():
    """As the reference statements: the result stays, its extensions are empty."""
    [statement] = transform(with_payload(PLAY_VIDEO, currentTime=None))
    assert statement["result"] == {"extensions": {}}


def test_current_time_zero_is_kept():
    """``current_time`` 0 is the start of the video, not a missing value."""
    [statement] = transform(with_payload(VIDEO_SHOW_CC_MENU, current_time=0))
    assert statement["result"] == {"extensions": {VIDEO_TIME: 0.0, CC_ENABLED: True}}


def test_times_are_rounded_to_3_decimals_and_numeric_strings_accepted():
    [statement] = transform(with_payload(SEEK_VIDEO, old_time="12.34567", new_time=0.0005, duration="742.5"))
    assert statement["result"] == {"extensions": {VIDEO_TIME_FROM: 12.346, VIDEO_TIME_TO: 0.001}}
    assert statement["context"]["extensions"][VIDEO_LENGTH] == 742.5


@pytest.mark.parametrize("raw", [SEEK_VIDEO, VIDEO_POSITION_CHANGED], ids=["seek_video", "edx.video.position.changed"])
@pytest.mark.parametrize("field", ["old_time", "new_time"])
def test_seek_without_a_time_is_invalid(raw, field):
    with pytest.raises(InvalidEvent) as error:
        transform(with_payload(raw, **{field: None}))
    assert (error.value.field, error.value.kind) == (f"data.{field}", "missing_field")
    assert error.value.event_name == raw["name"]


@pytest.mark.parametrize("value", ["soon", [1], True, "nan"])
def test_time_that_is_not_a_number_is_invalid(value):
    with pytest.raises(InvalidEvent) as error:
        transform(with_payload(SEEK_VIDEO, new_time=value))
    assert (error.value.field, error.value.kind) == ("data.new_time", "wrong_type")


def test_video_without_id_is_invalid():
    with pytest.raises(InvalidEvent) as error:
        transform(with_payload(PLAY_VIDEO, id=None))
    assert (error.value.field, error.value.kind) == ("data.id", "missing_field")


def test_speed_that_is_not_a_string_is_invalid():
    with pytest.raises(InvalidEvent) as error:
        transform(with_payload(SPEED_CHANGE_VIDEO, new_speed=1.5))
    assert (error.value.field, error.value.kind) == ("data.new_speed", "wrong_type")


@pytest.mark.parametrize("video_id", ["667bea56b1e3db48c8f8b6628d6077cd",
                                      "i4x-edX-CS148-video-667bea56b1e3db48c8f8b6628d6077cd"])
def test_video_in_an_old_style_course_is_the_i4x_block(video_id):
    """
    A course with an old-style key names its blocks ``i4x://ORG/COURSE/<type>/<id>`` (the old
    ``Location``); its player's ``id`` is the bare id or the old HTML id (``i4x-ORG-COURSE-video-<id>``).
    The statement is otherwise the course-v1 one, with the old course key.
    """
    raw = copy.deepcopy(PLAY_VIDEO)
    raw["context"]["course_id"] = "edX/CS148/2025_T3"
    raw["event"] = raw["event"].replace("667bea56b1e3db48c8f8b6628d6077cd", video_id)
    [statement] = transform(raw)
    expected = copy.deepcopy(PLAY_VIDEO_STATEMENT)
    expected["object"]["id"] = "http://localhost:18000/xblock/i4x://edX/CS148/video/667bea56b1e3db48c8f8b6628d6077cd"
    expected["context"]["contextActivities"]["parent"][0]["id"] = "http://localhost:18000/course/edX/CS148/2025_T3"
    assert statement == expected


def test_video_without_a_course_is_invalid():
    raw = copy.deepcopy(PLAY_VIDEO)
    raw["context"]["course_id"] = ""
    with pytest.raises(InvalidEvent) as error:
        transform(raw)
    assert (error.value.field, error.value.kind) == ("context.course_id", "missing_field")


def test_video_in_a_ccx_has_a_ccx_block_id():
    raw = copy.deepcopy(PLAY_VIDEO)
    raw["context"]["course_id"] = "ccx-v1:edX+CS148+2025_T3+ccx@4"
    [statement] = transform(raw)
    assert statement["object"]["id"] == (
        "http://localhost:18000/xblock/ccx-block-v1:edX+CS148+2025_T3+ccx@4+type@video+block@667bea56b1e3db48c8f8b6628d6077cd"
    )


@pytest.mark.parametrize("seconds", [0.0, 0.5, 9.0, 59.999, 60.0, 195.0, 742.123, 3600.0, 3725.123, 86400.0, 90061.5])
def test_iso8601_duration_is_written_as_tincan_writes_it(seconds):
    expected = json.loads(Result(duration=seconds).to_json())["duration"]
    assert video.iso8601_duration(seconds) == expected


def test_iso8601_duration_examples():
    assert [video.iso8601_duration(s) for s in (0.0, 15.5, 195.0, 3725.123, 90061.5)] == [
        "PT00S", "PT15.5S", "PT03M15S", "PT01H02M05.123S", "P1DT01H01M01.5S",
    ]


@settings(max_examples=3000, deadline=None, derandomize=True)
@given(number=st.one_of(
    st.floats(allow_nan=False, allow_infinity=False),
    st.integers(min_value=-10**9, max_value=10**9).map(lambda millis: millis / 1000),
    st.integers(min_value=-10**15, max_value=10**15).map(lambda micros: micros / 10**6),
    st.sampled_from([0.0, -0.0, 0.0005, -0.0005, 0.0015, 2.675, 1.0005, 1e12, -1e12, 999999999999.9995, 5e-324]),
))
def test_seconds_are_round_3_of_the_number(number):
    """``seconds`` gives ``round(number, 3)``, sign of zero included, also by its shortcut for 3-decimal values."""
    event = normalize({"name": "play_video", "time": "2026-03-01T00:00:27.058543+00:00", "event": {"t": number}})
    got = video.VideoPlayed(event, None).seconds("t")
    expected = round(number, 3)
    assert (got, math.copysign(1, got)) == (expected, math.copysign(1, expected))


def test_a_remembered_video_is_its_own_block_in_each_course():
    """The usage-key memo keys by course and id: the same id in another course is that course's block."""
    first = copy.deepcopy(PLAY_VIDEO)
    second = copy.deepcopy(PLAY_VIDEO)
    second["context"]["course_id"] = "course-v1:edX+Other+2025_T3"
    for raw in (first, second, first, second):
        [statement] = transform(raw)
        course = raw["context"]["course_id"][len("course-v1:"):]
        assert statement["object"]["id"] == (
            f"http://localhost:18000/xblock/block-v1:{course}+type@video+block@667bea56b1e3db48c8f8b6628d6077cd")


@pytest.mark.parametrize("video_id", [None, "", 12, ["667bea56b1e3db48c8f8b6628d6077cd"]])
def test_a_remembered_course_still_checks_the_id(video_id):
    """After a video of the course is remembered, a missing, empty or non-str id is still invalid."""
    transform(PLAY_VIDEO)
    with pytest.raises(InvalidEvent) as error:
        transform(with_payload(PLAY_VIDEO, id=video_id))
    kind = "wrong_type" if video_id else "missing_field"
    assert (error.value.field, error.value.kind) == ("data.id", kind)


@pytest.mark.parametrize("current_time", [None, ""])
def test_an_empty_current_time_gives_current_time_camel(current_time):
    """``current_time`` absent or empty: the playhead is ``currentTime``; present, it wins."""
    [statement] = transform(with_payload(PLAY_VIDEO, current_time=current_time, currentTime=7.25))
    assert statement["result"] == {"extensions": {VIDEO_TIME: 7.25}}
    [statement] = transform(with_payload(PLAY_VIDEO, current_time=3, currentTime=7.25))
    assert statement["result"] == {"extensions": {VIDEO_TIME: 3.0}}
    with pytest.raises(InvalidEvent) as error:
        transform(with_payload(PLAY_VIDEO, current_time="soon", currentTime=7.25))
    assert (error.value.field, error.value.kind) == ("data.current_time", "wrong_type")


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.integers(min_value=-2 * 10**12, max_value=2 * 10**12),
                 st.sampled_from([0, -1, 10**12 - 1, -(10**12) + 1, 10**12, -(10**12), 2**53 + 1])))
def test_whole_seconds_are_round_3_of_their_float(number):
    """An int payload value (a whole number as JSON.stringify writes it) gives ``round(float(number), 3)``."""
    event = normalize({"name": "play_video", "time": "2026-03-01T00:00:27.058543+00:00", "event": {"t": number}})
    got = video.VideoPlayed(event, None).seconds("t")
    assert got.__class__ is float and got == round(float(number), 3)
