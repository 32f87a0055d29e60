"""
The one base class every transformer derives from.

A transformer reads top-down as a declaration::

    @register
    class VideoPlayed(VideoTransformer):
        event_names = ("play_video", "edx.video.played")
        version = 1
        family = "video"
        erb = True
        verb = vocab.PLAYED

        def get_result(self):
            return {"extensions": {Extension.VIDEO_TIME: seconds(self.event.require("currentTime"))}}

:meth:`XapiTransformer.statements` assembles the statement from a fixed set of hooks, always in
the same order, so the same event always gives the same bytes:

``id`` (from verb, actor and timestamp; see :mod:`openedx_xapi_router.core.ids`), ``actor``
(:attr:`actor`), ``verb`` (:meth:`get_verb`), ``object`` (:meth:`get_object`), ``result``
(:meth:`get_result`, left out when None), ``context`` (:meth:`get_context_activities`,
:meth:`get_context_extensions`, :meth:`get_context_extra`), ``timestamp``, ``version``.

A transformer that emits more than one statement (a problem with several questions) overrides
:meth:`child_statements`.

Why one module of this size: it is the one base class (the statement's assembly in a fixed order,
the identity helpers every family uses); splitting it would scatter one statement's shape.
"""

from functools import cached_property

from openedx_xapi_router.core import vocab
from openedx_xapi_router.core.errors import EventSkipped, InvalidEvent
from openedx_xapi_router.core.ids import statement_id
from openedx_xapi_router.core.keys import block_usage_key, parse_course_key
from openedx_xapi_router.core.memo import remember
from openedx_xapi_router.core.validate import XAPI_VERSION as VERSION_RULE
from openedx_xapi_router.core.validate import has_iri_keys, is_activity_id, is_iri, is_valid_activity, is_valid_context
from openedx_xapi_router.core.validate import is_valid_object, is_valid_result
from openedx_xapi_router.core.validate import MADE_CONTEXT, MADE_OBJECT, MADE_RESULT, MADE_TIME, MADE_VERB, MADE_WHOLE
from openedx_xapi_router.core.validate import NOTHING_MADE, validate_statement
from openedx_xapi_router.core.vocab import ActivityType, Extension

PACKAGE_NAME = "openedx-xapi-router"


#: ``(LMS root URL, course key, course name)`` -> the course IRI, of the course activities already
#: checked; forgotten past a bound.
_CHECKED_COURSE_ACTIVITIES = {}
_CHECKED_COURSE_ACTIVITIES_MAX = 50_000

#: How many courses a context's ``course_memo`` keeps before it is emptied.
_COURSE_MEMO_MAX = 50_000

#: How many (transformer version, course, session) contexts a context's ``context_memo`` keeps
#: before it is emptied.
_CONTEXT_MEMO_MAX = 50_000

#: How many block activities a context's ``object_memo`` keeps before it is emptied.
_OBJECT_MEMO_MAX = 65_536

#: How many learners a context's ``actor_memo`` keeps before it is emptied (an Actor is about 1 KB).
_ACTOR_MEMO_MAX = 65_536

#: The context extension keys :meth:`XapiTransformer.get_context` always writes are IRIs (checked once).
BASE_EXTENSION_KEYS_VALID = is_iri(Extension.TRANSFORMER_VERSION) and is_iri(Extension.SESSION_ID)

#: Every vocabulary extension key (:class:`~openedx_xapi_router.core.vocab.Extension`) that is an
#: IRI (all of them: checked once, here). An extensions dict whose keys are a subset is valid by
#: construction, as xAPI does not constrain extension values.
VOCABULARY_EXTENSION_KEYS = frozenset(
    value for name, value in vars(Extension).items() if not name.startswith("_") and is_iri(value))
#: ``VOCABULARY_EXTENSION_KEYS.issuperset``, bound once: cheaper than ``keys() <=`` (no view per test).
_vocabulary_keys_cover = VOCABULARY_EXTENSION_KEYS.issuperset

#: The ``version`` every statement carries is a valid one (checked once).
_VERSION_VALID = VERSION_RULE.ok(vocab.XAPI_VERSION)


def _version_text(event_name, version):
    """``openedx-xapi-router/<event name>@<version>`` (each class keeps its own per name: ``_version_texts``)."""
    return f"{PACKAGE_NAME}/{event_name}@{version}"


def event_user_key(event):
    """
    :attr:`XapiTransformer.user_key` of ``event``: ``(user id or username, username or None)`` of
    the payload's user when it names one, else of the acting (context) user; ``(None, None)`` when
    neither is known. An empty user id is none; a username is a non-empty str or none.
    """
    data = event.data
    if "user_id" in data or "username" in data:
        user_id, username = data.get("user_id"), data.get("username")
        if (user_id is None or user_id == "") and not (isinstance(username, str) and username):
            user_id, username = event.user_id, event.username  # the payload names no usable user
    else:
        user_id, username = event.user_id, event.username
    username = username if isinstance(username, str) and username else None
    if user_id is not None and user_id != "":
        return user_id, username
    return username, username


def _remember_course_activity(key, iri):
    remember(_CHECKED_COURSE_ACTIVITIES, key, iri, _CHECKED_COURSE_ACTIVITIES_MAX)
    return True


class memoized_property(cached_property):  # pylint: disable=invalid-name
    """
    ``functools.cached_property`` without the lock Python 3.11 takes on every first access: a
    transformer instance lives for one event in one thread. The value is computed once and stored
    in the instance's ``__dict__``, which then shadows this (non-data) descriptor.
    """

    def __get__(self, instance, owner=None):
        if instance is None:
            return self
        value = self.func(instance)
        # setattr, not ``instance.__dict__[name] = value``: Python 3.11 keeps an instance's
        # attributes inline until its ``__dict__`` is asked for, which then builds the dict (about
        # 2,000 instructions) and makes every later attribute access of the instance dearer.
        setattr(instance, self.attrname, value)
        return value


def drop_none(mapping):
    """``mapping`` without its None values (an absent optional field is left out, never sent as null)."""
    return {key: value for key, value in mapping.items() if value is not None}


class Transformer:
    """
    What every transformer shares, whatever its output format: the declaration the registry reads
    (``event_names``, ``version``, ``opt_in``, ``family``, ``erb``, ``output_format``,
    ``contract``; see :class:`XapiTransformer`) and the event it is given.
    """

    event_names = ()
    version = 1
    opt_in = False
    family = None
    erb = None
    output_format = None
    contract = None

    def __init__(self, event, ctx):
        self.event = event
        self.ctx = ctx
        self.event_name = event.name
        #: ``id()`` of the parts of this event's statements built from already-checked pieces (see
        #: :meth:`XapiTransformer.course_activity`); the pipeline passes them to the check as a shortcut.
        self.trusted_parts = set()


class XapiTransformer(Transformer):
    """
    Turns one :class:`~openedx_xapi_router.core.event.TrackingEvent` into xAPI statements.

    Class attributes (the declaration):
        event_names: every event name this transformer handles (legacy and ``edx.*`` aliases).
        version: this transformer's own version. Bump it when the output for the same input
            changes; register the new class beside the old one when consumers need the old output.
        verb: the :class:`~openedx_xapi_router.core.vocab.Verb` of its statements (or override
            :meth:`get_verb` when it depends on the event).
        opt_in: True for a version offered beside the default one and used only where a site pins
            it (``XAPI_ROUTER_TRANSFORMER_VERSIONS``); the registry never chooses it by default.
        family: the family the transformer belongs to (by convention its module's name:
            ``"video"``, ``"forum"``); the generated docs group by it. No default: the registry
            refuses a class that does not say.
        erb: True when event-routing-backends transforms these events too (the statements must
            then equal ERB's), False for the events only this plugin transforms
            (``docs/beyond_erb.rst``; sent by default, see
            :mod:`~openedx_xapi_router.core.event_names`). No default: the registry refuses a
            class that does not say.
        output_format: ``"xapi"``; a Caliper transformer's base class says ``"caliper"``.
        contract: the producer contract (:mod:`openedx_xapi_router.core.contract`).

    Instance attributes:
        event: the :class:`~openedx_xapi_router.core.event.TrackingEvent` being transformed.
        ctx: the :class:`~openedx_xapi_router.core.context.TransformContext`.
        event_name: the name the event came in under (one of ``event_names``).
    """

    verb = None
    output_format = "xapi"
    #: ``id()`` of the parts of this event's statements built from already-checked pieces (see
    #: :meth:`course_activity`); the check skips them. None listed until :meth:`trust` lists one (a
    #: frozenset: most events list none, their contexts being made, and need no set of their own).
    trusted_parts = frozenset()

    #: Set per class (``__init_subclass__``): whether it keeps the base's :meth:`get_verb`,
    #: :meth:`get_context_extra`, :meth:`extra_context_extensions` and :meth:`child_statements` (then
    #: the assembly skips the call), :meth:`get_context_activities` (then :meth:`get_context` runs it
    #: inline) and :meth:`get_context_extensions` (then the context can be the made one).
    _own_verb = _no_context_extra = _no_extra_extensions = _no_children = True
    _base_activities = _base_extensions = True
    #: Set per class: its context is the base's own (course activity, version and session extensions
    #: only), a function of the transformer version, the course and the session: kept in the
    #: context's ``context_memo`` (:meth:`get_context`).
    _plain_context = True
    #: Set per class: event name -> :attr:`transformer_version` of this class (filled as names come).
    _version_texts = {}

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        cls._base_activities = cls.get_context_activities is XapiTransformer.get_context_activities
        cls._base_extensions = cls.get_context_extensions is XapiTransformer.get_context_extensions
        cls._own_verb = cls.get_verb is XapiTransformer.get_verb
        cls._no_context_extra = cls.get_context_extra is XapiTransformer.get_context_extra
        cls._no_extra_extensions = cls.extra_context_extensions is XapiTransformer.extra_context_extensions
        cls._no_children = cls.child_statements is XapiTransformer.child_statements
        cls._version_texts = {}
        cls._plain_context = cls._base_activities and cls._base_extensions and cls._no_extra_extensions and \
            cls._no_context_extra and cls.get_context is XapiTransformer.get_context

    def __init__(self, event, ctx):  # pylint: disable=super-init-not-called
        # Transformer.__init__'s attributes, set here without the extra call (one instance per event).
        self.event = event
        self.ctx = ctx
        self.event_name = name = event.name
        #: What this instance made by construction, for the check to take as made (see
        #: :func:`~openedx_xapi_router.core.validate.validate_statement`): at ``MADE_TIME`` the
        #: timestamp its statements carry (a ``datetime.isoformat()``); at ``MADE_VERB``,
        #: ``MADE_OBJECT``, ``MADE_CONTEXT`` and ``MADE_RESULT`` the statement's verb, object, context
        #: and result dicts when made from parts already checked (a checked vocabulary Verb's own dict,
        #: a block IRI found valid, the base's context of a trusted course activity and IRI extension
        #: keys, a score made in range); at ``MADE_WHOLE`` the statements all of whose parts are made
        #: or found valid (:meth:`take_whole`). A made dict is not changed afterwards: the check would
        #: not see the change. One list, not six attributes: an attribute costs per instance, and
        #: there is one instance per event.
        self.made = [*NOTHING_MADE]
        # :attr:`transformer_version`, set now (every statement carries it): the class's text for the name.
        text = self._version_texts.get(name)
        if text is None:
            text = self._version_texts[name] = _version_text(name, self.version)
        self.transformer_version = text

    # --- identity -----------------------------------------------------------------------------

    @memoized_property
    def transformer_version(self):
        """
        ``openedx-xapi-router/<event name>@<transformer version>``: what made the statement, without
        the package version (a release that does not change a transformer changes no statement byte).
        """
        return _version_text(self.event_name, self.version)

    def validate(self, statement):
        """Raise :class:`~openedx_xapi_router.core.errors.InvalidStatement` unless ``statement`` is valid xAPI 1.0.3."""
        validate_statement(statement, self.transformer_version, self.trusted_parts, self.made)

    # --- building blocks ------------------------------------------------------------------------

    def iri(self, kind, object_id):
        """``<LMS root>/<kind>/<object_id>``, the form of every object id Open edX statements use."""
        return f"{self.ctx.lms_root_url}/{kind}/{object_id}"

    def block_iri(self, usage_key):
        """The IRI of an XBlock: ``<LMS root>/xblock/<usage key>``."""
        return f"{self.ctx.lms_root_url}/xblock/{usage_key}"

    def activity(self, iri, activity_type, extensions=None):
        """
        The Activity ``iri`` of ``activity_type`` (no name), with the definition ``extensions`` when
        given. Valid when its IRI and type are (two cached tests) and the extension keys are
        vocabulary ones (:data:`VOCABULARY_EXTENSION_KEYS`): then it is the made object
        (:attr:`made`), and the check takes it as made when it is the statement's object.
        """
        if extensions is None:
            activity = {"id": iri, "objectType": "Activity", "definition": {"type": activity_type}}
        else:
            activity = {"id": iri, "objectType": "Activity",
                        "definition": {"type": activity_type, "extensions": extensions}}
            if not _vocabulary_keys_cover(extensions):
                return activity
        if is_activity_id(iri) and is_iri(activity_type):
            self.made[MADE_OBJECT] = activity
        return activity

    def vocabulary_result(self, extensions, completion=None):
        """
        The result ``{"completion": completion, "extensions": extensions}`` (without ``completion``
        when it is None). The made result (:attr:`made`) when ``completion`` is a bool and every
        extension key a vocabulary one (:data:`VOCABULARY_EXTENSION_KEYS`; the values are any
        JSON): nothing else in it has a rule to check.
        """
        if completion is None:
            result = {"extensions": extensions}
        else:
            result = {"completion": completion, "extensions": extensions}
            if completion.__class__ is not bool:
                return result
        if _vocabulary_keys_cover(extensions):
            self.made[MADE_RESULT] = result
        return result

    def block_activity(self, usage_key, activity_type):
        """
        The XBlock ``usage_key`` (a str) as an Activity of ``activity_type`` (no name):
        :meth:`activity`. A made one is kept in the context's ``object_memo`` and is the object of
        the block's next statements (made once, never changed afterwards).
        """
        memo = self.ctx.object_memo
        key = (usage_key, activity_type)
        activity = memo.get(key)
        if activity is not None:
            self.made[MADE_OBJECT] = activity
            return activity
        # block_iri(usage_key), inlined: most statements' object is a block
        activity = self.activity(f"{self.ctx.lms_root_url}/xblock/{usage_key}", activity_type)
        if activity is self.made[MADE_OBJECT]:
            remember(memo, key, activity, _OBJECT_MEMO_MAX)
        return activity

    def course_block_key(self, block_type, block_id):
        """
        The usage key of block ``block_id`` of ``block_type`` in the event's course, in the form
        the course's keys take (``block-v1:``, ``ccx-block-v1:`` or the old ``i4x://``; see
        :mod:`openedx_xapi_router.core.keys`). Raises :class:`InvalidEvent` when the event has no course.
        """
        course_id = self.event.course_id  # event.course_key, without the property's call
        course_key = parse_course_key(course_id) if course_id else None
        if course_key is None:
            raise InvalidEvent(self.event_name, "context.course_id", "required field is missing or empty",
                               kind="missing_field")
        return block_usage_key(course_key, block_type, block_id)

    def course_iri(self, course_id=None):
        """The IRI of a course: ``<LMS root>/course/<course key>`` (the event's course by default)."""
        return f"{self.ctx.lms_root_url}/course/{course_id or self.event.course_id}"

    @property
    def user_key(self):
        """
        Who the statement is about, as ``(user id or username, username or None)``: the event's own
        data user when it names one (an instructor enrolling a learner acts for that learner), else
        the acting (context) user. The key prefers the user id to the username, as ids survive
        retirement and renames; the username of the same learner comes along for resolvers that map
        usernames. ``(None, None)`` for an anonymous event.
        """
        return event_user_key(self.event)

    #: :attr:`actor` once found (None until then): a plain attribute, read by :meth:`statements`
    #: without a descriptor's call.
    _actor = None

    @property
    def actor(self):
        """
        The statement's :class:`~openedx_xapi_router.core.context.Actor`; anonymous learners are
        skipped. Kept in the context's ``actor_memo`` when it has one (its resolver's answers never
        change), so a learner's next events do not ask the resolver. Found once per instance.
        """
        return self._actor or self._find_actor()

    def _find_actor(self):
        """
        The actor of :attr:`user_key`, kept as ``_actor``: from the context's ``actor_memo``, or
        asked of its resolver.
        """
        key = event_user_key(self.event)  # self.user_key, without the property's call
        memo = self.ctx.actor_memo
        if memo is not None:
            try:
                actor = memo.get(key)
            except TypeError:  # a user id that is not hashable (any JSON an event holds): not kept
                memo = None
            else:
                if actor is not None:
                    self._actor = actor
                    return actor
        user, username = key
        if user is None:
            raise EventSkipped(self.event_name, "anonymous")
        try:
            actor = self.ctx.actor_resolver(user, username)
        except EventSkipped as skipped:
            skipped.event_name = self.event_name
            raise
        if memo is not None:
            remember(memo, key, actor, _ACTOR_MEMO_MAX)
        self._actor = actor
        return actor

    @memoized_property
    def course_name(self):
        """The display name of the event's course, from the injected resolver (None: not known)."""
        memo = self.ctx.course_memo
        known = memo.get(self.event.course_id) if memo is not None else None
        if known is not None:
            return known[1]
        try:
            return self.ctx.course_name_resolver(self.event.course_id)
        except EventSkipped as skipped:
            skipped.event_name = self.event_name
            raise

    def course_activity(self):
        """
        The event's course as an Activity (the usual parent in ``contextActivities``). Its content is
        checked once per (course, name), and the dict is then listed in :attr:`trusted_parts` so the
        statement check need not check it again.
        """
        activity, trusted = self._course_activity()
        if trusted:
            self.trust(activity)
        return activity

    def trust(self, part):
        """List ``part`` (a dict built from already-checked pieces) in :attr:`trusted_parts`."""
        self.trusted_parts = self.trusted_parts | {id(part)}

    def _course_activity(self):
        """
        :meth:`course_activity`'s activity and whether it is trusted (its content checked), not yet
        listed in :attr:`trusted_parts` (:meth:`get_context` lists it only when its context is not made).

        When the context keeps a ``course_memo`` (its course names never change), the activity
        checked there is the one every statement of the course holds (made once, never changed
        afterwards: nothing downstream changes a statement's parts), without asking the resolver;
        otherwise a fresh dict each time.
        """
        course_id = self.event.course_id
        memo = self.ctx.course_memo
        known = memo.get(course_id) if memo is not None else None
        if known is not None:  # (activity, name) of an activity already checked
            return known[0], True
        name = self.course_name
        key = (self.ctx.lms_root_url, course_id, name)
        iri = _CHECKED_COURSE_ACTIVITIES.get(key)
        trusted = iri is not None
        if not trusted:
            iri = self.course_iri(course_id)
        definition = {"type": ActivityType.COURSE} if name is None else \
            {"type": ActivityType.COURSE, "name": {vocab.EN_US: name}}
        activity = {"id": iri, "objectType": "Activity", "definition": definition}
        trusted = trusted or (is_valid_activity(activity) and _remember_course_activity(key, iri))
        if trusted and memo is not None:
            remember(memo, course_id, (activity, name), _COURSE_MEMO_MAX)
        return activity, trusted

    # --- hooks --------------------------------------------------------------------------------

    def get_verb(self):
        """The statement's verb; :attr:`verb` unless overridden."""
        return self.verb

    def get_object(self):
        """The statement's object (a dict). Every transformer defines it."""
        raise NotImplementedError(f"{type(self).__qualname__} must define get_object()")

    def get_result(self):
        """The statement's result (a dict), or None for no result."""
        return None

    def get_context_activities(self):
        """``context.contextActivities``: the course as parent when the event has a course."""
        if self.event.course_id:
            return {"parent": [self.course_activity()]}
        return None

    def get_context_extensions(self):
        """``context.extensions``: transformer version, session id, then :meth:`extra_context_extensions`."""
        extensions = {Extension.TRANSFORMER_VERSION: self.transformer_version}
        session = self.event.session
        if session:
            extensions[Extension.SESSION_ID] = session
        if not self._no_extra_extensions:
            extra = self.extra_context_extensions()
            if extra:
                extensions.update(extra)
        return extensions

    def extra_context_extensions(self):
        """More context extensions for this event type; {} by default."""
        return {}

    def get_context_extra(self):
        """Other ``context`` keys (``statement``, ``registration``, ...); {} by default."""
        return {}

    def get_context(self):
        """
        The statement's context: ``contextActivities`` (:meth:`get_context_activities`, left out
        when empty), ``extensions`` (:meth:`get_context_extensions`), then :meth:`get_context_extra`.
        """
        # A class that keeps the base's get_context_activities gets its body here, inline: the same
        # dicts, a call fewer on nearly every event.
        # ``made``: every part is valid by construction (the base's own parts, a trusted course
        # activity, extension keys found IRIs; extension values are not checked), so the context is
        # the made one (:attr:`made`). A subclass's activities, extensions hook or extra keys end that;
        # the trusted course activity of a context not made is listed in :attr:`trusted_parts`.
        event = self.event
        memo = self.ctx.context_memo if self._plain_context else None
        if memo is not None:  # the same course and session: the context already made (never changed)
            key = (self.transformer_version, event.course_id, event.session)
            try:
                context = memo.get(key)
            except TypeError:  # a session that is not hashable (any JSON an event holds): not kept
                memo = None
            else:
                if context is not None:
                    self.made[MADE_CONTEXT] = context
                    return context
        trusted = False
        if not self._base_activities:
            activities = self.get_context_activities()
            context = {"contextActivities": activities} if activities else {}
            made = not activities  # a subclass's activities are not made; none is nothing to check
        elif event.course_id:
            activity, trusted = self._course_activity()
            context = {"contextActivities": {"parent": [activity]}}
            made = trusted
        else:
            context = {}
            made = True
        extensions = context["extensions"] = self.get_context_extensions()
        if not self._base_extensions:
            made = False
        elif not self._no_extra_extensions:  # a subclass's extra extensions: made when their keys are IRIs
            made = made and has_iri_keys(extensions)
        if not self._no_context_extra:
            extra = self.get_context_extra()
            if extra:
                context.update(extra)
                made = False
        if made and BASE_EXTENSION_KEYS_VALID:
            self.made[MADE_CONTEXT] = context
            if memo is not None:
                remember(memo, key, context, _CONTEXT_MEMO_MAX)
        elif trusted:
            self.trust(activity)
        return context

    def child_statements(self, parent):  # pylint: disable=unused-argument
        """Statements that follow ``parent`` for the same event (one per question, ...); none by default."""
        return []

    # --- assembly -----------------------------------------------------------------------------

    def statement_id(self, verb, child_id=None):
        """The deterministic id of this event's statement with ``verb`` (and ``child_id``)."""
        return statement_id(verb.id_json, self.actor.id_json, self.event.timestamp, child_id)

    def take_whole(self, statement):
        """
        Hand ``statement`` to the check as made whole (``MADE_WHOLE``) when every part of it is valid:
        its id (:meth:`statement_id`) and timestamp (:attr:`made`'s) by construction, its actor
        checked when made (:class:`~openedx_xapi_router.core.context.Actor`'s ``valid``), its
        verb the made one, its version the checked one, and its object, context and result (when it
        has one) the made ones or found valid here by the check's own walks
        (:func:`~openedx_xapi_router.core.validate.is_valid_object`, ``is_valid_context``,
        ``is_valid_result``). The check then takes the very statement with one test: like every made
        dict, it must not be changed afterwards (nothing between the assembly and the check does).
        """
        made = self.made
        result = statement.get("result", made)  # ``made``: no result
        if result is not made and result is not made[MADE_RESULT] and not is_valid_result(result):
            return
        if statement["verb"] is not made[MADE_VERB] or not (self._actor or self.actor).valid or not _VERSION_VALID:
            return
        part = statement["object"]
        if part is not made[MADE_OBJECT] and not is_valid_object(part):
            return
        part = statement["context"]
        if part is made[MADE_CONTEXT] or is_valid_context(part, self.trusted_parts):
            made[MADE_WHOLE] += (statement,)

    def statements(self):
        """
        The statements for this event, parent first.

        Raises:
            EventSkipped: anonymous learner, unknown or retired user, unknown course.
            InvalidEvent: a field the statement needs is missing or malformed.
        """
        verb = self.verb if self._own_verb else self.get_verb()
        actor = self._actor or self._find_actor()
        event = self.event
        made = self.made
        made_id = statement_id(verb.id_json, actor.id_json, event.timestamp)  # a UUID by construction
        if verb.valid:  # the verb's own dict, checked once: shared by every statement with this verb
            made[MADE_VERB] = verb.statement_dict
        statement = {
            "id": made_id,
            "actor": actor.statement_dict,
            "verb": verb.statement_dict,
            "object": self.get_object(),
        }
        result = self.get_result()  # pylint: disable=assignment-from-none
        if result:
            statement["result"] = result
        statement["context"] = self.get_context()
        # The parsed time re-written in ISO 8601 (``+00:00``, not ``Z``), as the reference statements
        # (tincan) write it; the id above still hashes the timestamp string as given.
        statement["timestamp"] = made[MADE_TIME] = event.iso_time
        statement["version"] = vocab.XAPI_VERSION
        self.take_whole(statement)
        if self._no_children:
            return [statement]
        children = self.child_statements(statement)
        return [statement, *children] if children else [statement]
