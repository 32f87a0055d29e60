"""
The registry's ``opt_in`` flag: a transformer version offered beside the default one is never
chosen unless a site pins it, whatever the registration order; everything else behaves as before.
"""
import pytest

from openedx_xapi_router.core.errors import ConfigurationError, UnsupportedEvent
from openedx_xapi_router.core.registry import DuplicateTransformer, TransformerRegistry
from openedx_xapi_router.core.registry import default_registry
from openedx_xapi_router.transformers.base import XapiTransformer

NAME = "some.event"


def make(version, opt_in=False, names=(NAME,)):
    """A transformer class for ``names`` at ``version``."""
    return type(f"T{version}{'o' if opt_in else ''}", (XapiTransformer,),
                {"event_names": names, "version": version, "opt_in": opt_in, "family": "test", "erb": False})


def test_the_base_class_is_not_opt_in():
    assert XapiTransformer.opt_in is False


@pytest.mark.parametrize("order", ["v1 first", "v2 first"])
def test_an_opt_in_version_is_used_only_when_pinned(order):
    registry = TransformerRegistry()
    v1, v2 = make(1), make(2, opt_in=True)
    for cls in ((v1, v2) if order == "v1 first" else (v2, v1)):
        registry.register(cls)
    assert registry.get(NAME) is v1
    assert registry.get(NAME, {"other.event": 2}) is v1
    assert registry.get(NAME, {NAME: 2}) is v2
    assert registry.get(NAME, {NAME: 1}) is v1
    assert registry.versions(NAME) == [1, 2]
    assert registry.default_version(NAME) == 1
    assert registry.is_supported(NAME)
    assert registry.all() == [(NAME, 1, v1), (NAME, 2, v2)]


def test_a_newer_version_that_is_not_opt_in_becomes_the_default():
    registry = TransformerRegistry()
    v1, v2, v3 = make(1), make(2, opt_in=True), make(3)
    for cls in (v3, v2, v1):
        registry.register(cls)
    assert registry.get(NAME) is v3
    assert registry.default_version(NAME) == 3
    assert registry.get(NAME, {NAME: 2}) is v2


def test_without_opt_in_the_newest_is_the_default_as_before():
    registry = TransformerRegistry()
    v1, v2 = make(1), make(2)
    registry.register(v1)
    registry.register(v2)
    assert registry.get(NAME) is v2


def test_a_name_with_only_opt_in_versions_is_unsupported_unless_pinned():
    registry = TransformerRegistry()
    v2 = make(2, opt_in=True)
    registry.register(v2)
    assert not registry.is_supported(NAME)
    assert registry.default_version(NAME) is None
    with pytest.raises(UnsupportedEvent):
        registry.get(NAME)
    assert registry.get(NAME, {NAME: 2}) is v2
    assert registry.event_names() == [NAME]


def test_pinning_a_missing_version_and_duplicates_still_raise():
    registry = TransformerRegistry()
    registry.register(make(1))
    registry.register(make(2, opt_in=True))
    with pytest.raises(ConfigurationError):
        registry.get(NAME, {NAME: 3})
    with pytest.raises(DuplicateTransformer):
        registry.register(make(2))


def test_every_builtin_default_is_a_version_that_is_not_opt_in():
    opt_in = 0
    for name, version, cls in default_registry().all():
        default = default_registry().get(name)
        assert not default.opt_in, name
        assert default.version == default_registry().default_version(name), name
        opt_in += cls.opt_in
        assert cls.opt_in == (version == 2 and cls.__module__.endswith(".video_profile")), (name, version)
    assert opt_in == 21
