"""
Access to the shared xAPI samples (``../shared/xapi``: sample events, expected statements, shapes).

The samples live beside the repository, not in it; set ``XAPI_ROUTER_SHARED_DIR`` to point
elsewhere. A test that needs them and does not find them goes through :func:`require_shared`:
skipped with a clear reason, or failed under ``XAPI_ROUTER_REQUIRE_SERVICES=1`` (CI), like any
other missing service, so a CI run without them cannot pass by testing less.
"""
import copy
import json
import os
from pathlib import Path

import pytest

from openedx_xapi_router.core.context import Actor, TransformContext
from openedx_xapi_router.core.errors import InvalidEvent
from openedx_xapi_router.core.pipeline import transform_event
from openedx_xapi_router.core.vocab import Extension
from tests import services

REPO_ROOT = Path(__file__).resolve().parents[2]
SHARED_DIR = Path(os.environ.get("XAPI_ROUTER_SHARED_DIR", REPO_ROOT.parent / "shared"))
XAPI_DIR = SHARED_DIR / "xapi"

#: The comparison rules of ``shared/xapi/README.md``.
LMS_ROOT_URL = "http://localhost:18000"
ACTOR_NAME = "32e08e30-f8ae-4ce2-94a8-c2bfe38a70cb"
COURSE_NAME = "Demonstration Course"

#: Samples whose reference statement breaks xAPI, so an LRS refuses it: we refuse the event instead,
#: with an InvalidEvent of this (field, kind). README, "Where we differ from event-routing-backends".
REFUSED = {
    # ERB sends an Activity with no id: Ralph answers 422 "object.id Field required".
    "problem_check(browser).required.only.data": ("data", "missing_field"),
}


def require_shared(path, what):
    """
    Skip the calling test (fail it when services are required) when ``path``, one of the shared
    files or folders (``what`` names it), is not there.
    """
    if not Path(path).exists():
        services.service_missing(f"{what} not found at {path} (shared dir {SHARED_DIR}; set XAPI_ROUTER_SHARED_DIR)")


def require_samples():
    """Skip the calling test (fail it when services are required) when the shared samples are not there."""
    require_shared(XAPI_DIR / "events", "the shared xAPI samples")


def sample_names():
    """Every sample event's file stem, sorted; [] when the samples are absent."""
    if not (XAPI_DIR / "events").is_dir():
        return []
    return sorted(p.stem for p in (XAPI_DIR / "events").glob("*.json"))


def load_event(name):
    return json.loads((XAPI_DIR / "events" / f"{name}.json").read_text())


def load_expected(name):
    path = XAPI_DIR / "expected" / f"{name}.json"
    if not path.exists():
        return None
    expected = json.loads(path.read_text())
    return expected if isinstance(expected, list) else [expected]


def load_shapes():
    return json.loads((XAPI_DIR / "shapes.json").read_text())


def reference_context(**kwargs):
    """The context the expected statements were made with."""
    return TransformContext(
        lms_root_url=LMS_ROOT_URL,
        actor_resolver=lambda user, username=None: Actor.account(LMS_ROOT_URL, ACTOR_NAME),
        course_name_resolver=lambda course_id: COURSE_NAME,
        **kwargs,
    )


def transform(event, ctx=None):
    """Our statements for ``event`` under the reference context (or ``ctx``)."""
    return transform_event(event, ctx or reference_context())


def invalid(event):
    """The InvalidEvent ``event`` raises under the reference context."""
    with pytest.raises(InvalidEvent) as error:
        transform(event)
    return error.value


def with_payload(raw, **changes):
    """A copy of the log-form event ``raw`` whose JSON-string payload has ``changes`` (None: removed)."""
    raw = copy.deepcopy(raw)
    payload = json.loads(raw["event"])
    for key, value in changes.items():
        if value is None:
            payload.pop(key, None)
        else:
            payload[key] = value
    raw["event"] = json.dumps(payload)
    return raw


def without_transformer_version(statements):
    """Copies of ``statements`` with the transformer-version value blanked (its key must be present)."""
    result = []
    for statement in statements:
        statement = copy.deepcopy(statement)
        extensions = statement["context"]["extensions"]
        assert Extension.TRANSFORMER_VERSION in extensions, statement["id"]
        extensions[Extension.TRANSFORMER_VERSION] = "<blanked>"
        result.append(statement)
    return result
