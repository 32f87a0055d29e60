"""
Poison batches and the durability of dead letters, on real services: a real Celery worker (Redis),
Ralph, and the test database (SQLite, and MariaDB in the MariaDB pass).

A message is built as the publisher builds it (``openedx_xapi_router/delivery/sending.py``:
``publish_events`` sends ``deliver_statements`` with ``args=(events,)``, each event
``[endpoint_ids, event_name, transformer_version, statements]``); Celery's JSON serializer carries a
lone surrogate (written ``\\ud800``) and an integer of any size, so both reach the worker as they
were published. orjson 3 (our serializer) writes integers from -2**63 to 2**64-1 and refuses a
string that is not valid UTF-8 (its README, "Serialize": ``JSONEncodeError`` on "str is not valid
UTF-8: surrogates not allowed" and on "Integer exceeds 64-bit range").
"""
import copy

import orjson
import pytest
from django.db import IntegrityError, connection

from openedx_xapi_router.core.errors import InvalidStatement
from openedx_xapi_router.core.validate import is_number, validate_statement
from openedx_xapi_router.delivery import store
from openedx_xapi_router.delivery.core import Item
from openedx_xapi_router.delivery.replay import replay_dead_letters
from openedx_xapi_router.delivery.tasks import DELIVER_TASK
from openedx_xapi_router.models import DeadLetter
from tests.delivery.conftest import wait_until
from tests.delivery.events import enrollment_event
from tests.delivery.test_live_delivery import delivered_count, in_ralph
from tests.delivery.test_lrs_answers import items_of

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

EXTENSION = "https://example.org/xapi/extensions/poison"
HUGE = 2**64
SURROGATE = "caf\udce9"


def poisoned(item, value):
    statement = copy.deepcopy(item.statement)
    statement["context"].setdefault("extensions", {})[EXTENSION] = value
    return Item(statement, item.event_name, item.transformer_version)


def message_events(endpoint, items):
    """One published message's events: one statement per event, as the send path publishes them."""
    return [[[endpoint.pk], item.event_name, item.transformer_version, [item.statement]] for item in items]


def test_is_number_and_orjson_agree_on_integers():
    for value in (2**64 - 1, -2**63, 0, 1.5):
        assert is_number(value)
        orjson.dumps(value)
    for value in (2**64, -2**63 - 1, 10**30):
        assert not is_number(value)
        with pytest.raises(orjson.JSONEncodeError):
            orjson.dumps(value)


def test_the_statement_check_refuses_what_orjson_refuses(event_base):
    statement = items_of([enrollment_event(event_base)])[0].statement
    broken = copy.deepcopy(statement)
    broken["verb"]["display"]["en"] = SURROGATE
    with pytest.raises(InvalidStatement, match="lone surrogate"):
        validate_statement(broken, "test@1")
    with pytest.raises(orjson.JSONEncodeError):
        orjson.dumps(broken)


def test_a_poisoned_batch_dead_letters_the_poison_and_delivers_the_rest(delivery_worker, make_endpoint, lrs_client,
                                                                        event_base):
    endpoint = make_endpoint("poison", batch_size=100)
    items = items_of([enrollment_event(event_base + number) for number in range(6)])
    items[1] = poisoned(items[1], {"big": HUGE})
    items[4] = poisoned(items[4], [SURROGATE])
    delivery_worker.app.send_task(DELIVER_TASK, args=(message_events(endpoint, items),), queue=delivery_worker.queue)
    good = [item.statement_id for index, item in enumerate(items) if index not in (1, 4)]
    wait_until(lambda: delivered_count(endpoint) >= 4 and DeadLetter.objects.count() >= 2, 20,
               message="4 delivered, 2 dead letters")
    assert sorted(in_ralph(lrs_client, good)) == sorted(good)
    assert in_ralph(lrs_client, [items[1].statement_id, items[4].statement_id]) == []
    letters = {letter.statement_id: letter for letter in DeadLetter.objects.filter(endpoint=endpoint)}
    assert sorted(letters) == sorted([items[1].statement_id, items[4].statement_id])
    huge, lone = letters[items[1].statement_id], letters[items[4].statement_id]
    assert (huge.reason, huge.http_status, lone.reason) == (DeadLetter.REASON_UNSERIALIZABLE, None,
                                                            DeadLetter.REASON_UNSERIALIZABLE)
    assert f"statement.context.extensions.{EXTENSION}.big: integer {HUGE} outside" in huge.detail
    assert f'statement: {{"id": "{huge.statement_id}", ' in huge.detail  # the excerpt
    where = f"statement.context.extensions.{EXTENSION}[0]"
    assert f'{where}: string with a lone surrogate at 3 ("caf\\udce9")' in lone.detail
    assert lone.detail.startswith(store.ESCAPED_NOTE)
    assert huge.statement["context"]["extensions"][EXTENSION] == {"big": HUGE}
    assert lone.statement["context"]["extensions"][EXTENSION] == ["caf\\udce9"]  # stored escaped, read back as such
    assert delivered_count(endpoint) == 4


def test_a_lone_surrogate_is_stored_escaped_and_replay_reads_it_back(make_endpoint, lrs_client, event_base):
    """On SQLite and on MariaDB (whose JSON_VALID check refuses a lone surrogate)."""
    endpoint = make_endpoint("escaped")
    item = poisoned(items_of([enrollment_event(event_base)])[0], {"title": SURROGATE})
    assert store.dead_letter(endpoint.pk, [item], DeadLetter.REASON_BROKER_UNAVAILABLE, detail="broker down") == 1
    letter = DeadLetter.objects.get(endpoint=endpoint)
    assert letter.statement["context"]["extensions"][EXTENSION] == {"title": "caf\\udce9"}
    assert letter.detail == store.ESCAPED_NOTE + "broker down"
    summary = replay_dead_letters(DeadLetter.objects.all())
    assert (summary.selected, summary.delivered, summary.still_failing) == (1, 1, 0)
    held = lrs_client.get_statement(item.statement_id)
    assert held["context"]["extensions"][EXTENSION] == {"title": "caf\\udce9"}


def test_replay_of_an_unserializable_statement_keeps_it_pending(make_endpoint, event_base):
    endpoint = make_endpoint("still-huge")
    item = poisoned(items_of([enrollment_event(event_base)])[0], HUGE)
    store.dead_letter(endpoint.pk, [item], DeadLetter.REASON_UNSERIALIZABLE, detail="first")
    summary = replay_dead_letters(DeadLetter.objects.all())
    assert (summary.selected, summary.delivered, summary.still_failing) == (1, 0, 1)
    letter = DeadLetter.objects.get(endpoint=endpoint)
    assert (letter.state, letter.reason, letter.attempts) == (DeadLetter.STATE_PENDING,
                                                              DeadLetter.REASON_UNSERIALIZABLE, 2)


@pytest.mark.mariadb
def test_a_dead_letter_the_database_refuses_raises(make_endpoint, event_base):
    """MariaDB checks the foreign key at once: a row for an endpoint that is gone is refused, and said so."""
    assert connection.vendor == "mysql"
    endpoint = make_endpoint("gone")
    item = items_of([enrollment_event(event_base)])[0]
    missing = endpoint.pk + 1000
    with pytest.raises(IntegrityError):
        store.dead_letter(missing, [item], DeadLetter.REASON_RETRIES_EXHAUSTED)
    assert DeadLetter.objects.count() == 0


@pytest.mark.mariadb
def test_on_mariadb_a_lone_surrogate_is_stored_escaped_and_replay_reads_it_back(make_endpoint, lrs_client,
                                                                                event_base):
    assert connection.vendor == "mysql"
    test_a_lone_surrogate_is_stored_escaped_and_replay_reads_it_back(make_endpoint, lrs_client, event_base)


@pytest.mark.mariadb
def test_on_mariadb_a_poisoned_batch_dead_letters_the_poison(delivery_worker, make_endpoint, lrs_client, event_base):
    assert connection.vendor == "mysql"
    test_a_poisoned_batch_dead_letters_the_poison_and_delivers_the_rest(delivery_worker, make_endpoint, lrs_client,
                                                                        event_base)
