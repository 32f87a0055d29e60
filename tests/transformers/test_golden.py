"""
Golden tests: every sample event in ``shared/xapi/events`` gives exactly its expected statements.

The rules are ``shared/xapi/README.md``'s: reference context (LMS root, one actor id, one course
name), JSON equality with list order kept, ids included, after blanking the transformer-version
value on both sides. Samples whose name contains ``anonymous`` must give no statement.
"""
import pytest

from openedx_xapi_router.core.errors import EventSkipped, InvalidEvent
from openedx_xapi_router.core.pipeline import transform_event
from tests.transformers import samples

#: Samples with an expected statement, and the anonymous samples (which must give none). The
#: others have only a shape: tests/transformers/test_shapes.py covers them.
SAMPLES = [name for name in samples.sample_names() if "anonymous" in name or samples.load_expected(name) is not None]


@pytest.mark.parametrize("name", SAMPLES or ["<samples missing>"])
def test_sample_gives_expected_statements(name):
    samples.require_samples()
    event = samples.load_event(name)
    ctx = samples.reference_context()
    if "anonymous" in name:
        with pytest.raises(EventSkipped) as skipped:
            transform_event(event, ctx)
        assert skipped.value.reason == "anonymous"
        return
    if name in samples.REFUSED:
        with pytest.raises(InvalidEvent) as invalid:
            transform_event(event, ctx)
        assert (invalid.value.field, invalid.value.kind) == samples.REFUSED[name]
        return
    expected = samples.load_expected(name)
    actual = transform_event(event, ctx)
    assert samples.without_transformer_version(actual) == samples.without_transformer_version(expected)


def test_every_expected_sample_is_compared():
    samples.require_samples()
    # 52 expected files: 51 statements to reproduce, and one for an anonymous sample we refuse.
    assert len([name for name in SAMPLES if "anonymous" not in name]) == 51
    assert len(SAMPLES) == 52
