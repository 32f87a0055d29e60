"""
The safe default of ``XAPI_ROUTER_ALLOWED_EVENT_NAMES`` (``openedx_xapi_router/core/event_names.py``),
the live path applying it, and ``manage.py xapi_router_event_names`` showing it.
"""
import io
import json
from types import SimpleNamespace

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command

from openedx_xapi_router.core.errors import ConfigurationError
from openedx_xapi_router.core.event_names import (
    ALL_SUPPORTED,
    ERB_DEFAULT_EVENT_NAMES,
    allowed_event_names,
    beyond_erb_default_event_names,
    default_event_names,
)
from openedx_xapi_router import processing
from openedx_xapi_router.core.registry import default_registry
from tests import erb_oracle

#: Derived from the registry (the classes' ``erb`` declarations).
BEYOND_ERB_DEFAULT_EVENT_NAMES = beyond_erb_default_event_names()
DEFAULT_EVENT_NAMES = default_event_names()

registry = default_registry()


#: Names in ERB's default allow-list that ERB 9.3.8 has no xAPI transformer for.
LISTED_NOT_TRANSFORMED = {"edx.video.language_menu.hidden", "edx.video.language_menu.shown"}


def test_erb_default_names_are_the_installed_erbs():
    """Our copy of ERB's default allow-list is ERB 9.3.8's ``EVENT_TRACKING_BACKENDS_ALLOWED_XAPI_EVENTS``."""
    from event_routing_backends.settings import common  # pylint: disable=import-outside-toplevel

    erb_settings = SimpleNamespace(LMS_ROOT_URL="http://localhost:18000")
    common.plugin_settings(erb_settings)
    assert list(ERB_DEFAULT_EVENT_NAMES) == erb_settings.EVENT_TRACKING_BACKENDS_ALLOWED_XAPI_EVENTS


def test_the_default_is_erbs_plus_events_beyond_erb():
    erb_names = erb_oracle.registered_names()
    # ERB allows two names it has no transformer for (neither have we): they are never sent.
    assert set(ERB_DEFAULT_EVENT_NAMES) - erb_names == LISTED_NOT_TRANSFORMED
    assert not set(BEYOND_ERB_DEFAULT_EVENT_NAMES) & erb_names
    assert DEFAULT_EVENT_NAMES == set(ERB_DEFAULT_EVENT_NAMES) | set(BEYOND_ERB_DEFAULT_EVENT_NAMES)
    assert DEFAULT_EVENT_NAMES - set(registry.event_names()) == LISTED_NOT_TRANSFORMED
    # Supported but opt-in: ERB transforms them without sending them by default.
    opt_in = set(registry.event_names()) - DEFAULT_EVENT_NAMES
    assert opt_in == {"edx.grades.problem.submitted", "edx.problem.completed"}


def test_the_erb_declarations_are_the_installed_erbs():
    """
    A class declares ``erb = True`` exactly when ERB 9.3.8 registers an xAPI transformer for its event
    names (``event_routing_backends/processors/xapi/registry.py``'s mapping, read from the installed
    package by ``tests/erb_oracle.py``).
    """
    erb_names = erb_oracle.registered_names()
    ours = set(registry.event_names())
    assert set(registry.erb_event_names(erb=True)) == ours & erb_names
    assert not set(registry.erb_event_names(erb=False)) & erb_names
    assert len(ours & erb_names) == 65


@pytest.mark.parametrize(("value", "expected"), [
    (None, DEFAULT_EVENT_NAMES),
    (ALL_SUPPORTED, None),
    (["problem_check"], frozenset({"problem_check"})),
    (("problem_check", "play_video"), frozenset({"problem_check", "play_video"})),
    ([], frozenset()),
])
def test_setting_values(value, expected):
    assert allowed_event_names(value) == expected


@pytest.mark.parametrize("value", ["problem_check", 3, {"problem_check": True}, [1]])
def test_wrong_setting_values_are_refused(value):
    with pytest.raises(ConfigurationError) as raised:
        allowed_event_names(value)
    assert "XAPI_ROUTER_ALLOWED_EVENT_NAMES" in str(raised.value)


ORA, GRADE = "openassessmentblock.self_assess", "edx.grades.problem.submitted"


@pytest.mark.parametrize(("value", "sent"), [
    (None, {ORA: True, GRADE: False}),
    ("*", {ORA: True, GRADE: True}),
    ([GRADE], {ORA: False, GRADE: True}),
])
def test_the_live_path_applies_the_setting(settings, value, sent):
    settings.XAPI_ROUTER_ALLOWED_EVENT_NAMES = value
    allowed = processing.allowed_names()
    assert {name: allowed is None or name in allowed for name in sent} == sent
    assert processing.allowed_names() is allowed  # once per value


def test_command_lists_the_names_sent_by_default(settings):
    settings.XAPI_ROUTER_ALLOWED_EVENT_NAMES = None
    out, err = io.StringIO(), io.StringIO()
    call_command("xapi_router_event_names", stdout=out, stderr=err)
    sent = DEFAULT_EVENT_NAMES - LISTED_NOT_TRANSFORMED
    assert out.getvalue().split() == sorted(sent)
    assert f"{len(sent)} of {len(registry.event_names())} supported event names are sent" in err.getvalue()


def test_command_all_and_json(settings):
    settings.XAPI_ROUTER_ALLOWED_EVENT_NAMES = ["problem_check", "no.such.event"]
    out = io.StringIO()
    call_command("xapi_router_event_names", "--all", "--json", stdout=out)
    report = json.loads(out.getvalue())
    rows = {row["name"]: row for row in report["events"]}
    assert set(rows) == set(registry.event_names())
    assert [name for name, row in rows.items() if row["sent"]] == ["problem_check"]
    assert rows["problem_check"]["origin"] == "erb-default"
    assert rows["page_close"]["origin"] == "beyond-erb"
    assert rows["edx.problem.completed"]["origin"] == "opt-in"
    assert report["unsupported"] == ["no.such.event"]


def test_command_refuses_a_wrong_setting(settings):
    settings.XAPI_ROUTER_ALLOWED_EVENT_NAMES = "problem_check"
    with pytest.raises(ImproperlyConfigured):
        call_command("xapi_router_event_names", stdout=io.StringIO())
