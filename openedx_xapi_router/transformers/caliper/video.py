"""
Caliper ``MediaEvent``\\ s for the video player's events (browser legacy names and the mobile apps'
``edx.video.*`` names), as event-routing-backends' ``video_events.py`` gives them.

Object: the video block as a ``VideoObject`` with its ``duration`` (``data.duration``; ``P0D`` when
the payload has no ``duration`` key, as ERB writes it). Target: the playhead, a ``MediaLocation``
blank node whose ``currentTime`` is ``data.currentTime``, or ``data.current_time`` when that is
absent or zero (ERB reads ``currentTime or current_time``).

Payload fields are documented in :mod:`openedx_xapi_router.transformers.video`; the producer
contracts are that module's.
"""
from openedx_xapi_router.transformers import video
from openedx_xapi_router.core.registry import register
from openedx_xapi_router.transformers.caliper.base import CaliperTransformer
from openedx_xapi_router.transformers.caliper.vocab import Action, EntityType, EventType


class CaliperVideoTransformer(CaliperTransformer):
    """A player event: the video is the object, the playhead the target."""

    family = "video"
    event_type = EventType.MEDIA

    def get_object(self):
        duration = self.event.data.get("duration", 0)  # ERB: ``data.get('duration', 0)``
        return {
            **({"extensions": self.course_part()} if self.event.course_id else {}),
            "id": self.block_iri("video", "id"),
            "type": EntityType.VIDEO_OBJECT,
            "duration": self.duration("duration", duration),
        }

    def current_time(self, fallback_path):
        """The playhead in seconds: ``data.currentTime``, else ``data.<fallback_path>`` (ERB's ``or``)."""
        seconds = self.data("currentTime") or self.data(fallback_path)
        return self.duration("currentTime", seconds)

    def get_target(self):
        return {"id": "_:MediaLocation", "type": EntityType.MEDIA_LOCATION,
                "currentTime": self.current_time("current_time")}


@register
class CaliperVideoLoaded(CaliperVideoTransformer):
    """The player is ready."""

    event_names = ("load_video", "edx.video.loaded")
    action = Action.STARTED
    contract = video.VideoLoaded.contract


@register
class CaliperVideoPlayed(CaliperVideoTransformer):
    """Playback started or resumed."""

    event_names = ("play_video", "edx.video.played")
    action = Action.RESUMED
    contract = video.VideoPlayed.contract


@register
class CaliperVideoPaused(CaliperVideoTransformer):
    """Playback paused."""

    event_names = ("pause_video", "edx.video.paused")
    action = Action.PAUSED
    contract = video.VideoPaused.contract


@register
class CaliperVideoStopped(CaliperVideoTransformer):
    """Playback reached the end, or was stopped."""

    event_names = ("stop_video", "edx.video.stopped")
    action = Action.ENDED
    contract = video.VideoStopped.contract


@register
class CaliperVideoCompleted(CaliperVideoTransformer):
    """The learner watched the video to its end (a proposed event)."""

    event_names = ("complete_video", "edx.video.completed")
    action = Action.ENDED
    contract = video.VideoCompleted.contract


@register
class CaliperVideoCaptionsShown(CaliperVideoTransformer):
    """The transcript or closed captions were turned on."""

    event_names = ("show_transcript", "edx.video.transcript.shown", "edx.video.closed_captions.shown",
                   "video_show_cc_menu")
    action = Action.ENABLED_CLOSED_CAPTIONING
    contract = video.VideoCaptionsShown.contract


@register
class CaliperVideoCaptionsHidden(CaliperVideoTransformer):
    """The transcript or closed captions were turned off."""

    event_names = ("hide_transcript", "edx.video.transcript.hidden", "edx.video.closed_captions.hidden",
                   "video_hide_cc_menu")
    action = Action.DISABLED_CLOSED_CAPTIONING
    contract = video.VideoCaptionsHidden.contract


@register
class CaliperVideoSeeked(CaliperVideoTransformer):
    """The learner moved the playhead: from ``currentTime`` (or ``old_time``) to ``new_time``."""

    event_names = ("seek_video", "edx.video.position.changed")
    action = Action.JUMPED_TO
    contract = video.VideoSeeked.contract

    def get_target(self):
        return {
            "id": "_:MediaLocation",
            "type": EntityType.MEDIA_LOCATION,
            "currentTime": self.current_time("old_time"),
            "extensions": {"newTime": self.duration("new_time", self.data("new_time"))},
        }


@register
class CaliperVideoSpeedChanged(CaliperVideoTransformer):
    """The learner changed the playback speed (``old_speed``, ``new_speed``: strings, as the player sends them)."""

    event_names = ("speed_change_video",)
    action = Action.CHANGED_SPEED
    contract = video.VideoSpeedChanged.contract

    def extra_extensions(self):
        return {"oldSpeed": self.data("old_speed"), "newSpeed": self.data("new_speed")}


TRANSFORMERS = (
    CaliperVideoLoaded, CaliperVideoPlayed, CaliperVideoPaused, CaliperVideoStopped, CaliperVideoCompleted,
    CaliperVideoCaptionsShown, CaliperVideoCaptionsHidden, CaliperVideoSeeked, CaliperVideoSpeedChanged,
)
