"""
The router's Django system checks (``openedx_xapi_router/checks.py``): each misconfiguration gives
exactly its message id, a correct configuration gives none, and ``manage.py check`` runs them.
"""
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.test import override_settings

from openedx_xapi_router import checks
from openedx_xapi_router.models import LrsEndpoint
from openedx_xapi_router.settings.common import TRACKING_BACKEND_ENGINE

ROUTER = {"ENGINE": TRACKING_BACKEND_ENGINE, "OPTIONS": {}}
OTHER = {"ENGINE": "eventtracking.backends.logger.LoggerBackend", "OPTIONS": {"name": "local"}}
FERNET_KEY = "3Jd2B1bXdi0uBH4-bk2gSmVjCCLxKzQgVcbXOI-1Pzc="


def ids(messages):
    return [message.id for message in messages]


def erb_style(inner):
    """event-routing-backends' layout: backends nested in an AsyncRoutingBackend, after processors."""
    return {
        "ENGINE": "eventtracking.backends.async_routing.AsyncRoutingBackend",
        "OPTIONS": {
            "backend_name": "event_transformer",
            "processors": [{"ENGINE": "eventtracking.processors.whitelist.NameWhitelistProcessor",
                            "OPTIONS": {"whitelist": ["edx.video.played"]}}],
            "backends": {"xapi": inner},
        },
    }


@pytest.mark.parametrize("backends, count", [
    ({}, 0),
    ({"tracking_logs": OTHER}, 0),
    ({"tracking_logs": OTHER, "xapi_router": ROUTER}, 1),
    ({"xapi_router": ROUTER, "copy": dict(ROUTER)}, 2),
    ({"xapi_router": ROUTER, "event_transformer": erb_style(dict(ROUTER))}, 2),
    ({"event_transformer": erb_style(dict(ROUTER))}, 1),
    ({"a": erb_style(dict(ROUTER)), "b": erb_style(dict(ROUTER)), "c": ROUTER}, 3),
])
def test_count_router_backends(backends, count):
    assert checks.count_router_backends(backends) == count


def test_backend_listed_once_passes():
    with override_settings(EVENT_TRACKING_BACKENDS={"tracking_logs": OTHER, "xapi_router": ROUTER}):
        assert not checks.check_tracking_backends()


def test_backend_listed_twice_is_e001():
    with override_settings(EVENT_TRACKING_BACKENDS={"xapi_router": ROUTER, "event_transformer": erb_style(ROUTER)}):
        messages = checks.check_tracking_backends()
    assert ids(messages) == ["xapi_router.E001"]
    assert "configured 2 times" in messages[0].msg
    assert "EVENT_TRACKING_BACKENDS" in messages[0].hint
    assert messages[0].is_serious()


@pytest.mark.parametrize("keys, problem", [
    ("a-single-string", "it must be a list of keys, not a str"),
    (["good-key", ""], "key #2 is empty"),
    ([FERNET_KEY, 42], "key #2 is not a string"),
])
def test_invalid_encryption_keys_are_e002(keys, problem):
    with override_settings(XAPI_ROUTER_ENCRYPTION_KEYS=keys):
        messages = checks.check_encryption_keys()
    assert ids(messages) == ["xapi_router.E002"]
    assert messages[0].msg == f"XAPI_ROUTER_ENCRYPTION_KEYS cannot encrypt LRS credentials: {problem}."
    assert "XAPI_ROUTER_ENCRYPTION_KEYS" in messages[0].hint


def test_keys_must_be_fernet_keys_without_hkdf():
    with override_settings(XAPI_ROUTER_ENCRYPTION_KEYS=["not-a-fernet-key"], FERNET_USE_HKDF=False):
        assert ids(checks.check_encryption_keys()) == ["xapi_router.E002"]
    with override_settings(XAPI_ROUTER_ENCRYPTION_KEYS=[FERNET_KEY], FERNET_USE_HKDF=False):
        assert not checks.check_encryption_keys()


@pytest.mark.parametrize("enabled, keys, expected", [
    (True, [], ["xapi_router.W003"]),
    (True, [FERNET_KEY, "an-older-passphrase"], []),
    (False, [], []),
])
def test_missing_keys_warn_only_while_enabled(enabled, keys, expected):
    with override_settings(XAPI_ROUTER_ENABLED=enabled, XAPI_ROUTER_ENCRYPTION_KEYS=keys):
        assert ids(checks.check_encryption_keys()) == expected


def test_endpoint_checks_need_the_database():
    assert not checks.check_endpoints(databases=None)


@pytest.mark.django_db
def test_enabled_without_an_enabled_endpoint_is_w004():
    LrsEndpoint.objects.create(name="off", statements_url="https://lrs.example.org/xAPI/statements", enabled=False)
    with override_settings(XAPI_ROUTER_ENABLED=True):
        messages = checks.check_endpoints(databases=["default"])
        assert ids(messages) == ["xapi_router.W004"]
        assert "lrs_endpoints add" in messages[0].hint
        LrsEndpoint.objects.create(name="on", statements_url="https://lrs.example.org/xAPI/statements")
        assert not checks.check_endpoints(databases=["default"])
    with override_settings(XAPI_ROUTER_ENABLED=False):
        LrsEndpoint.objects.all().delete()
        assert not checks.check_endpoints(databases=["default"])


@pytest.mark.django_db
def test_http_endpoint_while_insecure_http_is_refused_is_e005():
    LrsEndpoint.objects.create(name="plain", statements_url="http://lrs.example.org/xAPI/statements")
    LrsEndpoint.objects.create(name="plain-but-off", statements_url="http://x.example.org/s", enabled=False)
    LrsEndpoint.objects.create(name="tls", statements_url="https://lrs.example.org/xAPI/statements")
    with override_settings(XAPI_ROUTER_ALLOW_INSECURE_HTTP=False):
        messages = checks.check_endpoints(databases=["default"])
    assert ids(messages) == ["xapi_router.E005"]
    assert messages[0].msg.startswith("LRS endpoint(s) plain use plain http://")
    assert "XAPI_ROUTER_ALLOW_INSECURE_HTTP" in messages[0].hint
    with override_settings(XAPI_ROUTER_ALLOW_INSECURE_HTTP=True):
        assert not checks.check_endpoints(databases=["default"])


@pytest.mark.django_db
def test_manage_py_check_runs_the_registered_checks():
    with override_settings(EVENT_TRACKING_BACKENDS={"x": ROUTER, "y": dict(ROUTER)}):
        with pytest.raises(SystemCheckError, match="xapi_router.E001"):
            call_command("check", stdout=StringIO(), stderr=StringIO())
    out = StringIO()
    with override_settings(XAPI_ROUTER_ENABLED=True, XAPI_ROUTER_ENCRYPTION_KEYS=[FERNET_KEY],
                           EVENT_TRACKING_BACKENDS={"xapi_router": ROUTER}):  # enabled and wired (else E008)
        call_command("check", "--database", "default", stdout=out, stderr=out)
    assert "xapi_router.W004" in out.getvalue()
    assert "xapi_router.E" not in out.getvalue()


def test_a_setting_the_router_does_not_have_is_w010():
    """
    A typo (``XAPI_ROUTER_ENABLE``) is never read: the router would run with the default instead.
    (Unknown names go through a dict: tests/test_conf.py's scan refuses them as keywords.)
    """
    assert not checks.check_unknown_settings()  # tests/project/settings.py sets only table settings
    typo = {"XAPI_ROUTER_ENABLE": True}
    with override_settings(**typo, XAPI_ROUTER_LOG_STATEMENTS=False):
        messages = checks.check_unknown_settings()
    assert ids(messages) == ["xapi_router.W010"]
    assert messages[0].msg == ("The xAPI router has no setting XAPI_ROUTER_ENABLE: nothing reads it, so the router "
                               "runs with the default instead.")
    assert "openedx_xapi_router/conf.py" in messages[0].hint
    typos = {"XAPI_ROUTER_QUEUE": "q", "XAPI_ROUTER_ENDPOINTS": []}
    with override_settings(**typos):
        messages = checks.check_unknown_settings()
    assert ids(messages) == ["xapi_router.W010"]
    assert messages[0].msg.startswith("The xAPI router has no setting XAPI_ROUTER_ENDPOINTS, XAPI_ROUTER_QUEUE: "
                                      "nothing reads them")


@pytest.mark.django_db
def test_manage_py_check_reports_w010():
    out = StringIO()
    typo = {"XAPI_ROUTER_ENABLED_TYPO": True}
    with override_settings(**typo):
        call_command("check", stdout=out, stderr=out)
    assert out.getvalue().count("xapi_router.W010") == 1
    assert "XAPI_ROUTER_ENABLED_TYPO" in out.getvalue()


def test_a_setting_of_the_wrong_type_is_e011():
    """A quoted YAML ``"false"`` is a string, and a true one: the router would be on."""
    assert not checks.check_setting_types()  # tests/project/settings.py: every value has its type
    with override_settings(XAPI_ROUTER_ENABLED="false", XAPI_ROUTER_DEAD_LETTER_ALERT_THRESHOLD=True,
                           XAPI_ROUTER_RETRY_BACKOFF_BASE=3, XAPI_ROUTER_ACTOR_SECRET=12345):
        messages = checks.check_setting_types()
    assert ids(messages) == ["xapi_router.E011"] * 3
    assert [message.msg for message in messages] == [
        "XAPI_ROUTER_ENABLED is 'false' (a str); it must be bool.",
        "XAPI_ROUTER_DEAD_LETTER_ALERT_THRESHOLD is True (a bool); it must be int.",
        "XAPI_ROUTER_ACTOR_SECRET is a secret value (an int); it must be str or None.",
    ]
    assert "12345" not in " ".join(message.msg + message.hint for message in messages)
    assert "openedx_xapi_router/conf.py" in messages[0].hint


@pytest.mark.django_db
def test_manage_py_check_stops_on_e011():
    with override_settings(XAPI_ROUTER_LOG_STATEMENTS="no"):
        with pytest.raises(SystemCheckError, match="xapi_router.E011.*XAPI_ROUTER_LOG_STATEMENTS is 'no'"):
            call_command("check", stdout=StringIO(), stderr=StringIO())
