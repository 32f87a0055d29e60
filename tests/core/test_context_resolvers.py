"""
The resolvers the core ships for use outside the LMS: mappings, pseudonyms, email forms.
"""
import pytest

from openedx_xapi_router.core.context import Actor, MappingActorResolver, MappingCourseNameResolver, TransformContext
from openedx_xapi_router.core.errors import EventSkipped
from openedx_xapi_router.core.pipeline import process, transform_event

HOME = "https://lms.example.org"


def test_mapping_matches_user_id_then_username_then_star():
    resolver = MappingActorResolver(HOME, {"7": "by-id", "ada": "by-name", "*": "everyone"})
    assert resolver(7, "ada") == Actor.account(HOME, "by-id")
    assert resolver(8, "ada") == Actor.account(HOME, "by-name")
    assert resolver(8, "bob") == Actor.account(HOME, "everyone")
    assert resolver("ada", "ada") == Actor.account(HOME, "by-name")


def test_mapping_without_star_skips_unknown_learners():
    resolver = MappingActorResolver(HOME, {"ada": "by-name"})
    with pytest.raises(EventSkipped) as skipped:
        resolver(9, "bob")
    assert skipped.value.reason == "unknown_user"


def test_username_map_applies_to_log_events_that_carry_a_user_id():
    ctx = TransformContext.from_maps(HOME, actor_map={"wei.cohen": "actor-wei"}, course_name_map={"*": "Course"})
    event = {
        "name": "edx.course.enrollment.activated", "event_type": "edx.course.enrollment.activated",
        "time": "2026-03-01T07:18:43.038794+00:00", "username": "wei.cohen", "event_source": "server",
        "context": {"user_id": 36, "course_id": "course-v1:HarvardX+LA171+2026_T3"},
        "event": {"course_id": "course-v1:HarvardX+LA171+2026_T3", "mode": "audit"},
    }
    [statement] = transform_event(event, ctx)
    assert statement["actor"] == {"objectType": "Agent", "account": {"homePage": HOME, "name": "actor-wei"}}


def test_map_with_secret_falls_back_to_pseudonyms_for_unmapped_learners():
    ctx = TransformContext.from_maps(HOME, actor_map={"36": "mapped"}, actor_secret="s3cret")
    assert ctx.actor_resolver(36, "wei") == Actor.account(HOME, "mapped")
    pseudonym = ctx.actor_resolver(37, "bob")
    assert pseudonym == ctx.actor_resolver("37")
    # uuid (version 4 bits) of HMAC-SHA256("s3cret", "37")[:16]: stable across runs and machines.
    assert pseudonym == Actor.account(HOME, "fa9fc96f-1a46-475a-89ca-2f5456279827")


# --- the course memo (issue #19) ------------------------------------------------------------------

def _completion(course_id, session=None, user_id=36, time="2026-03-01T07:18:43.038794+00:00"):
    """
    A completion event in ``course_id`` (its statement has the course as parent), in the tracking-log
    form. Its payload is the one the transformer's contract names: event-routing-backends' recorded
    fixture, openedx/event-routing-backends
    ``event_routing_backends/processors/tests/fixtures/current/edx.completion.block_completion.changed.json``
    (no commit: the emitting code is not in the index; ``../shared/xapi/events`` holds the same file).
    ``session`` and ``context.user_id`` stand where the tracking log writes them.
    """
    event = {
        "name": "edx.completion.block_completion.changed", "time": time,
        "username": "wei", "event_source": "server", "context": {"user_id": user_id, "course_id": course_id},
        "event": {"block_id": f"block-v1:{course_id[10:]}+type@problem+block@p1", "completion": 1.0},
    }
    if session is not None:
        event["session"] = session
    return event


class CountingNames:
    """A course-name resolver counting its calls; ``fixed`` as given; skips the course ``skip``."""

    def __init__(self, fixed, skip=None):
        self.fixed, self.skip, self.calls = fixed, skip, 0

    def __call__(self, course_id):
        self.calls += 1
        if course_id == self.skip:
            raise EventSkipped(None, "unknown_course")
        return f"name of {course_id}"


def _context(names):
    return TransformContext(HOME, lambda user, username=None: Actor.account(HOME, "a"), names)


def test_a_fixed_course_name_resolver_is_asked_once_per_course():
    names = CountingNames(fixed=True)
    ctx = _context(names)
    course = "course-v1:HarvardX+LA171+2026_T3"
    first = transform_event(_completion(course), ctx)
    second = transform_event(_completion(course, session="s2"), ctx)
    assert first[0]["context"]["contextActivities"] == second[0]["context"]["contextActivities"]
    # another session: a context of its own, holding the course's one checked activity
    assert first[0]["context"] is not second[0]["context"]
    [first_course], [second_course] = (made[0]["context"]["contextActivities"]["parent"] for made in (first, second))
    assert first_course is second_course
    calls = names.calls
    transform_event(_completion(course), ctx)
    assert names.calls == calls  # the memo answered
    assert ctx.course_memo


def test_a_course_name_resolver_that_is_not_fixed_is_asked_every_time():
    for fixed in (False, "yes"):  # only True means fixed
        names = CountingNames(fixed=fixed)
        ctx = _context(names)
        assert ctx.course_memo is None
        transform_event(_completion("course-v1:HarvardX+LA171+2026_T3"), ctx)
        calls = names.calls
        transform_event(_completion("course-v1:HarvardX+LA171+2026_T3"), ctx)
        assert names.calls == 2 * calls


def test_a_skipped_course_is_skipped_every_time_with_a_fixed_resolver():
    skipped_course = "course-v1:HarvardX+LA171+2026_T3"
    ctx = _context(CountingNames(fixed=True, skip=skipped_course))
    for _ in range(2):
        with pytest.raises(EventSkipped) as skipped:
            transform_event(_completion(skipped_course), ctx)
        assert skipped.value.reason == "unknown_course"
    assert skipped_course not in ctx.course_memo


def test_the_contexts_built_from_maps_keep_a_course_memo():
    assert TransformContext.from_maps(HOME, actor_secret="s", course_name_map={"*": "C"}).course_memo == {}
    assert TransformContext.from_maps(HOME, actor_secret="s").course_memo == {}


# --- the actor memo and the context memo (issue #19) ----------------------------------------------

class CountingActors:
    """An actor resolver that counts its calls; ``fixed`` as given; ``refuse``: users it skips."""

    def __init__(self, fixed, refuse=()):
        self.fixed = fixed
        self.refuse = refuse
        self.calls = []

    def __call__(self, user, username=None):
        self.calls.append((user, username))
        if user in self.refuse:
            raise EventSkipped(None, "retired_user")
        return Actor.account(HOME, f"actor-{user}")


COURSE = "course-v1:HarvardX+LA171+2026_T3"


def test_a_fixed_actor_resolver_is_asked_once_per_learner():
    actors = CountingActors(fixed=True)
    ctx = TransformContext(HOME, actors, lambda course_id: "Course")
    first = transform_event(_completion(COURSE), ctx)
    second = transform_event(_completion(COURSE, time="2026-03-01T07:18:44.038794+00:00"), ctx)
    other = transform_event(_completion(COURSE, user_id=37), ctx)
    assert actors.calls == [(36, "wei"), (37, "wei")]
    assert first[0]["actor"] is second[0]["actor"]
    assert first[0]["actor"] == {"objectType": "Agent", "account": {"homePage": HOME, "name": "actor-36"}}
    assert other[0]["actor"]["account"]["name"] == "actor-37"
    assert first[0]["id"] != second[0]["id"]
    assert ctx.actor_memo == {(36, "wei"): Actor.account(HOME, "actor-36"),
                              (37, "wei"): Actor.account(HOME, "actor-37")}


def test_an_actor_resolver_that_is_not_fixed_is_asked_every_time():
    for fixed in (False, "yes", None):  # only True means fixed
        actors = CountingActors(fixed=fixed)
        ctx = TransformContext(HOME, actors, lambda course_id: "Course")
        assert ctx.actor_memo is None
        for _ in range(3):
            transform_event(_completion(COURSE), ctx)
        assert actors.calls == [(36, "wei")] * 3


def test_a_refused_learner_is_refused_every_time_with_a_fixed_resolver():
    actors = CountingActors(fixed=True, refuse=(36,))
    ctx = TransformContext(HOME, actors, lambda course_id: "Course")
    for _ in range(2):
        with pytest.raises(EventSkipped) as skipped:
            transform_event(_completion(COURSE), ctx)
        assert skipped.value.reason == "retired_user"
    assert actors.calls == [(36, "wei")] * 2 and ctx.actor_memo == {}


def test_an_unhashable_user_id_or_session_is_transformed_without_the_memos():
    """Any JSON can stand where a user id or a session is: a dict is transformed as before, not remembered."""
    actors = CountingActors(fixed=True)
    ctx = TransformContext(HOME, actors, MappingCourseNameResolver({"*": "Course"}))
    for _ in range(2):
        [statement] = transform_event(_completion(COURSE, session={"a": 1}, user_id={"id": 1}), ctx)
        assert statement["actor"]["account"]["name"] == "actor-{'id': 1}"
        assert statement["context"]["extensions"]["https://w3id.org/xapi/openedx/extensions/session-id"] == {"a": 1}
    assert len(actors.calls) == 2 and ctx.actor_memo == {} and ctx.context_memo == {}


def test_the_resolvers_built_from_maps_are_fixed():
    assert TransformContext.from_maps(HOME, actor_secret="s").actor_memo == {}
    assert TransformContext.from_maps(HOME, actor_map={"1": "a"}).actor_memo == {}
    assert TransformContext.from_maps(HOME, actor_map={"1": "a"}, actor_secret="s").actor_memo == {}


def test_one_session_s_events_of_one_kind_share_one_made_context():
    ctx = TransformContext.from_maps(HOME, actor_secret="s", course_name_map={"*": "Course"})
    times = ("2026-03-01T07:18:43.038794+00:00", "2026-03-01T07:18:44.038794+00:00")
    first, second = (transform_event(_completion(COURSE, session="s1", time=time), ctx)[0] for time in times)
    third = transform_event(_completion(COURSE, session="s2"), ctx)[0]
    assert first["context"] is second["context"]
    assert first["context"] == {
        "contextActivities": {"parent": [{"id": f"{HOME}/course/{COURSE}", "objectType": "Activity",
                                          "definition": {"type": "http://adlnet.gov/expapi/activities/course",
                                                         "name": {"en-US": "Course"}}}]},
        "extensions": {
            "https://w3id.org/xapi/openedx/extension/transformer-version":
                "openedx-xapi-router/edx.completion.block_completion.changed@1",
            "https://w3id.org/xapi/openedx/extensions/session-id": "s1",
        },
    }
    assert third["context"] is not first["context"]
    assert third["context"]["extensions"]["https://w3id.org/xapi/openedx/extensions/session-id"] == "s2"
    assert list(ctx.context_memo) == [
        ("openedx-xapi-router/edx.completion.block_completion.changed@1", COURSE, "s1"),
        ("openedx-xapi-router/edx.completion.block_completion.changed@1", COURSE, "s2"),
    ]


def test_a_block_s_statements_share_its_one_checked_activity():
    ctx = TransformContext.from_maps(HOME, actor_secret="s")
    first = transform_event(_completion(COURSE), ctx)[0]
    second = transform_event(_completion(COURSE, user_id=37), ctx)[0]
    block = f"block-v1:{COURSE[10:]}+type@problem+block@p1"
    assert first["object"] is second["object"]
    assert first["object"] == {"id": f"{HOME}/xblock/{block}", "objectType": "Activity",
                               "definition": {"type": "http://id.tincanapi.com/activitytype/resource"}}
    assert list(ctx.object_memo) == [(block, "http://id.tincanapi.com/activitytype/resource")]


def test_a_block_activity_the_check_refuses_is_not_kept():
    ctx = TransformContext.from_maps(HOME, actor_secret="s")
    event = _completion(COURSE)
    event["event"]["block_id"] = "block v1 with spaces"  # not an IRI once in the object id
    for _ in range(2):
        outcome = process(event, ctx)
        assert (type(outcome).__name__, outcome.kind) == ("Failed", "invalid_statement")
    assert ctx.object_memo == {}
