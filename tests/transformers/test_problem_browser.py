"""
problem_show and problem_graded transformers: exact statements for real events from a generated tracking log
(``make_tracking_log.py --events 100000 --seed 31``), reviewed by hand against
``docs/beyond_erb.rst``; the conventions every statement follows (:func:`check_shape`); bad input.
"""
import copy
import json

import pytest

from openedx_xapi_router.core.errors import InvalidEvent
from openedx_xapi_router.core.registry import default_registry
from openedx_xapi_router.transformers import problem_browser
from tests.transformers.beyond_erb import ACTOR, SESSION_ID, TRANSFORMER_VERSION, check_shape, transform

registry = default_registry()

PROBLEM_SHOW = {
    "name": "problem_show",
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
        "https://courses.example.org/xblock/block-v1:MITx+PH142+2026_T1+type@vertical+block@e57710d2af6e7be5c8dcf86"
        "994b56e63?show_title=0&show_bookmark_button=0&recheck_access=1&view=student_view"
    ),
    "accept_language": "en-US,en;q=0.9",
    "event": "{\"problem\": \"block-v1:MITx+PH142+2026_T1+type@problem+block@1324b5467175f904c69b1a1a79afcd3f\"}",
    "time": "2026-03-01T00:12:42.687961+00:00",
    "event_type": "problem_show",
    "event_source": "browser",
    "page": (
        "https://courses.example.org/xblock/block-v1:MITx+PH142+2026_T1+type@vertical+block@e57710d2af6e7be5c8dcf86"
        "994b56e63?show_title=0&show_bookmark_button=0&recheck_access=1&view=student_view"
    ),
}

PROBLEM_SHOW_STATEMENT = {
    "id": "36b176a8-cd20-5999-a0f4-e7c128efaa58",
    "actor": ACTOR,
    "verb": {
        "id": "http://id.tincanapi.com/verb/viewed",
        "display": {
            "en": "viewed",
        },
    },
    "object": {
        "id": (
            "http://localhost:18000/xblock/block-v1:MITx+PH142+2026_T1+type@problem+block@1324b5467175f904c69b1a1a7"
            "9afcd3f/answer"
        ),
        "objectType": "Activity",
        "definition": {
            "type": "http://id.tincanapi.com/activitytype/solution",
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
            TRANSFORMER_VERSION: "openedx-xapi-router/problem_show@1",
            SESSION_ID: "8f7af9fdcd8331eb25b1aaf8483dd897",
        },
    },
    "timestamp": "2026-03-01T00:12:42.687961+00:00",
    "version": "1.0.3",
}


PROBLEM_GRADED = {
    "name": "problem_graded",
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
        "https://courses.example.org/xblock/block-v1:MITx+PH142+2026_T1+type@vertical+block@e57710d2af6e7be5c8dcf86"
        "994b56e63?show_title=0&show_bookmark_button=0&recheck_access=1&view=student_view"
    ),
    "accept_language": "en-US,en;q=0.9",
    "event": [
        "input_1324b5467175f904c69b1a1a79afcd3f_2_1=na2&input_1324b5467175f904c69b1a1a79afcd3f_3_1=choice_2",
        (
            "<h3 class=\"hd hd-3 problem-header\" id=\"1324b5467175f904c69b1a1a79afcd3f-problem-title\">Checkboxes<"
            "/h3><div class=\"problem-progress\">0/2 points (graded)</div><span class=\"status incorrect\"></span>"
        ),
    ],
    "time": "2026-03-01T00:15:09.124198+00:00",
    "event_type": "problem_graded",
    "event_source": "browser",
    "page": (
        "https://courses.example.org/xblock/block-v1:MITx+PH142+2026_T1+type@vertical+block@e57710d2af6e7be5c8dcf86"
        "994b56e63?show_title=0&show_bookmark_button=0&recheck_access=1&view=student_view"
    ),
}

PROBLEM_GRADED_STATEMENT = {
    "id": "383fe807-cc21-5476-ae1c-17dfca9341be",
    "actor": ACTOR,
    "verb": {
        "id": "http://adlnet.gov/expapi/verbs/scored",
        "display": {
            "en": "scored",
        },
    },
    "object": {
        "id": (
            "http://localhost:18000/xblock/block-v1:MITx+PH142+2026_T1+type@problem+block@1324b5467175f904c69b1a1a7"
            "9afcd3f"
        ),
        "objectType": "Activity",
        "definition": {
            "type": "http://adlnet.gov/expapi/activities/question",
        },
    },
    "result": {
        "score": {
            "min": 0.0,
            "max": 2.0,
            "raw": 0.0,
            "scaled": 0.0,
        },
        "success": False,
        "response": (
            "input_1324b5467175f904c69b1a1a79afcd3f_2_1=na2&input_1324b5467175f904c69b1a1a79afcd3f_3_1=choice_2"
        ),
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
            TRANSFORMER_VERSION: "openedx-xapi-router/problem_graded@1",
            SESSION_ID: "8f7af9fdcd8331eb25b1aaf8483dd897",
        },
    },
    "timestamp": "2026-03-01T00:15:09.124198+00:00",
    "version": "1.0.3",
}


def with_payload(raw, payload):
    """A copy of ``raw`` whose payload is ``payload``."""
    raw = copy.deepcopy(raw)
    raw["event"] = payload
    return raw


@pytest.mark.parametrize(("raw", "expected"), [(PROBLEM_SHOW, PROBLEM_SHOW_STATEMENT),
                                               (PROBLEM_GRADED, PROBLEM_GRADED_STATEMENT)])
def test_real_event_gives_exact_statement(raw, expected):
    assert transform(raw) == [expected]


def test_statement_shapes():
    [shown] = transform(PROBLEM_SHOW)
    check_shape(shown, PROBLEM_SHOW, verb="http://id.tincanapi.com/verb/viewed",
                activity_type="http://id.tincanapi.com/activitytype/solution")
    [graded] = transform(PROBLEM_GRADED)
    check_shape(graded, PROBLEM_GRADED, verb="http://adlnet.gov/expapi/verbs/scored",
                activity_type="http://adlnet.gov/expapi/activities/question",
                result_keys=("score", "success", "response"))


def test_registered_names():
    assert registry.get("problem_show") is problem_browser.AnswerViewed
    assert registry.get("problem_graded") is problem_browser.ProblemGradedShown
    assert registry.versions("problem_show") == registry.versions("problem_graded") == [1]


def test_problem_show_names_the_same_answer_as_showanswer_with_another_verb():
    showanswer = {"name": "showanswer", "time": PROBLEM_SHOW["time"], "context": PROBLEM_SHOW["context"],
                  "username": PROBLEM_SHOW["username"], "event": json.loads(PROBLEM_SHOW["event"]) | {
                      "problem_id": json.loads(PROBLEM_SHOW["event"])["problem"]}, "event_source": "server"}
    [server] = transform(showanswer)
    [browser] = transform(PROBLEM_SHOW)
    assert browser["object"] == server["object"]
    assert browser["verb"] != server["verb"]


def test_a_correct_graded_problem_in_a_ccx_course():
    raw = copy.deepcopy(PROBLEM_GRADED)
    raw["context"]["course_id"] = "ccx-v1:MITx+PH142+2026_T1+ccx@3"
    raw["event"] = ["input_abc_def_2_1%5B%5D=choice_0&input_abc_def_2_1%5B%5D=choice_2",
                    '<div class="problem-progress">1.5/2 points (graded)</div><span class="status correct">']
    [statement] = transform(raw)
    assert statement["object"]["id"] == (
        "http://localhost:18000/xblock/ccx-block-v1:MITx+PH142+2026_T1+ccx@3+type@problem+block@abc_def")
    assert statement["result"] == {
        "score": {"min": 0.0, "max": 2.0, "raw": 1.5, "scaled": 0.75},
        "success": True,
        "response": "input_abc_def_2_1%5B%5D=choice_0&input_abc_def_2_1%5B%5D=choice_2",
    }


def test_html_without_progress_or_status_gives_only_the_response():
    [statement] = transform(with_payload(PROBLEM_GRADED, ["input_abc_2_1=3", "<p>Puntuación: uno</p>"]))
    assert statement["result"] == {"response": "input_abc_2_1=3"}


def test_the_string_encoded_payload_gives_the_same_statement():
    assert transform(with_payload(PROBLEM_GRADED, json.dumps(PROBLEM_GRADED["event"]))) == [PROBLEM_GRADED_STATEMENT]


@pytest.mark.parametrize("payload", ["input_abc_2_1=3", "{}", ["only one"], ["a", 2], "", [],
                                     ["answer=3", "<p></p>"]])
def test_a_graded_payload_that_is_not_answers_and_html_naming_a_problem_is_invalid(payload):
    with pytest.raises(InvalidEvent) as error:
        transform(with_payload(PROBLEM_GRADED, payload))
    assert error.value.field == "data"


@pytest.mark.parametrize("block_id", ["1324b5467175f904c69b1a1a79afcd3f",
                                      "i4x-MITx-PH142-problem-1324b5467175f904c69b1a1a79afcd3f"])
def test_a_graded_problem_in_an_old_style_course_is_the_i4x_block(block_id):
    """
    An old-style course key (``ORG/COURSE/RUN``) gives the old usage key, ``i4x://ORG/COURSE/problem/<id>``;
    the form fields of such a course name the problem by its old HTML id, ``i4x-ORG-COURSE-problem-<id>``.
    """
    raw = copy.deepcopy(PROBLEM_GRADED)
    raw["context"]["course_id"] = "MITx/PH142/2026_T1"
    raw["event"][0] = raw["event"][0].replace("1324b5467175f904c69b1a1a79afcd3f", block_id)
    [statement] = transform(raw)
    assert statement["object"]["id"] == (
        "http://localhost:18000/xblock/i4x://MITx/PH142/problem/1324b5467175f904c69b1a1a79afcd3f")
    assert statement["context"]["contextActivities"]["parent"][0]["id"] == (
        "http://localhost:18000/course/MITx/PH142/2026_T1")
    assert statement["result"] == {**PROBLEM_GRADED_STATEMENT["result"], "response": raw["event"][0]}


def test_a_graded_problem_needs_a_course():
    raw = copy.deepcopy(PROBLEM_GRADED)
    raw["context"]["course_id"] = ""
    with pytest.raises(InvalidEvent) as error:
        transform(raw)
    assert (error.value.field, error.value.kind) == ("context.course_id", "missing_field")


def test_a_graded_block_id_that_cannot_be_an_iri_is_invalid():
    with pytest.raises(InvalidEvent) as error:
        transform(with_payload(PROBLEM_GRADED, ["input_a%20b_2_1=3", "<p></p>"]))
    assert error.value.field == "data"


@pytest.mark.parametrize("payload", ["{}", '{"problem": ""}', '{"problem": 3}',
                                     '{"problem": "block-v1:X+Y+Z+type@problem+block@a b"}'])
def test_problem_show_without_a_usable_problem_is_invalid(payload):
    with pytest.raises(InvalidEvent) as error:
        transform(with_payload(PROBLEM_SHOW, payload))
    assert error.value.field == "data.problem"
