"""
Open response assessment (ORA, the ``openassessment`` XBlock): a learner saved or submitted a
response, asked for a peer's response to assess, or assessed their own or a peer's response.

.. event_name: openassessmentblock.create_submission, openassessmentblock.save_submission,
   openassessmentblock.get_peer_submission, openassessmentblock.self_assess,
   openassessmentblock.peer_assess
.. event_version: 1 (submissions, peer request); 2 (self_assess, peer_assess: the option object, the score,
   the Tin Can ``evaluated`` verb)

Object: the ORA block (``context.module.usage_key``), a ``cmi.interaction`` of interaction type
``long-fill-in``, named by its display name.

Payload fields (``data``, server events of the ``openassessment`` XBlock):

- ``create_submission``: ``answer.parts`` (one ``{"text": ...}`` per prompt), ``answer.file_keys``,
  ``attempt_number``, ``submission_uuid``, ``created_at``, ``submitted_at``.
- ``save_submission``: ``saved_response``, the draft as a JSON string (``{"parts": [{"text": ...}]}``).
- ``get_peer_submission``: ``submission_returned_uuid`` (null when no peer response is waiting),
  ``item_id``, ``requesting_student_id`` (anonymous), ``course_id``.
- ``self_assess``/``peer_assess``: ``submission_uuid`` (the assessed response), ``feedback`` (the
  overall comment), ``parts`` (one per rubric criterion: ``criterion`` as ``{"name",
  "points_possible"}``, ``option`` as ``{"name", "points"}`` or ``None`` for a feedback-only
  criterion, ``feedback``), ``score_type``, ``scorer_id``, ``scored_at``, ``rubric.content_hash``.
  Producer: edx-ora2's ``OpenAssessmentBlock.publish_assessment_event``
  (openedx/edx-ora2 ``openassessment/xblock/openassessmentblock.py`` at
  5bcb0de51a075b1392ecfc6978d8a02f563db41c), which builds each part from the serialized assessment.

An assessment's score is the sum of the chosen options' points out of the sum of the criteria's
``points_possible``; the learner's final ORA grade comes later, in the grade events.
"""
import json

from openedx_xapi_router.core import vocab
from openedx_xapi_router.core.contract import Field, Producer
from openedx_xapi_router.core.errors import InvalidEvent
from openedx_xapi_router.core.vocab import ActivityType, Extension
from openedx_xapi_router.core.registry import register
from openedx_xapi_router.transformers.base import drop_none
from openedx_xapi_router.transformers.grading import score
from openedx_xapi_router.transformers.xblock_events import XBlockTransformer, optional_text

#: Separates the texts of a response with several prompts in ``result.response``.
PART_SEPARATOR = "\n\n"


#: The ORA block of the examples.
_ORA_BLOCK = "block-v1:edX+DemoX+Demo_Course+type@openassessment+block@b24c33ea35954c7889e1d2944d3fe397"
_SUBMISSION_MIXIN_COMMIT = "4b5a3576d501f9d5928309e98b0f8b427f455da3"
_SUBMISSION_MIXIN_EVIDENCE = ("the file was located at this commit but not read (the search budget is shared); the "
                              "fields are the module docstring's, checked against the tests' real events "
                              "(tests/transformers/test_ora.py)")


def _ora_contract(path, commit, where, evidence, *fields):
    """
    The contract of an ORA event: ``fields``, then the block (``context.module``: every XBlock
    event's context names the block that published it).
    """
    return Producer(
        repo="openedx/edx-ora2", path=path, commit=commit, source="server", where=where, evidence=evidence,
        fields=(*fields,
                Field("context.module.usage_key", "str", _ORA_BLOCK),
                Field("context.module.display_name", "str", "Open Response Assessment")),
    )


def _assessment_contract(score_type):
    """The contract of an assessment event of ``score_type`` (``SE`` self, ``PE`` peer): the same fields for both."""
    return _ora_contract(
        "openassessment/xblock/openassessmentblock.py", "5bcb0de51a075b1392ecfc6978d8a02f563db41c",
        "OpenAssessmentBlock.publish_assessment_event",
        "read for issue 12's first point (the option object or None); see this module's docstring",
        Field("data.feedback", "str", "Well argued."),
        Field("data.rubric", "dict", {"content_hash": "6f3b8e0d5c3a4e2f9b1d7a6c5e4f3a2b1c0d9e8f"}, read=False),
        Field("data.scored_at", "str", "2026-03-01T09:50:00.000000+00:00", read=False),
        Field("data.scorer_id", "str", "5b4bf8d7d41c4070b299abefed741550", read=False),
        Field("data.score_type", "str", score_type, read=False),
        Field("data.submission_uuid", "str", "c1b2a3d4-0000-4000-8000-000000000001"),
        Field("data.parts", "list", [
            {"criterion": {"name": "Ideas", "points_possible": 3}, "option": {"name": "Good", "points": 2},
             "feedback": "Clear"},
            {"criterion": {"name": "Comments", "points_possible": 0}, "option": None, "feedback": "Thanks"},
        ]),
    )


class OraTransformer(XBlockTransformer):
    """Statements whose object is the open response assessment block."""

    version = 1
    activity_type = ActivityType.INTERACTION
    interaction_type = "long-fill-in"

    def response_text(self, parts, field):
        """The texts of ``parts`` (a list of ``{"text": ...}``) joined; None when there is no text."""
        if not isinstance(parts, list):
            raise InvalidEvent(self.event_name, field, f"expected list, got {type(parts).__name__}", kind="wrong_type")
        texts = []
        for index, part in enumerate(parts):
            text = part.get("text") if isinstance(part, dict) else None
            if text is None or text == "":
                continue
            if not isinstance(text, str):
                raise InvalidEvent(self.event_name, f"{field}.{index}.text",
                                   f"expected str, got {type(text).__name__}", kind="wrong_type")
            texts.append(text)
        return PART_SEPARATOR.join(texts) if texts else None


@register
class SubmissionCreated(OraTransformer):
    """
    A learner submitted their response. Result: the response text (every prompt's text, in order);
    context: the submission's uuid and the attempt number.
    """

    event_names = ("openassessmentblock.create_submission",)
    family = "ora"
    erb = False
    contract = _ora_contract(
        "openassessment/xblock/submission_mixin.py", _SUBMISSION_MIXIN_COMMIT, "SubmissionMixin.create_submission",
        _SUBMISSION_MIXIN_EVIDENCE,
        Field("data.answer", "dict", {"parts": [{"text": "My essay."}], "file_keys": []}),
        Field("data.attempt_number", "int", 1),
        Field("data.submission_uuid", "str", "c1b2a3d4-0000-4000-8000-000000000001"),
        Field("data.created_at", "str", "2026-03-01T09:40:00.000000+00:00", read=False),
        Field("data.submitted_at", "str", "2026-03-01T09:40:00.000000+00:00", read=False),
    )
    verb = vocab.SUBMITTED

    def get_result(self):
        self.event.require("answer", dict)
        parts = self.event.data_value("answer.parts")
        text = None if parts is None else self.response_text(parts, "data.answer.parts")
        return drop_none({"response": text})

    def extra_context_extensions(self):
        attempt = self.event.integer("attempt_number")
        return drop_none({
            Extension.SUBMISSION_ID: self.event.require("submission_uuid", str),
            Extension.ATTEMPT_ID: attempt,
        })


@register
class SubmissionSaved(OraTransformer):
    """A learner saved a draft of their response; the result is the draft's text."""

    event_names = ("openassessmentblock.save_submission",)
    family = "ora"
    erb = False
    contract = _ora_contract(
        "openassessment/xblock/submission_mixin.py", _SUBMISSION_MIXIN_COMMIT, "SubmissionMixin.save_submission",
        _SUBMISSION_MIXIN_EVIDENCE,
        Field("data.saved_response", "str", '{"parts": [{"text": "Draft."}]}'),
    )
    verb = vocab.SAVED

    def get_result(self):
        saved = self.event.require("saved_response", (str, dict))
        if isinstance(saved, str):
            try:
                saved = json.loads(saved)
            except ValueError:
                raise InvalidEvent(self.event_name, "data.saved_response", "not a JSON object",
                                   kind="wrong_type") from None
        if not isinstance(saved, dict):
            raise InvalidEvent(self.event_name, "data.saved_response", "not a JSON object", kind="wrong_type")
        parts = saved.get("parts")
        text = None if parts is None else self.response_text(parts, "data.saved_response.parts")
        return drop_none({"response": text})


@register
class PeerSubmissionRequested(OraTransformer):
    """
    A learner asked for a peer's response to assess; the context names the response they got
    (absent when none was waiting).
    """

    event_names = ("openassessmentblock.get_peer_submission",)
    family = "ora"
    erb = False
    contract = _ora_contract(
        "openassessment/xblock/peer_assessment_mixin.py", "", "PeerAssessmentMixin.get_peer_submission",
        "not located at a commit (the search budget is shared); the fields are the module docstring's, "
        "checked against the tests' real events (tests/transformers/test_ora.py), with None when no peer "
        "response is waiting",
        Field("data.requesting_student_id", "str", "5b4bf8d7d41c4070b299abefed741550", read=False),
        Field("data.course_id", "str", "course-v1:edX+DemoX+Demo_Course", read=False),
        Field("data.item_id", "str", _ORA_BLOCK, read=False),
        Field("data.submission_returned_uuid", "str|null", "c1b2a3d4-0000-4000-8000-000000000002"),
    )
    verb = vocab.REQUESTED

    def extra_context_extensions(self):
        return drop_none({Extension.SUBMISSION_ID: optional_text(self.event, "submission_returned_uuid")})


class Assessed(OraTransformer):
    """
    A learner assessed a response against the rubric. Result: the overall feedback as the response,
    the points given out of the rubric's points as the score, and the option chosen for each
    criterion (criterion name -> option name); context: the assessed response's uuid and whose it
    was (:attr:`assessment_type`, as the acrossx type extension).

    Version 2: ``option`` is read as edx-ora2 sends it (``{"name", "points"}`` or ``None``); version
    1 read a bare option name, a shape no release of edx-ora2 ever published, so it is not kept.
    The verb is the Tin Can registry's ``evaluated`` (:data:`~openedx_xapi_router.core.vocab.ASSESSED`),
    not acrossx's: Open edX Aspects reads acrossx ``evaluated`` as a learner's graded answer to a
    problem (``problem_events``, ``grading_events``), and an assessment is neither: the score is
    the assessor's opinion of a response (a peer's, for ``peer_assess``), not the actor's grade
    (docs/aspects.rst).
    """

    version = 2
    verb = vocab.ASSESSED
    assessment_type = None

    def rubric(self):
        """
        ``(criteria, earned, possible)`` from ``data.parts``: criterion name -> chosen option name
        (criteria without an option are left out), the chosen options' points and the criteria's
        points possible.
        """
        parts = self.event.require("parts", list)
        chosen, earned, possible = {}, 0, 0
        for index, part in enumerate(parts):
            field = f"data.parts.{index}"
            part = self._mapping(part, field)
            criterion = self._mapping(part.get("criterion"), f"{field}.criterion")
            name = criterion.get("name")
            if not isinstance(name, str) or not name:
                raise InvalidEvent(self.event_name, f"{field}.criterion.name", "required field is missing or empty",
                                   kind="missing_field")
            possible += self._points(criterion.get("points_possible"), f"{field}.criterion.points_possible")
            option = part.get("option")
            if option is None:  # a feedback-only criterion
                continue
            option = self._mapping(option, f"{field}.option")
            option_name = option.get("name")
            if not isinstance(option_name, str) or not option_name:
                raise InvalidEvent(self.event_name, f"{field}.option.name", "required field is missing or empty",
                                   kind="missing_field")
            earned += self._points(option.get("points"), f"{field}.option.points")
            chosen[name] = option_name
        return chosen, earned, possible

    def _mapping(self, value, field):
        if not isinstance(value, dict):
            raise InvalidEvent(self.event_name, field, f"expected dict, got {type(value).__name__}", kind="wrong_type")
        return value

    def _points(self, value, field):
        """A whole number of points, at least 0 (edx-ora2 stores points as non-negative integers)."""
        if value is None:
            raise InvalidEvent(self.event_name, field, "required field is missing or empty", kind="missing_field")
        if isinstance(value, bool) or not isinstance(value, int):
            raise InvalidEvent(self.event_name, field, f"expected int, got {type(value).__name__}", kind="wrong_type")
        if value < 0:
            raise InvalidEvent(self.event_name, field, f"negative points {value}", kind="out_of_range")
        return value

    def get_result(self):
        chosen, earned, possible = self.rubric()
        return drop_none({
            "response": optional_text(self.event, "feedback"),
            "score": score(earned, possible, earned / possible if possible > 0 else 0.0),
            "extensions": {Extension.CRITERIA: chosen},
        })

    def extra_context_extensions(self):
        return {
            Extension.SUBMISSION_ID: self.event.require("submission_uuid", str),
            Extension.MODE: self.assessment_type,
        }


@register
class SelfAssessed(Assessed):
    """A learner assessed their own response."""

    event_names = ("openassessmentblock.self_assess",)
    family = "ora"
    erb = False
    contract = _assessment_contract("SE")
    assessment_type = "self"


@register
class PeerAssessed(Assessed):
    """A learner assessed a peer's response."""

    event_names = ("openassessmentblock.peer_assess",)
    family = "ora"
    erb = False
    contract = _assessment_contract("PE")
    assessment_type = "peer"
