"""
Special-exam attempts (edx-proctoring): a learner started or submitted a timed, practice or
proctored exam attempt.

.. event_name: edx.special_exam.{timed,practice,proctored}.attempt.{created,submitted}
.. event_verb: http://adlnet.gov/expapi/verbs/initialized (created),
   http://adlnet.gov/expapi/verbs/terminated (submitted)
.. event_version: 1

Object: the exam's subsection, whose id is its usage key as is (``data.exam_content_id``, not an
LMS IRI: the statements sites already hold have it so), typed by the kind of exam. The attempt
(``data.attempt_code``) is a grouping activity carrying its start, end, duration and attempt id.
"""
from openedx_xapi_router.core import vocab
from openedx_xapi_router.core.contract import Field, Producer, erb_fixture_evidence
from openedx_xapi_router.core.vocab import ActivityType, Extension
from openedx_xapi_router.core.registry import register
from openedx_xapi_router.transformers.base import XapiTransformer, drop_none


#: The exam attempt's timestamps and elapsed seconds: None until it is submitted.
_CREATED = {"started": None, "completed": None, "elapsed": None, "status": "created"}
_SUBMITTED = {"started": "2026-03-01T09:00:00+00:00", "completed": "2026-03-01T09:45:00+00:00", "elapsed": 2700.0,
              "status": "submitted"}


def _attempt_contract(event_names, kind, submitted):
    """
    The contract of an attempt event of a ``kind`` (``timed``, ``practice``, ``proctored``) exam:
    edx-proctoring's ``emit_event`` sends the same fields for every kind, created or submitted.
    """
    values = _SUBMITTED if submitted else _CREATED
    return Producer(
        repo="openedx/edx-proctoring", path="edx_proctoring/api.py",
        where=f"emit_event (an attempt {values['status']})",
        commit="bfc40a42916a50954f14a43583fdc4d3159a61e7", source="server",
        fields=(
            Field("data.exam_id", "int", 1, read=False),
            Field("data.exam_content_id", "str",
                  "block-v1:edX+DemoX+Demo_Course+type@sequential+block@5b4bf8d7d41c4070b299abefed74155e"),
            Field("data.exam_name", "str", "Midterm"),
            Field("data.exam_default_time_limit_mins", "int", 60),
            Field("data.exam_is_proctored", "bool", kind == "proctored", read=False),
            Field("data.exam_is_practice_exam", "bool", kind == "practice", read=False),
            Field("data.exam_is_active", "bool", True, read=False),
            Field("data.attempt_id", "int", 1),
            Field("data.attempt_user_id", "int", 42, read=False),
            Field("data.attempt_started_at", "str|null", values["started"]),
            Field("data.attempt_completed_at", "str|null", values["completed"]),
            Field("data.attempt_code", "str", "438AD672-DE2C-4F5F-8C9D-1A2B3C4D5E6F"),
            Field("data.attempt_allowed_time_limit_mins", "int", 60, read=False),
            Field("data.attempt_event_elapsed_time_secs", "number|null", values["elapsed"]),
            Field("data.attempt_status", "str", values["status"], read=False),
        ),
        evidence=erb_fixture_evidence(*event_names),
    )


class ExamAttemptTransformer(XapiTransformer):
    """Statements about one special-exam attempt; subclasses declare the exam kind and the verb."""

    version = 1
    #: ``object.definition.type``: the kind of exam.
    activity_type = None

    def _optional(self, key):
        """``data.<key>``, or None when it is absent or empty (0 is kept)."""
        value = self.event.data_value(key)
        return None if (value != 0 and not value) else value

    def get_object(self):
        return {
            "id": self.event.require("exam_content_id", str),
            "objectType": "Activity",
            "definition": {
                "type": self.activity_type,
                "name": {vocab.EN: self.event.require("exam_name", str)},
                "extensions": drop_none({Extension.TIME_LIMIT: self._optional("exam_default_time_limit_mins")}),
            },
        }

    def get_context_activities(self):
        activities = super().get_context_activities() or {}
        activities["grouping"] = [{
            "id": self.event.require("attempt_code", str),
            "objectType": "Activity",
            "definition": {
                "type": ActivityType.ATTEMPT,
                "name": {vocab.EN: self.event.require("exam_name", str)},
                "extensions": drop_none({
                    Extension.ATTEMPT_STARTED: self._optional("attempt_started_at"),
                    Extension.ATTEMPT_COMPLETED: self._optional("attempt_completed_at"),
                    Extension.DURATION: self._optional("attempt_event_elapsed_time_secs"),
                    Extension.ATTEMPT_ID: self._optional("attempt_id"),
                }),
            },
        }]
        return activities


@register
class TimedExamStarted(ExamAttemptTransformer):
    """A timed exam attempt was created."""

    event_names = ("edx.special_exam.timed.attempt.created",)
    family = "exam"
    erb = True
    contract = _attempt_contract(event_names, "timed", submitted=False)
    verb = vocab.INITIALIZED
    activity_type = ActivityType.TIMED_ASSESSMENT


@register
class TimedExamSubmitted(ExamAttemptTransformer):
    """A timed exam attempt was submitted."""

    event_names = ("edx.special_exam.timed.attempt.submitted",)
    family = "exam"
    erb = True
    contract = _attempt_contract(event_names, "timed", submitted=True)
    verb = vocab.TERMINATED
    activity_type = ActivityType.TIMED_ASSESSMENT


@register
class PracticeExamStarted(ExamAttemptTransformer):
    """A practice exam attempt was created."""

    event_names = ("edx.special_exam.practice.attempt.created",)
    family = "exam"
    erb = True
    contract = _attempt_contract(event_names, "practice", submitted=False)
    verb = vocab.INITIALIZED
    activity_type = ActivityType.PRACTICE_ASSESSMENT


@register
class PracticeExamSubmitted(ExamAttemptTransformer):
    """A practice exam attempt was submitted."""

    event_names = ("edx.special_exam.practice.attempt.submitted",)
    family = "exam"
    erb = True
    contract = _attempt_contract(event_names, "practice", submitted=True)
    verb = vocab.TERMINATED
    activity_type = ActivityType.PRACTICE_ASSESSMENT


@register
class ProctoredExamStarted(ExamAttemptTransformer):
    """A proctored exam attempt was created."""

    event_names = ("edx.special_exam.proctored.attempt.created",)
    family = "exam"
    erb = True
    contract = _attempt_contract(event_names, "proctored", submitted=False)
    verb = vocab.INITIALIZED
    activity_type = ActivityType.PROCTORED_ASSESSMENT


@register
class ProctoredExamSubmitted(ExamAttemptTransformer):
    """A proctored exam attempt was submitted."""

    event_names = ("edx.special_exam.proctored.attempt.submitted",)
    family = "exam"
    erb = True
    contract = _attempt_contract(event_names, "proctored", submitted=True)
    verb = vocab.TERMINATED
    activity_type = ActivityType.PROCTORED_ASSESSMENT
