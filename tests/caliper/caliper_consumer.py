"""
A loopback Caliper 1.2 endpoint for tests: no Caliper consumer can be had from the package
registries (PyPI's ``caliper*`` packages are unrelated tools; IMS's sensor libraries send, they do
not receive), so this server receives envelopes as a Caliper endpoint does and checks them against
the Caliper 1.2 JSON-LD context, independently of the package's own validator.

What it checks, per request (``POST /caliper``, 127.0.0.1 only):

- ``Authorization: Bearer <token>`` (401 otherwise) and ``Content-Type: application/json`` (415);
- the envelope: exactly ``sensor`` (absolute IRI), ``sendTime`` (ISO 8601 UTC, milliseconds),
  ``dataVersion`` (the 1.2 context IRI) and ``data`` (a non-empty list of events) (400 otherwise);
- each event, read as JSON-LD under the 1.2 context: every property name outside ``extensions``
  must be a term of the context (else JSON-LD expansion drops it), every ``type`` value a class of
  the context, every ``action`` value an action of the context (``action`` is ``@type: @vocab``:
  an unknown value expands to a relative IRI). Events with terms outside the context are still
  stored (as a JSON-LD processor would expand them, losing those terms) and the terms are recorded
  in :attr:`CaliperConsumer.unknown_terms`: a test decides what is acceptable.

The term lists are the names defined by the Caliper 1.2 context document,
``http://purl.imsglobal.org/ctx/caliper/v1p2``, read from IMS's caliper-spec as kept in
wn-doolittle/caliper-spec ``v1p2/caliper-v1p2.jsonld`` (commit e7bfc4097d1d62a12fc676077dc6fffdf49a9e7c)
and ``contexts/v1p2/caliper-v1p2.jsonld`` (commit 1d39e8c95904ad546a86c82b168aa256c883d8bf): the two
agree on every name used here. Only the names are kept, not the document.
"""
import collections
import json
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

CONTEXT_IRI = "http://purl.imsglobal.org/ctx/caliper/v1p2"

#: Event classes of the 1.2 context.
EVENT_CLASSES = frozenset((
    "Event", "AnnotationEvent", "AssessmentEvent", "AssessmentItemEvent", "AssignableEvent", "FeedbackEvent",
    "ForumEvent", "GradeEvent", "MediaEvent", "MessageEvent", "NavigationEvent", "QuestionnaireEvent",
    "QuestionnaireItemEvent", "ResourceManagementEvent", "SearchEvent", "SessionEvent", "SurveyEvent",
    "SurveyInvitationEvent", "ThreadEvent", "ToolLaunchEvent", "ToolUseEvent", "ViewEvent",
))

#: Entity classes of the 1.2 context.
ENTITY_CLASSES = frozenset((
    "Entity", "Agent", "AggregateMeasure", "AggregateMeasureCollection", "Annotation", "Assessment",
    "AssessmentItem", "AssignableDigitalResource", "Attempt", "AudioObject", "BookmarkAnnotation", "Chapter",
    "Collection", "Comment", "CourseOffering", "CourseSection", "DateTimeQuestion", "DateTimeResponse",
    "DigitalResource", "DigitalResourceCollection", "Document", "FillinBlankResponse", "Forum", "Frame", "Group",
    "HighlightAnnotation", "ImageObject", "LearningObjective", "LikertScale", "Link", "LtiLink", "LtiSession",
    "MediaLocation", "MediaObject", "Membership", "Message", "MultipleChoiceResponse", "MultipleResponseResponse",
    "MultiselectQuestion", "MultiselectResponse", "MultiselectScale", "NumericScale", "OpenEndedQuestion",
    "OpenEndedResponse", "Organization", "Page", "Person", "Query", "Question", "Questionnaire",
    "QuestionnaireItem", "Rating", "RatingScaleQuestion", "RatingScaleResponse", "Response", "Result", "Scale",
    "Score", "SearchResponse", "Selector", "SelectTextResponse", "Session", "SharedAnnotation",
    "SoftwareApplication", "Survey", "SurveyInvitation", "SystemIdentifier", "TagAnnotation",
    "TextPositionSelector", "Thread", "TrueFalseResponse", "VideoObject", "WebPage",
))

#: Actions of the 1.2 context. Its closed-caption actions are spelled ``EnabledCloseCaptioning`` and
#: ``DisabledCloseCaptioning``; the specification's MediaEvent table writes ``...ClosedCaptioning``.
ACTIONS = frozenset((
    "Abandoned", "Accepted", "Activated", "Added", "Archived", "Attached", "Bookmarked", "ChangedResolution",
    "ChangedSize", "ChangedSpeed", "ChangedVolume", "Classified", "ClosedPopout", "Commented", "Completed",
    "Copied", "Created", "Deactivated", "Declined", "Deleted", "Described", "DisabledCloseCaptioning", "Disliked",
    "Downloaded", "EnabledCloseCaptioning", "Ended", "EnteredFullScreen", "ExitedFullScreen", "ForwardedTo",
    "Graded", "Hid", "Highlighted", "Identified", "JumpedTo", "Launched", "Liked", "Linked", "LoggedIn",
    "LoggedOut", "MarkedAsRead", "MarkedAsUnread", "Modified", "Muted", "NavigatedTo", "OpenedPopout", "OptedIn",
    "OptedOut", "Paused", "Posted", "Printed", "Published", "Questioned", "Ranked", "Recommended", "Removed",
    "Reset", "Restarted", "Restored", "Resumed", "Retrieved", "Returned", "Reviewed", "Rewound", "Saved",
    "Searched", "Sent", "Shared", "Showed", "Skipped", "Started", "Submitted", "Subscribed", "Tagged", "TimedOut",
    "Unmuted", "Unpublished", "Unsubscribed", "Uploaded", "Used", "Viewed",
))

#: Property terms of the 1.2 context (``id`` and ``type`` alias ``@id`` and ``@type``).
PROPERTIES = frozenset((
    "id", "type", "actor", "annotated", "annotator", "assignable", "assignee", "attachments", "attempt", "action",
    "categories", "client", "commentedOn", "commenter", "creator", "creators", "edApp", "extensions",
    "federatedSession", "generated", "group", "identifierType", "isPartOf", "itemLabels", "items", "itemValues",
    "keywords", "learningObjectives", "member", "members", "membership", "messageParameters", "messageType",
    "object", "organization", "otherIdentifiers", "query", "question", "rater", "rated", "ratingComment",
    "referrer", "replyTo", "roles", "scale", "scoredBy", "searchProvider", "searchTarget", "selection",
    "selections", "session", "source", "subOrganizationOf", "status", "survey", "tags", "target", "user",
    "values", "withAgents", "academicSession", "body", "bookmarkNotes", "category", "comment", "count",
    "courseNumber", "currentTime", "dateCreated", "dateModified", "datePublished", "dateToActivate", "dateSent",
    "dateTimeSelected", "dateToShow", "dateToStartOn", "dateToSubmit", "description", "duration", "end",
    "endedAtTime", "eventTime", "host", "identifier", "index", "ipAddress", "isOrderedSelection",
    "isTimeDependent", "lisSourcedId", "maxAttempts", "maxDateTime", "maxLabel", "maxMetricValue",
    "maxResultScore", "maxScore", "maxSelections", "maxSubmits", "maxValue", "mediaType", "metric", "metricValue",
    "minDateTime", "minLabel", "minSelections", "minValue", "muted", "name", "points", "questionPosed",
    "resultScore", "scalePoints", "scoreGiven", "searchResultsItemCount", "searchTerms", "selectionText",
    "sentCount", "start", "startedAtTime", "step", "userAgent", "value", "version", "volumeLevel", "volumeMax",
    "volumeMin", "weight",
))

ENVELOPE_KEYS = frozenset(("sensor", "sendTime", "dataVersion", "data"))
_IRI_RE = re.compile(r'^[A-Za-z][A-Za-z0-9+.\-]*:[^\s<>"{}|\\^`]+$')
_TIME_RE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


class CaliperConsumer:
    """
    The loopback endpoint. Use as a context manager; ``url`` is where to POST.

    Attributes:
        token: the bearer token it accepts.
        envelopes: every accepted envelope, in order of arrival.
        unknown_terms: Counter of ``(kind, term)`` outside the 1.2 context, over all accepted events
            (``kind``: ``property``, ``type`` or ``action``).
        refusals: ``(status, reason)`` of every refused request.
        bodies: the size in bytes of every request body received.
        failures: how many requests in a row are answered ``failure_status`` before any check
            (the endpoint failing, as a Caliper store does when it is down), counted down.
        max_body: the largest body accepted; a larger one is answered 413 (a proxy's limit), or None.

    Faults are the test's to set: ``failures`` for an outage, ``max_body`` for a body limit.
    """

    def __init__(self, token="caliper-test-token"):
        self.token = token
        self.failures = 0
        self.failure_status = 500
        self.max_body = None
        self.bodies = []
        self.envelopes = []
        self.unknown_terms = collections.Counter()
        self.refusals = []
        self._lock = threading.Lock()
        self._server = None
        self._thread = None

    @property
    def url(self):
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/caliper"

    @property
    def events(self):
        """Every accepted event, in order."""
        with self._lock:
            return [event for envelope in self.envelopes for event in envelope["data"]]

    def __enter__(self):
        consumer = self

        class Handler(BaseHTTPRequestHandler):
            """One request to the endpoint."""

            def do_POST(self):  # noqa: N802 (the http.server hook's name)
                status, body = consumer.receive(self.path, self.headers,
                                                self.rfile.read(int(self.headers.get("Content-Length") or 0)))
                payload = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, format, *args):
                return  # quiet

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc_info):
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=10)

    # --- the checks ---------------------------------------------------------------------------

    def _refuse(self, status, reason):
        with self._lock:
            self.refusals.append((status, reason))
        return status, {"error": reason}

    def receive(self, path, headers, raw):
        """``(status, body)`` for one request."""
        with self._lock:
            self.bodies.append(len(raw))
            if self.failures > 0:
                self.failures -= 1
                self.refusals.append((self.failure_status, "scripted failure"))
                return self.failure_status, {"error": "scripted failure"}
        if self.max_body is not None and len(raw) > self.max_body:
            return self._refuse(413, f"body of {len(raw)} bytes is over {self.max_body}")
        if path != "/caliper":
            return self._refuse(404, f"no endpoint at {path}")
        if headers.get("Authorization") != f"Bearer {self.token}":
            return self._refuse(401, "missing or wrong bearer token")
        if (headers.get("Content-Type") or "").split(";")[0].strip() != "application/json":
            return self._refuse(415, f"Content-Type must be application/json, got {headers.get('Content-Type')!r}")
        try:
            envelope = json.loads(raw)
        except ValueError as error:
            return self._refuse(400, f"body is not JSON: {error}")
        problem = self._envelope_problem(envelope)
        if problem:
            return self._refuse(400, problem)
        unknown = collections.Counter()
        for event in envelope["data"]:
            self._walk(event, unknown)
        with self._lock:
            self.envelopes.append(envelope)
            self.unknown_terms.update(unknown)
        return 200, {"accepted": len(envelope["data"])}

    @staticmethod
    def _envelope_problem(envelope):
        if not isinstance(envelope, dict) or set(envelope) != ENVELOPE_KEYS:
            keys = sorted(envelope) if isinstance(envelope, dict) else type(envelope).__name__
            return f"an envelope has exactly {sorted(ENVELOPE_KEYS)}, got {keys}"
        if not isinstance(envelope["sensor"], str) or not _IRI_RE.match(envelope["sensor"]):
            return f"sensor must be an absolute IRI, got {envelope['sensor']!r}"
        if not isinstance(envelope["sendTime"], str) or not _TIME_RE.match(envelope["sendTime"]):
            return f"sendTime must be ISO 8601 UTC with milliseconds, got {envelope['sendTime']!r}"
        if envelope["dataVersion"] != CONTEXT_IRI:
            return f"dataVersion must be {CONTEXT_IRI}, got {envelope['dataVersion']!r}"
        if not isinstance(envelope["data"], list) or not envelope["data"]:
            return "data must be a non-empty list of events"
        for index, event in enumerate(envelope["data"]):
            if not isinstance(event, dict) or event.get("@context") != CONTEXT_IRI:
                return f"data[{index}] is not a Caliper 1.2 event (@context)"
            if event.get("type") not in EVENT_CLASSES:
                return f"data[{index}].type {event.get('type')!r} is not a Caliper 1.2 event class"
        return None

    def _walk(self, node, unknown, top=True):
        """Record the terms of ``node`` (an event or entity) that the 1.2 context does not define."""
        for key, value in node.items():
            if key == "@context" and top:
                continue
            if key not in PROPERTIES:
                unknown[("property", key)] += 1
            if key == "extensions":
                continue  # free-form by definition
            if key == "type" and value not in (EVENT_CLASSES if top else ENTITY_CLASSES):
                unknown[("type", value)] += 1
            elif key == "action" and value not in ACTIONS:
                unknown[("action", value)] += 1
            elif isinstance(value, dict):
                self._walk(value, unknown, top=False)
