"""
The plugin wiring: defaults, the event-tracking backend, production overrides, the entry point.
"""
import copy
import sys
import types
from importlib import metadata

import pytest
from edx_django_utils.plugins import add_plugins, registry

from openedx_xapi_router.apps import XapiRouterConfig
from openedx_xapi_router.settings import common, production
from openedx_xapi_router.settings import test as test_settings

ENGINE = "openedx_xapi_router.backends.tracking.XapiRouterBackend"
EXISTING_BACKENDS = {
    "logger": {
        "ENGINE": "track.backends.logger.LoggerBackend",
        "OPTIONS": {"name": "tracking", "max_event_size": 50000},
    },
    "event_transformer": {
        "ENGINE": "eventtracking.backends.async_routing.AsyncRoutingBackend",
        "OPTIONS": {"backends": {"xapi": {"ENGINE": "event_routing_backends.backends.async_events_router"}}},
    },
}


def lms_settings(**values):
    """A stand-in for the LMS's settings module, holding ``values``."""
    settings = types.SimpleNamespace(EVENT_TRACKING_BACKENDS=copy.deepcopy(EXISTING_BACKENDS))
    for name, value in values.items():
        setattr(settings, name, value)
    return settings


def test_defaults():
    settings = lms_settings()
    common.plugin_settings(settings)
    assert settings.XAPI_ROUTER_ENABLED is False
    assert settings.XAPI_ROUTER_BACKEND_NAME == "xapi_router"
    assert settings.XAPI_ROUTER_TRANSFORMER_VERSIONS == {}
    assert settings.XAPI_ROUTER_ALLOWED_EVENT_NAMES is None
    assert settings.XAPI_ROUTER_CELERY_QUEUE is None
    assert settings.XAPI_ROUTER_ENCRYPTION_KEYS == []
    assert settings.XAPI_ROUTER_ALLOW_INSECURE_HTTP is False
    assert settings.XAPI_ROUTER_ACTOR_SECRET is None


def test_disabled_adds_nothing():
    settings = lms_settings()
    common.plugin_settings(settings)
    assert settings.EVENT_TRACKING_BACKENDS == EXISTING_BACKENDS


def test_enabled_adds_backend_once_and_keeps_existing_ones():
    settings = lms_settings(XAPI_ROUTER_ENABLED=True)
    common.plugin_settings(settings)
    backends = settings.EVENT_TRACKING_BACKENDS
    assert backends["xapi_router"] == {"ENGINE": ENGINE, "OPTIONS": {}}
    assert [b["ENGINE"] for b in backends.values()].count(ENGINE) == 1
    assert {name: backends[name] for name in EXISTING_BACKENDS} == EXISTING_BACKENDS
    assert set(backends) == set(EXISTING_BACKENDS) | {"xapi_router"}


def test_idempotent():
    settings = lms_settings(XAPI_ROUTER_ENABLED=True)
    common.plugin_settings(settings)
    once = copy.deepcopy(settings.EVENT_TRACKING_BACKENDS)
    common.plugin_settings(settings)
    production.plugin_settings(settings)
    assert settings.EVENT_TRACKING_BACKENDS == once
    assert [b["ENGINE"] for b in once.values()].count(ENGINE) == 1


def test_backend_name_setting_is_the_key():
    settings = lms_settings(XAPI_ROUTER_ENABLED=True, XAPI_ROUTER_BACKEND_NAME="xapi_router_2")
    common.plugin_settings(settings)
    assert settings.EVENT_TRACKING_BACKENDS["xapi_router_2"]["ENGINE"] == ENGINE
    assert "xapi_router" not in settings.EVENT_TRACKING_BACKENDS


def test_missing_tracking_backends_are_created():
    settings = types.SimpleNamespace(XAPI_ROUTER_ENABLED=True)
    common.plugin_settings(settings)
    assert settings.EVENT_TRACKING_BACKENDS == {"xapi_router": {"ENGINE": ENGINE, "OPTIONS": {}}}


def test_explicit_values_are_not_overwritten_by_defaults():
    settings = lms_settings(XAPI_ROUTER_CELERY_QUEUE="edx.lms.core.xapi", XAPI_ROUTER_TRANSFORMER_VERSIONS={"a": 2})
    common.plugin_settings(settings)
    assert settings.XAPI_ROUTER_CELERY_QUEUE == "edx.lms.core.xapi"
    assert settings.XAPI_ROUTER_TRANSFORMER_VERSIONS == {"a": 2}


def test_production_overrides_from_env_tokens():
    settings = lms_settings(
        XAPI_ROUTER_CELERY_QUEUE="kept",
        ENV_TOKENS={
            "XAPI_ROUTER_ENABLED": True,
            "XAPI_ROUTER_ENCRYPTION_KEYS": ["new-key", "old-key"],
            "XAPI_ROUTER_ALLOWED_EVENT_NAMES": ["edx.video.played"],
            "UNRELATED_SETTING": "ignored",
        },
    )
    production.plugin_settings(settings)
    assert settings.XAPI_ROUTER_ENABLED is True
    assert settings.XAPI_ROUTER_ENCRYPTION_KEYS == ["new-key", "old-key"]
    assert settings.XAPI_ROUTER_ALLOWED_EVENT_NAMES == ["edx.video.played"]
    assert settings.XAPI_ROUTER_CELERY_QUEUE == "kept"  # absent from ENV_TOKENS: unchanged
    assert not hasattr(settings, "UNRELATED_SETTING")
    assert settings.EVENT_TRACKING_BACKENDS["xapi_router"]["ENGINE"] == ENGINE


def test_production_without_env_tokens_keeps_defaults():
    settings = lms_settings()
    production.plugin_settings(settings)
    assert settings.XAPI_ROUTER_ENABLED is False
    assert settings.EVENT_TRACKING_BACKENDS == EXISTING_BACKENDS


def test_test_settings_allow_insecure_http():
    settings = lms_settings()
    test_settings.plugin_settings(settings)
    assert settings.XAPI_ROUTER_ALLOW_INSECURE_HTTP is True
    assert settings.XAPI_ROUTER_ENABLED is False


def test_tracking_backend_engine_imports():
    module_path, class_name = ENGINE.rsplit(".", 1)
    module = __import__(module_path, fromlist=[class_name])
    backend = getattr(module, class_name)()
    assert backend.send({"name": "edx.video.played"}) is None


def test_entry_point_names_the_app():
    entry_points = metadata.entry_points(group="lms.djangoapp")
    ours = [entry_point for entry_point in entry_points if entry_point.name == "openedx_xapi_router"]
    assert len(ours) == 1, "run `pip install -e .` (make requirements) to register the entry point"
    assert ours[0].value == "openedx_xapi_router.apps:XapiRouterConfig"
    assert ours[0].load() is XapiRouterConfig


def test_console_script_entry_point_is_declared():
    scripts = metadata.entry_points(group="console_scripts")
    assert [ep.value for ep in scripts if ep.name == "xapi-router-transform"] == ["openedx_xapi_router.core.cli:main"]


@pytest.mark.parametrize(
    "settings_type, enabled_key",
    [("common", None), ("production", "ENV_TOKENS"), ("test", None)],
)
def test_lms_plugin_framework_loads_our_settings(settings_type, enabled_key, monkeypatch):
    """edx-django-utils' add_plugins finds us through the entry point and applies our settings."""
    module = types.ModuleType("fake_lms_settings")
    module.EVENT_TRACKING_BACKENDS = copy.deepcopy(EXISTING_BACKENDS)
    if enabled_key:
        module.ENV_TOKENS = {"XAPI_ROUTER_ENABLED": True}
    else:
        module.XAPI_ROUTER_ENABLED = True
    monkeypatch.setitem(sys.modules, "fake_lms_settings", module)
    # Other installed plugins (event-routing-backends) expect a full LMS settings module: keep ours.
    all_configs = registry.get_plugin_app_configs
    ours = [config for config in all_configs("lms.djangoapp") if config.name == "openedx_xapi_router"]
    assert len(ours) == 1
    monkeypatch.setattr(registry, "get_plugin_app_configs", lambda project_type: ours)
    add_plugins("fake_lms_settings", "lms.djangoapp", settings_type)
    assert vars(module)["EVENT_TRACKING_BACKENDS"]["xapi_router"]["ENGINE"] == ENGINE
    assert vars(module)["XAPI_ROUTER_BACKEND_NAME"] == "xapi_router"
