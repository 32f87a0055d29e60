"""
Open response assessment (ORA, the ``openassessment`` XBlock): a learner saved or submitted a
response, asked for a peer's response to assess, or assessed their own or a peer's response.

.. event_name: openassessmentblock.create_submission, openassessmentblock.save_submission,
   openassessmentblock.get_peer_submission, openassessmentblock.self_assess,
   openassessmentblock.peer_assess
.. event_version: 1

Object: the ORA block (``context.module.usage_key``), a ``cmi.interaction`` of interaction type
``long-fill-in``, named by its display name.

Payload fields (``data``, server events of the ``openassessment`` XBlock):

- ``create_submission``: ``answer.parts`` (one ``{"text": ...}`` per prompt), ``answer.file_keys``,
  ``attempt_number``, ``submission_uuid``, ``created_at``, ``submitted_at``.
- ``save_submission``: ``saved_response``, the draft as a JSON string (``{"parts": [{"text": ...}]}``).
- ``get_peer_submission``: ``submission_returned_uuid`` (null when no peer response is waiting),
  ``item_id``, ``requesting_student_id`` (anonymous), ``course_id``.
- ``self_assess``/``peer_assess``: ``submission_uuid`` (the assessed response), ``feedback`` (the
  overall comment), ``parts`` (one per rubric criterion: ``criterion.name``,
  ``criterion.points_possible``, the chosen ``option``'s name, ``feedback``), ``score_type``,
  ``scorer_id``, ``scored_at``, ``rubric.content_hash``.

What the events do not carry: the points of the chosen options (only their names), so an
assessment statement has no score; the learner's final ORA grade comes later, in the grade events.
"""
import json

from openedx_xapi_router.core import vocab
from openedx_xapi_router.core.errors import InvalidEvent
from openedx_xapi_router.core.vocab import ActivityType, Extension
from openedx_xapi_router.transformers import registry
from openedx_xapi_router.transformers.base import drop_none
from openedx_xapi_router.transformers.xblock_events import XBlockTransformer, optional_text

#: Separates the texts of a response with several prompts in ``result.response``.
PART_SEPARATOR = "\n\n"


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


@registry.register
class SubmissionCreated(OraTransformer):
    """
    A learner submitted their response. Result: the response text (every prompt's text, in order);
    context: the submission's uuid and the attempt number.
    """

    event_names = ("openassessmentblock.create_submission",)
    verb = vocab.SUBMITTED

    def get_result(self):
        self.event.require("answer", dict)
        parts = self.event.data_value("answer.parts")
        text = None if parts is None else self.response_text(parts, "data.answer.parts")
        return drop_none({"response": text})

    def extra_context_extensions(self):
        attempt = self.event.data_value("attempt_number")
        if attempt is not None and (isinstance(attempt, bool) or not isinstance(attempt, int)):
            raise InvalidEvent(self.event_name, "data.attempt_number", f"expected int, got {type(attempt).__name__}",
                               kind="wrong_type")
        return drop_none({
            Extension.SUBMISSION_ID: self.event.require("submission_uuid", str),
            Extension.ATTEMPT_ID: attempt,
        })


@registry.register
class SubmissionSaved(OraTransformer):
    """A learner saved a draft of their response; the result is the draft's text."""

    event_names = ("openassessmentblock.save_submission",)
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


@registry.register
class PeerSubmissionRequested(OraTransformer):
    """
    A learner asked for a peer's response to assess; the context names the response they got
    (absent when none was waiting).
    """

    event_names = ("openassessmentblock.get_peer_submission",)
    verb = vocab.REQUESTED

    def extra_context_extensions(self):
        return drop_none({Extension.SUBMISSION_ID: optional_text(self.event, "submission_returned_uuid")})


class Assessed(OraTransformer):
    """
    A learner assessed a response against the rubric. Result: the overall feedback as the response,
    and the option chosen for each criterion (criterion name -> option name); context: the assessed
    response's uuid and whose it was (:attr:`assessment_type`, as the acrossx type extension).
    """

    verb = vocab.EVALUATED
    assessment_type = None

    def criteria(self):
        """Criterion name -> chosen option name, from ``data.parts``; criteria without an option are left out."""
        parts = self.event.require("parts", list)
        chosen = {}
        for index, part in enumerate(parts):
            field = f"data.parts.{index}"
            if not isinstance(part, dict):
                raise InvalidEvent(self.event_name, field, f"expected dict, got {type(part).__name__}",
                                   kind="wrong_type")
            criterion = part.get("criterion")
            name = criterion.get("name") if isinstance(criterion, dict) else None
            if not isinstance(name, str) or not name:
                raise InvalidEvent(self.event_name, f"{field}.criterion.name", "required field is missing or empty",
                                   kind="missing_field")
            option = part.get("option")
            if option is None or option == "":
                continue
            if not isinstance(option, str):
                raise InvalidEvent(self.event_name, f"{field}.option", f"expected str, got {type(option).__name__}",
                                   kind="wrong_type")
            chosen[name] = option
        return chosen

    def get_result(self):
        return drop_none({
            "response": optional_text(self.event, "feedback"),
            "extensions": {Extension.CRITERIA: self.criteria()},
        })

    def extra_context_extensions(self):
        return {
            Extension.SUBMISSION_ID: self.event.require("submission_uuid", str),
            Extension.MODE: self.assessment_type,
        }


@registry.register
class SelfAssessed(Assessed):
    """A learner assessed their own response."""

    event_names = ("openassessmentblock.self_assess",)
    assessment_type = "self"


@registry.register
class PeerAssessed(Assessed):
    """A learner assessed a peer's response."""

    event_names = ("openassessmentblock.peer_assess",)
    assessment_type = "peer"
