"""
What a transformer needs from the world, passed in: the LMS root URL, the actor and course-name
resolvers, and the pinned transformer versions.

The core never reads settings or a database. The Django layer builds a :class:`TransformContext`
from settings and the LMS's own helpers (see ``openedx_xapi_router.lms``); the CLI builds one from
its options; tests build one from dicts.
"""
import hashlib
import hmac
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import ClassVar

from openedx_xapi_router.core import ids
from openedx_xapi_router.core.errors import ConfigurationError, EventSkipped
from openedx_xapi_router.core.validate import is_valid_agent


@dataclass(frozen=True, slots=True)
class Actor:
    """
    A statement's actor.

    Attributes:
        statement_dict: the actor as it appears in the statement.
        id_json: the actor serialised as the ``tincan`` package's ``Agent.to_json()`` does; the
            statement-id algorithm hashes it.
        valid: whether ``statement_dict`` is a valid xAPI Agent, checked once when the actor is made
            (:func:`~openedx_xapi_router.core.validate.is_valid_agent`): a resolver that caches its
            actors has each checked once, and a statement of a valid actor may be made whole
            (``MADE_WHOLE``). ``statement_dict`` is shared by every statement of the actor: it is
            never changed once made.
    """

    statement_dict: dict
    id_json: str
    valid: bool = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        object.__setattr__(self, "valid", is_valid_agent(self.statement_dict))

    @classmethod
    def account(cls, home_page, name):
        """An Agent identified by an account on ``home_page`` (the LMS) named ``name``."""
        return cls(
            {"objectType": "Agent", "account": {"homePage": home_page, "name": name}},
            ids.account_actor_json(home_page, name),
        )

    @classmethod
    def mbox(cls, email):
        """An Agent identified by ``mailto:`` and an email address."""
        mbox = email if email.startswith("mailto:") else f"mailto:{email}"
        return cls({"objectType": "Agent", "mbox": mbox}, ids.mbox_actor_json(mbox))

    @classmethod
    def mbox_sha1sum(cls, email):
        """An Agent identified by the SHA-1 of its email address (as event-routing-backends hashes it)."""
        digest = hashlib.sha1(email.encode("utf-8")).hexdigest()
        return cls(
            {"objectType": "Agent", "mbox_sha1sum": digest},
            ids.mbox_sha1sum_actor_json(digest),
        )


def _lookup_with_default(mapping, key, what):
    value = mapping.get(key)
    if value is None:
        value = mapping.get("*")
    if value is None:
        raise EventSkipped(None, f"unknown_{what}", f"no {what} mapping for {key!r}")
    return value


class MappingActorResolver:
    """
    Actor ids from a mapping of user id (as a string) or username to account name: the user id is
    looked up first, then the username, then ``"*"`` (every other learner). A learner matched by
    none is ``unknown_user``.

    Every actor resolver is called as ``resolver(user, username)``: ``user`` is the learner's id
    (or their username when the event has no id), ``username`` their username or None.
    """

    #: Its answer for a learner never changes: a context may keep it (``actor_memo``).
    fixed = True

    def __init__(self, home_page, mapping):
        self.home_page = home_page
        self.mapping = {str(key): value for key, value in mapping.items()}

    def names(self, user, username=None):
        """True when the mapping names this learner by id or username (not through ``"*"``)."""
        return str(user) in self.mapping or (username is not None and username in self.mapping)

    def __call__(self, user, username=None):
        name = self.mapping.get(str(user))
        if name is None and username is not None:
            name = self.mapping.get(username)
        if name is None:
            name = _lookup_with_default(self.mapping, str(user), "user")
        return Actor.account(self.home_page, name)


class PseudonymousActorResolver:
    """
    A deterministic pseudonymous account name for each learner: a UUID made from an HMAC-SHA256 of
    the user id (or username) under a site secret. The same learner always gets the same name, and
    the name reveals nothing about the learner without the secret.
    """

    #: Its answer for a learner never changes: a context may keep it (``actor_memo``).
    fixed = True

    def __init__(self, home_page, secret):
        if not secret:
            raise ConfigurationError("PseudonymousActorResolver needs a non-empty secret (XAPI_ROUTER_ACTOR_SECRET)")
        self.home_page = home_page
        self._key = secret.encode("utf-8") if isinstance(secret, str) else secret
        self._cached = lru_cache(maxsize=65536)(self._resolve)

    def _resolve(self, user):
        digest = hmac.new(self._key, user.encode("utf-8"), hashlib.sha256).digest()
        return Actor.account(self.home_page, str(uuid.UUID(bytes=digest[:16], version=4)))

    def __call__(self, user, username=None):
        return self._cached(str(user))


class EmailActorResolver:
    """
    ``mbox`` or ``mbox_sha1sum`` actors, from an injected ``email_lookup(user) -> email or None``.
    A learner with no email is ``unknown_user``.
    """

    def __init__(self, email_lookup, hashed=False):
        self.email_lookup = email_lookup
        self.hashed = hashed

    def __call__(self, user, username=None):
        email = self.email_lookup(user)
        if not email:
            raise EventSkipped(None, "unknown_user", f"no email for user {user!r}")
        return Actor.mbox_sha1sum(email) if self.hashed else Actor.mbox(email)


class MappingCourseNameResolver:
    """Course display names from a mapping of course key to name; ``"*"`` applies to all others."""

    #: Its answer for a course never changes: a context may keep what was made of it (``course_memo``).
    fixed = True

    def __init__(self, mapping):
        self.mapping = dict(mapping)

    def __call__(self, course_id):
        return _lookup_with_default(self.mapping, course_id, "course")


def _no_course_names(course_id):  # pylint: disable=unused-argument
    """No course names known: statements carry the course's id without a display name."""
    return None


_no_course_names.fixed = True


@dataclass(frozen=True)
class TransformContext:
    """
    Everything a transformer may know besides the event.

    Attributes:
        lms_root_url: the LMS's root URL without a trailing slash, e.g. ``https://courses.example.org``;
            object ids and actor home pages are built from it.
        actor_resolver: ``callable(user, username) -> Actor``, ``user`` being the learner's id (or
            username when the event has none) and ``username`` their username or None. Raises
            :class:`~openedx_xapi_router.core.errors.EventSkipped` (``unknown_user``,
            ``retired_user``) for a learner who must not get a statement.
        course_name_resolver: ``callable(course_id) -> display name or None`` (None: no name
            known, the course activity is sent without one). Raises ``EventSkipped``
            (``unknown_course``) for a course that must not get statements (inside the LMS: a
            course the LMS does not know).
        transformer_versions: event name -> pinned transformer version; events not named use the
            newest registered version.
        caliper_actor_resolver: the actor resolver of Caliper events (same call and result as
            ``actor_resolver``; inside the LMS, the external id of type ``caliper``), or None:
            Caliper events then use ``actor_resolver``.
        course_memo: course id -> what transformers made of the course (a bounded memo they fill),
            when ``course_name_resolver`` says its answers never change (a ``fixed`` attribute that
            is True, as :class:`MappingCourseNameResolver`'s); None otherwise (inside the LMS a
            course may be renamed, and the resolver, with its own cache, is asked every time). Not
            a field: each context starts with an empty one.
        context_memo: ``(transformer version, course id, session)`` -> a statement context made
            of the course activity and the base's extensions only (a bounded memo transformers
            fill), kept under the same condition as ``course_memo``: a learner's events of one kind
            in one session share one context dict. Not a field.
        object_memo: ``(usage key, activity type)`` -> the block Activity made and checked for it
            (a bounded memo transformers fill; the block IRI depends on nothing else). Not a field.
        actor_memo: ``(user, username)`` -> the :class:`Actor` ``actor_resolver`` gave (a bounded
            memo transformers fill), when ``actor_resolver`` says its answers never change (a
            ``fixed`` attribute that is True: :class:`PseudonymousActorResolver`,
            :class:`MappingActorResolver` and the two together); None otherwise (the LMS's
            external-id and email resolvers: a learner may be retired, and they are asked every time). A refusal
            (``EventSkipped``) is not kept. Not a field: each context starts with an empty one.
    """

    lms_root_url: str
    actor_resolver: Callable
    course_name_resolver: Callable
    transformer_versions: dict = field(default_factory=dict)
    caliper_actor_resolver: Callable | None = None
    # Not fields (ClassVar): set per instance by __post_init__, declared here for readers and linters.
    course_memo: ClassVar[dict | None]
    context_memo: ClassVar[dict | None]
    object_memo: ClassVar[dict]
    actor_memo: ClassVar[dict | None]

    def __post_init__(self):
        if not self.lms_root_url or not isinstance(self.lms_root_url, str):
            raise ConfigurationError("TransformContext needs lms_root_url, e.g. 'https://courses.example.org'")
        if self.lms_root_url.endswith("/"):
            object.__setattr__(self, "lms_root_url", self.lms_root_url.rstrip("/"))
        if not callable(self.actor_resolver) or not callable(self.course_name_resolver):
            raise ConfigurationError("TransformContext needs callable actor_resolver and course_name_resolver")
        if self.caliper_actor_resolver is not None and not callable(self.caliper_actor_resolver):
            raise ConfigurationError("TransformContext's caliper_actor_resolver must be callable (or None)")
        names_fixed = getattr(self.course_name_resolver, "fixed", False) is True
        object.__setattr__(self, "course_memo", {} if names_fixed else None)
        object.__setattr__(self, "context_memo", {} if names_fixed else None)
        object.__setattr__(self, "object_memo", {})
        actors_fixed = getattr(self.actor_resolver, "fixed", False) is True
        object.__setattr__(self, "actor_memo", {} if actors_fixed else None)
        for name, version in self.transformer_versions.items():
            if not isinstance(version, int) or isinstance(version, bool):
                raise ConfigurationError(
                    f"XAPI_ROUTER_TRANSFORMER_VERSIONS[{name!r}] must be an integer version, got {version!r}"
                )

    @classmethod
    def from_maps(cls, lms_root_url, actor_map=None, course_name_map=None, actor_secret=None, **kwargs):
        """
        A context for use outside the LMS: actors from ``actor_map`` (falling back to pseudonymous
        ids when ``actor_secret`` is given) and course names from ``course_name_map``.
        """
        root = lms_root_url.rstrip("/")
        if actor_map is not None and actor_secret:
            mapped = MappingActorResolver(root, actor_map)
            fallback = PseudonymousActorResolver(root, actor_secret)

            def actor_resolver(user, username=None):
                if mapped.names(user, username) or "*" in mapped.mapping:
                    return mapped(user, username)
                return fallback(user)
            actor_resolver.fixed = True  # as both its resolvers are
        elif actor_map is not None:
            actor_resolver = MappingActorResolver(root, actor_map)
        elif actor_secret:
            actor_resolver = PseudonymousActorResolver(root, actor_secret)
        else:
            raise ConfigurationError("an actor id map or an actor secret is needed to name learners")
        return cls(
            lms_root_url=root,
            actor_resolver=actor_resolver,
            course_name_resolver=(
                MappingCourseNameResolver(course_name_map) if course_name_map is not None else _no_course_names
            ),
            **kwargs,
        )
