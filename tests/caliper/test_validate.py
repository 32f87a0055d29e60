"""
The Caliper 1.2 validator refuses broken events with precise errors, and passes every event the
transformers make from ERB's fixture events (each golden event is validated on its way out).

The rules are Caliper Analytics 1.2's (IMS Global, final release): the Event's required properties
(``@context``, ``id``, ``type``, ``actor``, ``action``, ``object``, ``eventTime``), the metric
profiles' actions and object types per event type, entity ``id`` and ``type``, ISO 8601 times and
durations, and the 1.2 context IRI ``http://purl.imsglobal.org/ctx/caliper/v1p2``.
"""
import copy

import pytest

from openedx_xapi_router.core.errors import InvalidStatement
from openedx_xapi_router.transformers.caliper.validate import InvalidCaliperEvent, validate_event
from tests.caliper.helpers import transform
from tests.transformers import samples


def _event(name):
    samples.require_samples()
    return transform(samples.load_event(name))[0]


def _broken(event, path, value):
    """A copy of ``event`` with the value at dotted ``path`` replaced (``...``: removed)."""
    event = copy.deepcopy(event)
    *parents, last = path.split(".")
    target = event
    for key in parents:
        target = target[key]
    if value is ...:
        del target[last]
    else:
        target[last] = value
    return event


# (sample, path, new value or ... to remove, error path, words of the reason)
CASES = [
    ("play_video", "@context", ..., "@context", "required property is missing"),
    ("play_video", "@context", "http://purl.imsglobal.org/ctx/caliper/v1p1", "@context", "must be"),
    ("play_video", "id", ..., "id", "required property is missing"),
    ("play_video", "id", "4c53b337-b72f-4a36-b0ea-17fb335e18ab", "id", "UUID URN"),
    ("play_video", "id", "urn:uuid:4C53B337-B72F-4A36-B0EA-17FB335E18AB", "id", "UUID URN"),
    ("play_video", "type", "VideoEvent", "type", "is not one of"),
    ("play_video", "action", "NavigatedTo", "action", "not an action of a MediaEvent"),
    ("play_video", "action", ..., "action", "required property is missing"),
    ("play_video", "eventTime", "2020-07-15T06:52:55Z", "eventTime", "milliseconds"),
    ("play_video", "eventTime", "2020-07-15T06:52:55.057+00:00", "eventTime", "milliseconds"),
    ("play_video", "eventTime", "2020-02-30T06:52:55.057Z", "eventTime", "ISO 8601"),
    ("play_video", "actor.id", "32e08e30-f8ae-4ce2-94a8-c2bfe38a70cb", "actor.id", "absolute IRI"),
    ("play_video", "actor.type", "Learner", "actor.type", "is not one of"),
    ("play_video", "actor", "http://localhost:18000/user/x", "actor", "an entity is an object"),
    ("play_video", "object.id", ..., "object.id", "required property is missing"),
    ("play_video", "object.id", "_:video", "object.id", "must be an absolute IRI,"),
    ("play_video", "object.type", "WebPage", "object.type", "is not one of"),
    ("play_video", "object.duration", "195", "object.duration", "ISO 8601 duration"),
    ("play_video", "object.extensions", [], "object.extensions", "extensions are an object"),
    ("play_video", "object.extensions.isPartOf.type", "Course", "object.extensions.isPartOf.type", "is not one of"),
    ("play_video", "target.type", "Frame", "target.type", "is not one of"),
    ("play_video", "target.currentTime", 0.03, "target.currentTime", "ISO 8601 duration"),
    ("play_video", "target.id", "_:bad id", "target.id", "blank node"),
    ("play_video", "session.type", "Membership", "session.type", "is not one of"),
    ("play_video", "verb", "played", "verb", "not a Caliper 1.2 event property"),
    ("play_video", "extensions", "x", "extensions", "extensions are an object"),
    ("problem_check(server)", "object.type", "Assessment", "object.type", "is not one of"),
    ("problem_check(server)", "actor.type", "Organization", "actor.type", "is not one of"),
    ("problem_check(server)", "generated.score.maxScore", "1", "generated.score.maxScore", "must be a number"),
    ("problem_check(server)", "generated.score.type", "Result", "generated.score.type", "is not one of"),
    ("problem_check(server)", "object.extensions.assignee.id", "me", "object.extensions.assignee.id",
     "absolute IRI"),
    ("edx.ui.lms.link_clicked", "object.id", "/courses/x/jump_to/y", "object.id", "absolute IRI"),
    ("edx.ui.lms.link_clicked", "object.name", 3, "object.name", "must be a string"),
    ("edx.course.enrollment.activated", "action", "Dropped", "action", "not an action of a Event"),
    ("showanswer", "type", "ViewEvent", "object.type", "is not one of"),
]


@pytest.mark.parametrize(("sample", "path", "value", "error_path", "words"), CASES,
                         ids=[f"{case[0]}:{case[1]}={case[2]!r}" for case in CASES])
def test_refuses(sample, path, value, error_path, words):
    event = _broken(_event(sample), path, value)
    with pytest.raises(InvalidCaliperEvent) as error:
        validate_event(event, "caliper-test@1")
    assert error.value.path == error_path
    assert words in error.value.reason
    assert error.value.kind == "invalid_caliper_event"
    assert isinstance(error.value, InvalidStatement)  # counted as an invalid statement by today's pipeline
    assert str(error.value).startswith(f"caliper-test@1 built an invalid Caliper event: {error_path}: ")


def test_refuses_non_object():
    with pytest.raises(InvalidCaliperEvent) as error:
        validate_event([], "caliper-test@1")
    assert error.value.path == ""


@pytest.mark.parametrize("sample", ["play_video", "problem_check(server)", "edx.ui.lms.link_clicked", "showanswer",
                                    "edx.course.enrollment.activated", "edx.ui.lms.sequence.tab_selected"])
def test_accepts_transformed_events(sample):
    validate_event(_event(sample), "caliper-test@1")


def test_erb_parity_tolerances():
    """``Webpage`` for a link's page, and a GradeEvent's Score wrapped in ``{"score": ...}``: both ERB's shapes."""
    link = _event("edx.ui.lms.link_clicked")
    assert link["object"]["type"] == "Webpage"
    graded = _event("problem_check(server)")
    assert set(graded["generated"]) == {"score"}
    # The tolerance is for a GradeEvent only; the same wrapping elsewhere is refused.
    media = _broken(_event("play_video"), "generated", graded["generated"])
    with pytest.raises(InvalidCaliperEvent) as error:
        validate_event(media, "caliper-test@1")
    assert error.value.path == "generated.id"


def test_a_broken_transformer_output_is_refused_before_it_leaves():
    """The pipeline runs the transformer's own validate(): a bad event raises, nothing is returned."""
    samples.require_samples()
    from openedx_xapi_router.transformers.caliper import video  # pylint: disable=import-outside-toplevel
    from openedx_xapi_router.core.registry import TransformerRegistry  # pylint: disable=import-outside-toplevel
    from openedx_xapi_router.core.pipeline import transform_event  # pylint: disable=import-outside-toplevel

    class BrokenPlayed(video.CaliperVideoPlayed):
        """Plays with a wrong action."""

        action = "Played"

    registry = TransformerRegistry()
    registry.register(BrokenPlayed)
    with pytest.raises(InvalidCaliperEvent) as error:
        transform_event(samples.load_event("play_video"), samples.reference_context(), registry, "caliper")
    assert (error.value.path, error.value.reason) == ("action", "'Played' is not an action of a MediaEvent")
