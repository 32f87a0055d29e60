"""
Video player events: a learner loaded, played, paused, stopped, completed or seeked a video, changed
its speed, or showed or hid its transcript or closed captions.

The browser player emits the legacy names (``play_video``); the mobile apps emit the ``edx.video.*``
names (``edx.video.played``) with the same payload. Each statement kind below lists both.

Payload fields (``data``, from the LMS video player and the mobile apps):

- ``id``: the video block's id within its course (the ``block@...`` part of its usage key).
- ``duration``: the video's length in seconds; 0 or absent until the player knows it.
- ``currentTime`` (browser) or ``current_time`` (transcript and caption events, mobile): the
  playhead position in seconds.
- ``old_time``, ``new_time``: the playhead before and after a seek.
- ``old_speed``, ``new_speed``: the playback rate before and after a change, as strings (``"1.25"``).

Every time becomes a float rounded to 3 decimals, as in the statements sites already store.
"""
import math

from openedx_xapi_router.core import vocab
from openedx_xapi_router.core.contract import Field, Producer
from openedx_xapi_router.core.errors import InvalidEvent
from openedx_xapi_router.core.vocab import ActivityType, Extension
from openedx_xapi_router.transformers import registry
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

    def seconds(self, path, required=False):
        """
        The payload value at ``path`` as seconds (a float rounded to 3 decimals), or None when it is
        absent or empty and not ``required``. Numbers and numeric strings are accepted.
        """
        value = self.event.require(path) if required else self.event.data_value(path)
        if value is None or value == "":
            return None
        if isinstance(value, bool) or not isinstance(value, (int, float, str)):
            raise InvalidEvent(self.event_name, f"data.{path}", f"expected seconds, got {type(value).__name__}",
                               kind="wrong_type")
        try:
            number = float(value)
        except ValueError:
            raise InvalidEvent(self.event_name, f"data.{path}", f"not a number of seconds: {value[:40]!r}",
                               kind="wrong_type") from None
        if not math.isfinite(number):
            raise InvalidEvent(self.event_name, f"data.{path}", f"not a finite number: {value!r}", kind="wrong_type")
        return round(number, 3)  # the same correctly rounded value as float(f"{number:.3f}"), cheaper

    def seek_result(self):
        """A seek's result: where the playhead left and where it went (both required)."""
        return {
            "extensions": {
                Extension.VIDEO_TIME_FROM: self.seconds("old_time", required=True),
                Extension.VIDEO_TIME_TO: self.seconds("new_time", required=True),
            }
        }

    def current_time(self):
        """The playhead position: ``current_time``, else ``currentTime`` (seconds or None)."""
        current = self.seconds("current_time")
        return current if current is not None else self.seconds("currentTime")

    def usage_key(self):
        """
        The video block's usage key, built from the course key (any of its forms) and the payload's
        ``id``: ``block-v1:<course>+type@video+block@<id>`` (``i4x://<org>/<course>/video/<id>``
        in a course with an old-style key).
        """
        return self.course_block_key("video", self.event.require("id", str))

    def get_object(self):
        return self.block_activity(self.usage_key(), ActivityType.VIDEO)

    def extra_context_extensions(self):
        length = self.seconds("duration")
        return {Extension.VIDEO_LENGTH: length} if length is not None else {}


@registry.register
class VideoLoaded(VideoTransformer):
    """The player loaded a video."""

    event_names = ("load_video", "edx.video.loaded")
    contract = _video_contract(("load_video",), ("edx.video.loaded",), where="EventsPlugin.onReady")
    verb = vocab.INITIALIZED


class VideoPlayhead(VideoTransformer):
    """A playback event; the result carries the playhead position (left out when unknown)."""

    def get_result(self):
        time = self.current_time()
        return {"extensions": {Extension.VIDEO_TIME: time} if time is not None else {}}


@registry.register
class VideoPlayed(VideoPlayhead):
    """The learner started or resumed playback."""

    event_names = ("play_video", "edx.video.played")
    contract = _video_contract(("play_video",), ("edx.video.played",), (_CURRENT_TIME,), "EventsPlugin.onPlay")
    verb = vocab.PLAYED


@registry.register
class VideoPaused(VideoPlayhead):
    """The learner paused playback."""

    event_names = ("pause_video", "edx.video.paused")
    contract = _video_contract(("pause_video",), ("edx.video.paused",), (_CURRENT_TIME,), "EventsPlugin.onPause")
    verb = vocab.PAUSED


@registry.register
class VideoStopped(VideoPlayhead):
    """Playback stopped (the video reached its end, or the player was closed)."""

    event_names = ("stop_video", "edx.video.stopped")
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
        return {"extensions": extensions}


@registry.register
class VideoCaptionsShown(VideoCaptionsToggled):
    """Transcript or closed captions shown."""

    event_names = ("show_transcript", "edx.video.transcript.shown", "video_show_cc_menu",
                   "edx.video.closed_captions.shown")
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


@registry.register
class VideoCaptionsHidden(VideoCaptionsToggled):
    """Transcript or closed captions hidden."""

    event_names = ("hide_transcript", "edx.video.transcript.hidden", "video_hide_cc_menu",
                   "edx.video.closed_captions.hidden")
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


@registry.register
class VideoCompleted(VideoTransformer):
    """
    The learner watched the video to its end. The result's time and duration are the video's length
    (left out when unknown).
    """

    event_names = ("complete_video", "edx.video.completed")
    contract = _video_contract(("complete_video",), ("edx.video.completed",), (_CURRENT_TIME._replace(read=False),),
                               "EventsPlugin.onComplete", mobile_extra=(_CURRENT_TIME_SNAKE._replace(read=False),))
    verb = vocab.COMPLETED

    def get_result(self):
        length = self.seconds("duration")
        result = {"extensions": {Extension.VIDEO_TIME: length} if length is not None else {}, "completion": True}
        if length is not None:
            result["duration"] = iso8601_duration(length)
        return result


@registry.register
class VideoSeeked(VideoTransformer):
    """The learner moved the playhead; both ends of the move are required."""

    event_names = ("seek_video", "edx.video.position.changed")
    contract = _video_contract(
        ("seek_video",), ("edx.video.position.changed",),
        (Field("data.old_time", "number", 10.0), Field("data.new_time", "number", 42.5),
         Field("data.type", "str", "onSlideSeek", read=False)),
        "EventsPlugin.onSeek")
    verb = vocab.SEEKED

    def get_result(self):
        return self.seek_result()


@registry.register
class VideoSpeedChanged(VideoTransformer):
    """The learner changed the playback rate; the result has both rates as ``"<rate>x"``."""

    event_names = ("speed_change_video",)
    contract = _video_contract(
        ("speed_change_video",),
        extra=(_CURRENT_TIME_SNAKE._replace(read=False), Field("data.old_speed", "str", "1.0"),
               Field("data.new_speed", "str", "1.5")),
        where="EventsPlugin.onSpeedChange")
    verb = vocab.INTERACTED

    def get_result(self):
        return {
            "extensions": {
                Extension.SPEED_FROM: f"{self.event.require('old_speed', str)}x",
                Extension.SPEED_TO: f"{self.event.require('new_speed', str)}x",
            }
        }


# --- version 2: the xAPI video profile ------------------------------------------------------------
#
# Registered beside version 1 under the same names and used only where a site pins version 2
# (``XAPI_ROUTER_TRANSFORMER_VERSIONS``); ``opt_in`` keeps version 1 the default. The differences
# (``docs/beyond_erb.rst``, "Video, version 2"):
#
# - context: the video profile's ``session-id`` beside the Open edX one; ``length`` only when the
#   event knows it (a ``duration`` above 0);
# - paused, terminated and completed carry the profile's ``progress`` result extension;
# - caption and transcript toggles carry ``cc-enabled`` in the context, where the profile puts it;
# - a speed change carries the profile's ``speed`` context extension (the new rate) and the
#   playhead in the result.
#
# ``progress`` is the playhead over the length (0 to 1, 3 decimals): the events carry neither the
# played segments the profile computes it from nor, in the mobile apps, the length. With no length,
# ``progress`` (and ``length``) are left out, and the statement says so by their absence.


class VideoProfileTransformer(VideoTransformer):
    """Version 2 statements about a video block, following the xAPI video profile."""

    version = 2
    opt_in = True

    def length(self):
        """The video's length in seconds, or None when the event does not know it (absent or 0)."""
        length = self.seconds("duration")
        return length if length else None

    def progress(self, time):
        """``time`` over the length, clamped to [0, 1], 3 decimals; None when either is unknown."""
        length = self.length()
        if time is None or length is None:
            return None
        return float(f"{min(1.0, max(0.0, time / length)):.3f}")

    def playhead_result(self, with_progress=False):
        """``result.extensions``: the playhead and, when asked and computable, the progress."""
        time = self.current_time()
        extensions = {}
        if time is not None:
            extensions[Extension.VIDEO_TIME] = time
            if with_progress:
                progress = self.progress(time)
                if progress is not None:
                    extensions[Extension.VIDEO_PROGRESS] = progress
        return {"extensions": extensions}

    def extra_context_extensions(self):
        extensions = {}
        if self.event.session:
            extensions[Extension.VIDEO_SESSION_ID] = self.event.session
        length = self.length()
        if length is not None:
            extensions[Extension.VIDEO_LENGTH] = length
        return extensions


@registry.register
class VideoLoadedV2(VideoProfileTransformer):
    """The player loaded a video (initialized)."""

    event_names = VideoLoaded.event_names
    contract = VideoLoaded.contract
    verb = vocab.INITIALIZED


@registry.register
class VideoPlayedV2(VideoProfileTransformer):
    """Playback started or resumed; the result has the playhead."""

    event_names = VideoPlayed.event_names
    contract = VideoPlayed.contract
    verb = vocab.PLAYED

    def get_result(self):
        return self.playhead_result()


@registry.register
class VideoPausedV2(VideoProfileTransformer):
    """Playback paused; the result has the playhead and the progress."""

    event_names = VideoPaused.event_names
    contract = VideoPaused.contract
    verb = vocab.PAUSED

    def get_result(self):
        return self.playhead_result(with_progress=True)


@registry.register
class VideoStoppedV2(VideoProfileTransformer):
    """Playback stopped (terminated); the result has the playhead and the progress."""

    event_names = VideoStopped.event_names
    contract = VideoStopped.contract
    verb = vocab.TERMINATED

    def get_result(self):
        return self.playhead_result(with_progress=True)


class VideoCaptionsToggledV2(VideoProfileTransformer):
    """Captions or transcript shown or hidden: the playhead in the result, ``cc-enabled`` in the context."""

    verb = vocab.INTERACTED
    captions_enabled = None

    def get_result(self):
        return self.playhead_result()

    def extra_context_extensions(self):
        extensions = super().extra_context_extensions()
        extensions[Extension.VIDEO_CC_ENABLED] = self.captions_enabled
        return extensions


@registry.register
class VideoCaptionsShownV2(VideoCaptionsToggledV2):
    """Transcript or closed captions shown."""

    event_names = VideoCaptionsShown.event_names
    contract = VideoCaptionsShown.contract
    captions_enabled = True


@registry.register
class VideoCaptionsHiddenV2(VideoCaptionsToggledV2):
    """Transcript or closed captions hidden."""

    event_names = VideoCaptionsHidden.event_names
    contract = VideoCaptionsHidden.contract
    captions_enabled = False


@registry.register
class VideoCompletedV2(VideoProfileTransformer):
    """
    The learner watched the video to its end: completion, and, when the length is known, the
    playhead at the end, progress 1.0 and the duration.
    """

    event_names = VideoCompleted.event_names
    contract = VideoCompleted.contract
    verb = vocab.COMPLETED

    def get_result(self):
        length = self.length()
        if length is None:
            return {"extensions": {}, "completion": True}
        return {
            "extensions": {Extension.VIDEO_TIME: length, Extension.VIDEO_PROGRESS: 1.0},
            "completion": True,
            "duration": iso8601_duration(length),
        }


@registry.register
class VideoSeekedV2(VideoProfileTransformer):
    """The learner moved the playhead; both ends of the move are required."""

    event_names = VideoSeeked.event_names
    contract = VideoSeeked.contract
    verb = vocab.SEEKED

    def get_result(self):
        return self.seek_result()


@registry.register
class VideoSpeedChangedV2(VideoProfileTransformer):
    """The learner changed the playback rate: the new rate as the profile's ``speed`` (``"1.5x"``)."""

    event_names = VideoSpeedChanged.event_names
    contract = _video_contract(
        ("speed_change_video",),
        extra=(_CURRENT_TIME_SNAKE, Field("data.old_speed", "str", "1.0",
        read=False),
        Field("data.new_speed", "str", "1.5")),
        where="EventsPlugin.onSpeedChange")
    verb = vocab.INTERACTED

    def get_result(self):
        return self.playhead_result()

    def extra_context_extensions(self):
        extensions = super().extra_context_extensions()
        extensions[Extension.VIDEO_SPEED] = f"{self.event.require('new_speed', str)}x"
        return extensions
