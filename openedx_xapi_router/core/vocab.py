"""
The xAPI vocabulary this package uses: verbs, activity types and extension keys, each IRI written once.

Transformers refer to these names; no transformer writes an IRI literal. Grouped by the profile
each term comes from. The display strings and IRIs are those the statements Open edX sites already
store use (event-routing-backends' statements), so dashboards keep reading them.
"""
import json
from dataclasses import dataclass, field

from openedx_xapi_router.core.validate import is_valid_verb

XAPI_VERSION = "1.0.3"
EN = "en"
EN_US = "en-US"


@dataclass(frozen=True, slots=True)
class Verb:
    """
    An xAPI verb.

    Attributes:
        iri: the verb's id.
        display: its English display name (language ``en``).
        id_json: the verb serialised exactly as the ``tincan`` package's ``Verb.to_json()`` does; the
            statement-id algorithm hashes this string (see :mod:`openedx_xapi_router.core.ids`).
        statement_dict: the verb as it appears in a statement (:meth:`as_dict`), made once: every
            statement with this verb holds this very dict (never changed once made).
        valid: whether ``statement_dict`` is a valid xAPI Verb, checked once
            (:func:`~openedx_xapi_router.core.validate.is_valid_verb`): a statement holding a valid
            verb's ``statement_dict`` may hand it to the check as made (``MADE_VERB``).
    """

    iri: str
    display: str
    id_json: str = field(init=False, repr=False, compare=False)
    statement_dict: dict = field(init=False, repr=False, compare=False)
    valid: bool = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        statement_dict = self.as_dict()
        object.__setattr__(self, "id_json", json.dumps(statement_dict))
        object.__setattr__(self, "statement_dict", statement_dict)
        object.__setattr__(self, "valid", is_valid_verb(statement_dict))

    def as_dict(self):
        """The verb as it appears in a statement (a new dict)."""
        return {"id": self.iri, "display": {EN: self.display}}


# --- ADL verbs (http://adlnet.gov/expapi/verbs/) -------------------------------------------------
ANSWERED = Verb("http://adlnet.gov/expapi/verbs/answered", "answered")
ASKED = Verb("http://adlnet.gov/expapi/verbs/asked", "asked")
ATTEMPTED = Verb("http://adlnet.gov/expapi/verbs/attempted", "attempted")
COMPLETED = Verb("http://adlnet.gov/expapi/verbs/completed", "completed")
EXITED = Verb("http://adlnet.gov/expapi/verbs/exited", "exited")
FAILED = Verb("http://adlnet.gov/expapi/verbs/failed", "failed")
INITIALIZED = Verb("http://adlnet.gov/expapi/verbs/initialized", "initialized")
INTERACTED = Verb("http://adlnet.gov/expapi/verbs/interacted", "interacted")
PASSED = Verb("http://adlnet.gov/expapi/verbs/passed", "passed")
PROGRESSED = Verb("http://adlnet.gov/expapi/verbs/progressed", "progressed")
REGISTERED = Verb("http://adlnet.gov/expapi/verbs/registered", "registered")
SCORED = Verb("http://adlnet.gov/expapi/verbs/scored", "scored")
TERMINATED = Verb("http://adlnet.gov/expapi/verbs/terminated", "terminated")

# --- xAPI video profile (https://w3id.org/xapi/video/) ------------------------------------------
PLAYED = Verb("https://w3id.org/xapi/video/verbs/played", "played")
PAUSED = Verb("https://w3id.org/xapi/video/verbs/paused", "paused")
SEEKED = Verb("https://w3id.org/xapi/video/verbs/seeked", "seeked")

# --- Activity Streams 1.0 verbs (http://activitystrea.ms/schema/1.0/) ----------------------------
CREATED = Verb("http://activitystrea.ms/schema/1.0/create", "created")
JOINED = Verb("http://activitystrea.ms/schema/1.0/join", "joined")
RECEIVED = Verb("http://activitystrea.ms/schema/1.0/receive", "received")
REQUESTED = Verb("http://activitystrea.ms/schema/1.0/request", "requested")
SAVED = Verb("http://activitystrea.ms/schema/1.0/save", "saved")
SEARCHED = Verb("http://activitystrea.ms/schema/1.0/search", "searched")
SUBMITTED = Verb("http://activitystrea.ms/schema/1.0/submit", "submitted")

# --- ActivityStreams / Tin Can registry (http://id.tincanapi.com/verb/) --------------------------
BOOKMARKED = Verb("http://id.tincanapi.com/verb/bookmarked", "bookmarked")
EARNED = Verb("http://id.tincanapi.com/verb/earned", "earned")
UNREGISTERED = Verb("http://id.tincanapi.com/verb/unregistered", "unregistered")
VIEWED = Verb("http://id.tincanapi.com/verb/viewed", "viewed")

# --- Tin Can registry, tincanapi.co.uk verbs (http://www.tincanapi.co.uk/verbs/) ------------------
#: A learner assessed work (their own or a peer's) against a rubric. Not acrossx's ``evaluated``:
#: Open edX Aspects reads that verb as a graded problem submission (docs/aspects.rst).
ASSESSED = Verb("http://www.tincanapi.co.uk/verbs/evaluated", "evaluated")

# --- acrossx profile (https://w3id.org/xapi/acrossx/) -------------------------------------------
EDITED = Verb("https://w3id.org/xapi/acrossx/verbs/edited", "edited")
EVALUATED = Verb("https://w3id.org/xapi/acrossx/verbs/evaluated", "evaluated")
POSTED = Verb("https://w3id.org/xapi/acrossx/verbs/posted", "posted")
REPORTED = Verb("https://w3id.org/xapi/acrossx/verbs/reported", "reported")

# --- DoD ISD profile (https://w3id.org/xapi/dod-isd/) -------------------------------------------
DELETED = Verb("https://w3id.org/xapi/dod-isd/verbs/deleted", "deleted")
NAVIGATED = Verb("https://w3id.org/xapi/dod-isd/verbs/navigated", "navigated")

# --- Open edX profile (https://w3id.org/xapi/openedx/) ------------------------------------------
UNREPORTED = Verb("https://w3id.org/xapi/openedx/verb/unreported", "unreported")
VOTED = Verb("https://w3id.org/xapi/openedx/verb/voted", "voted")


class ActivityType:
    """Activity type IRIs (``object.definition.type``)."""

    # ADL
    ATTEMPT = "http://adlnet.gov/expapi/activities/attempt"
    COURSE = "http://adlnet.gov/expapi/activities/course"
    FILE = "http://adlnet.gov/expapi/activities/file"
    INTERACTION = "http://adlnet.gov/expapi/activities/cmi.interaction"
    LINK = "http://adlnet.gov/expapi/activities/link"
    MODULE = "http://adlnet.gov/expapi/activities/module"
    QUESTION = "http://adlnet.gov/expapi/activities/question"
    # Activity Streams 1.0 object types
    BADGE = "http://activitystrea.ms/schema/1.0/badge"
    GROUP = "http://activitystrea.ms/schema/1.0/group"
    PAGE = "http://activitystrea.ms/schema/1.0/page"
    # Tin Can registry
    DISCUSSION = "http://id.tincanapi.com/activitytype/discussion"
    RESOURCE = "http://id.tincanapi.com/activitytype/resource"
    SOLUTION = "http://id.tincanapi.com/activitytype/solution"
    GRADE_CLASSIFICATION = "http://www.tincanapi.co.uk/activitytypes/grade_classification"
    # acrossx
    SUPPLEMENTAL_INFO = "https://w3id.org/xapi/acrossx/extensions/supplemental-info"
    # video profile
    VIDEO = "https://w3id.org/xapi/video/activity-type/video"
    # Open edX
    PRACTICE_ASSESSMENT = "https://w3id.org/xapi/openedx/activity/practice-assessment"
    PROCTORED_ASSESSMENT = "https://w3id.org/xapi/openedx/activity/proctored-assessment"
    TIMED_ASSESSMENT = "https://w3id.org/xapi/openedx/activity/timed-assessment"


class Extension:
    """Extension keys (context, result and activity-definition extensions)."""

    # Open edX
    TRANSFORMER_VERSION = "https://w3id.org/xapi/openedx/extension/transformer-version"
    SESSION_ID = "https://w3id.org/xapi/openedx/extensions/session-id"
    ATTEMPT_STARTED = "https://w3id.org/xapi/openedx/extension/attempt-started"
    ATTEMPT_COMPLETED = "https://w3id.org/xapi/openedx/extension/attempt-completed"
    SPEED_FROM = "https://w3id.org/xapi/openedx/extension/speed-from"
    SPEED_TO = "https://w3id.org/xapi/openedx/extension/speed-to"
    CRITERIA = "https://w3id.org/xapi/openedx/extension/criteria"
    GENERATION_MODE = "https://w3id.org/xapi/openedx/extension/generation-mode"
    SUBMISSION_ID = "https://w3id.org/xapi/openedx/extension/submission-uuid"
    # Tin Can registry
    ATTEMPT_ID = "http://id.tincanapi.com/extension/attempt-id"
    DURATION = "http://id.tincanapi.com/extension/duration"
    ENDING_POINT = "http://id.tincanapi.com/extension/ending-point"
    STARTING_POSITION = "http://id.tincanapi.com/extension/starting-position"
    GRADE_CLASSIFICATION = "http://www.tincanapi.co.uk/extensions/result/classification"
    #: The result extension that carries a course's letter grade in the statements Open edX sites
    #: already hold: the grade-classification *activity type* IRI, used as an extension key.
    LETTER_GRADE = ActivityType.GRADE_CLASSIFICATION
    # acrossx
    MODE = "https://w3id.org/xapi/acrossx/extensions/type"
    TIME_LIMIT = "https://w3id.org/xapi/acrossx/extensions/time-limit"
    TOTAL_ITEMS = "https://w3id.org/xapi/acrossx/extensions/total-items"
    # cmi5
    PROGRESS = "https://w3id.org/xapi/cmi5/result/extensions/progress"
    # xAPI video profile
    VIDEO_CC_ENABLED = "https://w3id.org/xapi/video/extensions/cc-enabled"
    VIDEO_LENGTH = "https://w3id.org/xapi/video/extensions/length"
    VIDEO_PROGRESS = "https://w3id.org/xapi/video/extensions/progress"
    VIDEO_SESSION_ID = "https://w3id.org/xapi/video/extensions/session-id"
    VIDEO_SPEED = "https://w3id.org/xapi/video/extensions/speed"
    VIDEO_TIME = "https://w3id.org/xapi/video/extensions/time"
    VIDEO_TIME_FROM = "https://w3id.org/xapi/video/extensions/time-from"
    VIDEO_TIME_TO = "https://w3id.org/xapi/video/extensions/time-to"
