"""
Statement ids: our actor and verb serialisations equal ``tincan``'s ``to_json()`` (the oracle), and
``statement_id`` equals event-routing-backends' formula, so sites keep the ids they already hold.
"""
import glob
import hashlib
import json
import uuid

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tincan import Agent, AgentAccount, LanguageMap, Verb as TincanVerb

from openedx_xapi_router.core import vocab
from openedx_xapi_router.core.context import Actor
from openedx_xapi_router.core import ids
from openedx_xapi_router.core.ids import statement_id
from tests.transformers import samples

#: ERB's base: ``get_uuid5(namespace_key, name) = uuid5(uuid5(BASE, namespace_key), name)``.
ERB_BASE_UUID = uuid.UUID("6ba7b810-9dad-11d1-80b4-00c04fd430c8")


def erb_uuid5(namespace_key, name):
    """event-routing-backends' ``get_uuid5``, written from its documented formula."""
    return str(uuid.uuid5(uuid.uuid5(ERB_BASE_UUID, namespace_key), name))


def erb_statement_id(verb, actor, timestamp, child_id=None):
    """ERB's ``get_event_id`` (and the child form) with tincan objects."""
    key = verb.to_json() if child_id is None else f"{verb.to_json()}-{child_id}"
    return erb_uuid5(key, f"{actor.to_json()}-{timestamp}")


VERBS = [value for value in vars(vocab).values() if isinstance(value, vocab.Verb)]

NAMES = [
    "32e08e30-f8ae-4ce2-94a8-c2bfe38a70cb",
    "edx",
    "Zoë Ångström",
    "李小龙",
    'say "hi"',
    "back\\slash",
    "tab\tand\nnewline",
    "emoji 🎓",
    " ",
    "'single' / slash",
    "\u0000control\u001f",
]
HOME_PAGES = ["http://localhost:18000", "https://courses.example.org", "https://lms.例え.jp"]
EMAILS = ["learner@example.org", "zoë@exämple.org", 'o"quote@example.org', "UPPER@Example.ORG"]


def test_every_vocabulary_verb_is_checked():
    assert len(VERBS) >= 20
    assert len({verb.iri for verb in VERBS}) == len(VERBS)


@pytest.mark.parametrize("verb", VERBS, ids=[verb.iri for verb in VERBS])
def test_verb_id_json_equals_tincan(verb):
    oracle = TincanVerb(id=verb.iri, display=LanguageMap({"en": verb.display}))
    assert verb.id_json == oracle.to_json()
    assert verb.as_dict() == json.loads(oracle.to_json())


@pytest.mark.parametrize("home_page", HOME_PAGES)
@pytest.mark.parametrize("name", NAMES)
def test_account_actor_id_json_equals_tincan(name, home_page):
    oracle = Agent(account=AgentAccount(name=name, home_page=home_page))
    actor = Actor.account(home_page, name)
    assert actor.id_json == oracle.to_json()
    assert actor.statement_dict == {"objectType": "Agent", "account": {"homePage": home_page, "name": name}}


@pytest.mark.parametrize("email", EMAILS)
def test_mbox_actor_id_json_equals_tincan(email):
    assert Actor.mbox(email).id_json == Agent(mbox=f"mailto:{email}").to_json()
    assert Actor.mbox(f"mailto:{email}").id_json == Agent(mbox=f"mailto:{email}").to_json()


@pytest.mark.parametrize("email", EMAILS)
def test_mbox_sha1sum_actor_id_json_equals_tincan(email):
    digest = hashlib.sha1(email.encode("utf-8")).hexdigest()
    actor = Actor.mbox_sha1sum(email)
    assert actor.id_json == Agent(mbox_sha1sum=digest).to_json()
    assert actor.statement_dict == {"objectType": "Agent", "mbox_sha1sum": digest}


@settings(max_examples=300, deadline=None, derandomize=True)
@given(name=st.text(min_size=1, max_size=40), home_page=st.sampled_from(HOME_PAGES))
def test_any_account_name_serialises_like_tincan(name, home_page):
    assert Actor.account(home_page, name).id_json == Agent(
        account=AgentAccount(name=name, home_page=home_page)
    ).to_json()


@settings(max_examples=300, deadline=None, derandomize=True)
@given(
    verb=st.sampled_from(VERBS),
    name=st.text(min_size=1, max_size=30),
    timestamp=st.datetimes(timezones=st.just(None)).map(lambda t: t.isoformat() + "+00:00"),
    child=st.one_of(st.none(), st.text(min_size=1, max_size=60)),
)
def test_statement_id_equals_erbs_formula(verb, name, timestamp, child):
    home = "http://localhost:18000"
    ours = statement_id(verb.id_json, Actor.account(home, name).id_json, timestamp, child)
    oracle_verb = TincanVerb(id=verb.iri, display=LanguageMap({"en": verb.display}))
    oracle_actor = Agent(account=AgentAccount(name=name, home_page=home))
    assert ours == erb_statement_id(oracle_verb, oracle_actor, timestamp, child)


@pytest.mark.parametrize("email", EMAILS)
def test_statement_id_for_mbox_actors(email):
    ours = statement_id(vocab.PLAYED.id_json, Actor.mbox(email).id_json, "2020-07-15T06:52:55.057099+00:00")
    oracle = erb_statement_id(
        TincanVerb(id=vocab.PLAYED.iri, display=LanguageMap({"en": "played"})), Agent(mbox=f"mailto:{email}"),
        "2020-07-15T06:52:55.057099+00:00",
    )
    assert ours == oracle


def test_a_pinned_id():
    """The id of the golden enrollment statement, written down: a change here breaks every site."""
    actor = Actor.account("http://localhost:18000", "32e08e30-f8ae-4ce2-94a8-c2bfe38a70cb")
    assert statement_id(vocab.REGISTERED.id_json, actor.id_json, "2020-07-15T06:36:01.917775+00:00") == (
        "bb946682-b0b9-5dc2-a17c-605ef5833c98"
    )


def golden_parent_statements():
    found = []
    for path in sorted(glob.glob(str(samples.XAPI_DIR / "expected" / "*.json"))):
        with open(path, encoding="utf-8") as file:
            loaded = json.load(file)
        for statement in loaded if isinstance(loaded, list) else [loaded]:
            if "statement" not in statement.get("context", {}):  # child statements use a child id
                found.append(statement)
    return found


def test_golden_ids_follow_the_formula():
    """Every golden parent statement's id is the formula applied to its own verb, actor and timestamp."""
    samples.require_samples()
    statements = golden_parent_statements()
    assert len(statements) >= 50
    for statement in statements:
        verb = statement["verb"]
        account = statement["actor"]["account"]
        oracle_verb = TincanVerb(id=verb["id"], display=LanguageMap(verb["display"]))
        oracle_actor = Agent(account=AgentAccount(name=account["name"], home_page=account["homePage"]))
        assert statement["id"] == erb_statement_id(oracle_verb, oracle_actor, statement["timestamp"])
        ours = statement_id(
            json.dumps({"id": verb["id"], "display": verb["display"]}),
            Actor.account(account["homePage"], account["name"]).id_json,
            statement["timestamp"],
        )
        assert ours == statement["id"]


#: Any text, lone surrogates and control characters included (tincan and json.dumps escape them).
ANY_TEXT = st.text(alphabet=st.characters(min_codepoint=0, max_codepoint=0x10FFFF), min_size=1, max_size=40)


@settings(max_examples=500, deadline=None, derandomize=True)
@given(name=ANY_TEXT, home_page=st.one_of(st.sampled_from(HOME_PAGES), ANY_TEXT))
def test_the_json_free_actor_serialisations_equal_tincan(name, home_page):
    """core/ids.py writes the tincan JSON as text (no json.dumps): byte for byte what tincan writes."""
    assert ids.account_actor_json(home_page, name) == Agent(
        account=AgentAccount(name=name, home_page=home_page)).to_json()
    assert ids.mbox_actor_json(f"mailto:{name}") == Agent(mbox=f"mailto:{name}").to_json()
    digest = hashlib.sha1(name.encode("utf-8", "surrogatepass")).hexdigest()
    assert ids.mbox_sha1sum_actor_json(digest) == Agent(mbox_sha1sum=digest).to_json()


@settings(max_examples=300, deadline=None, derandomize=True)
@given(iri=ANY_TEXT, display=ANY_TEXT, language=st.sampled_from(["en", "en-US", "fr"]))
def test_the_json_free_verb_serialisation_equals_tincan(iri, display, language):
    assert ids.verb_json(iri, display, language) == TincanVerb(
        id=iri, display=LanguageMap({language: display})).to_json()


def test_an_id_from_a_remembered_prefix_is_the_same(monkeypatch):
    """The SHA-1 state remembered per (verb, actor) gives the id the whole text gives, also once forgotten."""
    actor = Actor.account("http://localhost:18000", "32e08e30-f8ae-4ce2-94a8-c2bfe38a70cb")
    timestamps = ["2020-07-15T06:36:01.917775+00:00", "2020-07-15T06:36:02.000001+00:00"]
    expected = [erb_uuid5(vocab.REGISTERED.id_json, f"{actor.id_json}-{timestamp}") for timestamp in timestamps]
    ids._PREFIXES.clear()  # pylint: disable=protected-access
    assert [statement_id(vocab.REGISTERED.id_json, actor.id_json, timestamp) for timestamp in timestamps] == expected
    assert (vocab.REGISTERED.id_json, actor.id_json) in ids._PREFIXES  # pylint: disable=protected-access
    monkeypatch.setattr(ids, "_PREFIXES_MAX", 1)
    other = Actor.account("http://localhost:18000", "someone else")
    statement_id(vocab.REGISTERED.id_json, other.id_json, timestamps[0])
    assert len(ids._PREFIXES) == 1  # pylint: disable=protected-access
    assert statement_id(vocab.REGISTERED.id_json, actor.id_json, timestamps[1]) == expected[1]


def test_a_questions_id_is_the_formulas_and_its_prefix_is_not_remembered():
    """A child statement's id (its key holds the question id) is ERB's, and leaves ``_PREFIXES`` as it was."""
    actor = Actor.account("http://localhost:18000", "32e08e30-f8ae-4ce2-94a8-c2bfe38a70cb")
    timestamp = "2020-07-15T06:36:01.917775+00:00"
    question = "3fc5461f86764ad7bdbdf6cbdde61e66_2_1"
    ids._PREFIXES.clear()  # pylint: disable=protected-access
    ours = statement_id(vocab.EVALUATED.id_json, actor.id_json, timestamp, question)
    assert ours == erb_uuid5(f"{vocab.EVALUATED.id_json}-{question}", f"{actor.id_json}-{timestamp}")
    assert not ids._PREFIXES  # pylint: disable=protected-access
