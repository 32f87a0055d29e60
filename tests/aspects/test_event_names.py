"""
The safe default of ``XAPI_ROUTER_ALLOWED_EVENT_NAMES`` (``openedx_xapi_router/core/event_names.py``),
the live path applying it, and ``manage.py xapi_router_event_names`` showing it.
"""
import io
import json
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command

from openedx_xapi_router.core.errors import ConfigurationError
from openedx_xapi_router.core.event_names import (
    ALL_SUPPORTED,
    ERB_DEFAULT_CALIPER_EVENT_NAMES,
    ERB_DEFAULT_EVENT_NAMES,
    allowed_event_names,
    beyond_erb_default_event_names,
    default_event_names,
)
from openedx_xapi_router import processing
from openedx_xapi_router.core.registry import CALIPER, default_registry
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


# --- the default of a Caliper endpoint ---------------------------------------------------------

#: The names ERB 9.3.8 transforms into Caliper but does not send by default (its Caliper allow-list
#: leaves transcripts, captions and speed out), and the two it sends that neither ERB nor we transform.
CALIPER_OPT_IN = {
    "edx.grades.problem.submitted", "edx.problem.completed", "edx.video.closed_captions.hidden",
    "edx.video.closed_captions.shown", "edx.video.transcript.hidden", "edx.video.transcript.shown",
    "hide_transcript", "show_transcript", "speed_change_video", "video_hide_cc_menu", "video_show_cc_menu",
}
CALIPER_LISTED_NOT_TRANSFORMED = {"edx.course.grade.now_passed", "edx.course.grade.now_failed"}


def erb_caliper_names():
    """Every event name ERB 9.3.8 has a Caliper transformer for (its ``CaliperTransformersRegistry``)."""
    erb_oracle.processor()  # ERB's Django settings in place
    # pylint: disable=import-outside-toplevel,unused-import
    from event_routing_backends.processors.caliper import event_transformers  # noqa: F401 (registers them)
    from event_routing_backends.processors.caliper.registry import CaliperTransformersRegistry

    return set(CaliperTransformersRegistry.mapping)


def test_the_caliper_default_is_erbs_caliper_allow_list():
    """
    A Caliper endpoint's default names are ERB's ``EVENT_TRACKING_BACKENDS_ALLOWED_CALIPER_EVENTS``
    (openedx/event-routing-backends ``event_routing_backends/settings/common.py``, 9.3.8, read from
    the installed package), not the xAPI default: derived here from our registry and ERB's.
    """
    from event_routing_backends.settings import common  # pylint: disable=import-outside-toplevel

    erb_settings = SimpleNamespace(LMS_ROOT_URL="http://localhost:18000")
    common.plugin_settings(erb_settings)
    assert list(ERB_DEFAULT_CALIPER_EVENT_NAMES) == erb_settings.EVENT_TRACKING_BACKENDS_ALLOWED_CALIPER_EVENTS
    ours = {name for name, _ in registry.defaults(CALIPER)}
    assert len(ours) == 35
    assert ours == erb_caliper_names()  # every Caliper transformer is one ERB has: nothing beyond ERB
    assert all(cls.erb for _, cls in registry.defaults(CALIPER))
    caliper_default = default_event_names(output_format=CALIPER)
    assert caliper_default == set(ERB_DEFAULT_CALIPER_EVENT_NAMES) and len(caliper_default) == 26
    assert caliper_default - ours == CALIPER_LISTED_NOT_TRANSFORMED
    assert ours - caliper_default == CALIPER_OPT_IN
    # The xAPI default would have sent 9 of those (the live path transforms xAPI first: a subset is needed).
    assert len((ours & DEFAULT_EVENT_NAMES) - caliper_default) == 9
    assert caliper_default < DEFAULT_EVENT_NAMES
    assert allowed_event_names(None, output_format=CALIPER) == caliper_default
    assert allowed_event_names(ALL_SUPPORTED, output_format=CALIPER) is None
    assert allowed_event_names(["show_transcript"], output_format=CALIPER) == {"show_transcript"}


def show_transcript_event():
    """``show_transcript`` as edx-platform's video player emits it (the producer-contract fixture's case)."""
    fixture = json.loads((Path(__file__).parents[1] / "contracts" / "fixtures" / "show_transcript.json").read_text())
    return next(case["event"] for case in fixture["cases"] if case["expect"] == "statements")


@pytest.mark.parametrize(("value", "caliper_sent"), [(None, False), ("*", True), (["show_transcript"], True)])
def test_the_caliper_default_is_applied_per_format(settings, value, caliper_sent):
    settings.XAPI_ROUTER_ALLOWED_EVENT_NAMES = value
    assert processing.process_event(show_transcript_event()).ok
    caliper = processing.process_event(show_transcript_event(), output_format=CALIPER)
    assert caliper.ok is caliper_sent
    if not caliper_sent:
        assert (caliper.key, caliper.event.name) == ("not_allowed", "show_transcript")
    assert processing.process_event(show_transcript_event(), output_format=CALIPER, all_event_names=True).ok
    allowed = processing.allowed_names(CALIPER)
    assert processing.allowed_names(CALIPER) is allowed and (allowed is None) is (value == "*")
