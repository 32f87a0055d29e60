"""
Video player events: a learner loaded, played, paused, stopped, completed or seeked a video, changed
its speed, or showed or hid its transcript or closed captions.

The browser player emits the legacy names (``play_video``); the mobile apps emit the ``edx.video.*``
names (``edx.video.played``) with the same payload. Each statement kind below lists both.

.. event_name: {load,play,pause,stop,complete,seek}_video, speed_change_video,
   edx.video.{loaded,played,paused,stopped,completed,position.changed}, {show,hide}_transcript,
   edx.video.transcript.{shown,hidden}, video_{show,hide}_cc_menu, edx.video.closed_captions.{shown,hidden}
.. event_version: 1

Payload fields (``data``, from the LMS video player and the mobile apps):

- ``id``: the video block's id within its course (the ``block@...`` part of its usage key).
- ``duration``: the video's length in seconds; 0 or absent until the player knows it.
- ``currentTime`` (browser) or ``current_time`` (transcript and caption events, mobile): the
  playhead position in seconds.
- ``old_time``, ``new_time``: the playhead before and after a seek.
- ``old_speed``, ``new_speed``: the playback rate before and after a change, as strings (``"1.25"``).

Every time becomes a float rounded to 3 decimals, as in the statements sites already store.

These are version 1, the statements event-routing-backends gives; version 2, which follows the
xAPI video profile and is used only where a site pins it, is
:mod:`~openedx_xapi_router.transformers.video_profile`.

Why one module of this size: one family (version 1), one small class per event, as every family
module; version 2 lives in :mod:`~openedx_xapi_router.transformers.video_profile`.
"""
import math

from openedx_xapi_router.core import vocab
from openedx_xapi_router.core.contract import Field, Producer
from openedx_xapi_router.core.errors import InvalidEvent
from openedx_xapi_router.core.memo import remember
from openedx_xapi_router.core.vocab import ActivityType, Extension
from openedx_xapi_router.core.registry import register
from openedx_xapi_router.transformers.base import XapiTransformer

# --- producer contracts ---------------------------------------------------------------------------
#
# The browser player: ``EventsPlugin.log`` sends ``id`` (the block id), ``code`` (YouTube id, ``hls``
# or ``html5``) and ``duration`` (undefined, so absent, until the player knows it) with every event,
# plus each event's own fields. The mobile apps send the ``edx.video.*`` names (``event_type`` the
# legacy name, ``event_source`` ``mobile``) with the same payload.
_PLAYER = {"repo": "openedx/edx-platform", "path": "xmodule/js/src/video/09_events_plugin.js",
           "commit": "18d6a25a8cd2df3e24f7fea7be64f72495cc0be3", "source": "browser"}
_MOBILE = {
    "repo": "openedx-unsupported/edx-app-android", "path": "(the app's analytics event-name constants)", "commit": "",
    "source": "mobile",
    "evidence": "the Android app's event-name constants (VIDEO_PLAYED = \"edx.video.played\", ...) were found "
                "in the index without a readable path or commit; the payload is the Open edX data documentation's "
                "mobile video events and event-routing-backends' fixtures (shared/xapi/events)",
}
_VIDEO_ID = Field("data.id", "str", "0b9e39477cf34507a7a48f74be381fdd")
_CODE = Field("data.code", "str", "html5", read=False)
_DURATION = Field("data.duration", "number|null", 195.0, optional=True)
_CURRENT_TIME = Field("data.currentTime", "number", 12.5)
_CURRENT_TIME_SNAKE = Field("data.current_time", "number", 12.5)


#: ``(course id, video id)`` -> the video block's usage key (:meth:`VideoTransformer.usage_key`),
#: of the videos already seen; forgotten past a bound.
_USAGE_KEYS = {}
_USAGE_KEYS_MAX = 50_000


def _video_contract(names, mobile_names=(), extra=(), where="", mobile_extra=None):
    """The player's contract for ``names`` (and the mobile apps' for ``mobile_names``)."""
    duration = _DURATION
    fields = (_VIDEO_ID, _CODE, duration, *extra)
    contracts = [Producer(where=where, fields=fields, names=names, **_PLAYER)]
    if mobile_names:
        mobile_fields = (_VIDEO_ID, duration, *(extra if mobile_extra is None else mobile_extra))
        contracts.append(Producer(where="the app's video player", fields=mobile_fields, names=mobile_names,
                                  **_MOBILE))
    return tuple(contracts)


def iso8601_duration(seconds):
    """
    ``seconds`` as an xAPI (ISO 8601) duration, written as the ``tincan`` package writes one:
    ``PT03M15S``, ``PT01H00M02.5S``, ``P1DT00H00M00S``; hours appear once there are days or hours,
    minutes once there are hours or minutes, each 2 digits; seconds to the microsecond, trailing
    zeros dropped.
    """
    micros = round(seconds * 1_000_000)
    whole, micro = divmod(micros, 1_000_000)
    minutes, secs = divmod(whole, 60)
    hours, minutes = divmod(minutes, 60)
    days, hours = divmod(hours, 24)
    date = f"{days}D" if days else ""
    time = "T"
    if date or hours:
        time += f"{hours:02}H"
    if date or hours or minutes:
        time += f"{minutes:02}M"
    time += f"{secs:02}.{micro:06}".rstrip("0") if micro else f"{secs:02}"
    return f"P{date}{time}S"


class VideoTransformer(XapiTransformer):
    """
    Statements about a video block: the object is the video, the context carries its length.

    The object id is the block's IRI, ``<LMS>/xblock/block-v1:<course>+type@video+block@<id>``
    (see :meth:`usage_key`).
    """

    def seconds(self, key, required=False):
        """
        The payload value at ``key`` (one key of ``data``) as seconds (a float rounded to 3
        decimals), or None when it is absent or empty and not ``required``. Numbers and numeric
        strings are accepted.
        """
        value = self.event.data.get(key)  # what data_value and require give for one key, read once
        cls = value.__class__
        if cls is float:  # the usual case: a JavaScript number
            number = value
        elif cls is int and -1e12 < value < 1e12:
            # A whole number (JSON.stringify writes 195.0 as 195): its float is exact and a 3-decimal
            # value, so round(float(value), 3) is that float.
            return float(value)
        else:
            if value is None or value == "":
                if required:
                    self.event.require(key)  # raises missing_field
                return None
            if isinstance(value, bool) or not isinstance(value, (int, float, str)):
                raise InvalidEvent(self.event_name, f"data.{key}", f"expected seconds, got {type(value).__name__}",
                                   kind="wrong_type")
            try:
                number = float(value)
            except ValueError:
                raise InvalidEvent(self.event_name, f"data.{key}", f"not a number of seconds: {value[:40]!r}",
                                   kind="wrong_type") from None
        # round(number, 3) (the same correctly rounded value as float(f"{number:.3f}"), cheaper) goes
        # through a decimal string (about 2,800 instructions). A player's times mostly are 3-decimal
        # values already: when ``number`` is the float nearest to r / 1000 (int division is correctly
        # rounded), a 3-decimal value, round(number, 3) is ``number`` itself (the float nearest to the
        # 3-decimal value nearest to it), found for a third of the cost. The bound keeps the product
        # finite (round of an infinity raises), and a number within it is finite: only one outside
        # it needs the finiteness test.
        if -1e12 < number < 1e12:
            if round(number * 1000) / 1000 == number:
                return number
        elif not math.isfinite(number):
            raise InvalidEvent(self.event_name, f"data.{key}", f"not a finite number: {value!r}", kind="wrong_type")
        return round(number, 3)

    def seek_result(self):
        """A seek's result: where the playhead left and where it went (both required)."""
        return self.vocabulary_result({
            Extension.VIDEO_TIME_FROM: self.seconds("old_time", required=True),
            Extension.VIDEO_TIME_TO: self.seconds("new_time", required=True),
        })

    def current_time(self):
        """The playhead position: ``current_time``, else ``currentTime`` (seconds or None)."""
        # The key is chosen first (``current_time`` when present: absent or empty, it gives None), so
        # one value is read as seconds.
        current = self.event.data.get("current_time")
        return self.seconds("currentTime" if current is None or current == "" else "current_time")

    def usage_key(self):
        """
        The video block's usage key, built from the course key (any of its forms) and the payload's
        ``id``: ``block-v1:<course>+type@video+block@<id>`` (``i4x://<org>/<course>/video/<id>``
        in a course with an old-style key).
        """
        # Remembered per (course, id): a log names the same videos over and over. Only an id that
        # passed ``require`` is stored, so a hit (an exact str, equal to one) needs no test.
        event = self.event
        video_id = event.data.get("id")
        memo_key = (event.course_id, video_id)
        usage_key = _USAGE_KEYS.get(memo_key) if video_id.__class__ is str else None
        if usage_key is None:
            usage_key = remember(_USAGE_KEYS, memo_key, self.course_block_key("video", event.require("id", str)),
                                 _USAGE_KEYS_MAX)
        return usage_key

    def get_object(self):
        return self.block_activity(self.usage_key(), ActivityType.VIDEO)

    def extra_context_extensions(self):
        length = self.seconds("duration")
        return {Extension.VIDEO_LENGTH: length} if length is not None else {}


@register
class VideoLoaded(VideoTransformer):
    """The player loaded a video."""

    event_names = ("load_video", "edx.video.loaded")
    family = "video"
    erb = True
    contract = _video_contract(("load_video",), ("edx.video.loaded",), where="EventsPlugin.onReady")
    verb = vocab.INITIALIZED


class VideoPlayhead(VideoTransformer):
    """A playback event; the result carries the playhead position (left out when unknown)."""

    def get_result(self):
        time = self.current_time()
        return self.vocabulary_result({Extension.VIDEO_TIME: time} if time is not None else {})


@register
class VideoPlayed(VideoPlayhead):
    """The learner started or resumed playback."""

    event_names = ("play_video", "edx.video.played")
    family = "video"
    erb = True
    contract = _video_contract(("play_video",), ("edx.video.played",), (_CURRENT_TIME,), "EventsPlugin.onPlay")
    verb = vocab.PLAYED


@register
class VideoPaused(VideoPlayhead):
    """The learner paused playback."""

    event_names = ("pause_video", "edx.video.paused")
    family = "video"
    erb = True
    contract = _video_contract(("pause_video",), ("edx.video.paused",), (_CURRENT_TIME,), "EventsPlugin.onPause")
    verb = vocab.PAUSED


@register
class VideoStopped(VideoPlayhead):
    """Playback stopped (the video reached its end, or the player was closed)."""

    event_names = ("stop_video", "edx.video.stopped")
    family = "video"
    erb = True
    contract = _video_contract(("stop_video",), ("edx.video.stopped",), (_CURRENT_TIME,), "EventsPlugin.onEnded",
                               mobile_extra=(_CURRENT_TIME_SNAKE,))
    verb = vocab.TERMINATED


class VideoCaptionsToggled(VideoTransformer):
    """
    The learner showed or hid the transcript or the closed captions; the result says whether they are
    now on (:attr:`captions_enabled`) and where the playhead was.
    """

    verb = vocab.INTERACTED
    captions_enabled = None

    def get_result(self):
        extensions = {}
        time = self.current_time()
        if time is not None:
            extensions[Extension.VIDEO_TIME] = time
        extensions[Extension.VIDEO_CC_ENABLED] = self.captions_enabled
        return self.vocabulary_result(extensions)


@register
class VideoCaptionsShown(VideoCaptionsToggled):
    """Transcript or closed captions shown."""

    event_names = ("show_transcript", "edx.video.transcript.shown", "video_show_cc_menu",
                   "edx.video.closed_captions.shown")
    family = "video"
    erb = True
    contract = (
        *_video_contract(("show_transcript", "edx.video.closed_captions.shown"), ("edx.video.transcript.shown",),
                         (_CURRENT_TIME_SNAKE,), "EventsPlugin.onShowTranscript, EventsPlugin.onShowCaptions"),
        Producer(where="the player before closed-caption events were renamed", fields=(_VIDEO_ID, _CODE, _DURATION,
                 _CURRENT_TIME_SNAKE), names=("video_show_cc_menu",), repo=_PLAYER["repo"], path=_PLAYER["path"],
                 commit="", source="browser",
                 evidence="no longer in the player at the commit read; event-routing-backends' fixture "
                          "(shared/xapi/events/video_show_cc_menu.json) stands instead"),
    )
    captions_enabled = True


@register
class VideoCaptionsHidden(VideoCaptionsToggled):
    """Transcript or closed captions hidden."""

    event_names = ("hide_transcript", "edx.video.transcript.hidden", "video_hide_cc_menu",
                   "edx.video.closed_captions.hidden")
    family = "video"
    erb = True
    contract = (
        *_video_contract(("hide_transcript", "edx.video.closed_captions.hidden"), ("edx.video.transcript.hidden",),
                         (_CURRENT_TIME_SNAKE,), "EventsPlugin.onHideTranscript, EventsPlugin.onHideCaptions"),
        Producer(where="the player before closed-caption events were renamed", fields=(_VIDEO_ID, _CODE, _DURATION,
                 _CURRENT_TIME_SNAKE), names=("video_hide_cc_menu",), repo=_PLAYER["repo"], path=_PLAYER["path"],
                 commit="", source="browser",
                 evidence="no longer in the player at the commit read; event-routing-backends' fixture "
                          "(shared/xapi/events/video_hide_cc_menu.json) stands instead"),
    )
    captions_enabled = False


@register
class VideoCompleted(VideoTransformer):
    """
    The learner watched the video to its end. The result's time and duration are the video's length
    (left out when unknown).
    """

    event_names = ("complete_video", "edx.video.completed")
    family = "video"
    erb = True
    contract = _video_contract(("complete_video",), ("edx.video.completed",), (_CURRENT_TIME._replace(read=False),),
                               "EventsPlugin.onComplete", mobile_extra=(_CURRENT_TIME_SNAKE._replace(read=False),))
    verb = vocab.COMPLETED

    def get_result(self):
        length = self.seconds("duration")
        result = {"extensions": {Extension.VIDEO_TIME: length} if length is not None else {}, "completion": True}
        if length is not None:
            result["duration"] = iso8601_duration(length)
        return result


@register
class VideoSeeked(VideoTransformer):
    """The learner moved the playhead; both ends of the move are required."""

    event_names = ("seek_video", "edx.video.position.changed")
    family = "video"
    erb = True
    contract = _video_contract(
        ("seek_video",), ("edx.video.position.changed",),
        (Field("data.old_time", "number", 10.0), Field("data.new_time", "number", 42.5),
         Field("data.type", "str", "onSlideSeek", read=False)),
        "EventsPlugin.onSeek")
    verb = vocab.SEEKED

    def get_result(self):
        return self.seek_result()


@register
class VideoSpeedChanged(VideoTransformer):
    """The learner changed the playback rate; the result has both rates as ``"<rate>x"``."""

    event_names = ("speed_change_video",)
    family = "video"
    erb = True
    contract = _video_contract(
        ("speed_change_video",),
        extra=(_CURRENT_TIME_SNAKE._replace(read=False), Field("data.old_speed", "str", "1.0"),
               Field("data.new_speed", "str", "1.5")),
        where="EventsPlugin.onSpeedChange")
    verb = vocab.INTERACTED

    def get_result(self):
        return self.vocabulary_result({
            Extension.SPEED_FROM: f"{self.event.require('old_speed', str)}x",
            Extension.SPEED_TO: f"{self.event.require('new_speed', str)}x",
        })
