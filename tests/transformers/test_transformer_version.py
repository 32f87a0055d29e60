"""
The transformer-version value: ``openedx-xapi-router/<event name>@<transformer version>``, with no
package version, so a release that changes no transformer changes no statement byte.

What the consumers of event-routing-backends' value read, checked before choosing:

* Open edX Aspects reads no transformer version. Its parsed xAPI model takes ``event_id`` (the
  statement id), ``$.verb.id``, the actor (``$.actor.account.name``, ``$.actor.mbox``,
  ``$.actor.mbox_sha1sum``), ``$.object.id``, the course from
  ``$.context.contextActivities.parent[0]`` (or ``grouping[0]``) and ``emission_time``
  (openedx/aspects-dbt ``models/base/xapi_events_all_parsed.sql``, commit
  00ff9080fa37b39fe213d1adeabe8dac5cd9ec81; the same columns in openedx/tutor-contrib-aspects
  ``tutoraspects/templates/aspects/apps/aspects/migrations/alembic/versions/0012_vector_replacingmergetree_xapi_parsed.py``,
  commit 69e31c02b60e3871a361407dae23c0358660ba5d). Its tables are ReplacingMergeTree keyed by the
  statement id, so the value may change without touching a row.
* ERB's own value is ``<name>@<version>`` (``event-routing-backends@9.3.8``; its ADR "Versioning of
  event transformers"): a reader splitting on the last ``@`` gets a name and a version from ours too.
"""
import copy

import pytest

from openedx_xapi_router import __version__
from openedx_xapi_router.core.errors import XapiRouterError
from openedx_xapi_router.core.vocab import Extension
from openedx_xapi_router.core.registry import default_registry
from tests.transformers import samples

#: The JSON paths Aspects' parsed model reads (see the module docstring).
ASPECTS_PATHS = (
    ("verb", "id"), ("actor", "account", "name"), ("actor", "mbox"), ("actor", "mbox_sha1sum"), ("object", "id"),
    ("context", "contextActivities", "parent", 0, "definition", "type"),
    ("context", "contextActivities", "parent", 0, "objectType"),
    ("context", "contextActivities", "parent", 0, "id"), ("context", "contextActivities", "grouping", 0, "id"),
    ("timestamp",),
)


def json_value(statement, path):
    value = statement
    for key in path:
        try:
            value = value[key]
        except (KeyError, IndexError, TypeError):
            return ""  # JSON_VALUE gives '' for a path that is not there
    return value


def aspects_columns(statement):
    return (statement["id"], *(json_value(statement, path) for path in ASPECTS_PATHS))


@pytest.mark.parametrize(("name", "version", "cls"), default_registry().all(), ids=lambda value: str(value)[:60])
def test_every_transformer_names_itself_and_its_version_only(name, version, cls):
    value = f"openedx-xapi-router/{name}@{version}"
    instance = cls.__new__(cls)  # the value needs no event: only the name it came in under
    instance.event_name = name
    assert cls.transformer_version.func(instance) == value
    assert __version__ not in value.split("/", 1)[0]
    assert value.rsplit("@", 1) == [f"openedx-xapi-router/{name}", str(version)]


def test_aspects_reads_the_same_columns_from_the_old_and_the_new_value():
    samples.require_shared(samples.XAPI_DIR / "events", "event-routing-backends' sample events")
    compared = 0
    for path in sorted((samples.XAPI_DIR / "events").glob("*.json")):
        try:
            statements = samples.transform(samples.load_event(path.stem))
        except XapiRouterError:  # the samples that give no statement (ERB gives none either)
            continue
        for statement in statements:
            extensions = statement["context"]["extensions"]
            name, version = extensions[Extension.TRANSFORMER_VERSION].rsplit("@", 1)
            old = copy.deepcopy(statement)
            old["context"]["extensions"][Extension.TRANSFORMER_VERSION] = (
                f"openedx-xapi-router@0.1.0/{name.split('/', 1)[1]}@{version}")
            assert aspects_columns(old) == aspects_columns(statement)
            compared += 1
    assert compared >= 77
