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
