"""
Problem events: a learner checked an answer, asked for the answer or a hint, completed a problem,
or had a problem graded.

.. event_name: problem_check, showanswer, edx.problem.hint.demandhint_displayed,
   edx.problem.completed, edx.grades.problem.submitted, problem_show, problem_graded
.. event_version: 1

``problem_show`` and ``problem_graded`` (browser events event-routing-backends does not transform)
are at the end of the module; ``docs/beyond_erb.rst`` explains their mapping.

``problem_check`` comes in two forms:

* **browser**: the payload is the submitted form as a query string (``input_<block>_2_1=...``);
  the statement says the learner *attempted* the problem, which is named by the referer's
  ``activate_block_id`` or, failing that, by the block id inside the first input name.
* **server**: the payload is a dict (``problem_id``, ``answers``, ``correct_map``, ``grade``,
  ``max_grade``, ``attempts``, ``success`` and, since 2014, ``submission``: question id ->
  ``question``, ``answer``, ``response_type``, ``correct``); the statement says the problem was
  *evaluated*, with the score. A problem with several questions gives a parent statement (a
  ``GroupActivity``) and one child statement per question, in ``submission`` order, each
  referring to the parent (``context.statement``) and with its own id (see
  :mod:`openedx_xapi_router.core.ids`, child ids).
"""
import json
import re
from urllib.parse import parse_qs, urlparse

from openedx_xapi_router.core import vocab
from openedx_xapi_router.core.contract import Field, Producer, erb_fixture_evidence
from openedx_xapi_router.core.errors import InvalidEvent
from openedx_xapi_router.core.vocab import ActivityType, Extension
from openedx_xapi_router.transformers import registry
from openedx_xapi_router.transformers.base import XapiTransformer, drop_none, memoized_property
from openedx_xapi_router.transformers.grading import nullable_number, score, weighted_result
from openedx_xapi_router.transformers.xblock_events import iri_key

#: Open edX response types -> xAPI ``interactionType``; anything else is ``other``.
INTERACTION_TYPES = {
    "choiceresponse": "choice",
    "multiplechoiceresponse": "choice",
    "numericalresponse": "numeric",
    "stringresponse": "fill-in",
    "customresponse": "other",
    "coderesponse": "other",
    "externalresponse": "other",
    "formularesponse": "fill-in",
    "schematicresponse": "other",
    "imageresponse": "matching",
    "annotationresponse": "fill-in",
    "choicetextresponse": "choice",
    "optionresponse": "choice",
    "symbolicresponse": "fill-in",
    "truefalseresponse": "true-false",
}
OTHER_INTERACTION = "other"

_NUMBER = (int, float)


def _present(value):
    """``value``, or None when it is empty (``""``, ``{}``, ``[]``); 0 and False are kept."""
    return None if (value != 0 and not value) else value


def interaction_type(response_type):
    """The xAPI interaction type of an Open edX ``response_type`` (``other`` when unknown or absent)."""
    return INTERACTION_TYPES.get(response_type, OTHER_INTERACTION) if isinstance(response_type, str) \
        else OTHER_INTERACTION


def copy_json(value):
    """A deep copy of JSON-like data (dicts, lists, scalars): what copy.deepcopy does here, at a third of its cost."""
    if isinstance(value, dict):
        return {key: copy_json(item) for key, item in value.items()}
    if isinstance(value, list):
        return [copy_json(item) for item in value]
    return value


def response_text(answer):
    """
    A learner's answer as ``result.response`` (a string): a list as JSON, anything else as
    ``str()`` (the form the statements sites already hold have), None left out.
    """
    if answer is None:
        return None
    if isinstance(answer, list):
        return json.dumps(answer, ensure_ascii=False)
    return str(answer)


class ProblemTransformer(XapiTransformer):
    """Statements whose object is a problem block, or a part of it."""

    version = 1
    #: ``object.definition.type``.
    activity_type = ActivityType.INTERACTION

    def problem_usage_key(self):
        """
        The problem's usage key: ``data.problem_id``, else ``data.module_id`` (required then) when
        the payload is a dict with content; ``context.module.usage_key`` when it has none.
        """
        if self.event.data:
            if _present(self.event.data.get("problem_id")) is not None:
                return self.event.require("problem_id", str)
            return self.event.require("module_id", str)
        module = self.event.context_value("module")
        usage_key = module.get("usage_key") if isinstance(module, dict) else None
        return usage_key if isinstance(usage_key, str) and usage_key else None

    def required_usage_key(self):
        """:meth:`problem_usage_key`, raising :class:`InvalidEvent` when the event names no problem."""
        usage_key = self.problem_usage_key()
        if usage_key is None:
            raise InvalidEvent(self.event.name, "data.problem_id", "required field is missing or empty",
                               kind="missing_field")
        return usage_key

    def object_id(self):
        """The object's id: the problem's block IRI unless overridden."""
        return self.block_iri(self.required_usage_key())

    def get_object(self):
        return {"id": self.object_id(), "objectType": "Activity", "definition": {"type": self.activity_type}}


@registry.register
class ProblemCompleted(ProblemTransformer):
    """
    A learner completed a problem. The object id is the usage key as is, not an LMS IRI: the
    statements sites already hold have it so.
    """

    event_names = ("edx.problem.completed",)
    contract = Producer(
        repo="openedx/event-routing-backends",
        path="event_routing_backends/processors/tests/fixtures/current/edx.problem.completed(proposed).json",
        where="a proposed event: no producer emits it", commit="", source="server",
        fields=(Field("data.problem_id", "str", "block-v1:edX+DemoX+Demo_Course+type@problem+"
            "block@3fc5461f86764ad7bdbdf6cbdde61e66"),
                Field("data.user_id", "str", "42"),
                Field("data.course_id", "str", "course-v1:edX+DemoX+Demo_Course", read=False),
                Field("data.weighted_earned", "number", 1, read=False),
                Field("data.weighted_possible", "number", 1, read=False)),
        evidence="event-routing-backends names its fixture '(proposed)': no Open edX code emits this event; the "
                 "fixture (shared/xapi/events/edx.problem.completed(proposed).json) is its only definition",
    )
    verb = vocab.COMPLETED

    def object_id(self):
        return self.required_usage_key()


@registry.register
class AnswerShown(ProblemTransformer):
    """A learner asked to see a problem's answer: the object is ``<problem IRI>/answer``."""

    event_names = ("showanswer",)
    contract = Producer(
        repo="openedx/edx-platform",
        path="xmodule/capa_block.py",
        commit="db9b807577476fce475cef7ad526eafecb8306e6",
        source="server",
        where="ProblemBlock.get_answer (publishes showanswer)",
        fields=(Field("data.problem_id", "str", "block-v1:edX+DemoX+Demo_Course+type@problem+"
            "block@3fc5461f86764ad7bdbdf6cbdde61e66"),
                Field("context.module.usage_key", "str", "block-v1:edX+DemoX+Demo_Course+type@problem+"
                    "block@3fc5461f86764ad7bdbdf6cbdde61e66",
                read=False),
            Field("context.module.display_name", "str", "Checkboxes", read=False)),
        evidence=erb_fixture_evidence("showanswer"),
    )
    verb = vocab.ASKED
    activity_type = ActivityType.SOLUTION

    def object_id(self):
        return f"{self.block_iri(self.event.require('problem_id', str))}/answer"


@registry.register
class HintShown(ProblemTransformer):
    """A learner asked for a hint: the object is ``<problem IRI>/hint/<hint index>``."""

    event_names = ("edx.problem.hint.demandhint_displayed",)
    contract = Producer(
        repo="openedx/edx-platform",
        path="xmodule/capa_block.py",
        commit="db9b807577476fce475cef7ad526eafecb8306e6",
        source="server",
        where="ProblemBlock.get_demand_hint",
        fields=(Field("data.module_id", "str", "block-v1:edX+DemoX+Demo_Course+type@problem+"
            "block@3fc5461f86764ad7bdbdf6cbdde61e66"),
                Field("data.hint_index", "int", 1), Field("data.hint_len", "int", 2, read=False),
                Field("data.hint_text", "str", "Add more than one hint.", read=False)),
        evidence=erb_fixture_evidence("edx.problem.hint.demandhint_displayed"),
    )
    verb = vocab.ASKED
    activity_type = ActivityType.SUPPLEMENTAL_INFO

    def object_id(self):
        problem = self.block_iri(self.event.require("module_id", str))
        return f"{problem}/hint/{self.event.require('hint_index', (int, str))}"


@registry.register
class ProblemGraded(ProblemTransformer):
    """A learner's answer to a problem was graded: the weighted score is the result."""

    event_names = ("edx.grades.problem.submitted",)
    contract = Producer(
        repo="openedx/edx-platform", path="lms/djangoapps/grades/events.py", where="grade_updated",
        commit="07e16b2123c3eeaf66c9753dec8140eed9467838", source="server",
        fields=(Field("data.user_id", "str", "42"),
                Field("data.course_id", "str", "course-v1:edX+DemoX+Demo_Course", read=False),
                Field("data.problem_id", "str", "block-v1:edX+DemoX+Demo_Course+type@problem+"
                    "block@3fc5461f86764ad7bdbdf6cbdde61e66"),
                Field("data.event_transaction_id", "str", "a47772a0-3c7f-4a0e-9c11-7e903a03e503", read=False),
                Field("data.event_transaction_type", "str", "edx.grades.problem.submitted", read=False),
                Field("data.weighted_earned", "number|null", 1.0),
                Field("data.weighted_possible", "number|null", 2.0)),
    )
    verb = vocab.ATTEMPTED
    activity_type = ActivityType.QUESTION

    def get_result(self):
        return weighted_result(
            nullable_number(self.event, "weighted_earned"),
            nullable_number(self.event, "weighted_possible"),
        )


@registry.register
class ProblemChecked(ProblemTransformer):
    """
    A learner checked their answers to a problem (browser form: attempted; server form: evaluated,
    with the score, and one child statement per question when there are several).
    """

    event_names = ("problem_check",)
    contract = (
        Producer(
            repo="openedx/edx-platform",
            path="xmodule/capa_block.py",
            commit="db9b807577476fce475cef7ad526eafecb8306e6",
            source="server",
            where="ProblemBlock.submit_problem (publishes problem_check)",
            fields=(Field("data.problem_id", "str", "block-v1:edX+DemoX+Demo_Course+type@problem+"
                "block@3fc5461f86764ad7bdbdf6cbdde61e66"),
                    Field("data.answers", "dict", {"3fc5461f86764ad7bdbdf6cbdde61e66_2_1": "choice_2"}),
                    Field("data.attempts", "int", 1),
                    Field("data.correct_map", "dict", {"3fc5461f86764ad7bdbdf6cbdde61e66_2_"
                        "1": {"correctness": "correct"}}, read=False),
                    Field("data.grade", "number", 1), Field("data.max_grade", "number", 1),
                    Field("data.state", "dict", {"done": True}, read=False),
                    Field("data.success", "str", "correct"),
                    Field("data.submission", "dict", {"3fc5461f86764ad7bdbdf6cbdde61e66_2_1": {
                        "question": "Which is right?", "answer": "choice 2", "response_type": "choiceresponse",
                        "input_type": "checkboxgroup", "correct": True, "variant": "", "group_label": ""}},
                optional=True),
                    Field("context.module.usage_key", "str", "block-v1:edX+DemoX+Demo_Course+type@problem+"
                        "block@3fc5461f86764ad7bdbdf6cbdde61e66",
                    read=False),
            Field("context.module.display_name", "str", "Checkboxes")),
            evidence=erb_fixture_evidence("problem_check(server)"),
        ),
        Producer(
            repo="openedx/edx-platform",
            path="xmodule/js/src/capa/display.js",
            commit="edda02ff66c057f6d25a9daef6e654280bddcd83",
            source="browser",
            where="Problem.submit (Logger.log('problem_check', this.answers))",
            fields=(Field("data", "str", "input_3fc5461f86764ad7bdbdf6cbdde61e66_2_1=choice_2"),),
            evidence=erb_fixture_evidence("problem_check(browser)"),
        ),
    )

    @property
    def from_browser(self):
        """True for the browser form (the submitted form, no grading)."""
        return self.event.event_source == "browser"

    def get_verb(self):
        return vocab.ATTEMPTED if self.from_browser else vocab.EVALUATED

    # --- the submission -----------------------------------------------------------------------

    @memoized_property
    def submissions(self):
        """``data.submission`` (question id -> submission dict); {} when absent."""
        submissions = _present(self.event.data_value("submission"))
        if submissions is None:
            return {}
        if not isinstance(submissions, dict):
            raise InvalidEvent(self.event.name, "data.submission",
                               f"expected dict, got {type(submissions).__name__}", kind="wrong_type")
        return submissions

    @memoized_property
    def child_ids(self):
        """The question ids of a multi-question problem, in ``submission`` order; [] for one question."""
        if self.from_browser or len(self.submissions) < 2:
            return []
        return list(self.submissions)

    @memoized_property
    def main_question(self):
        """The id of the first question whose submission names its response type; None when none does."""
        for question_id, submission in self.submissions.items():
            if isinstance(submission, dict) and submission.get("response_type"):
                return question_id
        return None

    def submission(self, question_id):
        """The submission dict of one question; None when there is none (or it is empty)."""
        if question_id is None:
            return None
        submission = _present(self.submissions.get(question_id))
        if submission is not None and not isinstance(submission, dict):
            raise InvalidEvent(self.event.name, f"data.submission.{question_id}",
                               f"expected dict, got {type(submission).__name__}", kind="wrong_type")
        return submission

    def submission_value(self, question_id, key, types=None):
        """``data.submission.<question_id>.<key>``, required (may be null when ``types`` is None)."""
        submission = self.submissions[question_id]
        field = f"data.submission.{question_id}.{key}"
        if key not in submission:
            raise InvalidEvent(self.event.name, field, "required field is missing", kind="missing_field")
        value = submission[key]
        if types is not None and not isinstance(value, types):
            raise InvalidEvent(self.event.name, field, f"expected {types.__name__}, got {type(value).__name__}",
                               kind="wrong_type")
        return value

    # --- object -------------------------------------------------------------------------------

    def problem_key(self):
        """The problem's block id, or None when the event does not name it."""
        if self.from_browser:
            return self.browser_block_id()
        return self.problem_usage_key()

    def browser_block_id(self):
        """
        The block a browser ``problem_check`` is about: the referer's ``activate_block_id`` when
        it has one, else the problem block whose id is the second ``_``-separated part of the
        form (``input_<block>_2_1=...``) in the event's course.
        """
        if self.event.referer:
            activate = parse_qs(urlparse(self.event.referer).query).get("activate_block_id")
            if activate and activate[0]:
                return activate[0]
        text = self.event.data_text
        if not text or self.event.course_key is None:
            return None
        parts = text.split("_")
        if len(parts) < 2:
            return None
        return self.course_block_key("problem", parts[1])

    def display_name(self):
        """The problem's display name: ``context.module.display_name``, else ``data.display_name``."""
        module = self.event.context_value("module")
        name = _present(module.get("display_name")) if isinstance(module, dict) else None
        if name is None:
            name = _present(self.event.data_value("display_name"))
        return name if isinstance(name, str) else None

    def definition(self, question_id):
        """The object definition, described by question ``question_id``'s submission when it has one."""
        definition = {"type": ActivityType.INTERACTION}
        submission = self.submission(question_id)
        if submission:
            definition["description"] = {vocab.EN_US: self.submission_value(question_id, "question", str)}
            definition["interactionType"] = interaction_type(submission.get("response_type"))
        else:
            name = self.display_name()
            if name is not None:
                definition["name"] = {vocab.EN_US: name}
            definition["interactionType"] = self._fallback_interaction_type()
        attempts = _present(self.event.data_value("attempts"))
        if attempts:
            definition["extensions"] = {Extension.ATTEMPT_ID: attempts}
        return definition

    def _fallback_interaction_type(self):
        # With no usable submission, the first response type the event carries decides.
        for submission in self.submissions.values():
            if isinstance(submission, dict) and submission.get("response_type") is not None:
                return interaction_type(submission["response_type"])
        return OTHER_INTERACTION

    def get_object(self):
        definition = self.definition(self.main_question)
        object_type = "Activity"
        if self.child_ids:
            object_type = "GroupActivity"
            definition["interactionType"] = OTHER_INTERACTION
        key = self.problem_key()
        if not key:
            # The reference statements send an Activity without an id here; that is not xAPI (an
            # LRS answers 400/422), so the event is refused as what it is: one naming no problem.
            raise InvalidEvent(
                self.event_name, "data", "names no problem: no referer activate_block_id, no input name, no problem_id",
                kind="missing_field",
            )
        return drop_none({
            "id": self.block_iri(key),
            "objectType": object_type,
            "definition": definition,
        })

    # --- result -------------------------------------------------------------------------------

    def _number(self, key):
        value = _present(self.event.data_value(key))
        if value is not None and (isinstance(value, bool) or not isinstance(value, _NUMBER)):
            raise InvalidEvent(self.event.name, f"data.{key}", f"expected a number, got {type(value).__name__}",
                               kind="wrong_type")
        return value

    def _answer_and_correctness(self, question_id):
        submission = self.submission(question_id)
        if submission:
            correct = submission.get("correct")
            return self.submission_value(question_id, "answer"), None if correct is None else bool(correct)
        return self.event.data_value("answers"), self.event.data_value("success") == "correct"

    def get_result(self):
        if self.from_browser:
            return None
        answer, success = self._answer_and_correctness(self.main_question)
        grade, max_grade = self._number("grade"), self._number("max_grade")
        scaled = None
        if grade is not None and max_grade is not None:
            scaled = grade / max_grade if max_grade > 0 else 0
        return drop_none({
            "score": score(grade, max_grade, scaled),
            "success": success,
            "response": response_text(answer),
        })

    # --- one statement per question -----------------------------------------------------------

    def child_statements(self, parent):
        return [self.question_statement(parent, question_id) for question_id in self.child_ids]

    def question_statement(self, parent, question_id):
        """The child statement for one question of a multi-question problem."""
        verb = self.get_verb()
        usage_key = self.problem_usage_key() or ""
        question_key = "@".join([*usage_key.split("@")[:-1], question_id])
        answer, success = self._answer_and_correctness(question_id)
        result = drop_none({
            "success": success,
            "response": response_text(answer) if self.submission(question_id) else None,
        })
        activities = {"parent": [copy_json(parent["object"])]}
        course_parent = parent["context"].get("contextActivities", {}).get("parent")
        if course_parent:
            activities["grouping"] = copy_json(course_parent)
        statement = {
            "id": self.statement_id(verb, question_id),
            "actor": self.actor.statement_dict,
            "verb": verb.as_dict(),
            "object": {
                "id": self.block_iri(question_key),
                "objectType": "Activity",
                "definition": self.definition(question_id),
            },
        }
        if result:
            statement["result"] = result
        statement["context"] = {
            "contextActivities": activities,
            "statement": {"objectType": "StatementRef", "id": parent["id"]},
            "extensions": self.get_context_extensions(),
        }
        statement["timestamp"] = parent["timestamp"]
        statement["version"] = vocab.XAPI_VERSION
        return statement


# --- browser events event-routing-backends does not transform --------------------------------------

#: An answer's form field, ``input_<block id>_<response>_<input>`` (``[]`` for checkboxes).
_INPUT_NAME_RE = re.compile(r"^input_(.+?)_\d+_\d+(?:\[\])?$")
_PROGRESS_RE = re.compile(r'class="problem-progress"[^>]*>\s*(\d+(?:\.\d+)?)\s*/\s*(\d+(?:\.\d+)?)')
_STATUS_RE = re.compile(r'class="status ([\w-]+)')
#: The rendered problem's status class -> ``result.success`` (others, e.g. ``unanswered``, leave it out).
_STATUS_SUCCESS = {"correct": True, "incorrect": False, "partially-correct": False}


@registry.register
class AnswerViewed(ProblemTransformer):
    """
    The browser showed a problem's answer (``problem_show``, the click; the server's ``showanswer``
    follows it). The object is the answer, ``<problem IRI>/answer``, as for ``showanswer``; the verb
    is *viewed*, not *asked*, so that counting either never counts a click twice.
    """

    event_names = ("problem_show",)
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


@registry.register
class ProblemGradedShown(ProblemTransformer):
    """
    The browser showed a learner their graded answer (``problem_graded``, after the server's
    ``problem_check``). The payload is ``[answers as a query string, the problem's rendered HTML]``:
    the problem is the block named in the answers' form fields, the response is the query string,
    and the score and success are read from the rendered HTML (``problem-progress``, ``status``
    class) when it shows them. The verb is *scored*, distinct from ``problem_check``'s.
    """

    event_names = ("problem_graded",)
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

    def payload(self):
        """``(query string, html)``; InvalidEvent (field ``data``) when the payload is not that pair."""
        try:
            value = json.loads(self.event.data_text) if self.event.data_text else None
        except ValueError:
            value = None
        if not (isinstance(value, list) and len(value) == 2 and all(isinstance(part, str) for part in value)):
            raise InvalidEvent(self.event_name, "data", "expected [answers query string, rendered html]",
                               kind="wrong_type")
        return value[0], value[1]

    def object_id(self):
        for name in parse_qs(self.payload()[0], keep_blank_values=True):
            match = _INPUT_NAME_RE.match(name)
            if match:
                block_id = iri_key(self.event_name, "data", match.group(1))
                return self.block_iri(self.course_block_key("problem", block_id))
        raise InvalidEvent(self.event_name, "data", "the answers name no problem (no input_<block>_<n>_<n> field)",
                           kind="missing_field")

    def get_result(self):
        answers, html = self.payload()
        result = {}
        progress = _PROGRESS_RE.search(html)
        if progress:
            earned, possible = float(progress.group(1)), float(progress.group(2))
            result["score"] = score(earned, possible, earned / possible if possible > 0 else 0)
        status = _STATUS_RE.search(html)
        success = _STATUS_SUCCESS.get(status.group(1)) if status else None
        if success is not None:
            result["success"] = success
        result["response"] = answers
        return result
