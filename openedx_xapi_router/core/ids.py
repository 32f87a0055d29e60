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
import hashlib
import uuid
from functools import lru_cache
from json.encoder import encode_basestring_ascii as _json_string

from openedx_xapi_router.core.memo import remember

#: ``6ba7b810-9dad-11d1-80b4-00c04fd430c8``, the base of every id (RFC 4122's DNS namespace).
BASE_NAMESPACE = uuid.NAMESPACE_DNS


try:
    # CPython's own SHA-1 (always built, unless a build leaves the built-in hashes out): for a
    # statement's few blocks it costs half of OpenSSL's, whose every new hash object first looks the
    # algorithm up (about 4,000 instructions before the first byte is hashed). The digest is SHA-1's.
    from _sha1 import sha1 as _sha1
except ImportError:  # pragma: no cover
    _sha1 = hashlib.sha1

_BASE_BYTES = BASE_NAMESPACE.bytes


@lru_cache(maxsize=1024)
def _namespace(key):
    """
    The 16 bytes of ``uuid5(BASE_NAMESPACE, key)``: the per-verb namespace, cached (verbs are few;
    a child statement's key holds its question id, and those are many). Computed as RFC 4122
    says, without ``uuid``'s objects (a third of the cost): the first 16 bytes of
    SHA-1(namespace + key), the version (5) in the top four bits of byte 6, the variant (``10``)
    in the top two bits of byte 8.
    """
    digest = bytearray(_sha1(_BASE_BYTES + key.encode()).digest()[:16])
    digest[6] = (digest[6] & 0x0F) | 0x50
    digest[8] = (digest[8] & 0x3F) | 0x80
    return bytes(digest)


#: ``(namespace key, actor JSON)`` -> a SHA-1 state fed with ``namespace + actor JSON + "-"``, the
#: part of an id's hashed text that only the timestamp follows: a learner's events with the same
#: verb hash only their timestamps (one SHA-1 block instead of three). Forgotten past a bound
#: (about 270 bytes each).
_PREFIXES = {}
_PREFIXES_MAX = 16_384


def _prefix(key, actor_json):
    """The SHA-1 state of ``_namespace(key) + f"{actor_json}-"``, remembered (see :data:`_PREFIXES`)."""
    return remember(_PREFIXES, (key, actor_json), _sha1(_namespace(key) + f"{actor_json}-".encode()), _PREFIXES_MAX)


#: A hex digit -> the digit with its top two bits set to ``10`` (the RFC 4122 variant): ``(d & 0x3) | 0x8``.
_VARIANT_DIGIT = {f"{digit:x}": f"{(digit & 0x3) | 0x8:x}" for digit in range(16)}


# --- the tincan serialisations the ids hash -------------------------------------------------------
# Written as text: ``json.dumps`` of a small dict builds an encoder and walks the dict for every new
# actor. ``_json_string`` is the string quoting ``json.dumps`` itself uses (ensure_ascii), so the
# bytes are the same; tests/core/test_ids.py holds them to tincan's ``to_json()``.

def account_actor_json(home_page, name):
    """``Agent(account=AgentAccount(name=name, home_page=home_page)).to_json()``, as tincan writes it."""
    account = f'{{"name": {_json_string(name)}, "homePage": {_json_string(home_page)}}}'
    return f'{{"objectType": "Agent", "account": {account}}}'


def mbox_actor_json(mbox):
    """``Agent(mbox=mbox).to_json()`` (``mbox`` with its ``mailto:``)."""
    return f'{{"objectType": "Agent", "mbox": {_json_string(mbox)}}}'


def mbox_sha1sum_actor_json(digest):
    """``Agent(mbox_sha1sum=digest).to_json()``."""
    return f'{{"objectType": "Agent", "mbox_sha1sum": {_json_string(digest)}}}'


def verb_json(iri, display, language):
    """``Verb(id=iri, display=LanguageMap({language: display})).to_json()``."""
    return f'{{"id": {_json_string(iri)}, "display": {{{_json_string(language)}: {_json_string(display)}}}}}'


def statement_id(verb_json, actor_json, timestamp, child_id=None):  # pylint: disable=redefined-outer-name
    """
    Return the statement id (a string) for one statement.

    Arguments:
        verb_json: :attr:`openedx_xapi_router.core.vocab.Verb.id_json` of the statement's verb.
        actor_json: :attr:`openedx_xapi_router.core.context.Actor.id_json` of its actor.
        timestamp: the event's timestamp string, unchanged.
        child_id: for a child statement (one question of a multi-question problem), its id.
    """
    key = verb_json if child_id is None else f"{verb_json}-{child_id}"
    # str(uuid.uuid5(UUID(bytes=_namespace(key)), f"{actor_json}-{timestamp}")), computed without
    # building UUID objects (3 times faster; tests/core/test_ids.py pins it to uuid5): the same RFC
    # 4122 steps on the hex digest of SHA-1(namespace + name). Version 5: the 13th hex digit is "5";
    # RFC 4122 variant: the 17th digit's top two bits are 10.
    # SHA-1 reads its input in order, so the state after the fixed prefix is copied, then fed the
    # timestamp: the digest of the whole text.
    state = _PREFIXES.get((key, actor_json))
    if state is None and child_id is not None:
        # a question's statement: its key is seldom met again, so its state is not remembered
        state = _sha1(_namespace(key) + f"{actor_json}-{timestamp}".encode())
    else:
        state = (state or _prefix(key, actor_json)).copy()
        state.update(timestamp.encode())
    text = state.hexdigest()
    return f"{text[:8]}-{text[8:12]}-5{text[13:16]}-{_VARIANT_DIGIT[text[16]]}{text[17:20]}-{text[20:32]}"
