"""
Deterministic statement ids: the contract.

    id = uuid5(uuid5(NAMESPACE_DNS, VERB_JSON), f"{ACTOR_JSON}-{TIMESTAMP}")

and for the child statements of a multi-question problem

    id = uuid5(uuid5(NAMESPACE_DNS, f"{VERB_JSON}-{CHILD_ID}"), f"{ACTOR_JSON}-{TIMESTAMP}")

``VERB_JSON`` and ``ACTOR_JSON`` are the verb and the actor serialised as the ``tincan`` package's
``to_json()`` does (``json.dumps`` default separators, tincan's key order), ``TIMESTAMP`` the
event's timestamp string as given. These are the ids event-routing-backends gives the same events.

WARNING: Open edX sites already hold millions of statements with these ids, and an LRS treats the
id as the statement's identity. Changing anything here makes every replayed or re-sent event a
new statement, counted twice on every dashboard. Do not change it; tests pin it against tincan.
"""
import uuid
from functools import lru_cache

#: ``6ba7b810-9dad-11d1-80b4-00c04fd430c8``, the base of every id (RFC 4122's DNS namespace).
BASE_NAMESPACE = uuid.NAMESPACE_DNS


@lru_cache(maxsize=1024)
def _namespace(key):
    return uuid.uuid5(BASE_NAMESPACE, key)


def statement_id(verb_json, actor_json, timestamp, child_id=None):
    """
    Return the statement id (a string) for one statement.

    Arguments:
        verb_json: :attr:`openedx_xapi_router.core.vocab.Verb.id_json` of the statement's verb.
        actor_json: :attr:`openedx_xapi_router.core.context.Actor.id_json` of its actor.
        timestamp: the event's timestamp string, unchanged.
        child_id: for a child statement (one question of a multi-question problem), its id.
    """
    key = verb_json if child_id is None else f"{verb_json}-{child_id}"
    return str(uuid.uuid5(_namespace(key), f"{actor_json}-{timestamp}"))
