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

#: Course-key prefix -> the prefix of the usage keys of the blocks in that course.
_BLOCK_KEY_PREFIX = {"course-v1": "block-v1", "ccx-v1": "ccx-block-v1"}


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

    The object id is the block's IRI, ``<LMS>/xblock/block-v1:<course>+type@video+block@<id>``.
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
        return float(f"{number:.3f}")

    def current_time(self):
        """The playhead position: ``current_time``, else ``currentTime`` (seconds or None)."""
        current = self.seconds("current_time")
        return current if current is not None else self.seconds("currentTime")

    def usage_key(self):
        """The video block's usage key, built from the course key and the payload's ``id``."""
        video_id = self.event.require("id", str)
        course_id = self.event.course_id
        prefix, _, course = course_id.partition(":")
        block_prefix = _BLOCK_KEY_PREFIX.get(prefix)
        if block_prefix is None:
            raise InvalidEvent(self.event_name, "context.course_id",
                               f"a video event needs a course-v1 or ccx-v1 course key, got {course_id!r}",
                               kind="invalid_course_key")
        return f"{block_prefix}:{course}+type@video+block@{video_id}"

    def get_object(self):
        return {
            "id": self.block_iri(self.usage_key()),
            "objectType": "Activity",
            "definition": {"type": ActivityType.VIDEO},
        }

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
        return {
            "extensions": {
                Extension.VIDEO_TIME_FROM: self.seconds("old_time", required=True),
                Extension.VIDEO_TIME_TO: self.seconds("new_time", required=True),
            }
        }


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
