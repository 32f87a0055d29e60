"""
Which tracking events are sent by default, and how ``XAPI_ROUTER_ALLOWED_EVENT_NAMES`` reads.

The default is what a site that runs Open edX Aspects can take without harm:

* :data:`ERB_DEFAULT_EVENT_NAMES`: event-routing-backends' own default xAPI allow-list
  (``EVENT_TRACKING_BACKENDS_ALLOWED_XAPI_EVENTS`` in ``event_routing_backends/settings/common.py``,
  9.3.8; ``tests/aspects/test_event_names.py`` checks the list against the installed ERB). Our
  statements for these names build the same Aspects rows as ERB's.
* :func:`beyond_erb_default_event_names` (also ``BEYOND_ERB_DEFAULT_EVENT_NAMES``): the events
  ERB does not transform (their transformer class declares ``erb = False``), derived from the
  registry. Their statements pass the Aspects contract test (``tests/aspects/``): each lands only
  in the Aspects tables it belongs in, every insert succeeds, and no row ERB's events build
  changes. ``docs/aspects.rst`` lists the tables each event feeds.

Every other supported name (ERB transforms it but does not send it by default, e.g.
``edx.grades.problem.submitted``) is sent only when a site asks for it.

The setting takes one of:

* ``None`` (the default): :func:`default_event_names` (also ``DEFAULT_EVENT_NAMES``);
* :data:`ALL_SUPPORTED` (``"*"``): every name with a registered transformer;
* a list (or tuple, set) of names: exactly those names. To widen the default, add to it
  (``[*DEFAULT_EVENT_NAMES, "edx.grades.problem.submitted"]`` in Python settings); ``manage.py lms
  xapi_router_event_names`` prints the names a setting sends.
"""
from openedx_xapi_router.core.errors import ConfigurationError
from openedx_xapi_router.core.registry import CALIPER, XAPI, default_registry

#: ``XAPI_ROUTER_ALLOWED_EVENT_NAMES = "*"``: every supported event name.
ALL_SUPPORTED = "*"

#: event-routing-backends 9.3.8's default ``EVENT_TRACKING_BACKENDS_ALLOWED_XAPI_EVENTS``, in its order.
ERB_DEFAULT_EVENT_NAMES = (
    "edx.course.enrollment.activated", "edx.course.enrollment.deactivated", "edx.course.enrollment.mode_changed",
    "edx.grades.subsection.grade_calculated", "edx.grades.course.grade_calculated",
    "edx.special_exam.timed.attempt.created", "edx.special_exam.timed.attempt.submitted",
    "edx.special_exam.practice.attempt.created", "edx.special_exam.practice.attempt.submitted",
    "edx.special_exam.proctored.attempt.created", "edx.special_exam.proctored.attempt.submitted",
    "edx.completion.block_completion.changed",
    "edx.forum.thread.created", "edx.forum.thread.deleted", "edx.forum.thread.edited", "edx.forum.thread.viewed",
    "edx.forum.thread.reported", "edx.forum.thread.unreported", "edx.forum.thread.voted",
    "edx.forum.response.created", "edx.forum.response.deleted", "edx.forum.response.edited",
    "edx.forum.response.reported", "edx.forum.response.unreported", "edx.forum.response.voted",
    "edx.forum.comment.created", "edx.forum.comment.deleted", "edx.forum.comment.edited",
    "edx.forum.comment.reported", "edx.forum.comment.unreported",
    "edx.ui.lms.link_clicked", "edx.ui.lms.sequence.outline.selected", "edx.ui.lms.outline.selected",
    "edx.ui.lms.sequence.next_selected", "edx.ui.lms.sequence.previous_selected", "edx.ui.lms.sequence.tab_selected",
    "showanswer", "edx.problem.hint.demandhint_displayed", "problem_check",
    "load_video", "edx.video.loaded", "play_video", "edx.video.played", "complete_video", "edx.video.completed",
    "stop_video", "edx.video.stopped", "pause_video", "edx.video.paused", "seek_video", "edx.video.position.changed",
    "hide_transcript", "edx.video.transcript.hidden", "show_transcript", "edx.video.transcript.shown",
    "speed_change_video", "video_hide_cc_menu", "edx.video.closed_captions.shown", "edx.video.closed_captions.hidden",
    "edx.video.language_menu.hidden", "video_show_cc_menu", "edx.video.language_menu.shown",
    "edx.course.grade.passed.first_time", "edx.course.grade.now_passed", "edx.course.grade.now_failed",
)

#: event-routing-backends 9.3.8's default ``EVENT_TRACKING_BACKENDS_ALLOWED_CALIPER_EVENTS``, in its
#: order: the default names of a Caliper endpoint. Two of them (``edx.course.grade.now_passed``,
#: ``edx.course.grade.now_failed``) have no Caliper transformer, in ERB or here: never sent.
ERB_DEFAULT_CALIPER_EVENT_NAMES = (
    "edx.course.enrollment.activated", "edx.course.enrollment.deactivated",
    "edx.ui.lms.link_clicked", "edx.ui.lms.sequence.outline.selected", "edx.ui.lms.outline.selected",
    "edx.ui.lms.sequence.next_selected", "edx.ui.lms.sequence.previous_selected", "edx.ui.lms.sequence.tab_selected",
    "showanswer", "edx.problem.hint.demandhint_displayed", "problem_check",
    "load_video", "edx.video.loaded", "play_video", "edx.video.played", "complete_video", "edx.video.completed",
    "stop_video", "edx.video.stopped", "pause_video", "edx.video.paused", "seek_video", "edx.video.position.changed",
    "edx.course.grade.passed.first_time", "edx.course.grade.now_passed", "edx.course.grade.now_failed",
)


def beyond_erb_default_event_names(registry=None):
    """
    The event names ERB does not transform that are sent by default, sorted: every name whose
    default xAPI transformer declares ``erb = False`` (each passes the Aspects contract test,
    ``tests/aspects/``, which runs over exactly these names). Derived from ``registry`` (the
    built-in one by default): a new transformer class is in the default by its declaration.
    """
    registry = registry or default_registry()
    return tuple(name for name, cls in registry.defaults(XAPI) if not cls.erb)


def default_event_names(registry=None, output_format=XAPI):
    """
    ``XAPI_ROUTER_ALLOWED_EVENT_NAMES = None`` for ``output_format``: for xAPI, ERB's default list
    plus :func:`beyond_erb_default_event_names`; for Caliper, ERB's default Caliper list
    (:data:`ERB_DEFAULT_CALIPER_EVENT_NAMES`: every Caliper transformer here is one ERB has too, so
    there is nothing beyond it). The Caliper default is a subset of the xAPI one.
    """
    if output_format == CALIPER:
        return frozenset(ERB_DEFAULT_CALIPER_EVENT_NAMES)
    return frozenset(ERB_DEFAULT_EVENT_NAMES + beyond_erb_default_event_names(registry))


def __getattr__(name):
    """``BEYOND_ERB_DEFAULT_EVENT_NAMES`` and ``DEFAULT_EVENT_NAMES``, derived from the built-in registry on use."""
    if name == "BEYOND_ERB_DEFAULT_EVENT_NAMES":
        return beyond_erb_default_event_names()
    if name == "DEFAULT_EVENT_NAMES":
        return default_event_names()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def allowed_event_names(value, registry=None, output_format=XAPI):
    """
    The names an ``XAPI_ROUTER_ALLOWED_EVENT_NAMES`` value allows into ``output_format``, as a
    frozenset; None when it allows every supported name (``"*"``). ``registry`` (the built-in one
    by default) gives the default names; only the default (``None``) differs by format, ``"*"``
    and a list mean the same names for both.

    Raises:
        ConfigurationError: the value is neither None, ``"*"`` nor a collection of names.
    """
    if value is None:
        return default_event_names(registry, output_format)
    if value == ALL_SUPPORTED:
        return None
    if isinstance(value, (str, bytes, dict)) or not hasattr(value, "__iter__"):
        raise ConfigurationError(
            f"XAPI_ROUTER_ALLOWED_EVENT_NAMES must be None (the default names), {ALL_SUPPORTED!r} (every supported "
            f"name) or a list of event names, not {value!r}")
    names = frozenset(value)
    wrong = sorted(repr(name) for name in names if not isinstance(name, str))
    if wrong:
        raise ConfigurationError(f"XAPI_ROUTER_ALLOWED_EVENT_NAMES: not event names: {', '.join(wrong)}")
    return names
