"""
The LMS-side resolvers: actor ids and course names, cached, with unknown and retired learners and
unknown courses skipped by reason (never a made-up id or name).
"""
import pytest
from django.contrib.auth import get_user_model

from openedx_xapi_router import resolvers
from openedx_xapi_router.core.context import Actor
from openedx_xapi_router.core.errors import ConfigurationError, EventSkipped

HOME = "https://courses.example.org"


class FakeClock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def test_ttl_cache_returns_cached_value_until_it_expires():
    clock = FakeClock()
    cache = resolvers.TtlCache(maxsize=10, ttl=60, clock=clock)
    calls = []
    assert cache.get_or_compute("a", lambda: calls.append(1) or "one") == "one"
    assert cache.get_or_compute("a", lambda: calls.append(1) or "two") == "one"
    clock.now += 61
    assert cache.get_or_compute("a", lambda: calls.append(1) or "three") == "three"
    assert len(calls) == 2


def test_ttl_cache_evicts_least_recently_used():
    cache = resolvers.TtlCache(maxsize=2, ttl=60, clock=FakeClock())
    cache.get_or_compute("a", lambda: 1)
    cache.get_or_compute("b", lambda: 2)
    cache.get_or_compute("a", lambda: 1)
    cache.get_or_compute("c", lambda: 3)
    assert cache.get_or_compute("a", lambda: "recomputed") == 1
    assert cache.get_or_compute("c", lambda: "recomputed") == 3
    assert cache.get_or_compute("b", lambda: "recomputed") == "recomputed"


def test_ttl_cache_caches_skips_too():
    cache = resolvers.TtlCache(maxsize=10, ttl=60, clock=FakeClock())
    calls = []

    def unknown():
        calls.append(1)
        raise EventSkipped(None, "unknown_user", "no user 'x'")

    for _ in range(3):
        with pytest.raises(EventSkipped) as skipped:
            cache.get_or_compute("x", unknown)
        assert skipped.value.reason == "unknown_user"
    assert calls == [1]


@pytest.mark.django_db
def test_lms_actor_resolver_uses_external_id_of_found_user():
    user = get_user_model().objects.create_user("ada", "ada@example.com", "pw")
    external = {user.id: "6f1c6f4e-0000-4000-8000-000000000001"}
    resolver = resolvers.LmsActorResolver(HOME, resolvers.find_user, resolvers.is_retired, lambda u: external[u.id])
    expected = Actor.account(HOME, "6f1c6f4e-0000-4000-8000-000000000001")
    assert resolver(user.id) == expected
    assert resolver(str(user.id)) == expected
    assert resolver("ada") == expected


@pytest.mark.django_db
def test_lms_actor_resolver_skips_unknown_and_retired_users():
    retired = get_user_model().objects.create_user("retired__user_1f2e3d", "retired__user_1f2e3d@retired.invalid")
    resolver = resolvers.LmsActorResolver(HOME, resolvers.find_user, resolvers.is_retired, lambda u: "never")
    with pytest.raises(EventSkipped) as skipped:
        resolver("nobody")
    assert skipped.value.reason == "unknown_user"
    with pytest.raises(EventSkipped) as skipped:
        resolver(987654)
    assert skipped.value.reason == "unknown_user"
    with pytest.raises(EventSkipped) as skipped:
        resolver(retired.id)
    assert skipped.value.reason == "retired_user"


def test_lms_course_name_resolver_skips_unknown_course_and_caches():
    calls = []

    def display_name(course_id):
        calls.append(course_id)
        return {"course-v1:edX+DemoX+Demo_Course": "Demonstration Course"}.get(course_id)

    resolver = resolvers.LmsCourseNameResolver(display_name)
    assert resolver("course-v1:edX+DemoX+Demo_Course") == "Demonstration Course"
    assert resolver("course-v1:edX+DemoX+Demo_Course") == "Demonstration Course"
    with pytest.raises(EventSkipped) as skipped:
        resolver("course-v1:edX+Gone+2020")
    assert skipped.value.reason == "unknown_course"
    assert calls == ["course-v1:edX+DemoX+Demo_Course", "course-v1:edX+Gone+2020"]


@pytest.mark.django_db
def test_email_actor_sources():
    get_user_model().objects.create_user("grace", "grace@example.com")
    mbox = resolvers.build_actor_resolver("mbox", HOME)
    assert mbox("grace").statement_dict == {"objectType": "Agent", "mbox": "mailto:grace@example.com"}
    hashed = resolvers.build_actor_resolver("mbox_sha1sum", HOME)
    assert hashed("grace").statement_dict == {
        "objectType": "Agent", "mbox_sha1sum": "0c4d35a12f58282925d5240fa4ad85bdbc7c5e41",
    }
    with pytest.raises(EventSkipped) as skipped:
        mbox("nobody")
    assert skipped.value.reason == "unknown_user"


def test_unknown_actor_source_is_a_configuration_error():
    with pytest.raises(ConfigurationError) as error:
        resolvers.build_actor_resolver("random", HOME)
    assert "XAPI_ROUTER_ACTOR_ID_SOURCE" in str(error.value)


def test_transform_context_from_settings(settings):
    settings.LMS_ROOT_URL = "https://lms.example.org/"
    settings.XAPI_ROUTER_ACTOR_ID_SOURCE = "pseudonymous"
    settings.XAPI_ROUTER_ACTOR_SECRET = "s3cret"
    settings.XAPI_ROUTER_COURSE_NAME_SOURCE = "none"
    settings.XAPI_ROUTER_TRANSFORMER_VERSIONS = {"play_video": 1}
    resolvers.reset_transform_context()
    try:
        ctx = resolvers.get_transform_context()
        assert ctx.lms_root_url == "https://lms.example.org"
        assert ctx.transformer_versions == {"play_video": 1}
        assert ctx.course_name_resolver("course-v1:a+b+c") is None
        first = ctx.actor_resolver(42)
        assert first == ctx.actor_resolver("42")
        assert first.statement_dict["account"]["homePage"] == "https://lms.example.org"
        assert resolvers.get_transform_context() is ctx
    finally:
        resolvers.reset_transform_context()
