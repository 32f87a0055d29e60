"""
Shared pieces of the tests of the transformers for events event-routing-backends does not transform
(``docs/beyond_erb.rst``): the reference actor, the transform call, and the shape check every
statement of those transformers must pass.

The real events in those tests come from ``make_tracking_log.py --events 100000 --seed 31``; their
expected statements were reviewed by hand against the mapping in ``docs/beyond_erb.rst``.
"""
import uuid
from datetime import datetime

from tincan import Agent, AgentAccount, LanguageMap, Verb as TincanVerb

from openedx_xapi_router.core.pipeline import transform_event
from openedx_xapi_router.core.vocab import Extension
from tests.transformers import samples

ACTOR = {
    "objectType": "Agent",
    "account": {"homePage": samples.LMS_ROOT_URL, "name": samples.ACTOR_NAME},
}
TRANSFORMER_VERSION = Extension.TRANSFORMER_VERSION
SESSION_ID = Extension.SESSION_ID
STATEMENT_KEYS = ("id", "actor", "verb", "object", "result", "context", "timestamp", "version")


def transform(raw, versions=None):
    """``raw``'s statements with the reference context (``versions``: pinned transformer versions)."""
    ctx = samples.reference_context(transformer_versions=versions) if versions else samples.reference_context()
    return transform_event(raw, ctx)


def version_string(name, version=1):
    """The transformer-version extension's value for ``name`` at ``version``."""
    return f"openedx-xapi-router/{name}@{version}"


def course_parent(course_id):
    """``contextActivities.parent``: the course, named as the reference context names every course."""
    return [{
        "id": f"{samples.LMS_ROOT_URL}/course/{course_id}",
        "objectType": "Activity",
        "definition": {"type": "http://adlnet.gov/expapi/activities/course", "name": {"en-US": samples.COURSE_NAME}},
    }]


def oracle_id(statement, timestamp):
    """The statement id by the documented rule, with ``tincan``'s serialisations (as event-routing-backends)."""
    verb = TincanVerb(id=statement["verb"]["id"], display=LanguageMap(statement["verb"]["display"]))
    account = statement["actor"]["account"]
    actor = Agent(account=AgentAccount(name=account["name"], home_page=account["homePage"]))
    base = uuid.UUID("6ba7b810-9dad-11d1-80b4-00c04fd430c8")
    return str(uuid.uuid5(uuid.uuid5(base, verb.to_json()), f"{actor.to_json()}-{timestamp}"))


def check_shape(statement, raw, *, verb, activity_type, result_keys=(), extension_keys=(), version=1):
    """
    The conventions every statement follows: key order, verb, object type, result keys, context (the
    course as parent, then transformer version, session id and ``extension_keys`` in that order),
    the id by the shared rule, the timestamp from the event.
    """
    keys = tuple(key for key in STATEMENT_KEYS if key != "result" or result_keys)
    assert tuple(statement) == keys
    assert statement["verb"]["id"] == verb
    assert statement["object"]["objectType"] == "Activity"
    assert statement["object"]["definition"]["type"] == activity_type
    assert tuple(statement.get("result", {})) == tuple(result_keys)
    context = statement["context"]
    course_id = raw["context"]["course_id"]
    assert context["contextActivities"]["parent"] == course_parent(course_id)
    name = raw.get("name") or raw["event_type"]
    session = [SESSION_ID] if raw.get("session") else []
    assert list(context["extensions"]) == [TRANSFORMER_VERSION, *session, *extension_keys]
    assert context["extensions"][TRANSFORMER_VERSION] == version_string(name, version)
    timestamp = raw.get("time") or raw["timestamp"]
    assert statement["id"] == oracle_id(statement, timestamp)
    assert statement["timestamp"] == datetime.fromisoformat(timestamp).isoformat()
    assert statement["version"] == "1.0.3"
