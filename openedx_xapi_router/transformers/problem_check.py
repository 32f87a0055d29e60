"""
``problem_check``: a learner checked their answers to a problem (the problem family's largest
transformer, in a module of its own; the base class and the helpers are in
:mod:`~openedx_xapi_router.transformers.problem`).

.. event_name: problem_check
.. event_version: 1

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
from urllib.parse import parse_qs, urlsplit

from openedx_xapi_router.core import vocab
from openedx_xapi_router.core.contract import Field, Producer, erb_fixture_evidence
from openedx_xapi_router.core.errors import InvalidEvent
from openedx_xapi_router.core.registry import register
from openedx_xapi_router.core.validate import MADE_CONTEXT, MADE_OBJECT, MADE_RESULT, is_activity_id, is_text
from openedx_xapi_router.core.validate import is_valid_activity
from openedx_xapi_router.core.vocab import ActivityType, Extension
from openedx_xapi_router.transformers.base import BASE_EXTENSION_KEYS_VALID, memoized_property
from openedx_xapi_router.transformers.grading import made_score, score
from openedx_xapi_router.transformers.problem import (
    _NUMBER,
    INTERACTION_TYPES,
    OTHER_INTERACTION,
    ProblemTransformer,
    _present,
    interaction_type,
    response_text,
)

#: What every ``problem_check`` object shares is valid (checked once, by the check itself): both
#: object types, the definition's type, text languages and extension key, every interaction type;
#: per event, only what comes from the event (the id, the question or display name) is checked.
_SKELETON_VALID = all(
    is_valid_activity({"id": "https://example.org/xblock/x", "objectType": object_type, "definition": {
        "type": ActivityType.INTERACTION, "name": {vocab.EN_US: ""}, "description": {vocab.EN_US: ""},
        "interactionType": kind, "extensions": {Extension.ATTEMPT_ID: 1}}})
    for object_type in ("Activity", "GroupActivity") for kind in (*INTERACTION_TYPES.values(), OTHER_INTERACTION)
)


def _fresh_activity(activity):
    """
    A copy of an activity this module built (``id``, ``objectType``, a ``definition`` whose values
    are strings or one-level maps): new dicts, the same values.
    """
    definition = {key: dict(value) if isinstance(value, dict) else value
                  for key, value in activity["definition"].items()}
    return {"id": activity["id"], "objectType": activity["objectType"], "definition": definition}


@register
class ProblemChecked(ProblemTransformer):
    """
    A learner checked their answers to a problem (browser form: attempted; server form: evaluated,
    with the score, and one child statement per question when there are several).
    """

    event_names = ("problem_check",)
    family = "problem"
    erb = True
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

    def __init__(self, event, ctx):
        super().__init__(event, ctx)
        #: True for the browser form (the submitted form, no grading); read up to four times.
        self.from_browser = event.event_source == "browser"

    def get_verb(self):
        return vocab.ATTEMPTED if self.from_browser else vocab.EVALUATED

    # --- the submission -----------------------------------------------------------------------

    def _read_submissions(self):
        """
        Find :attr:`submissions`, :attr:`child_ids`, :attr:`main_question` and
        :attr:`main_submission` together (the object, the result and the children all read them),
        and store them as the instance's attributes: one property's call, not four.
        """
        submissions = _present(self.event.data.get("submission"))
        if submissions is None:
            submissions = {}
        elif not isinstance(submissions, dict):
            raise InvalidEvent(self.event.name, "data.submission",
                               f"expected dict, got {type(submissions).__name__}", kind="wrong_type")
        main_question = None
        for question_id, submission in submissions.items():
            if isinstance(submission, dict) and submission.get("response_type"):
                main_question = question_id
                break
        # Attributes set (they shadow the properties), not written into ``__dict__``: see memoized_property.
        self.submissions = submissions
        self.child_ids = [] if self.from_browser or len(submissions) < 2 else list(submissions)
        self.main_question = main_question
        self.main_submission = self.submission(main_question)

    @memoized_property
    def submissions(self):
        """``data.submission`` (question id -> submission dict); {} when absent."""
        self._read_submissions()
        return self.submissions

    @memoized_property
    def child_ids(self):
        """The question ids of a multi-question problem, in ``submission`` order; [] for one question."""
        self._read_submissions()
        return self.child_ids

    @memoized_property
    def main_question(self):
        """The id of the first question whose submission names its response type; None when none does."""
        self._read_submissions()
        return self.main_question

    @memoized_property
    def main_submission(self):
        """The submission of :attr:`main_question` (the object's and the result's), as :meth:`submission` gives it."""
        self._read_submissions()
        return self.main_submission

    def submission(self, question_id):
        """The submission dict of one question; None when there is none (or it is empty)."""
        if question_id is None:
            return None
        submission = _present(self.submissions.get(question_id))
        if submission is not None and not isinstance(submission, dict):
            raise InvalidEvent(self.event.name, f"data.submission.{question_id}",
                               f"expected dict, got {type(submission).__name__}", kind="wrong_type")
        return submission

    def submission_value(self, question_id, key, types=None, submission=None):
        """
        ``data.submission.<question_id>.<key>``, required (may be null when ``types`` is None);
        ``submission`` is that question's submission dict when the caller already holds it.
        """
        if submission is None:
            submission = self.submissions[question_id]
        if key not in submission:
            raise InvalidEvent(self.event.name, f"data.submission.{question_id}.{key}", "required field is missing",
                               kind="missing_field")
        value = submission[key]
        if types is not None and not isinstance(value, types):
            raise InvalidEvent(self.event.name, f"data.submission.{question_id}.{key}",
                               f"expected {types.__name__}, got {type(value).__name__}", kind="wrong_type")
        return value

    @memoized_property
    def attempts(self):
        """``data.attempts`` when present (the definitions' attempt extension); None otherwise."""
        return _present(self.event.data.get("attempts"))

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
        referer = self.event.referer
        # parse_qs decodes %-escapes in names: a query with neither the name nor a "%" cannot hold it,
        # nor can a referer without them (then it is not split)
        if referer and ("activate_block_id" in referer or "%" in referer):
            query = urlsplit(referer).query
            if "activate_block_id" in query or "%" in query:
                activate = parse_qs(query).get("activate_block_id")
                if activate and activate[0]:
                    return activate[0]
        text = self.event.data_text
        if not text or self.event.course_key is None:
            return None
        parts = text.split("_", 2)
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

    def definition(self, question_id, submission):
        """
        The object definition, described by question ``question_id``'s submission (``submission``,
        as :meth:`submission` gives it) when it has one; and whether its text (the question, or the
        display name) is Unicode text, the one rule it can break (``_SKELETON_VALID``).
        """
        definition = {"type": ActivityType.INTERACTION}
        if submission:
            text = self.submission_value(question_id, "question", str, submission)
            definition["description"] = {vocab.EN_US: text}
            definition["interactionType"] = interaction_type(submission.get("response_type"))
        else:
            text = self.display_name()
            if text is not None:
                definition["name"] = {vocab.EN_US: text}
            definition["interactionType"] = self._fallback_interaction_type()
        attempts = self.attempts
        if attempts:
            definition["extensions"] = {Extension.ATTEMPT_ID: attempts}
        return definition, text is None or is_text(text)

    def interaction(self, iri, object_type, definition, valid):
        """
        The Activity ``iri`` (``object_type``) with ``definition`` (:meth:`definition`'s, which says
        whether it is ``valid``): the made object (:attr:`made`) when its IRI is valid too.
        """
        activity = {"id": iri, "objectType": object_type, "definition": definition}
        if valid and _SKELETON_VALID and is_activity_id(iri):
            self.made[MADE_OBJECT] = activity
        return activity

    def _fallback_interaction_type(self):
        # With no usable submission, the first response type the event carries decides.
        for submission in self.submissions.values():
            if isinstance(submission, dict) and submission.get("response_type") is not None:
                return interaction_type(submission["response_type"])
        return OTHER_INTERACTION

    def get_object(self):
        definition, valid = self.definition(self.main_question, self.main_submission)
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
        return self.interaction(self.block_iri(key), object_type, definition, valid)

    # --- result -------------------------------------------------------------------------------

    def _number(self, key):
        value = _present(self.event.data.get(key))
        if value is not None and (isinstance(value, bool) or not isinstance(value, _NUMBER)):
            raise InvalidEvent(self.event.name, f"data.{key}", f"expected a number, got {type(value).__name__}",
                               kind="wrong_type")
        return value

    def _answer_and_correctness(self, question_id, submission):
        if submission:
            correct = submission.get("correct")
            return self.submission_value(question_id, "answer", None, submission), \
                None if correct is None else bool(correct)
        data = self.event.data
        return data.get("answers"), data.get("success") == "correct"

    def get_result(self):
        if self.from_browser:
            return None
        answer, success = self._answer_and_correctness(self.main_question, self.main_submission)
        grade, max_grade = self._number("grade"), self._number("max_grade")
        scaled = None
        if grade is not None and max_grade is not None:
            scaled = grade / max_grade if max_grade > 0 else 0
        result = {"score": score(grade, max_grade, scaled)}
        if success is not None:
            result["success"] = success  # a bool
        response = response_text(answer)
        if response is not None:
            result["response"] = response
        if made_score(result["score"]) and (response is None or is_text(response)):
            self.made[MADE_RESULT] = result
        return result

    # --- one statement per question -----------------------------------------------------------

    def child_statements(self, parent):
        if not self.child_ids:
            return []
        # What every question's statement shares, found once: the verb, the problem key's prefix,
        # and the whole context (the same for every question; made once, never changed afterwards).
        verb = self.get_verb()
        usage_key = self.problem_usage_key() or ""
        key_prefix = usage_key.rpartition("@")[0] + "@" if "@" in usage_key else ""
        # A copy of a made parent object is made too (the context is then made when the rest of it
        # is); found before the children's own objects take the made place.
        parent_made = parent["object"] is self.made[MADE_OBJECT]
        context, context_made = self._question_context(parent, parent_made)
        return [self.question_statement(parent, question_id, verb, key_prefix + question_id, context, context_made)
                for question_id in self.child_ids]

    def _question_context(self, parent, parent_made):
        """
        The context of every question's statement, and whether it is made: the parent's object as
        parent, the course as grouping, a reference to the parent statement, the base's extensions.
        """
        activities = {"parent": [_fresh_activity(parent["object"])]}
        # made when the parent's object is, the course activity trusted, the extensions the base's own
        context_made = parent_made and self._base_extensions and self._no_extra_extensions and \
            BASE_EXTENSION_KEYS_VALID
        if self.event.course_id:  # the parent's course, as the parent's contextActivities has it
            course = self.course_activity()
            activities["grouping"] = [course]
            context_made = context_made and id(course) in self.trusted_parts
        # the statement ref's id is the parent's (a made statement id)
        context = {
            "contextActivities": activities,
            "statement": {"objectType": "StatementRef", "id": parent["id"]},
            "extensions": self.get_context_extensions(),
        }
        return context, context_made

    def question_statement(self, parent, question_id, verb, question_key, context, context_made):  # pylint: disable=too-many-arguments
        """
        The child statement for one question (usage key ``question_key``) of a multi-question problem,
        with ``context`` (``_question_context``'s, made when ``context_made``). Made whole when
        all its parts are (:meth:`~openedx_xapi_router.transformers.base.XapiTransformer.take_whole`).
        """
        # The question's submission, found once for the result and the definition alike.
        submission = self.submission(question_id)
        answer, success = self._answer_and_correctness(question_id, submission)
        result = {} if success is None else {"success": success}  # a bool
        response_valid = True
        if answer is not None and submission:
            response = result["response"] = response_text(answer)
            response_valid = is_text(response)
        made = self.made
        if result and response_valid:
            made[MADE_RESULT] = result
        definition, valid = self.definition(question_id, submission)
        statement = {
            "id": self.statement_id(verb, question_id),
            "actor": self.actor.statement_dict,
            "verb": verb.statement_dict,
            "object": self.interaction(self.block_iri(question_key), "Activity", definition, valid),
        }
        if result:
            statement["result"] = result
        statement["context"] = context
        if context_made:
            made[MADE_CONTEXT] = context
        statement["timestamp"] = parent["timestamp"]
        statement["version"] = vocab.XAPI_VERSION
        self.take_whole(statement)
        return statement
