"""
The IMS Caliper Analytics 1.2 terms this package uses, each written once.

Sources: the Caliper 1.2 JSON-LD context ``http://purl.imsglobal.org/ctx/caliper/v1p2`` and the
Caliper Analytics Specification 1.2 (IMS Global, final release, 2020), whose metric profiles give
each event type its allowed actions and object types. The event types and entity types below are
the ones event-routing-backends' Caliper transformers emit, plus the supertypes and siblings a
validator needs to accept them.
"""

#: The JSON-LD context every Caliper 1.2 event and envelope names (``@context``, ``dataVersion``).
CONTEXT = "http://purl.imsglobal.org/ctx/caliper/v1p2"


class EventType:
    """Caliper 1.2 event types (``type`` of an event)."""

    EVENT = "Event"
    ASSESSMENT = "AssessmentEvent"
    ASSESSMENT_ITEM = "AssessmentItemEvent"
    GRADE = "GradeEvent"
    MEDIA = "MediaEvent"
    NAVIGATION = "NavigationEvent"
    VIEW = "ViewEvent"


class Action:
    """Caliper 1.2 action terms (``action`` of an event) used here."""

    ACTIVATED = "Activated"
    COMPLETED = "Completed"
    DEACTIVATED = "Deactivated"
    DISABLED_CLOSED_CAPTIONING = "DisabledClosedCaptioning"
    ENABLED_CLOSED_CAPTIONING = "EnabledClosedCaptioning"
    ENDED = "Ended"
    CHANGED_SPEED = "ChangedSpeed"
    GRADED = "Graded"
    JUMPED_TO = "JumpedTo"
    NAVIGATED_TO = "NavigatedTo"
    PAUSED = "Paused"
    RESUMED = "Resumed"
    STARTED = "Started"
    SUBMITTED = "Submitted"
    VIEWED = "Viewed"


class EntityType:
    """Caliper 1.2 entity types (``type`` of an actor, object, target, ...) used here."""

    ANNOTATION = "Annotation"
    ASSESSMENT = "Assessment"
    ASSESSMENT_ITEM = "AssessmentItem"
    ATTEMPT = "Attempt"
    COURSE_OFFERING = "CourseOffering"
    DIGITAL_RESOURCE = "DigitalResource"
    DIGITAL_RESOURCE_COLLECTION = "DigitalResourceCollection"
    FRAME = "Frame"
    MEDIA_LOCATION = "MediaLocation"
    PERSON = "Person"
    SCORE = "Score"
    SESSION = "Session"
    VIDEO_OBJECT = "VideoObject"
    WEB_PAGE = "WebPage"
    #: What event-routing-backends writes for a web page: not a Caliper 1.2 term (the term is
    #: ``WebPage``). Kept for parity with the events Open edX sites already hold; see
    #: :mod:`openedx_xapi_router.transformers.caliper.validate`.
    ERB_WEB_PAGE = "Webpage"


#: Every Caliper 1.2 action term (the specification's action vocabulary).
ALL_ACTIONS = frozenset((
    "Abandoned", "Accepted", "Activated", "Added", "Archived", "Attached", "Bookmarked", "ChangedResolution",
    "ChangedSize", "ChangedSpeed", "ChangedVolume", "Classified", "ClosedPopout", "Commented", "Completed",
    "Copied", "Created", "Deactivated", "Declined", "Deleted", "Described", "DisabledClosedCaptioning",
    "Disliked", "Downloaded", "EnabledClosedCaptioning", "Ended", "EnteredFullScreen", "ExitedFullScreen",
    "ForwardedTo", "Graded", "Hid", "Highlighted", "Identified", "JumpedTo", "Launched", "Liked", "Linked",
    "LoggedIn", "LoggedOut", "MarkedAsRead", "MarkedAsUnread", "Modified", "Muted", "NavigatedTo",
    "OpenedPopout", "OptedIn", "OptedOut", "Paused", "Posted", "Printed", "Questioned", "Ranked",
    "Recommended", "Removed", "Reset", "Restarted", "Resumed", "Retrieved", "Returned", "Reviewed", "Rewound",
    "Saved", "Searched", "Sent", "Shared", "Showed", "Skipped", "Started", "Submitted", "Subscribed", "Tagged",
    "TimedOut", "Unmuted", "Unsubscribed", "Uploaded", "Used", "Viewed",
))

#: Agents (who may be an event's ``actor``).
AGENT_TYPES = frozenset(("Agent", "Person", "SoftwareApplication", "Organization", "Group", "CourseOffering",
                         "CourseSection"))

#: ``DigitalResource`` and its 1.2 subtypes.
DIGITAL_RESOURCE_TYPES = frozenset((
    "DigitalResource", "DigitalResourceCollection", "WebPage", "Document", "Chapter", "Page", "Frame",
    "MediaObject", "AudioObject", "ImageObject", "VideoObject", "Assessment", "AssessmentItem", "Message",
    "Thread", "Forum", "Page", "Questionnaire", "QuestionnaireItem", "Survey",
))

#: ``MediaObject`` and its subtypes.
MEDIA_OBJECT_TYPES = frozenset(("MediaObject", "AudioObject", "ImageObject", "VideoObject"))

#: Every entity type the validator accepts: the 1.2 entity terms.
ENTITY_TYPES = frozenset((
    *AGENT_TYPES, *DIGITAL_RESOURCE_TYPES, "Entity", "Membership", "Session", "LtiSession", "MediaLocation",
    "Attempt", "Response", "Result", "Score", "Annotation", "BookmarkAnnotation", "HighlightAnnotation",
    "SharedAnnotation", "TagAnnotation", "Collection", "LearningObjective", "Link", "LtiLink", "Rating",
    "Comment", "Question", "Query", "SearchResponse", "SystemIdentifier",
))
