"""
Video player events, version 2: the statements follow the xAPI video profile.

.. event_name: {load,play,pause,stop,complete,seek}_video, speed_change_video,
   edx.video.{loaded,played,paused,stopped,completed,position.changed}, {show,hide}_transcript,
   edx.video.transcript.{shown,hidden}, video_{show,hide}_cc_menu, edx.video.closed_captions.{shown,hidden}
.. event_version: 2 (``opt_in``)

Registered beside version 1 under the same names and used only where a site pins version 2
(``XAPI_ROUTER_TRANSFORMER_VERSIONS``); ``opt_in`` keeps version 1 the default. The differences
(``docs/beyond_erb.rst``, "Video, version 2"):

- context: the video profile's ``session-id`` beside the Open edX one; ``length`` only when the
  event knows it (a ``duration`` above 0);
- paused, terminated and completed carry the profile's ``progress`` result extension;
- caption and transcript toggles carry ``cc-enabled`` in the context, where the profile puts it;
- a speed change carries the profile's ``speed`` context extension (the new rate) and the
  playhead in the result.

``progress`` is the playhead over the length (0 to 1, 3 decimals): the events carry neither the
played segments the profile computes it from nor, in the mobile apps, the length. With no length,
``progress`` (and ``length``) are left out, and the statement says so by their absence.

Version 1 (:mod:`~openedx_xapi_router.transformers.video`) gives the statements event-routing-backends
gives, byte for byte; this module is the other concern, the profile, and builds on version 1's
classes (the payload readers and the contracts are the same).
"""
from openedx_xapi_router.core import vocab
from openedx_xapi_router.core.contract import Field
from openedx_xapi_router.core.registry import register
from openedx_xapi_router.core.vocab import Extension
from openedx_xapi_router.transformers.video import (
    _CURRENT_TIME_SNAKE,
    VideoCaptionsHidden,
    VideoCaptionsShown,
    VideoCompleted,
    VideoLoaded,
    VideoPaused,
    VideoPlayed,
    VideoSeeked,
    VideoSpeedChanged,
    VideoStopped,
    VideoTransformer,
    _video_contract,
    iso8601_duration,
)


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


@register
class VideoLoadedV2(VideoProfileTransformer):
    """The player loaded a video (initialized)."""

    event_names = VideoLoaded.event_names
    family = "video"
    erb = True
    contract = VideoLoaded.contract
    verb = vocab.INITIALIZED


@register
class VideoPlayedV2(VideoProfileTransformer):
    """Playback started or resumed; the result has the playhead."""

    event_names = VideoPlayed.event_names
    family = "video"
    erb = True
    contract = VideoPlayed.contract
    verb = vocab.PLAYED

    def get_result(self):
        return self.playhead_result()


@register
class VideoPausedV2(VideoProfileTransformer):
    """Playback paused; the result has the playhead and the progress."""

    event_names = VideoPaused.event_names
    family = "video"
    erb = True
    contract = VideoPaused.contract
    verb = vocab.PAUSED

    def get_result(self):
        return self.playhead_result(with_progress=True)


@register
class VideoStoppedV2(VideoProfileTransformer):
    """Playback stopped (terminated); the result has the playhead and the progress."""

    event_names = VideoStopped.event_names
    family = "video"
    erb = True
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


@register
class VideoCaptionsShownV2(VideoCaptionsToggledV2):
    """Transcript or closed captions shown."""

    event_names = VideoCaptionsShown.event_names
    family = "video"
    erb = True
    contract = VideoCaptionsShown.contract
    captions_enabled = True


@register
class VideoCaptionsHiddenV2(VideoCaptionsToggledV2):
    """Transcript or closed captions hidden."""

    event_names = VideoCaptionsHidden.event_names
    family = "video"
    erb = True
    contract = VideoCaptionsHidden.contract
    captions_enabled = False


@register
class VideoCompletedV2(VideoProfileTransformer):
    """
    The learner watched the video to its end: completion, and, when the length is known, the
    playhead at the end, progress 1.0 and the duration.
    """

    event_names = VideoCompleted.event_names
    family = "video"
    erb = True
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


@register
class VideoSeekedV2(VideoProfileTransformer):
    """The learner moved the playhead; both ends of the move are required."""

    event_names = VideoSeeked.event_names
    family = "video"
    erb = True
    contract = VideoSeeked.contract
    verb = vocab.SEEKED

    def get_result(self):
        return self.seek_result()


@register
class VideoSpeedChangedV2(VideoProfileTransformer):
    """The learner changed the playback rate: the new rate as the profile's ``speed`` (``"1.5x"``)."""

    event_names = VideoSpeedChanged.event_names
    family = "video"
    erb = True
    contract = _video_contract(
        ("speed_change_video",),
        extra=(_CURRENT_TIME_SNAKE, Field("data.old_speed", "str", "1.0", read=False),
               Field("data.new_speed", "str", "1.5")),
        where="EventsPlugin.onSpeedChange")
    verb = vocab.INTERACTED

    def get_result(self):
        return self.playhead_result()

    def extra_context_extensions(self):
        extensions = super().extra_context_extensions()
        extensions[Extension.VIDEO_SPEED] = f"{self.event.require('new_speed', str)}x"
        return extensions
