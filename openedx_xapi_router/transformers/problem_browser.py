"""
Browser problem events event-routing-backends does not transform: ``problem_show`` (the answer
shown) and ``problem_graded`` (the graded answer shown). ``docs/beyond_erb.rst`` explains their
mapping; the base class is :class:`~openedx_xapi_router.transformers.problem.ProblemTransformer`.

.. event_name: problem_show, problem_graded
.. event_version: 1
"""
import json
import re
from urllib.parse import unquote

import orjson

from openedx_xapi_router.core import vocab
from openedx_xapi_router.core.contract import Field, Producer
from openedx_xapi_router.core.errors import InvalidEvent
from openedx_xapi_router.core.registry import register
from openedx_xapi_router.core.validate import MADE_RESULT, is_text
from openedx_xapi_router.core.vocab import ActivityType
from openedx_xapi_router.transformers.base import memoized_property
from openedx_xapi_router.transformers.grading import made_score, score
from openedx_xapi_router.transformers.problem import ProblemTransformer
from openedx_xapi_router.transformers.xblock_events import iri_key


#: An answer's form field, ``input_<block id>_<response>_<input>`` (``[]`` for checkboxes).
_INPUT_NAME_RE = re.compile(r"^input_(.+?)_\d+_\d+(?:\[\])?$")
_PROGRESS_RE = re.compile(r'class="problem-progress"[^>]*>\s*(\d+(?:\.\d+)?)\s*/\s*(\d+(?:\.\d+)?)')
_STATUS_RE = re.compile(r'class="status ([\w-]+)')
#: The rendered problem's status class -> ``result.success`` (others, e.g. ``unanswered``, leave it out).
_STATUS_SUCCESS = {"correct": True, "incorrect": False, "partially-correct": False}


def _field_names(query):
    """
    The field names of a query string, decoded and in order, as ``parse_qs(query,
    keep_blank_values=True)`` has them as keys (repeats aside), one at a time: the first answer
    field names the problem, and the values need no decoding.
    """
    for field in query.split("&"):
        if field:
            name = field.partition("=")[0].replace("+", " ")
            yield unquote(name) if "%" in name else name


@register
class AnswerViewed(ProblemTransformer):
    """
    The browser showed a problem's answer (``problem_show``, the click; the server's ``showanswer``
    follows it). The object is the answer, ``<problem IRI>/answer``, as for ``showanswer``; the verb
    is *viewed*, not *asked*, so that counting either never counts a click twice.
    """

    event_names = ("problem_show",)
    family = "problem"
    erb = False
    contract = Producer(
        repo="openedx/edx-platform",
        path="xmodule/js/src/capa/display.js",
        commit="edda02ff66c057f6d25a9daef6e654280bddcd83",
        source="browser",
        where="Problem.show (Logger.log('problem_show', {problem: this.id}))",
        fields=(Field("data.problem", "str", "block-v1:edX+DemoX+Demo_Course+type@problem+"
            "block@3fc5461f86764ad7bdbdf6cbdde61e66"),),
        evidence="the file was located at this commit but not read (the search budget is shared); the payload is the "
                 "one the tests' real events carry (tests/transformers/test_problem_browser.py)",
    )
    verb = vocab.VIEWED
    activity_type = ActivityType.SOLUTION

    def object_id(self):
        problem = iri_key(self.event_name, "data.problem", self.event.require("problem", str))
        return f"{self.block_iri(problem)}/answer"


@register
class ProblemGradedShown(ProblemTransformer):
    """
    The browser showed a learner their graded answer (``problem_graded``, after the server's
    ``problem_check``). The payload is ``[answers as a query string, the problem's rendered HTML]``:
    the problem is the block named in the answers' form fields, the response is the query string,
    and the score and success are read from the rendered HTML (``problem-progress``, ``status``
    class) when it shows them. The verb is *scored*, distinct from ``problem_check``'s.
    """

    event_names = ("problem_graded",)
    family = "problem"
    erb = False
    contract = Producer(
        repo="openedx/edx-platform",
        path="xmodule/js/src/capa/display.js",
        commit="edda02ff66c057f6d25a9daef6e654280bddcd83",
        source="browser",
        where="Problem.submit_save_waitfor callback (Logger.log('problem_graded', [answers, html], id))",
        fields=(Field("data", "list", ["input_3fc5461f86764ad7bdbdf6cbdde61e66_2_1=choice_2",
                                       '<div class="problem-progress">1/1 point (graded)</div>'
                                   '<span class="status correct"></span>']),),
        evidence="the file was located at this commit but not read (the search budget is shared); the payload is the "
                 "one the tests' real events carry (tests/transformers/test_problem_browser.py)",
    )
    verb = vocab.SCORED
    activity_type = ActivityType.QUESTION

    @memoized_property
    def payload(self):
        """``(query string, html)``; InvalidEvent (field ``data``) when the payload is not that pair."""
        text = self.event.data_text
        value = None
        if text:
            try:  # the text is orjson's own (the reader's) when the payload was a list; json reads the rest alike
                value = orjson.loads(text)
            except orjson.JSONDecodeError:
                try:
                    value = json.loads(text)
                except ValueError:
                    pass
        if not (isinstance(value, list) and len(value) == 2 and all(isinstance(part, str) for part in value)):
            raise InvalidEvent(self.event_name, "data", "expected [answers query string, rendered html]",
                               kind="wrong_type")
        return value[0], value[1]

    def object_id(self):
        for name in _field_names(self.payload[0]):
            match = _INPUT_NAME_RE.match(name)
            if match:
                block_id = iri_key(self.event_name, "data", match.group(1))
                return self.block_iri(self.course_block_key("problem", block_id))
        raise InvalidEvent(self.event_name, "data", "the answers name no problem (no input_<block>_<n>_<n> field)",
                           kind="missing_field")

    def get_result(self):
        answers, html = self.payload
        result = {}
        made = True  # a result valid by construction: the success is a bool, then the score and response
        progress = _PROGRESS_RE.search(html)
        if progress:
            earned, possible = float(progress.group(1)), float(progress.group(2))
            result["score"] = score(earned, possible, earned / possible if possible > 0 else 0)
            made = made_score(result["score"])
        status = _STATUS_RE.search(html)
        success = _STATUS_SUCCESS.get(status.group(1)) if status else None
        if success is not None:
            result["success"] = success
        result["response"] = answers
        if made and is_text(answers):
            self.made[MADE_RESULT] = result
        return result
