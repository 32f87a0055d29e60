"""
The router's settings: one typed table of every ``XAPI_ROUTER_*`` Django setting, and the object
that reads them.

Each setting is declared once, below, as an attribute of :class:`RouterSettings`: its name, the
types it takes, its default, whether the LMS's YAML configuration (``ENV_TOKENS``) may set it
(:mod:`openedx_xapi_router.settings.production`), and whether its value is a secret or makes
statements or logs carry personal data. The Open edX setting and toggle annotations (read by
code-annotations, as edx-toggles documents them) sit right above each declaration; the test
``tests/test_conf.py`` proves the annotations and the table agree.

Read a setting through :data:`router_settings`::

    from openedx_xapi_router.conf import router_settings

    if router_settings.LOG_STATEMENTS:
        ...

Every read looks at ``django.conf.settings`` again (``override_settings`` takes effect at once) and
gives the table's default when the setting is absent. ``settings_of(module)`` reads an LMS settings
module being built (the plugin settings). A read does not check the value's type (it is on the
live path): system check ``xapi_router.E011`` reports a value of the wrong type at start-up, and
``xapi_router.W010`` a name that is not in the table.

Why one module of this size: it is the one table of settings, and most of its lines are each
setting's annotation beside its entry (code-annotations reads them there).
"""
import copy
from typing import Any, Generic, TypeVar

from django.conf import settings as django_settings

from openedx_xapi_router.delivery.policy import DEFAULT_BACKOFF_BASE, DEFAULT_BACKOFF_MAX

T = TypeVar("T")

#: The prefix of every setting of the router.
PREFIX = "XAPI_ROUTER_"

_MISSING = object()


class Setting(Generic[T]):
    """
    One ``XAPI_ROUTER_*`` setting, declared as an attribute of :class:`RouterSettings`.

    Attributes:
        name: the Django setting's name, ``XAPI_ROUTER_<attribute name>``.
        types: the types a value may have (``type(None)`` when None is allowed).
        default: the value when the setting is absent (copied on each read when it is mutable).
        overridable: True when the LMS's YAML configuration (``ENV_TOKENS``) may set it.
        secret: True when the value is a secret (never logged, shown or put in task arguments).
        personal_data: True when some value makes statements or log lines carry personal data.
    """

    def __init__(self, name, types, default, *, overridable=True, secret=False, personal_data=False):
        if not name.startswith(PREFIX):
            raise ValueError(f"a router setting's name starts with {PREFIX}: {name!r}")
        self.name = name
        self.types = types if isinstance(types, tuple) else (types,)
        self.default = default
        self.overridable = overridable
        self.secret = secret
        self.personal_data = personal_data
        self._mutable = isinstance(default, (list, dict, set))

    def __set_name__(self, owner, attribute):
        if PREFIX + attribute != self.name:
            raise ValueError(f"{owner.__name__}.{attribute} must declare {PREFIX}{attribute}, not {self.name}")

    def __get__(self, instance, owner=None) -> T:
        if instance is None:
            return self  # the declaration itself: RouterSettings.LOG_STATEMENTS.default
        source = instance._source  # one getattr per read: the live path reads settings for every event
        value = getattr(django_settings if source is None else source, self.name, _MISSING)
        return self.fresh_default() if value is _MISSING else value

    def __set__(self, instance, value):
        raise AttributeError(f"{self.name} is a Django setting: set it in the settings (or override_settings)")

    @property
    def is_toggle(self):
        """True for a boolean setting (annotated as a toggle, not as a setting)."""
        return self.types == (bool,)

    def fresh_default(self):
        """The default, as a new object when it is mutable (so no caller can change the table's)."""
        return copy.deepcopy(self.default) if self._mutable else self.default

    def type_problem(self, value):
        """
        Why ``value`` cannot be this setting's (its type is not one of :attr:`types`), or None. A
        bool is not a number here. The message shows the value unless the setting is a secret.
        """
        if isinstance(value, self.types) and (bool in self.types or not isinstance(value, bool)):
            return None
        names = [kind.__name__.replace("NoneType", "None") for kind in self.types]
        expected = " or ".join([", ".join(names[:-1]), names[-1]] if len(names) > 2 else names)
        shown = "a secret value" if self.secret else repr(value)
        kind = type(value).__name__
        return f"{self.name} is {shown} ({'an' if kind[0] in 'aeiou' else 'a'} {kind}); it must be {expected}"

    def __repr__(self):
        return f"<Setting {self.name} default={self.default!r}>"


class RouterSettings:
    """
    Typed access to the router's settings in ``source`` (``django.conf.settings`` by default).

    An attribute that is not declared here raises AttributeError naming the known settings.
    """

    def __init__(self, source=None):
        self._source = source

    @classmethod
    def table(cls):
        """Every declared :class:`Setting`, in declaration order."""
        return tuple(value for value in vars(cls).values() if isinstance(value, Setting))

    def __getattr__(self, attribute):
        # Only called for names that are not declared: a typo, or a setting missing from the table.
        raise AttributeError(
            f"{PREFIX}{attribute} is not a setting of the xAPI router (openedx_xapi_router.conf); "
            f"the settings are: {', '.join(setting.name for setting in self.table())}"
        )

    # .. toggle_name: XAPI_ROUTER_ENABLED
    # .. toggle_implementation: DjangoSetting
    # .. toggle_default: False
    # .. toggle_description: Turns the xAPI router on. While False the router adds no event-tracking
    #   backend, so no tracking event is transformed or sent. Set it True (for instance in the LMS's
    #   YAML configuration) once at least one LRS is configured. When True, the app's ``ready()`` puts the
    #   backend back if the settings lost it after plugin settings ran (logged; check ``xapi_router.E008``).
    # .. toggle_use_cases: open_edx
    # .. toggle_creation_date: 2026-11-26
    ENABLED: Setting[bool] = Setting("XAPI_ROUTER_ENABLED", bool, False)

    # .. setting_name: XAPI_ROUTER_BACKEND_NAME
    # .. setting_default: "xapi_router"
    # .. setting_description: The key under which the router's backend is added to
    #   ``EVENT_TRACKING_BACKENDS``. Change it only if another backend already uses that key.
    BACKEND_NAME: Setting[str] = Setting("XAPI_ROUTER_BACKEND_NAME", str, "xapi_router")

    # .. setting_name: XAPI_ROUTER_TRANSFORMER_VERSIONS
    # .. setting_default: {}
    # .. setting_description: Pins the transformer version used for an event name, as
    #   ``{"edx.video.played": 1}``. Events not named use the newest registered version.
    TRANSFORMER_VERSIONS: Setting[dict] = Setting("XAPI_ROUTER_TRANSFORMER_VERSIONS", dict, {})

    # .. setting_name: XAPI_ROUTER_ALLOWED_EVENT_NAMES
    # .. setting_default: None
    # .. setting_description: The tracking event names the router transforms and sends. None (the
    #   default) means the safe default names, ``openedx_xapi_router.core.event_names.DEFAULT_EVENT_NAMES``:
    #   event-routing-backends' own default allow-list plus the events it does not transform whose
    #   statements pass the Open edX Aspects contract test (docs/aspects.rst lists them and the
    #   Aspects tables each one feeds). ``"*"`` means every event name that has a registered
    #   transformer. A list means exactly those names (to widen the default, list it too:
    #   ``[*DEFAULT_EVENT_NAMES, "edx.grades.problem.submitted"]``). ``manage.py lms
    #   xapi_router_event_names`` prints the names the current value sends. For Caliper endpoints
    #   None means event-routing-backends' default Caliper allow-list
    #   (``openedx_xapi_router.core.event_names.ERB_DEFAULT_CALIPER_EVENT_NAMES``).
    ALLOWED_EVENT_NAMES: Setting[list | tuple | str | None] = Setting(
        "XAPI_ROUTER_ALLOWED_EVENT_NAMES", (list, tuple, frozenset, set, str, type(None)), None,
    )

    # .. setting_name: XAPI_ROUTER_CELERY_QUEUE
    # .. setting_default: None
    # .. setting_description: The Celery queue for delivery tasks. None means the dedicated queue
    #   ``edx.lms.core.xapi_router``, so delivery never delays the LMS's other tasks: run a worker for
    #   it (``celery worker -Q edx.lms.core.xapi_router``; see README, "Live delivery").
    CELERY_QUEUE: Setting[str | None] = Setting("XAPI_ROUTER_CELERY_QUEUE", (str, type(None)), None)

    # .. toggle_name: XAPI_ROUTER_PUBLISH_IN_BACKGROUND
    # .. toggle_implementation: DjangoSetting
    # .. toggle_default: False
    # .. toggle_description: False (the default) publishes each event's delivery task in the
    #   request, before the backend's ``send`` returns: nothing is held in memory, so a process
    #   killed at any moment (SIGKILL, OOM) loses nothing it had accepted, and a broker outage turns
    #   the statements into dead letters before the request goes on. It costs one Celery publish per
    #   event in the request (about 0.4-0.5 ms on Redis). True publishes from a thread of the LMS
    #   process instead, so a request only pays for the transformation; SIGTERM and a clean exit
    #   still publish what the thread holds (a gunicorn worker's SIGTERM, the master's graceful stop,
    #   is a clean exit: keep ``--graceful-timeout`` above the 10 s the flush may take).
    # .. toggle_warning: With True, the statements of events handed to the thread but not yet
    #   published are LOST, without a dead letter, when the LMS process is killed hard (SIGKILL, the
    #   OOM killer, a crash; no gunicorn hook runs then). Measured by the chaos suite with gunicorn
    #   (docs/chaos.rst): every worker SIGKILLed 5 times while requests flowed lost 27 of 4,646
    #   answered events' statements on Redis, 20 of 3,999 on RabbitMQ; a worker killed in its first
    #   seconds lost every event it had answered (42 of 42), as its thread's first publish waits for
    #   a broker connection. See docs/decisions/0002-lms-publishing-durability.rst.
    # .. toggle_use_cases: open_edx
    # .. toggle_creation_date: 2026-11-26
    PUBLISH_IN_BACKGROUND: Setting[bool] = Setting("XAPI_ROUTER_PUBLISH_IN_BACKGROUND", bool, False)

    # .. setting_name: XAPI_ROUTER_DEAD_LETTER_ALERT_THRESHOLD
    # .. setting_default: 1000
    # .. setting_description: When an endpoint's pending dead letters reach this count, each new
    #   dead letter logs an error and sets the ``xapi_router.dead_letters_pending`` monitoring
    #   attribute. 0 turns the alert off.
    DEAD_LETTER_ALERT_THRESHOLD: Setting[int] = Setting("XAPI_ROUTER_DEAD_LETTER_ALERT_THRESHOLD", int, 1000)

    # .. setting_name: XAPI_ROUTER_RETRY_BACKOFF_BASE
    # .. setting_default: 2.0
    # .. setting_description: Seconds before the first retry of a batch an LRS failed retryably
    #   (5xx, 429, timeout, connection error); each further retry waits twice as long (with jitter,
    #   and never less than the LRS's ``Retry-After``), up to ``XAPI_ROUTER_RETRY_BACKOFF_MAX``.
    RETRY_BACKOFF_BASE: Setting[float] = Setting("XAPI_ROUTER_RETRY_BACKOFF_BASE", (float, int), DEFAULT_BACKOFF_BASE)

    # .. setting_name: XAPI_ROUTER_RETRY_BACKOFF_MAX
    # .. setting_default: 600.0
    # .. setting_description: The longest wait, in seconds, between two retries of a batch.
    RETRY_BACKOFF_MAX: Setting[float] = Setting("XAPI_ROUTER_RETRY_BACKOFF_MAX", (float, int), DEFAULT_BACKOFF_MAX)

    # .. setting_name: XAPI_ROUTER_ENCRYPTION_KEYS
    # .. setting_default: []
    # .. setting_description: Fernet keys that encrypt LRS credentials stored in the database. The
    #   first key encrypts; every key is tried to decrypt, so a new key is added first and an old one
    #   removed once everything is re-encrypted. Empty means the LMS's ``SECRET_KEY`` is used.
    # .. setting_warning: Secrets: keep them out of version control and logs. A key removed while
    #   credentials are still encrypted with it makes those credentials unreadable (``xapi_router.E009``).
    ENCRYPTION_KEYS: Setting[list] = Setting("XAPI_ROUTER_ENCRYPTION_KEYS", (list, tuple), [], secret=True)

    # .. toggle_name: XAPI_ROUTER_ALLOW_INSECURE_HTTP
    # .. toggle_implementation: DjangoSetting
    # .. toggle_default: False
    # .. toggle_description: Allows LRS endpoints with plain ``http://`` URLs. Keep it False in
    #   production: credentials would travel in clear text. Development and tests set it True to
    #   talk to a local Ralph.
    # .. toggle_use_cases: open_edx
    # .. toggle_creation_date: 2026-11-26
    ALLOW_INSECURE_HTTP: Setting[bool] = Setting("XAPI_ROUTER_ALLOW_INSECURE_HTTP", bool, False)

    # .. setting_name: XAPI_ROUTER_ACTOR_SECRET
    # .. setting_default: None
    # .. setting_description: The secret from which pseudonymous actor ids are derived (an HMAC of
    #   the learner id). The same secret always gives the same id; changing it changes every
    #   learner's id. None means actors are not pseudonymised with a router-specific secret.
    # .. setting_warning: A secret: whoever holds it can tell which learner an actor id names.
    #   Keep it out of version control and logs.
    ACTOR_SECRET: Setting[str | None] = Setting("XAPI_ROUTER_ACTOR_SECRET", (str, type(None)), None, secret=True)

    # .. setting_name: XAPI_ROUTER_LMS_ROOT_URL
    # .. setting_default: None
    # .. setting_description: The root URL that object ids and actor home pages are built from.
    #   None uses the LMS's own ``LMS_ROOT_URL``, which is what event-routing-backends uses, so the
    #   ids stay the same after a switch.
    LMS_ROOT_URL: Setting[str | None] = Setting("XAPI_ROUTER_LMS_ROOT_URL", (str, type(None)), None)

    # .. setting_name: XAPI_ROUTER_ACTOR_ID_SOURCE
    # .. setting_default: "lms_external_id"
    # .. setting_description: How learners are named in statements. ``lms_external_id``: the
    #   learner's external id of type xapi (the id event-routing-backends sends; needs the LMS).
    #   ``pseudonymous``: a UUID derived from the user id with ``XAPI_ROUTER_ACTOR_SECRET``.
    #   ``mbox`` / ``mbox_sha1sum``: the learner's email, plain or hashed (personal data: check
    #   your privacy policy first). Unknown and retired learners get no statement.
    # .. setting_warning: ``mbox`` puts each learner's email address in every statement (and in the
    #   ``xapi_tracking`` log lines while ``XAPI_ROUTER_LOG_STATEMENTS`` is True).
    ACTOR_ID_SOURCE: Setting[str] = Setting("XAPI_ROUTER_ACTOR_ID_SOURCE", str, "lms_external_id", personal_data=True)

    # .. setting_name: XAPI_ROUTER_COURSE_NAME_SOURCE
    # .. setting_default: "lms"
    # .. setting_description: Where course display names come from: ``lms`` (the course overview;
    #   events of a course the LMS does not know get no statement) or ``none`` (statements carry
    #   the course id without a name).
    COURSE_NAME_SOURCE: Setting[str] = Setting("XAPI_ROUTER_COURSE_NAME_SOURCE", str, "lms")

    # .. toggle_name: XAPI_ROUTER_LOG_STATEMENTS
    # .. toggle_implementation: DjangoSetting
    # .. toggle_default: True
    # .. toggle_description: Writes every statement the live path makes to the ``xapi_tracking``
    #   logger (INFO, the statement's JSON as the message), as event-routing-backends does by
    #   default (its ``XAPI_EVENT_LOGGING_ENABLED`` is True). The LMS's log format then gives the
    #   lines Open edX Aspects' Vector reads (``... [xapi_tracking] <file>:<line> - {statement}``;
    #   docs/aspects.rst, "The Vector path"), so a site that switches from event-routing-backends
    #   keeps feeding Aspects. Statements are logged even when no LRS endpoint matches. Set it
    #   False when nothing reads these lines.
    # .. toggle_warning: Statements name learners (actor ids); the log lines then carry them too.
    # .. toggle_use_cases: open_edx
    # .. toggle_creation_date: 2026-11-26
    LOG_STATEMENTS: Setting[bool] = Setting("XAPI_ROUTER_LOG_STATEMENTS", bool, True, personal_data=True)

    # .. toggle_name: XAPI_ROUTER_REDIS_RELIABLE_FETCH
    # .. toggle_implementation: DjangoSetting
    # .. toggle_default: True
    # .. toggle_description: A Celery worker that imports the router's tasks and uses a Redis broker takes
    #   messages with an atomic move into an in-flight list of its own (this module) instead of kombu's
    #   ``BRPOP``, so a worker killed between taking a message and recording it as unacknowledged loses
    #   nothing. Off: kombu's ``BRPOP``; a worker SIGKILLed at that moment loses the message it was
    #   taking (no ``visibility_timeout`` brings it back).
    # .. toggle_use_cases: open_edx
    # .. toggle_creation_date: 2026-12-02
    REDIS_RELIABLE_FETCH: Setting[bool] = Setting("XAPI_ROUTER_REDIS_RELIABLE_FETCH", bool, True)


#: Every setting of the router, in declaration order.
SETTINGS: tuple[Setting[Any], ...] = RouterSettings.table()
#: The settings by Django name.
SETTINGS_BY_NAME: dict[str, Setting[Any]] = {setting.name: setting for setting in SETTINGS}
#: The settings the LMS's YAML configuration (``ENV_TOKENS``) may set.
OVERRIDABLE_SETTINGS: tuple[str, ...] = tuple(setting.name for setting in SETTINGS if setting.overridable)

#: The router's settings in ``django.conf.settings``.
router_settings = RouterSettings()


def settings_of(source):
    """The router's settings in ``source``: an LMS settings module (or any object) being built."""
    return RouterSettings(source)


def type_problems(source):
    """The :meth:`Setting.type_problem` of each setting set in ``source`` with a wrong type, in table order."""
    problems = []
    for setting in SETTINGS:
        value = getattr(source, setting.name, _MISSING)
        problem = None if value is _MISSING else setting.type_problem(value)
        if problem:
            problems.append(problem)
    return problems


def unknown_setting_names(source):
    """The ``XAPI_ROUTER_*`` names set in ``source`` that are not settings of the router (typos), sorted."""
    names = dir(source) if not isinstance(source, dict) else source
    return sorted(name for name in names if name.startswith(PREFIX) and name not in SETTINGS_BY_NAME)
