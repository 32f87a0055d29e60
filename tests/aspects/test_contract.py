"""
The Aspects contract: Open edX Aspects builds every table from our statements, with our defaults.

Statements go into Aspects' raw table in an embedded ClickHouse engine (``tests/aspects/clickhouse.py``:
our SQL, from tutor-contrib-aspects' raw table and the parsing and casts of aspects-dbt's models,
cited there per model), 100 a batch as Ralph writes them; each model is a materialized view, so a
statement a model cannot parse fails its batch's insert, as in a live Aspects.

* With the default ``XAPI_ROUTER_ALLOWED_EVENT_NAMES`` (``core/event_names.py``) the statements of
  both shared corpora, and every transformer fixture's statements, are inserted without one failure.
* Each event lands in exactly the Aspects tables ``docs/aspects.rst`` lists for it; an event
  event-routing-backends (ERB) does not transform lands in none of the tables ERB's events build
  (the raw and parsed tables, which hold every statement, aside).
* On the clean corpus, every model's rows from our default statements equal the rows from ERB's
  statements for its default names (ERB 9.3.8, ``tests/erb_oracle.py``), the parsed table once
  our beyond-ERB statements are left out.

Before this test, the ORA assessments (acrossx ``evaluated`` without ``result.success``) failed 12
of the clean corpus's 91 inserts with ClickHouse's CANNOT_PARSE_BOOL (code 467), and, given the
missing fields, would have been counted as problem answers (with no problem id);
``test_an_evaluated_statement_without_success_fails_its_insert`` keeps that failure mode under test.
"""
# pytest fixtures are parameters named after the fixture functions.
# pylint: disable=redefined-outer-name
import collections
import copy
import re

import pytest

from openedx_xapi_router.core import vocab
from openedx_xapi_router.core.event_names import (
    ERB_DEFAULT_EVENT_NAMES,
    beyond_erb_default_event_names,
    default_event_names,
)
from openedx_xapi_router.core.registry import default_registry
from tests import erb_oracle
from tests.aspects import clickhouse, statements
from tests.transformers import samples

#: Derived from the registry (the classes' ``erb`` declarations).
BEYOND_ERB_DEFAULT_EVENT_NAMES = beyond_erb_default_event_names()
DEFAULT_EVENT_NAMES = default_event_names()

registry = default_registry()

pytest.importorskip("chdb")

DOCS = samples.REPO_ROOT / "docs" / "aspects.rst"

#: The tables every statement lands in, whatever its event.
BASE_TABLES = frozenset({"xapi_events_all", clickhouse.PARSED.name})

#: ERB statements of the clean corpus whose score breaks xAPI (a course grade above 100 %).
FIXED_ERB_SCORES = 39

#: The materialized models that read some statements only.
READING_MODELS = tuple(model.name for model in clickhouse.MODELS if model.name != clickhouse.PARSED.name)


def require_corpora():
    if not all((statements.CORPUS_DIR / name).is_file() for name in statements.CORPORA):
        pytest.skip(f"the shared corpora are not in {statements.CORPUS_DIR} (set XAPI_ROUTER_SHARED_DIR)")


def tables_fed(database, pairs):
    """Event name -> the reading models holding at least one of its statements."""
    names = statements.names_by_id(pairs)
    fed = collections.defaultdict(set)
    for model in READING_MODELS:
        for event_id in database.event_ids(model):
            for name in names.get(event_id, ()):
                fed[name].add(model)
    return fed


def documented_tables():
    """``docs/aspects.rst``'s table: event name -> (sent by default, the Aspects tables it feeds)."""
    text = DOCS.read_text(encoding="utf-8")
    rows = re.findall(r"^   \* - ``([^`]+)``\n     - (yes|no)\b[^\n]*\n     - ([^\n]*)$", text, re.MULTILINE)
    table = {}
    for name, default, tables in rows:
        assert name not in table, f"{name} is listed twice in {DOCS.name}"
        table[name] = (default == "yes", frozenset(re.findall(r"``([a-z_]+)``", tables)))
    return table


@pytest.fixture(scope="module")
def corpus_load():
    """Our default statements of both corpora, inserted: (database, pairs)."""
    require_corpora()
    pairs = [pair for name in statements.CORPORA for pair in statements.corpus_statements(name, DEFAULT_EVENT_NAMES)]
    database = clickhouse.AspectsDatabase("corpora")
    database.insert([statement for _, statement in pairs])
    yield database, pairs
    database.close()


@pytest.fixture(scope="module")
def fixture_load():
    """Every transformer fixture's statements, one insert per fixture event: (database, pairs, failures)."""
    samples.require_samples()
    loaded = statements.fixture_statements()
    database = clickhouse.AspectsDatabase("fixtures")
    failures = []
    for label, name, event_statements in loaded:
        if database.insert(event_statements, batch_size=len(event_statements)):
            failures.append((label, name, database.failures[-1][2]))
    pairs = [(name, statement) for _, name, event_statements in loaded for statement in event_statements]
    yield database, pairs, failures
    database.close()


def as_xapi_allows(statement):
    """
    ERB's statement with its score made valid xAPI, as ours is (README, "Where we differ from
    event-routing-backends": a course grade above 100 %: ``scaled`` capped at 1.0, ``max`` widened
    to ``raw``); an LRS refuses ERB's as it is. Returns (statement, whether it changed).
    """
    score = (statement.get("result") or {}).get("score")
    if not score or not (score.get("scaled", 0) > 1 or score.get("raw", 0) > score.get("max", score.get("raw", 0))):
        return statement, False
    fixed = copy.deepcopy(statement)
    fixed["result"]["score"]["scaled"] = min(1.0, score["scaled"])
    fixed["result"]["score"]["max"] = max(score["max"], score["raw"])
    return fixed, True


@pytest.fixture(scope="module")
def clean_pair():
    """
    The clean corpus in two databases: our default statements, and ERB's for its default names
    (with scores made valid xAPI, :func:`as_xapi_allows`): (ours db, ours, ERB db, ERB's, ids fixed).
    """
    require_corpora()
    ours = statements.corpus_statements("clean-10k.log", DEFAULT_EVENT_NAMES)
    theirs, fixed_ids = [], []
    for name, statement in statements.erb_corpus_statements("clean-10k.log", set(ERB_DEFAULT_EVENT_NAMES)):
        statement, fixed = as_xapi_allows(statement)
        theirs.append((name, statement))
        if fixed:
            fixed_ids.append((name, statement["id"]))
    our_db, erb_db = clickhouse.AspectsDatabase("ours"), clickhouse.AspectsDatabase("erb")
    our_db.insert([statement for _, statement in ours])
    erb_db.insert([statement for _, statement in theirs])
    yield our_db, ours, erb_db, theirs, fixed_ids
    our_db.close()
    erb_db.close()


def test_default_statements_of_both_corpora_insert_without_a_failure(corpus_load):
    database, pairs = corpus_load
    assert database.failures == []
    assert database.count("xapi_events_all") == len({statement["id"] for _, statement in pairs})
    for model in READING_MODELS:
        assert database.count(model) > 0, f"{model}: no row from the corpora, so nothing was checked"


def test_every_problem_answer_names_its_problem(corpus_load, fixture_load):
    """
    ``problem_events`` rows of answers (acrossx ``evaluated``) name a problem: joined to the course blocks.

    Aspects' problem id is cut from a ``block-v1:`` usage key (macros/get_problem_id.sql, above): a
    problem of an old-style (``org/course/run``) course is an ``i4x://`` key, which it cannot
    read. Those answers (event-routing-backends makes the same statements for them) are counted
    apart: the only ones the fixtures have are their old-style-key cases.
    """
    old_style = "position(object_id, '/xblock/i4x://') > 0"
    for database in (corpus_load[0], fixture_load[0]):
        counts = database.query(
            f"SELECT countIf(problem_id = '' AND NOT {old_style}) AS unnamed, countIf({old_style}) AS old_style, "
            f"count() AS answers FROM {{db}}.problem_events FINAL WHERE verb_id = '{vocab.EVALUATED.iri}'")[0]
        assert int(counts["answers"]) > 0
        assert int(counts["unnamed"]) == 0
    assert int(counts["old_style"]) == sum(
        1 for name, statement in fixture_load[1]
        if statement["verb"]["id"] == vocab.EVALUATED.iri and "/xblock/i4x://" in statement["object"]["id"])


def test_every_transformer_fixture_inserts_without_a_failure(fixture_load):
    _, pairs, failures = fixture_load
    assert failures == []
    # Every supported event name has a fixture or a corpus event: nothing goes unchecked.
    assert len(pairs) > 150


def test_every_supported_name_is_covered_and_documented(corpus_load, fixture_load):
    covered = {name for name, _ in corpus_load[1]} | {name for name, _ in fixture_load[1]}
    documented = documented_tables()
    assert set(documented) == set(registry.event_names()), "docs/aspects.rst must list every supported name"
    assert {name for name, (default, _) in documented.items() if default} == set(DEFAULT_EVENT_NAMES) & set(
        registry.event_names())
    uncovered = sorted(set(registry.event_names()) - covered)
    assert uncovered == [], f"supported names with no statement in the corpora or the fixtures: {uncovered}"


def test_each_event_feeds_exactly_its_documented_tables(corpus_load, fixture_load):
    fed = tables_fed(corpus_load[0], corpus_load[1])
    for name, tables in tables_fed(fixture_load[0], fixture_load[1]).items():
        fed[name] |= tables
    documented = documented_tables()
    wrong = {name: (sorted(fed.get(name, ())), sorted(tables))
             for name, (_, tables) in documented.items() if set(fed.get(name, ())) != set(tables)}
    assert wrong == {}, "event: (tables fed, tables documented)"


def test_no_event_beyond_erb_feeds_a_table_erb_events_build(corpus_load, fixture_load):
    erb_names = erb_oracle.registered_names()
    beyond = set(registry.event_names()) - erb_names
    assert set(BEYOND_ERB_DEFAULT_EVENT_NAMES) <= beyond
    fed = tables_fed(corpus_load[0], corpus_load[1])
    for name, tables in tables_fed(fixture_load[0], fixture_load[1]).items():
        fed[name] |= tables
    erb_tables = set().union(*(fed[name] for name in erb_names if name in fed))
    assert {"problem_events", "grading_events", "navigation_events"} <= erb_tables
    trespassing = {name: sorted(tables & erb_tables) for name, tables in fed.items() if name in beyond}
    assert {name: tables for name, tables in trespassing.items() if tables} == {}


@pytest.mark.parametrize("model", clickhouse.MODEL_NAMES)
def test_erb_names_give_the_rows_erb_statements_give(clean_pair, model):
    our_db, ours, erb_db, theirs, _ = clean_pair
    assert our_db.failures == [] and erb_db.failures == []
    beyond_ids = {statement["id"] for name, statement in ours if name not in ERB_DEFAULT_EVENT_NAMES}
    our_rows = our_db.rows(model, exclude_ids=beyond_ids)
    erb_rows = erb_db.rows(model)
    assert len(erb_rows) > 0, f"{model}: ERB's statements give no row, so nothing was compared"
    assert len(our_rows) == len(erb_rows)
    assert our_rows == erb_rows
    if model == clickhouse.PARSED.name:  # every statement of ERB's names is compared, ids included
        assert len(erb_rows) == len({statement["id"] for _, statement in theirs}) > 7000


def test_the_statement_sets_compared_are_the_same_size(clean_pair):
    _, ours, _, theirs, fixed_ids = clean_pair
    erb_share = [statement["id"] for name, statement in ours if name in ERB_DEFAULT_EVENT_NAMES]
    assert sorted(erb_share) == sorted(statement["id"] for _, statement in theirs)
    # ERB's only statements made valid first: course grades above 100 % of this corpus.
    assert {name for name, _ in fixed_ids} == {"edx.grades.course.grade_calculated"}
    assert len(fixed_ids) == FIXED_ERB_SCORES


def test_an_evaluated_statement_without_success_fails_its_insert(fixture_load):
    """The ORA assessments' failure before this contract: acrossx ``evaluated`` without ``result.success``."""
    _, pairs, _ = fixture_load
    assessment = next(statement for name, statement in pairs if name == "openassessmentblock.self_assess")
    assert assessment["verb"]["id"] == vocab.ASSESSED.iri
    old_shape = copy.deepcopy(assessment)
    old_shape["verb"] = {"id": vocab.EVALUATED.iri, "display": {"en-US": "evaluated"}}
    old_shape["id"] = "00000000-0000-4000-8000-000000000001"
    database = clickhouse.AspectsDatabase("old_ora")
    try:
        assert database.insert([old_shape]) == 1
        assert "Code: 467" in database.failures[0][2]  # CANNOT_PARSE_BOOL
        assert database.count("problem_events") == 0
        assert database.insert([assessment]) == 0
        assert assessment["id"] in database.event_ids(clickhouse.PARSED.name)
        assert assessment["id"] not in database.event_ids("problem_events") | database.event_ids("grading_events")
    finally:
        database.close()
