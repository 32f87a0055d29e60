"""
Default settings of the xAPI router, and the wiring of its event-tracking backend.

Every setting carries Open edX setting or toggle annotations, so the code-annotations tooling
lists it with its default and description.
"""

import logging

log = logging.getLogger(__name__)

TRACKING_BACKEND_ENGINE = "openedx_xapi_router.backends.tracking.XapiRouterBackend"


def plugin_settings(settings):
    """
    Set the defaults of every ``XAPI_ROUTER_*`` setting not already set, then wire the backend.

    Called by the LMS for the ``common`` settings type (and by ``production``/``test`` after they
    apply their overrides). Safe to call more than once.
    """
    # .. toggle_name: XAPI_ROUTER_ENABLED
    # .. toggle_implementation: DjangoSetting
    # .. toggle_default: False
    # .. toggle_description: Turns the xAPI router on. While False the router adds no event-tracking
    #   backend, so no tracking event is transformed or sent. Set it True (for instance in the LMS's
    #   YAML configuration) once at least one LRS is configured. When True, the app's ``ready()`` puts the
    #   backend back if the settings lost it after plugin settings ran (logged; check ``xapi_router.E008``).
    # .. toggle_use_cases: open_edx
    # .. toggle_creation_date: 2026-11-26
    _set_default(settings, "XAPI_ROUTER_ENABLED", False)

    # .. setting_name: XAPI_ROUTER_BACKEND_NAME
    # .. setting_default: "xapi_router"
    # .. setting_description: The key under which the router's backend is added to
    #   ``EVENT_TRACKING_BACKENDS``. Change it only if another backend already uses that key.
    _set_default(settings, "XAPI_ROUTER_BACKEND_NAME", "xapi_router")

    # .. setting_name: XAPI_ROUTER_TRANSFORMER_VERSIONS
    # .. setting_default: {}
    # .. setting_description: Pins the transformer version used for an event name, as
    #   ``{"edx.video.played": 1}``. Events not named use the newest registered version.
    _set_default(settings, "XAPI_ROUTER_TRANSFORMER_VERSIONS", {})

    # .. setting_name: XAPI_ROUTER_ALLOWED_EVENT_NAMES
    # .. setting_default: None
    # .. setting_description: The tracking event names the router transforms and sends. None (the
    #   default) means the safe default names, ``openedx_xapi_router.core.event_names.DEFAULT_EVENT_NAMES``:
    #   event-routing-backends' own default allow-list plus the events it does not transform whose
    #   statements pass the Open edX Aspects contract test (docs/aspects.rst lists them and the
    #   Aspects tables each one feeds). ``"*"`` means every event name that has a registered
    #   transformer. A list means exactly those names (to widen the default, list it too:
    #   ``[*DEFAULT_EVENT_NAMES, "edx.grades.problem.submitted"]``). ``manage.py lms
    #   xapi_router_event_names`` prints the names the current value sends.
    _set_default(settings, "XAPI_ROUTER_ALLOWED_EVENT_NAMES", None)

    # .. setting_name: XAPI_ROUTER_CELERY_QUEUE
    # .. setting_default: None
    # .. setting_description: The Celery queue for delivery tasks. None means the dedicated queue
    #   ``edx.lms.core.xapi_router``, so delivery never delays the LMS's other tasks: run a worker for
    #   it (``celery worker -Q edx.lms.core.xapi_router``; see README, "Live delivery").
    _set_default(settings, "XAPI_ROUTER_CELERY_QUEUE", None)

    # .. toggle_name: XAPI_ROUTER_PUBLISH_IN_BACKGROUND
    # .. toggle_implementation: DjangoSetting
    # .. toggle_default: False
    # .. toggle_description: False (the default) publishes each event's delivery task in the
    #   request, before the backend's ``send`` returns: nothing is held in memory, so a process
    #   killed at any moment (SIGKILL, OOM) loses nothing it had accepted, and a broker outage turns
    #   the statements into dead letters before the request goes on. It costs one Celery publish per
    #   event in the request (about 0.4-0.5 ms on Redis). True publishes from a thread of the LMS
    #   process instead, so a request only pays for the transformation; SIGTERM and a clean exit
    #   still publish what the thread holds.
    # .. toggle_warning: With True, the statements of events handed to the thread but not yet
    #   published (normally a few milliseconds' worth, more while the broker is slow) are LOST,
    #   without a dead letter, when the LMS process is killed hard (SIGKILL, the OOM killer, a
    #   crash). See docs/decisions/0002-lms-publishing-durability.rst.
    # .. toggle_use_cases: open_edx
    # .. toggle_creation_date: 2026-11-26
    _set_default(settings, "XAPI_ROUTER_PUBLISH_IN_BACKGROUND", False)

    # .. setting_name: XAPI_ROUTER_DEAD_LETTER_ALERT_THRESHOLD
    # .. setting_default: 1000
    # .. setting_description: When an endpoint's pending dead letters reach this count, each new
    #   dead letter logs an error and sets the ``xapi_router.dead_letters_pending`` monitoring
    #   attribute. 0 turns the alert off.
    _set_default(settings, "XAPI_ROUTER_DEAD_LETTER_ALERT_THRESHOLD", 1000)

    # .. setting_name: XAPI_ROUTER_RETRY_BACKOFF_BASE
    # .. setting_default: 2.0
    # .. setting_description: Seconds before the first retry of a batch an LRS failed retryably
    #   (5xx, 429, timeout, connection error); each further retry waits twice as long (with jitter,
    #   and never less than the LRS's ``Retry-After``), up to ``XAPI_ROUTER_RETRY_BACKOFF_MAX``.
    _set_default(settings, "XAPI_ROUTER_RETRY_BACKOFF_BASE", 2.0)

    # .. setting_name: XAPI_ROUTER_RETRY_BACKOFF_MAX
    # .. setting_default: 600.0
    # .. setting_description: The longest wait, in seconds, between two retries of a batch.
    _set_default(settings, "XAPI_ROUTER_RETRY_BACKOFF_MAX", 600.0)

    # .. setting_name: XAPI_ROUTER_ENCRYPTION_KEYS
    # .. setting_default: []
    # .. setting_description: Fernet keys that encrypt LRS credentials stored in the database. The
    #   first key encrypts; every key is tried to decrypt, so a new key is added first and an old one
    #   removed once everything is re-encrypted. Empty means the LMS's ``SECRET_KEY`` is used.
    _set_default(settings, "XAPI_ROUTER_ENCRYPTION_KEYS", [])

    # .. toggle_name: XAPI_ROUTER_ALLOW_INSECURE_HTTP
    # .. toggle_implementation: DjangoSetting
    # .. toggle_default: False
    # .. toggle_description: Allows LRS endpoints with plain ``http://`` URLs. Keep it False in
    #   production: credentials would travel in clear text. Development and tests set it True to
    #   talk to a local Ralph.
    # .. toggle_use_cases: open_edx
    # .. toggle_creation_date: 2026-11-26
    _set_default(settings, "XAPI_ROUTER_ALLOW_INSECURE_HTTP", False)

    # .. setting_name: XAPI_ROUTER_ACTOR_SECRET
    # .. setting_default: None
    # .. setting_description: The secret from which pseudonymous actor ids are derived (an HMAC of
    #   the learner id). The same secret always gives the same id; changing it changes every
    #   learner's id. None means actors are not pseudonymised with a router-specific secret.
    _set_default(settings, "XAPI_ROUTER_ACTOR_SECRET", None)

    # .. setting_name: XAPI_ROUTER_LMS_ROOT_URL
    # .. setting_default: None
    # .. setting_description: The root URL that object ids and actor home pages are built from.
    #   None uses the LMS's own ``LMS_ROOT_URL``, which is what event-routing-backends uses, so the
    #   ids stay the same after a switch.
    _set_default(settings, "XAPI_ROUTER_LMS_ROOT_URL", None)

    # .. setting_name: XAPI_ROUTER_ACTOR_ID_SOURCE
    # .. setting_default: "lms_external_id"
    # .. setting_description: How learners are named in statements. ``lms_external_id``: the
    #   learner's external id of type xapi (the id event-routing-backends sends; needs the LMS).
    #   ``pseudonymous``: a UUID derived from the user id with ``XAPI_ROUTER_ACTOR_SECRET``.
    #   ``mbox`` / ``mbox_sha1sum``: the learner's email, plain or hashed (personal data: check
    #   your privacy policy first). Unknown and retired learners get no statement.
    _set_default(settings, "XAPI_ROUTER_ACTOR_ID_SOURCE", "lms_external_id")

    # .. setting_name: XAPI_ROUTER_COURSE_NAME_SOURCE
    # .. setting_default: "lms"
    # .. setting_description: Where course display names come from: ``lms`` (the course overview;
    #   events of a course the LMS does not know get no statement) or ``none`` (statements carry
    #   the course id without a name).
    _set_default(settings, "XAPI_ROUTER_COURSE_NAME_SOURCE", "lms")

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
    _set_default(settings, "XAPI_ROUTER_LOG_STATEMENTS", True)

    add_tracking_backend(settings)


def add_tracking_backend(settings):
    """
    Add the router's backend to ``settings.EVENT_TRACKING_BACKENDS`` while the router is enabled.

    Backends already configured are left exactly as they are; calling this twice leaves exactly
    one router backend. While ``XAPI_ROUTER_ENABLED`` is False nothing is added.
    """
    if not getattr(settings, "XAPI_ROUTER_ENABLED", False):
        return
    backends = getattr(settings, "EVENT_TRACKING_BACKENDS", None)
    if backends is None:
        backends = {}
        settings.EVENT_TRACKING_BACKENDS = backends
    name = settings.XAPI_ROUTER_BACKEND_NAME
    if name in backends:
        return
    backends[name] = {"ENGINE": TRACKING_BACKEND_ENGINE, "OPTIONS": {}}


def ensure_tracking_backend():
    """
    At start-up (the app's ``ready()``), while ``XAPI_ROUTER_ENABLED`` is True: put the router's
    backend back when the settings lost it after plugin settings ran, and log it.

    Two ways it gets lost, both seen in the LMS:

    * event-routing-backends' production plugin settings replace ``EVENT_TRACKING_BACKENDS`` with
      the YAML's when the YAML sets it (``settings.EVENT_TRACKING_BACKENDS =
      settings.ENV_TOKENS.get("EVENT_TRACKING_BACKENDS", ...)``), and plugins run in no set order;
    * a Python settings module sets ``XAPI_ROUTER_ENABLED = True`` after ``from lms.envs.test
      import *`` (or production): the plugin settings already ran with it False.

    The tracker is built from the settings by event-tracking's app (``eventtracking.django``),
    whose ``ready()`` runs before ours (it comes first in the LMS's ``INSTALLED_APPS``, plugins are
    appended): so the backend is also registered on the default tracker when that tracker is
    already built. Returns what was done: ``None`` (nothing to do), ``"settings"`` or
    ``"settings+tracker"``. The system check ``xapi_router.E008`` reports a backend still missing.
    """
    from django.conf import settings  # pylint: disable=import-outside-toplevel

    if not getattr(settings, "XAPI_ROUTER_ENABLED", False):
        return None
    from openedx_xapi_router.checks import count_router_backends  # pylint: disable=import-outside-toplevel

    if count_router_backends(getattr(settings, "EVENT_TRACKING_BACKENDS", None) or {}):
        return None
    _set_default(settings, "XAPI_ROUTER_BACKEND_NAME", "xapi_router")
    add_tracking_backend(settings)
    done = "settings"
    try:
        from eventtracking import tracker  # pylint: disable=import-outside-toplevel
        from eventtracking.django.django_tracker import DjangoTracker  # pylint: disable=import-outside-toplevel
    except ImportError:  # pragma: no cover - event-tracking is a requirement
        tracker = None
    if tracker is not None:
        try:
            default = tracker.get_tracker()
        except KeyError:  # no tracker registered (EVENT_TRACKING_ENABLED is False): the settings will do
            default = None
        if isinstance(default, DjangoTracker) and settings.XAPI_ROUTER_BACKEND_NAME not in default.backends:
            from openedx_xapi_router.backends.tracking import XapiRouterBackend  # pylint: disable=import-outside-toplevel

            default.routing_backend.register_backend(settings.XAPI_ROUTER_BACKEND_NAME, XapiRouterBackend())
            done = "settings+tracker"
    log.warning(
        "xapi_router: XAPI_ROUTER_ENABLED is True but EVENT_TRACKING_BACKENDS had no xAPI router backend "
        "(replaced after the router's plugin settings ran, or XAPI_ROUTER_ENABLED set after them): "
        "added it again as %r (%s)", settings.XAPI_ROUTER_BACKEND_NAME, done,
    )
    return done


def _set_default(settings, name, value):
    if not hasattr(settings, name):
        setattr(settings, name, value)
