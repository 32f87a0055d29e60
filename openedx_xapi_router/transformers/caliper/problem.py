"""
Caliper events for capa problems, as event-routing-backends' ``problem_interaction_events.py``
gives them.

=========================================  =======================  =========  ==============  ========
event                                      event type               action     object type     name
=========================================  =======================  =========  ==============  ========
``problem_check`` (browser)                ``AssessmentEvent``      Submitted  Assessment
``problem_check`` (server)                 ``GradeEvent``           Graded     Attempt
``edx.grades.problem.submitted``           ``AssessmentEvent``      Submitted  Assessment
``showanswer``                             ``Event``                Viewed     Annotation      Solution
``edx.problem.hint.demandhint_displayed``  ``Event``                Viewed     Annotation      Hint
``edx.problem.completed`` (proposed)       ``AssessmentItemEvent``  Completed  AssessmentItem
=========================================  =======================  =========  ==============  ========

The problem is ``data.problem_id`` (or ``data.module_id``) when the payload is an object that has
one; else, for a browser ``problem_check`` (whose payload is the form's query string), the
``activate_block_id`` of the page the learner was on (``referer``), else the problem named by the
first form field (``input_<block id>_2_1`` is block ``<block id>``). The object id is the block's
IRI, with ``/solution``, ``/hint/<hint_index>`` or ``/user/<learner>/attempt/<attempts>`` appended.
A graded check also ``generated`` the score (``grade`` of ``max_grade``, ``attempts``, ``success``).

Server or browser: the event's ``event_source`` (top level of a log line, ``context`` of a live
event; ERB reads only ``context.event_source``, so its log replay reads a graded check as a
submitted one; ours gives the live event's output for both forms).

Payload fields and producer contracts: :mod:`openedx_xapi_router.transformers.problem`.
"""
from urllib.parse import parse_qs, urlparse

from openedx_xapi_router.core.errors import InvalidEvent
from openedx_xapi_router.core.keys import block_usage_key, checked_key
from openedx_xapi_router.transformers import problem, problem_check
from openedx_xapi_router.core.registry import register
from openedx_xapi_router.transformers.caliper.base import CaliperTransformer, erb_value
from openedx_xapi_router.transformers.caliper.vocab import Action, EntityType, EventType


class CaliperProblemTransformer(CaliperTransformer):
    """A problem event; subclasses give the object's type and name and the id's suffix."""

    family = "problem"
    object_type = None
    object_name = None

    def problem_key(self):
        """The problem's usage key (see the module docstring), or None when the event names none."""
        data = self.event.data
        if data:
            key = "problem_id" if "problem_id" in data else "module_id"
            if data.get(key):  # ERB: ``if not object_id`` falls back to the page and the form
                return checked_key(self.event_name, f"data.{key}", data[key])
        referer = self.event.referer
        if referer:
            values = parse_qs(urlparse(referer).query).get("activate_block_id")
            if values and values[0]:
                return checked_key(self.event_name, "referer", values[0])
        if self.event.data_text and self.event.course_key is not None:
            parts = self.event.data_text.split("_")
            if len(parts) > 1:
                return block_usage_key(self.event.course_key, "problem",
                                       checked_key(self.event_name, "data", parts[1]))
        return None

    def required_problem_key(self):
        key = self.problem_key()
        if key is None:
            raise InvalidEvent(self.event_name, "data.problem_id",
                               "the event names no problem (no problem_id, module_id, referer block or form field)",
                               kind="missing_field")
        return key

    def id_suffix(self):
        """What follows the problem's IRI in the object id; "" by default."""
        return ""

    def get_object(self):
        key = self.required_problem_key()
        caliper_object = {"extensions": self.course_part()} if self.event.course_id else {}
        caliper_object.update({
            "id": self.iri("xblock", f"{key}{self.id_suffix()}"),
            "type": self.object_type,
            "name": self.object_name,
        })
        return caliper_object


@register
class CaliperProblemChecked(CaliperProblemTransformer):
    """
    The learner submitted answers (browser: ``AssessmentEvent``), and the LMS graded them
    (server: ``GradeEvent`` on the learner's ``Attempt``, with the score generated).
    """

    event_names = ("problem_check",)
    contract = problem_check.ProblemChecked.contract

    @property
    def graded(self):
        """True for the server's event (the graded check)."""
        return self.event.event_source == "server"

    def get_type(self):
        return EventType.GRADE if self.graded else EventType.ASSESSMENT

    def get_action(self):
        return Action.GRADED if self.graded else Action.SUBMITTED

    @property
    def object_type(self):
        return EntityType.ATTEMPT if self.graded else EntityType.ASSESSMENT

    def id_suffix(self):
        if not self.graded:
            return ""
        return f"/user/{self.user_name}/attempt/{self.data_count('attempts', '')}"

    def get_object(self):
        caliper_object = super().get_object()
        if not self.graded:
            return caliper_object
        if not self.event.course_id:
            raise InvalidEvent(self.event_name, "context.course_id", "required field is missing or empty",
                               kind="missing_field")
        caliper_object["extensions"].update({
            "assignee": {"id": self.actor_id, "type": EntityType.PERSON},
            "assignable": {"id": self.iri("xblock", self.required_problem_key()), "type": EntityType.ASSESSMENT},
            "count": self.data_count("attempts", ""),
        })
        return caliper_object

    def get_generated(self):
        if not self.graded:
            return None
        return {
            "score": {
                "id": "_:score",
                "type": EntityType.SCORE,
                "maxScore": self.data_number("max_grade"),
                "scoreGiven": self.data_number("grade"),
                "attempts": erb_value(self.data_count("attempts")),
                "extensions": {"success": "True" if self.data("success") == "correct" else "False"},
            }
        }


@register
class CaliperProblemSubmitted(CaliperProblemTransformer):
    """The grades app recorded a submission of the problem."""

    event_names = ("edx.grades.problem.submitted",)
    event_type = EventType.ASSESSMENT
    action = Action.SUBMITTED
    object_type = EntityType.ASSESSMENT
    contract = problem.ProblemGraded.contract


@register
class CaliperAnswerShown(CaliperProblemTransformer):
    """The learner asked to see the answer: the object is the problem's solution."""

    event_names = ("showanswer",)
    event_type = EventType.EVENT
    action = Action.VIEWED
    object_type = EntityType.ANNOTATION
    object_name = "Solution"
    contract = problem.AnswerShown.contract

    def id_suffix(self):
        return "/solution"


@register
class CaliperHintShown(CaliperProblemTransformer):
    """The learner asked for a hint: the object is hint ``data.hint_index`` of the problem."""

    event_names = ("edx.problem.hint.demandhint_displayed",)
    event_type = EventType.EVENT
    action = Action.VIEWED
    object_type = EntityType.ANNOTATION
    object_name = "Hint"
    contract = problem.HintShown.contract

    def id_suffix(self):
        return f"/hint/{self.data_count('hint_index', '')}"


@register
class CaliperProblemCompleted(CaliperProblemTransformer):
    """The learner completed the problem (a proposed event)."""

    event_names = ("edx.problem.completed",)
    event_type = EventType.ASSESSMENT_ITEM
    action = Action.COMPLETED
    object_type = EntityType.ASSESSMENT_ITEM
    contract = problem.ProblemCompleted.contract


TRANSFORMERS = (CaliperProblemChecked, CaliperProblemSubmitted, CaliperAnswerShown, CaliperHintShown,
                CaliperProblemCompleted)
