"""
The transformer registry: versions, pinning, strict registration, plugins through entry points.
"""
import sys
import textwrap

import pytest

from openedx_xapi_router.core import vocab
from openedx_xapi_router.core.errors import ConfigurationError
from openedx_xapi_router.core.registry import DuplicateTransformer, TransformerRegistry
from openedx_xapi_router.core.registry import default_registry
from openedx_xapi_router.transformers.base import XapiTransformer


def make_transformer(name, version, event_names=("test.event",)):
    return type(name, (XapiTransformer,), {"event_names": event_names, "version": version, "verb": vocab.VIEWED,
                                           "family": "test", "erb": False})


def test_newest_version_is_used_unless_pinned():
    registry = TransformerRegistry()
    first, second = make_transformer("First", 1), make_transformer("Second", 2)
    registry.register(first)
    registry.register(second)
    assert registry.get("test.event") is second
    assert registry.get("test.event", {"test.event": 1}) is first
    assert registry.versions("test.event") == [1, 2]
    assert registry.all() == [("test.event", 1, first), ("test.event", 2, second)]


def test_pinning_a_missing_version_names_the_setting():
    registry = TransformerRegistry()
    registry.register(make_transformer("First", 1))
    with pytest.raises(ConfigurationError) as error:
        registry.get("test.event", {"test.event": 3})
    assert str(error.value) == (
        "XAPI_ROUTER_TRANSFORMER_VERSIONS pins 'test.event' to version 3, but only versions [1] exist"
    )


def test_a_finder_answers_as_find_and_sees_later_registrations():
    registry = TransformerRegistry()
    first, second = make_transformer("First", 1), make_transformer("Second", 2)
    registry.register(first)
    find = registry.finder()
    assert (find("test.event"), find("test.other")) == (first, None)
    registry.register(second)
    other = make_transformer("Other", 1, event_names=("test.other",))
    registry.register(other)
    find = registry.finder()  # a new finder after the registry changed: the new defaults
    assert (find("test.event"), find("test.other")) == (second, other)
    pinned = registry.finder({"test.event": 1})
    assert (pinned("test.event"), pinned("test.other"), pinned("test.absent")) == (first, other, None)
    assert registry.finder(output_format="caliper")("test.event") is None
    with pytest.raises(ConfigurationError) as error:
        registry.finder({"test.event": 3})("test.event")
    assert str(error.value) == (
        "XAPI_ROUTER_TRANSFORMER_VERSIONS pins 'test.event' to version 3, but only versions [1, 2] exist"
    )


def test_the_same_name_and_version_twice_raises():
    registry = TransformerRegistry()
    registry.register(make_transformer("First", 1))
    with pytest.raises(DuplicateTransformer) as error:
        registry.register(make_transformer("Other", 1))
    assert "'test.event' (xapi) version 1 is already handled by First" in str(error.value)


def test_bad_versions_and_empty_names_are_refused():
    registry = TransformerRegistry()
    for version in (0, True, "1"):
        with pytest.raises(ConfigurationError):
            registry.register(make_transformer("Bad", version))
    with pytest.raises(ConfigurationError):
        registry.register(make_transformer("Nameless", 1, event_names=()))


@pytest.fixture(name="plugin_distribution")
def fixture_plugin_distribution(tmp_path, monkeypatch):
    """A real installed distribution (dist-info on sys.path) declaring two transformer entry points."""
    (tmp_path / "xapi_router_test_plugin.py").write_text(textwrap.dedent('''
        from openedx_xapi_router.core import vocab
        from openedx_xapi_router.transformers.base import XapiTransformer

        class PluginViewed(XapiTransformer):
            event_names = ("test.plugin.viewed",)
            version = 1
            family = "plugin"
            erb = False
            verb = vocab.VIEWED

            def get_object(self):
                return {"id": self.iri("plugin", "thing"), "objectType": "Activity"}

        def register(registry):
            registry.register(PluginViewed)

        def broken(registry):
            raise RuntimeError("boom")
    '''))
    dist_info = tmp_path / "xapi_router_test_plugin-1.0.dist-info"
    dist_info.mkdir()
    (dist_info / "METADATA").write_text("Metadata-Version: 2.1\nName: xapi-router-test-plugin\nVersion: 1.0\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    yield dist_info
    sys.modules.pop("xapi_router_test_plugin", None)


def test_entry_point_callable_registers_into_the_given_registry(plugin_distribution):
    default = default_registry()  # built (entry points loaded) before the plugin is installed, as in a run alone
    (plugin_distribution / "entry_points.txt").write_text(
        "[openedx_xapi_router.transformers]\ntest_plugin = xapi_router_test_plugin:register\n"
    )
    registry = TransformerRegistry()
    assert registry.load_entry_points() == ["test_plugin"]
    assert registry.get("test.plugin.viewed").__name__ == "PluginViewed"
    assert registry.load_entry_points() == []  # once only
    assert not default.is_supported("test.plugin.viewed")


def test_a_broken_plugin_fails_loudly_naming_it(plugin_distribution):
    (plugin_distribution / "entry_points.txt").write_text(
        "[openedx_xapi_router.transformers]\nbroken_plugin = xapi_router_test_plugin:broken\n"
    )
    with pytest.raises(ConfigurationError) as error:
        TransformerRegistry().load_entry_points()
    assert str(error.value) == (
        "the openedx_xapi_router.transformers entry point 'broken_plugin' (xapi_router_test_plugin:broken) "
        "failed to load: RuntimeError: boom"
    )
