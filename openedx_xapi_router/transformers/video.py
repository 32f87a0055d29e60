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
from openedx_xapi_router.core.errors import InvalidEvent
from openedx_xapi_router.core.vocab import ActivityType, Extension
from openedx_xapi_router.transformers import registry
from openedx_xapi_router.transformers.base import XapiTransformer

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
    verb = vocab.PLAYED


@registry.register
class VideoPaused(VideoPlayhead):
    """The learner paused playback."""

    event_names = ("pause_video", "edx.video.paused")
    verb = vocab.PAUSED


@registry.register
class VideoStopped(VideoPlayhead):
    """Playback stopped (the video reached its end, or the player was closed)."""

    event_names = ("stop_video", "edx.video.stopped")
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
    captions_enabled = True


@registry.register
class VideoCaptionsHidden(VideoCaptionsToggled):
    """Transcript or closed captions hidden."""

    event_names = ("hide_transcript", "edx.video.transcript.hidden", "video_hide_cc_menu",
                   "edx.video.closed_captions.hidden")
    captions_enabled = False


@registry.register
class VideoCompleted(VideoTransformer):
    """
    The learner watched the video to its end. The result's time and duration are the video's length
    (left out when unknown).
    """

    event_names = ("complete_video", "edx.video.completed")
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
    verb = vocab.SEEKED

    def get_result(self):
        return self.seek_result()


@registry.register
class VideoSpeedChanged(VideoTransformer):
    """The learner changed the playback rate; the result has both rates as ``"<rate>x"``."""

    event_names = ("speed_change_video",)
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
    verb = vocab.INITIALIZED


@registry.register
class VideoPlayedV2(VideoProfileTransformer):
    """Playback started or resumed; the result has the playhead."""

    event_names = VideoPlayed.event_names
    verb = vocab.PLAYED

    def get_result(self):
        return self.playhead_result()


@registry.register
class VideoPausedV2(VideoProfileTransformer):
    """Playback paused; the result has the playhead and the progress."""

    event_names = VideoPaused.event_names
    verb = vocab.PAUSED

    def get_result(self):
        return self.playhead_result(with_progress=True)


@registry.register
class VideoStoppedV2(VideoProfileTransformer):
    """Playback stopped (terminated); the result has the playhead and the progress."""

    event_names = VideoStopped.event_names
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
    captions_enabled = True


@registry.register
class VideoCaptionsHiddenV2(VideoCaptionsToggledV2):
    """Transcript or closed captions hidden."""

    event_names = VideoCaptionsHidden.event_names
    captions_enabled = False


@registry.register
class VideoCompletedV2(VideoProfileTransformer):
    """
    The learner watched the video to its end: completion, and, when the length is known, the
    playhead at the end, progress 1.0 and the duration.
    """

    event_names = VideoCompleted.event_names
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
    verb = vocab.SEEKED

    def get_result(self):
        return self.seek_result()


@registry.register
class VideoSpeedChangedV2(VideoProfileTransformer):
    """The learner changed the playback rate: the new rate as the profile's ``speed`` (``"1.5x"``)."""

    event_names = VideoSpeedChanged.event_names
    verb = vocab.INTERACTED

    def get_result(self):
        return self.playhead_result()

    def extra_context_extensions(self):
        extensions = super().extra_context_extensions()
        extensions[Extension.VIDEO_SPEED] = f"{self.event.require('new_speed', str)}x"
        return extensions
