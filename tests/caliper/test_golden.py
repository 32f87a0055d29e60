"""
Every event-routing-backends (ERB) Caliper fixture reproduced.

The inputs are ERB's own fixture events, ``event_routing_backends/processors/tests/fixtures/current/``
(openedx/event-routing-backends, source 10.0.0, as kept in ``../shared/xapi/events``). The expected
events (``tests/caliper/fixtures/expected/``) are ERB 9.3.8's Caliper output for each, made by its
``CaliperProcessor`` (``tests/caliper/make_expected.py``; :func:`test_expected_files_are_erbs_output`
proves they still are). ERB's repository keeps its expected Caliper fixtures in
``event_routing_backends/processors/caliper/tests/fixtures/expected/``; the search index holds
only older versions of most of them (Caliper 1.1 context, an ``eventVersion`` extension), so the
installed release is the oracle, and the one fixture stored in its current form is reproduced
verbatim (:func:`test_erb_repository_fixture_verbatim`).

Comparison (as ERB's own ``compare_events``, plus one rule): dict equality after removing ``id``
(ERB's is random) and blanking the ``extensions.transformerVersion`` value (its key must be there).

Deliberate differences (docs/caliper.rst):

- ``problem_check(browser).required.only.data``: ERB sends an object with no ``id``, which Caliper
  requires; we refuse the event (the xAPI path refuses the same sample: tests/transformers/samples.py).
- the four server ``problem_check`` samples in the tracking-log form: the expected event is ERB's
  output for their live form, a ``GradeEvent``; ERB's log replay reads them as submissions because
  it looks for ``event_source`` only in ``context`` (tests/caliper/test_differential_erb.py).
- anonymous samples are refused (ERB raises ValueError, we skip them as ``anonymous``).
"""
import json
from pathlib import Path

import pytest

from openedx_xapi_router.core.errors import EventSkipped, InvalidEvent
from tests.caliper import erb_caliper_oracle
from tests.caliper.helpers import comparable, transform
from tests.erb_oracle import Refused
from tests.transformers import samples

FIXTURES = Path(__file__).parent / "fixtures"
EXPECTED_DIR = FIXTURES / "expected"
EXPECTED_NAMES = sorted(path.stem for path in EXPECTED_DIR.glob("*.json"))

#: Samples whose ERB Caliper event breaks Caliper 1.2: refused, with InvalidEvent (field, kind).
REFUSED = {"problem_check(browser).required.only.data": ("data.problem_id", "missing_field")}

#: Samples of a Caliper event name that ERB refuses too (anonymous learner).
ANONYMOUS = ("edx.ui.lms.link_clicked(anonymous_user)",)


def _expected(name):
    return json.loads((EXPECTED_DIR / f"{name}.json").read_text())


def test_fixture_set_is_complete():
    """One expected file per shared sample of a Caliper event name, apart from the anonymous one: 48."""
    samples.require_samples()
    caliper_names = erb_caliper_oracle.registered_names()
    with_caliper_name = [name for name in samples.sample_names()
                         if samples.load_event(name).get("name") in caliper_names]
    assert sorted(set(with_caliper_name) - set(ANONYMOUS)) == EXPECTED_NAMES
    assert len(EXPECTED_NAMES) == 48


@pytest.mark.parametrize("name", sorted(set(EXPECTED_NAMES) - set(REFUSED)))
def test_golden(name):
    samples.require_samples()
    ours = transform(samples.load_event(name))
    assert len(ours) == 1
    assert comparable(ours[0]) == comparable(_expected(name))
    assert ours[0]["id"].startswith("urn:uuid:")


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_refused_where_erb_breaks_caliper(name):
    samples.require_samples()
    expected = _expected(name)
    assert "id" not in expected["object"]  # what ERB sends
    with pytest.raises(InvalidEvent) as error:
        transform(samples.load_event(name))
    assert (error.value.field, error.value.kind) == REFUSED[name]


@pytest.mark.parametrize("name", ANONYMOUS)
def test_anonymous_refused(name):
    samples.require_samples()
    assert isinstance(erb_caliper_oracle.transform_event(samples.load_event(name)), Refused)
    with pytest.raises(EventSkipped) as error:
        transform(samples.load_event(name))
    assert error.value.reason == "anonymous"


def test_expected_files_are_erbs_output():
    """The stored expected events are what the installed ERB makes now (apart from its random id)."""
    samples.require_samples()
    events = [erb_caliper_oracle.live_form(samples.load_event(name)) for name in EXPECTED_NAMES]
    results = erb_caliper_oracle.transform_events(events)
    for name, result in zip(EXPECTED_NAMES, results, strict=True):
        assert isinstance(result, dict), (name, result)
        result.pop("id")
        assert result == _expected(name), name


def test_erb_repository_fixture_verbatim():
    """
    ERB's expected fixture ``speed_change_video.json`` as its repository holds it:
    openedx/event-routing-backends, event_routing_backends/processors/caliper/tests/fixtures/expected/
    speed_change_video.json, commit cfd88191f04461781e150f5f15b8371d1e7b98cd (copied byte for byte
    into tests/caliper/fixtures/erb_repo/).
    """
    samples.require_samples()
    repository_fixture = json.loads((FIXTURES / "erb_repo" / "speed_change_video.json").read_text())
    ours = transform(samples.load_event("speed_change_video"))[0]
    assert comparable(ours) == comparable(repository_fixture)
    assert repository_fixture["extensions"]["transformerVersion"] == "event-routing-backends@1.1.1"
