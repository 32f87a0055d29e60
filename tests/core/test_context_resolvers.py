"""
The resolvers the core ships for use outside the LMS: mappings, pseudonyms, email forms.
"""
import pytest

from openedx_xapi_router.core.context import Actor, MappingActorResolver, TransformContext
from openedx_xapi_router.core.errors import EventSkipped
from openedx_xapi_router.core.pipeline import transform_event

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

def _completion(course_id):
    """A completion event in ``course_id`` (its statement has the course as parent)."""
    return {
        "name": "edx.completion.block_completion.changed", "time": "2026-03-01T07:18:43.038794+00:00",
        "username": "wei", "event_source": "server", "context": {"user_id": 36, "course_id": course_id},
        "event": {"block_id": f"block-v1:{course_id[10:]}+type@problem+block@p1", "completion": 1.0},
    }


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
    second = transform_event(_completion(course), ctx)
    assert first == second
    assert first[0]["context"]["contextActivities"]["parent"] is not second[0]["context"]["contextActivities"]["parent"]
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
