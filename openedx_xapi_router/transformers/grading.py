"""
Grade events: the learner earned a score on a subsection or a course.

.. event_name: edx.grades.subsection.grade_calculated, edx.grades.course.grade_calculated
.. event_verb: http://id.tincanapi.com/verb/earned
.. event_version: 1

Scores are floats in every statement (the statements sites already hold were made by tincan,
which stores ``score.min/max/raw/scaled`` as floats), so ``1`` becomes ``1.0``.
"""
from math import isfinite

from openedx_xapi_router.core import vocab
from openedx_xapi_router.core.contract import Field, Producer
from openedx_xapi_router.core.errors import InvalidEvent
from openedx_xapi_router.core.validate import MADE_OBJECT, MADE_RESULT, is_activity_id, is_iri, is_language_tag
from openedx_xapi_router.core.validate import is_text
from openedx_xapi_router.core.vocab import ActivityType, Extension
from openedx_xapi_router.core.registry import register
from openedx_xapi_router.transformers.base import XapiTransformer

_NUMBER = (int, float)


def score(raw, maximum, scaled):
    """
    An xAPI ``result.score`` with minimum 0; every value a float, absent values left out.

    xAPI requires ``min <= raw <= max`` and ``-1 <= scaled <= 1``. Open edX can report more than
    the maximum (extra credit: a course ``percent_grade`` of 1.03), where event-routing-backends
    emits a statement an LRS rejects. Here the raw value is kept as reported, ``max`` (or ``min``)
    widens to include it and ``scaled`` is capped to [-1, 1]; in-range scores are unchanged.
    """
    low = 0.0
    if raw is not None:
        raw = float(raw)
        low = min(low, raw)
        if maximum is not None:
            maximum = max(float(maximum), raw)
    result = {"min": low}  # then max, raw, scaled, the present ones
    if maximum is not None:
        result["max"] = float(maximum)
    if raw is not None:
        result["raw"] = raw
    if scaled is not None:
        result["scaled"] = min(1.0, max(-1.0, float(scaled)))
    return result


def made_score(made):
    """
    True when ``made``, a score :func:`score` made, is valid by construction: it has a raw value
    (then ``min <= raw <= max`` and ``-1 <= scaled <= 1`` as :func:`score` makes them) and every value
    is finite (they are floats: a sum of floats is finite only when each of them is).
    """
    return "raw" in made and isfinite(sum(made.values()))


def weighted_result(earned, possible, made=None):
    """
    ``result`` for ``earned`` out of ``possible`` points: success when nothing is missing (a
    0-point item counts as passed), and ``scaled`` 0 when ``possible`` is 0. ``made``: the
    transformer's :attr:`~openedx_xapi_router.transformers.base.XapiTransformer.made`, where the
    result goes as made when its score is (:func:`made_score`; the success is a comparison's bool).
    """
    result = {
        "score": score(earned, possible, earned / possible if possible > 0 else 0),
        "success": earned >= possible,
    }
    if made is not None and made_score(result["score"]):
        made[MADE_RESULT] = result
    return result


def nullable_number(event, key):
    """
    ``data.<key>``, which must be present (raise :class:`InvalidEvent` naming it otherwise) but
    may be null: null counts as 0.
    """
    value = event.data.get(key)
    if value is None:
        if key not in event.data:
            raise InvalidEvent(event.name, f"data.{key}", "required field is missing", kind="missing_field")
        return 0
    if type(value) in _NUMBER:
        return value  # an int or a float (not a bool), as event.number checks
    return event.number(key)  # its check and its error


@register
class SubsectionGraded(XapiTransformer):
    """
    A subsection's grade was (re)calculated for the learner.

    Object: the subsection block (``data.block_id``), a resource. Result: the weighted total score.
    """

    event_names = ("edx.grades.subsection.grade_calculated",)
    contract = Producer(
        repo="openedx/edx-platform", path="lms/djangoapps/grades/events.py", where="subsection_grade_calculated",
        commit="07e16b2123c3eeaf66c9753dec8140eed9467838", source="server",
        fields=(
            Field("data.user_id", "str", "42"),
            Field("data.course_id", "str", "course-v1:edX+DemoX+Demo_Course", read=False),
            Field("data.block_id", "str", "block-v1:edX+DemoX+Demo_Course+type@sequential+block@basic_questions"),
            Field("data.course_version", "str", "64e64c6835fe1d2093ba4d69", read=False),
            Field("data.weighted_total_earned", "number", 2.0),
            Field("data.weighted_total_possible", "number", 3.0),
            Field("data.weighted_graded_earned", "number", 2.0, read=False),
            Field("data.weighted_graded_possible", "number", 3.0, read=False),
            Field("data.first_attempted", "str", "2026-03-01 09:40:00.000000+00:00", read=False),
            Field("data.subtree_edited_timestamp", "str", "2026-02-01 10:00:00.000000+00:00", read=False),
            Field("data.event_transaction_id", "str", "a47772a0-3c7f-4a0e-9c11-7e903a03e503", read=False),
            Field("data.event_transaction_type", "str", "edx.grades.problem.submitted", read=False),
            Field("data.visible_blocks_hash", "str", "ChVp0lHGQGCevD0t4njna/C44zQ=", read=False),
        ),
    )
    version = 1
    family = "grading"
    erb = True
    verb = vocab.EARNED

    def get_object(self):
        return self.block_activity(self.event.require("block_id", str), ActivityType.RESOURCE)

    def get_result(self):
        return weighted_result(
            nullable_number(self.event, "weighted_total_earned"),
            nullable_number(self.event, "weighted_total_possible"),
            self.made,
        )


@register
class CourseGraded(XapiTransformer):
    """
    The learner's course grade was (re)calculated.

    Object: the course (display name in language ``en``). Result: ``percent_grade`` out of 1.0,
    and the letter grade as the grade-classification extension (``"Fail"`` when there is none).
    """

    event_names = ("edx.grades.course.grade_calculated",)
    contract = Producer(
        repo="openedx/edx-platform", path="lms/djangoapps/grades/events.py", where="course_grade_calculated",
        commit="07e16b2123c3eeaf66c9753dec8140eed9467838", source="server",
        fields=(
            Field("data.user_id", "str", "42"),
            Field("data.course_id", "str", "course-v1:edX+DemoX+Demo_Course", read=False),
            Field("data.course_version", "str", "64e64c6835fe1d2093ba4d69", read=False),
            Field("data.percent_grade", "number", 0.75),
            Field("data.letter_grade", "str", "Pass"),
            Field("data.course_edited_timestamp", "str", "2026-02-01 10:00:00.000000+00:00", read=False),
            Field("data.event_transaction_id", "str", "a47772a0-3c7f-4a0e-9c11-7e903a03e503", read=False),
            Field("data.event_transaction_type", "str", "edx.grades.problem.submitted", read=False),
            Field("data.grading_policy_hash", "str", "ChVp0lHGQGCevD0t4njna/C44zQ=", read=False),
        ),
    )
    version = 1
    family = "grading"
    erb = True
    verb = vocab.EARNED

    def get_object(self):
        if not self.event.course_id:
            raise InvalidEvent(self.event.name, "context.course_id", "required field is missing or empty",
                               kind="missing_field")
        definition = {"type": ActivityType.COURSE}
        name = self.course_name
        if name is not None:
            definition["name"] = {vocab.EN: name}
        activity = {"id": self.course_iri(), "objectType": "Activity", "definition": definition}
        # made when what comes from the event is valid: the id, the name (the rest was checked at import)
        if (name is None or is_text(name)) and is_activity_id(activity["id"]) and _COURSE_PARTS_VALID:
            self.made[MADE_OBJECT] = activity
        return activity

    def get_result(self):
        percent = nullable_number(self.event, "percent_grade")
        letter_grade = self.event.text("letter_grade")
        result = {
            "score": score(percent, 1.0, percent),
            "extensions": {Extension.LETTER_GRADE: letter_grade or "Fail"},
        }
        if made_score(result["score"]) and _COURSE_PARTS_VALID:  # extension values are not checked
            self.made[MADE_RESULT] = result
        return result


#: What every :class:`CourseGraded` statement shares is valid: its object's type and name language,
#: its result's extension key (checked once, by the check's own rules).
_COURSE_PARTS_VALID = is_iri(ActivityType.COURSE) and is_iri(Extension.LETTER_GRADE) and \
    is_language_tag(vocab.EN)
