"""
The Caliper base's value rules against the code they must equal, and the registry's declarations.

Oracles (installed in the test venv): ``isodate.duration_isoformat`` (isodate 0.7.2), which
event-routing-backends' ``convert_seconds_to_iso`` calls (``event_routing_backends/helpers.py``,
edx-event-routing-backends 9.3.8); ERB's ``convert_datetime_to_iso`` (same module) for event
times; ERB's ``BaseTransformerMixin.del_none`` (``processors/mixins/base_transformer.py``) for
what is left out of an event.
"""
import copy
from datetime import UTC, datetime, timedelta

import isodate
import pytest

from openedx_xapi_router.core.context import Actor, TransformContext
from openedx_xapi_router.core.errors import ConfigurationError, UnsupportedEvent
from openedx_xapi_router.transformers.caliper.base import (
    CALIPER_ID_NAMESPACE,
    CaliperTransformer,
    caliper_event_id,
    caliper_time,
    iso_duration,
    prune_like_erb,
)
from openedx_xapi_router.core.registry import default_registry
from tests.caliper import erb_caliper_oracle
from tests.caliper.helpers import caliper_classes, transform
from tests.transformers import samples

DURATIONS = [0, 0.0, 1, 0.032788, 3.093662, 59.9999996, 60, 195, 195.5, 3599.999999, 3600, 3601.25, 86399,
             86400, 90061.5, 10**6, 12.3456789, -1, -0.5, -3661.5, 1e-7, 4e-7, 5e-7, 6e-7, 1.0000005]


@pytest.mark.parametrize("seconds", DURATIONS)
def test_iso_duration_is_isodates(seconds):
    assert iso_duration(seconds) == isodate.duration_isoformat(timedelta(seconds=seconds))


def test_iso_duration_many_values():
    values = [index * 0.0137 + index // 7 * 61.3 for index in range(5000)]
    mismatches = [v for v in values if iso_duration(v) != isodate.duration_isoformat(timedelta(seconds=v))]
    assert mismatches == []


def _erb_helpers():
    erb_caliper_oracle.registered_names()  # sets Django up
    from event_routing_backends import helpers  # pylint: disable=import-outside-toplevel
    from event_routing_backends.processors.mixins.base_transformer import (  # pylint: disable=import-outside-toplevel
        BaseTransformerMixin,
    )
    return helpers, BaseTransformerMixin


@pytest.mark.parametrize("text", [
    "2020-07-15T06:52:55.057489+00:00", "2020-07-15T06:52:55+00:00", "2020-07-15T08:52:55.999999+02:00",
    "2020-12-31T23:59:59.9995-05:30", "2026-03-01T07:20:59.705645+00:00", "2020-07-15T06:52:55.000001Z",
])
def test_caliper_time_is_erbs(text):
    helpers, _ = _erb_helpers()
    assert caliper_time(datetime.fromisoformat(text)) == helpers.convert_datetime_to_iso(text)


PRUNE_CASES = [
    {"a": None, "b": "", "c": 0, "d": 0.0, "e": False, "f": [], "g": {}, "h": "x"},
    {"nested": {"x": None, "y": {"z": None}}, "keep": [None, ""]},
    {"extensions": {"newTime": None}},
    {"score": {"maxScore": 0, "scoreGiven": None, "attempts": "", "extensions": {"success": "False"}}},
]


@pytest.mark.parametrize("case", PRUNE_CASES)
def test_prune_is_erbs_del_none(case):
    _, mixin = _erb_helpers()
    expected = mixin.del_none(mixin.__new__(mixin), copy.deepcopy(case))
    assert prune_like_erb(case) == expected


def test_event_id_is_deterministic_uuid5():
    samples.require_samples()
    event = samples.load_event("play_video")
    first, second = transform(event)[0], transform(copy.deepcopy(event))[0]
    assert first["id"] == second["id"]
    assert first["id"] == caliper_event_id("MediaEvent", "Resumed", first["actor"]["id"], first["object"]["id"],
                                           event["timestamp"])
    # The id contract, pinned: a change re-identifies every event a consumer already holds.
    assert str(CALIPER_ID_NAMESPACE) == "81818019-78cb-5c6b-985b-ba2d4843d7be"
    assert first["id"] == "urn:uuid:65856090-6b7f-5c7b-b63b-5507bf308cd6"
    later = dict(event, timestamp="2020-07-15T06:52:55.058+00:00")
    assert transform(later)[0]["id"] != first["id"]


def test_registry_holds_every_erb_caliper_name_once():
    registry = default_registry()
    assert set(registry.event_names("caliper")) == erb_caliper_oracle.registered_names()
    assert len(registry.event_names("caliper")) == 35
    assert len(caliper_classes()) == 23
    for cls in caliper_classes():
        assert issubclass(cls, CaliperTransformer)
        assert (cls.output_format, cls.erb, cls.version, cls.opt_in) == ("caliper", True, 1, False), cls
        assert cls.family in {"video", "navigation", "problem", "enrollment"}, cls
        # The input is the xAPI transformer's: the same producer contract object.
        assert cls.contract is not None and cls.contract is registry.get(cls.event_names[0]).contract, cls
    with pytest.raises(UnsupportedEvent):
        registry.get("edx.forum.thread.created", output_format="caliper")


def test_non_account_actor_is_a_configuration_error():
    samples.require_samples()
    ctx = TransformContext(lms_root_url=samples.LMS_ROOT_URL,
                           actor_resolver=lambda user, username=None: Actor.mbox("learner@example.org"),
                           course_name_resolver=lambda course_id: None)
    with pytest.raises(ConfigurationError, match="account actors"):
        transform(samples.load_event("play_video"), ctx)


def test_transformer_version_names_format_event_and_version():
    samples.require_samples()
    version = transform(samples.load_event("seek_video"))[0]["extensions"]["transformerVersion"]
    assert version == "openedx-xapi-router/caliper/seek_video@1"  # no package version, as for xAPI


def test_event_time_in_utc_with_milliseconds():
    samples.require_samples()
    event = dict(samples.load_event("play_video"), timestamp="2020-07-15T08:52:55.057999+02:00")
    assert transform(event)[0]["eventTime"] == "2020-07-15T06:52:55.057Z"
    assert datetime.fromisoformat("2020-07-15T06:52:55.057+00:00").tzinfo == UTC
