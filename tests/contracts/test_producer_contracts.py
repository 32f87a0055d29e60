"""
Every registered event name has a producer contract and a fixture of its own, built from it; each
fixture transforms (or is refused with the reason its contract declares), and a field the contract
says the transformer does not read can be removed without changing the statement.

The contracts are declared on the transformer classes (``contract = Producer(...)``, see
:mod:`openedx_xapi_router.core.contract`); ``docs/producer_contracts.rst`` and the fixtures in
``tests/contracts/fixtures/`` are generated from them, and both are checked here against the
classes, so neither can drift from the other.
"""
import copy
import json
import re

import pytest

from openedx_xapi_router.core.contract import FIELD_TYPES, producer_for, producers, producers_for
from openedx_xapi_router.core.errors import InvalidEvent, XapiRouterError
from openedx_xapi_router.core.pipeline import transform_event
from openedx_xapi_router.devtools import producer_contracts
from openedx_xapi_router.core.registry import default_registry
from tests.contracts import fixtures_builder
from tests.contracts.fixtures_builder import FIXTURES_DIR
from tests.transformers import samples

registry = default_registry()

REGISTRATIONS = registry.all()
_COMMIT_RE = re.compile(r"^[0-9a-f]{40}$")


def ctx(name=None, version=None):
    """The reference context, with ``name`` pinned to ``version`` when given."""
    if name is None:
        return samples.reference_context()
    return samples.reference_context(transformer_versions={name: version})


def outcome(event, context):
    """``"statements"`` (checked non-empty) or ``["refused", field, kind]``."""
    try:
        statements = transform_event(event, context)
    except InvalidEvent as error:
        return ["refused", error.field, error.kind]
    assert statements
    return "statements"


@pytest.mark.parametrize("name,version,cls", REGISTRATIONS, ids=[f"{n}@{v}" for n, v, _ in REGISTRATIONS])
def test_every_registered_event_name_has_a_producer_contract(name, version, cls):
    producer = producer_for(cls, name)
    assert producer is not None, f"{cls.__qualname__} declares no contract for {name!r}"
    assert producer.source in ("server", "browser", "mobile")
    assert producer.repo and producer.path and producer.where
    if producer.evidence == "read":
        assert _COMMIT_RE.match(producer.commit), f"{name}: a producer read at a commit names it in full"
    else:
        assert len(producer.evidence) > 40, f"{name}: say what stands instead of the producer's code"
    paths = [field.path for field in producer.fields]
    assert len(paths) == len(set(paths))
    for field in producer.fields:
        assert all(part in FIELD_TYPES for part in field.type.split("|")), field
        assert field.accepts(field.example), f"{name} {field.path}: {field.example!r} is not {field.type}"
        assert field.path.split(".")[0] in ("data", "context", "page", "referer"), field.path
        if field.refused_without:
            assert field.optional or field.nullable, f"{field.path}: only an optional field can be missing"
    assert version >= 1


def test_every_contract_names_only_its_class_event_names():
    for _, _, cls in REGISTRATIONS:
        named = [name for producer in producers(cls) for name in producer.names]
        assert set(named) <= set(cls.event_names), cls
        assert len(named) == len(set(named)), cls


def test_the_contract_table_is_generated_from_the_classes():
    committed = producer_contracts.DOC_PATH.read_text(encoding="utf-8")
    assert committed == producer_contracts.render(registry), (
        "docs/producer_contracts.rst is stale: python -m openedx_xapi_router.devtools.producer_contracts")
    for name in registry.event_names():
        assert f"``{name}``" in committed
    assert "no contract declared" not in committed


def test_every_event_name_has_a_fixture_of_its_own_built_from_its_contract():
    wanted = fixtures_builder.expected_files(registry)
    assert sorted(wanted) == sorted(f"{name}.json" for name in registry.event_names())
    committed = {path.name: path.read_text(encoding="utf-8") for path in FIXTURES_DIR.glob("*.json")}
    assert sorted(committed) == sorted(wanted)
    stale = [name for name, text in wanted.items() if committed[name] != text]
    assert not stale, f"fixtures differ from their contracts (python -m tests.contracts.fixtures_builder): {stale}"


def _fixture_cases():
    found = []
    for path in sorted(FIXTURES_DIR.glob("*.json")):
        document = json.loads(path.read_text(encoding="utf-8"))
        for case in document["cases"]:
            found.append(pytest.param(document["event_name"], case, id=f"{document['event_name']}: {case['case']}"))
    return found


@pytest.mark.parametrize("name,case", _fixture_cases())
def test_each_fixture_transforms_or_is_refused_as_its_contract_says(name, case):
    assert outcome(case["event"], ctx()) == case["expect"]
    # The other registered versions of the event read the same producer's event the same way.
    for version in registry.versions(name):
        assert outcome(case["event"], ctx(name, version)) == case["expect"], f"version {version}"


@pytest.mark.parametrize("name,version,cls", REGISTRATIONS, ids=[f"{n}@{v}" for n, v, _ in REGISTRATIONS])
def test_a_field_the_transformer_does_not_read_changes_nothing(name, version, cls):
    for producer in producers_for(cls, name):
        event = fixtures_builder.cases(name, producer)[0]["event"]
        expected = transform_event(event, ctx(name, version))
        for field in producer.fields:
            if not field.read:
                assert transform_event(_without(event, field.path), ctx(name, version)) == expected, field.path


def test_old_style_course_keys_are_accepted_by_every_transformer():
    """Every fixture has its old-style-key case, and every one gives statements (see the cases above)."""
    for path in FIXTURES_DIR.glob("*.json"):
        document = json.loads(path.read_text(encoding="utf-8"))
        olds = [case for case in document["cases"] if case["case"].endswith("old-style course key")]
        assert len(olds) == len(document["contracts"]) >= 1
        for old in olds:
            assert old["event"]["context"]["course_id"] == fixtures_builder.OLD_COURSE_ID
            assert old["expect"] == "statements"


def _without(event, path):
    event = copy.deepcopy(event)
    where, _, rest = path.partition(".")
    if where == "data":
        payload = event["event"]
        as_text = isinstance(payload, str)
        data = json.loads(payload) if as_text else payload
        fixtures_builder.remove(data, rest)
        event["event"] = json.dumps(data) if as_text else data
    elif where == "context":
        fixtures_builder.remove(event["context"], rest)
    else:
        event.pop(path, None)
    return event


def _changed(value):
    """A different value of the same JSON type (None for a value with no obvious other)."""
    if isinstance(value, bool):
        return not value
    if isinstance(value, int):
        return value + 1
    if isinstance(value, float):
        return value + 0.5
    if isinstance(value, str):
        if value.startswith(("http://", "https://", "/")) and "?" not in value:
            return value.rstrip("/") + "/other"
        if not value:
            return "other"
        middle = len(value) // 2  # inside an id or a query string's block id, not only its tail
        return value[:middle] + ("x" if value[middle] != "x" else "y") + value[middle + 1:]
    return None


def _by_user_context(name, version):
    """A context whose actor depends on the user key, so that a field naming the learner shows."""
    return samples.TransformContext(
        lms_root_url=samples.LMS_ROOT_URL,
        actor_resolver=lambda user, username=None: samples.Actor.account(samples.LMS_ROOT_URL, f"actor-{user}"),
        course_name_resolver=lambda course_id: samples.COURSE_NAME,
        transformer_versions={name: version},
    )


@pytest.mark.parametrize("name,version,cls", REGISTRATIONS, ids=[f"{n}@{v}" for n, v, _ in REGISTRATIONS])
def test_a_field_the_transformer_reads_shows_in_its_statement(name, version, cls):
    """
    Consumer side: a field the contract says is read changes the statement when its value changes, in
    at least one of the shapes the producer sends (every field; no optional field), as a fallback
    such as ``problem_check``'s ``success`` (read when there is no ``submission``) shows only in one.
    """
    context = _by_user_context(name, version)
    for producer in producers_for(cls, name):
        full = {field.path: copy.deepcopy(field.example) for field in producer.fields}
        bare = {field.path: full[field.path] for field in producer.fields if not field.optional}
        for field in producer.fields:
            other = _changed(field.example)
            if not field.read or other is None:
                continue
            shown = False
            for values in (full, bare) if field.path in bare else (full,):
                before = outcome_statements(fixtures_builder.line(name, producer, values), context)
                changed = fixtures_builder.line(name, producer, {**values, field.path: other})
                after = outcome_statements(changed, context)
                shown = shown or before != after
            assert shown, f"{name}: {field.path} is read, yet changes nothing"


def outcome_statements(event, context):
    try:
        return transform_event(event, context)
    except InvalidEvent as error:
        return ("refused", error.field, error.kind)
    except XapiRouterError as error:  # e.g. a changed attempt code that is no longer an IRI: it was read
        return ("error", error.kind)
