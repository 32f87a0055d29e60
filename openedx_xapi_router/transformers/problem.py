"""
Problem events: a learner asked for the answer or a hint, completed a problem, or had a problem
graded; the base class of every problem transformer.

.. event_name: showanswer, edx.problem.hint.demandhint_displayed, edx.problem.completed,
   edx.grades.problem.submitted
.. event_version: 1

The family's other modules: :mod:`~openedx_xapi_router.transformers.problem_check`
(``problem_check``, server and browser forms) and
:mod:`~openedx_xapi_router.transformers.problem_browser` (``problem_show`` and ``problem_graded``,
browser events event-routing-backends does not transform; ``docs/beyond_erb.rst`` explains their
mapping).
"""
import json

from openedx_xapi_router.core import vocab
from openedx_xapi_router.core.contract import Field, Producer, erb_fixture_evidence
from openedx_xapi_router.core.errors import InvalidEvent
from openedx_xapi_router.core.vocab import ActivityType
from openedx_xapi_router.core.registry import register
from openedx_xapi_router.transformers.base import XapiTransformer
from openedx_xapi_router.transformers.grading import nullable_number, weighted_result

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


def response_text(answer):
    """
    A learner's answer as ``result.response`` (a string): a list as JSON, anything else as
    ``str()`` (the form the statements sites already hold have), None left out.
    """
    if answer is None:
        return None
    if isinstance(answer, list):
        return _encode_list(answer)
    return str(answer)


#: ``json.dumps(value, ensure_ascii=False)``: the encoder it builds per call (any argument but the
#: value makes ``json.dumps`` build a new ``JSONEncoder``), built once; the same text.
_encode_list = json.JSONEncoder(ensure_ascii=False).encode


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
        data = self.event.data
        if data:
            problem_id = data.get("problem_id")
            if type(problem_id) is str and problem_id:  # pylint: disable=unidiomatic-typecheck
                return problem_id  # what require("problem_id", str) returns, without the call
            if _present(problem_id) is not None:
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
        return self.activity(self.object_id(), self.activity_type)


@register
class ProblemCompleted(ProblemTransformer):
    """
    A learner completed a problem. The object id is the usage key as is, not an LMS IRI: the
    statements sites already hold have it so.
    """

    event_names = ("edx.problem.completed",)
    family = "problem"
    erb = True
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


@register
class AnswerShown(ProblemTransformer):
    """A learner asked to see a problem's answer: the object is ``<problem IRI>/answer``."""

    event_names = ("showanswer",)
    family = "problem"
    erb = True
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


@register
class HintShown(ProblemTransformer):
    """A learner asked for a hint: the object is ``<problem IRI>/hint/<hint index>``."""

    event_names = ("edx.problem.hint.demandhint_displayed",)
    family = "problem"
    erb = True
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


@register
class ProblemGraded(ProblemTransformer):
    """A learner's answer to a problem was graded: the weighted score is the result."""

    event_names = ("edx.grades.problem.submitted",)
    family = "problem"
    erb = True
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
            self.made,
        )
