"""
Discussion forum events: a learner posted, edited, viewed, deleted, voted on, reported or
unreported a thread, a response or a comment.

.. event_name: edx.forum.{thread,response,comment}.{created,edited,deleted,reported,unreported},
   edx.forum.{thread,response}.voted, edx.forum.thread.viewed
.. event_version: 1

Object: the post, a discussion activity whose id is the LMS root, the request path without the
post id, and the post id (``<LMS>/api/discussion/v1/threads/<id>``); named by ``data.title`` when
the post has one. A post inside a discussion thread (``data.discussion.id``) also carries that
thread in ``contextActivities.grouping``.
"""
from openedx_xapi_router.core import vocab
from openedx_xapi_router.core.contract import Field, Producer, erb_fixture_evidence
from openedx_xapi_router.core.errors import InvalidEvent
from openedx_xapi_router.core.vocab import ActivityType, Extension
from openedx_xapi_router.core.registry import register
from openedx_xapi_router.transformers.base import XapiTransformer, drop_none


def _present(value):
    """``value``, or None when it is empty (``""``, ``{}``, ...); 0 and False are kept."""
    return None if (value != 0 and not value) else value


#: The fields ``track_forum_event`` puts in every forum event, before the event's own fields.
_POST_FIELDS = (
    Field("data.id", "str", "64fb2a0b8a4f3c0001a1b2c3"),
    Field("data.url", "str", "http://localhost:18000/courses/course-v1:edX+DemoX+Demo_Course/discussion/forum/x/"
          "threads/64fb2a0b8a4f3c0001a1b2c3", read=False),
    Field("data.commentable_id", "str", "course", read=False),
    Field("data.user_forums_roles", "list", ["Student"], read=False),
    Field("data.user_course_roles", "list", [], read=False),
    Field("context.path", "str", "/api/discussion/v1/threads/"),
)


def _forum_contract(event_names, where, *fields):
    """
    The contract of forum events emitted by ``where`` in the discussion views: the fields every
    forum event has, then ``fields``. Read from event-routing-backends' fixtures of ``event_names``.
    """
    return Producer(
        repo="openedx/edx-platform",
        path="lms/djangoapps/discussion/django_comment_client/base/views.py",
        commit="2076e3afcd5f2c6e7a1afe1e0780951e5a885a01",
        source="server",
        where=where,
        fields=(*_POST_FIELDS, *fields),
        evidence=erb_fixture_evidence(*event_names),
    )


class ForumTransformer(XapiTransformer):
    """Statements whose object is one forum post."""

    version = 1

    def get_object(self):
        post_id = self.event.require("id", str)
        path = self.event.context_value("path")
        if not isinstance(path, str) or not path:
            raise InvalidEvent(self.event.name, "context.path", "required field is missing or empty",
                               kind="missing_field")
        # The path is the API endpoint the learner called; with or without the post id at its end.
        collection = path.rstrip("/").replace(post_id, "").rstrip("/")
        definition = {"type": ActivityType.DISCUSSION}
        title = self.event.text("title")
        if title is not None:
            definition["name"] = {vocab.EN: title}
        return {
            "id": f"{self.ctx.lms_root_url}{collection}/{post_id}",
            "objectType": "Activity",
            "definition": definition,
        }

    def get_context_activities(self):
        activities = super().get_context_activities() or {}
        discussion_id = _present(self.event.data_value("discussion.id"))
        if discussion_id is not None:
            activities["grouping"] = [{
                "id": self.iri("api/discussion/v1/threads", discussion_id),
                "objectType": "Activity",
                "definition": {"type": ActivityType.DISCUSSION},
            }]
        return activities or None


@register
class ThreadCreated(ForumTransformer):
    """A learner started a thread; its ``thread_type`` (discussion, question) is the mode extension."""

    event_names = ("edx.forum.thread.created",)
    family = "forum"
    erb = True
    contract = _forum_contract(
        event_names, "create_thread (track_thread_created_event)",
        Field("data.title", "str", "Welcome!"),
        Field("data.title_truncated", "bool", False, read=False),
        Field("data.body", "str", "Hello", read=False),
        Field("data.thread_type", "str", "discussion"),
        Field("data.anonymous", "bool", False, read=False),
        Field("data.group_id", "int|null", None, read=False),
    )
    verb = vocab.POSTED

    def extra_context_extensions(self):
        return drop_none({Extension.MODE: _present(self.event.data_value("thread_type"))})


@register
class ReplyCreated(ForumTransformer):
    """A learner replied to a thread (a response) or to a response (a comment)."""

    event_names = ("edx.forum.response.created", "edx.forum.comment.created")
    family = "forum"
    erb = True
    contract = _forum_contract(
        event_names, "create_comment (track_comment_created_event)",
        Field("data.discussion.id", "str", "64fb29f08a4f3c0001a1b2b0", optional=True),
        Field("data.body", "str", "I agree", read=False),
    )
    verb = vocab.POSTED


@register
class PostEdited(ForumTransformer):
    """A thread, response or comment was edited."""

    event_names = ("edx.forum.thread.edited", "edx.forum.response.edited", "edx.forum.comment.edited")
    family = "forum"
    erb = True
    contract = _forum_contract(
        event_names, "update_thread, update_comment (track_forum_event)",
        Field("data.edit_reason", "str|null", None, read=False),
        Field("data.own_content", "bool", True, read=False),
        Field("data.target_username", "str", "learner42", read=False),
    )
    verb = vocab.EDITED


@register
class ThreadViewed(ForumTransformer):
    """A learner opened a thread."""

    event_names = ("edx.forum.thread.viewed",)
    family = "forum"
    erb = True
    contract = _forum_contract(
        event_names, "single_thread (track_thread_viewed_event)",
        Field("data.title", "str", "Welcome!"),
        Field("data.title_truncated", "bool", False, read=False),
        Field("data.target_username", "str", "learner7", read=False),
    )
    verb = vocab.VIEWED


@register
class PostDeleted(ForumTransformer):
    """A thread, response or comment was deleted."""

    event_names = ("edx.forum.thread.deleted", "edx.forum.response.deleted", "edx.forum.comment.deleted")
    family = "forum"
    erb = True
    contract = _forum_contract(
        event_names, "delete_thread, delete_comment (track_forum_event)",
        Field("data.body", "str", "Hello", read=False),
        Field("data.own_content", "bool", True, read=False),
        Field("data.target_username", "str", "learner42", read=False),
    )
    verb = vocab.DELETED


@register
class PostVoted(ForumTransformer):
    """A learner voted on a thread or a response; ``vote_value`` (up) is the mode extension."""

    event_names = ("edx.forum.thread.voted", "edx.forum.response.voted")
    family = "forum"
    erb = True
    contract = _forum_contract(
        event_names, "vote_for_thread, vote_for_comment (track_voted_event)",
        Field("data.vote_value", "str", "up"),
        Field("data.undo_vote", "bool", False, read=False),
        Field("data.target_username", "str", "learner7", read=False),
    )
    verb = vocab.VOTED

    def extra_context_extensions(self):
        return drop_none({Extension.MODE: _present(self.event.data_value("vote_value"))})


@register
class PostReported(ForumTransformer):
    """A thread, response or comment was reported as inappropriate."""

    event_names = ("edx.forum.thread.reported", "edx.forum.response.reported", "edx.forum.comment.reported")
    family = "forum"
    erb = True
    contract = _forum_contract(
        event_names, "flag_abuse_for_thread, flag_abuse_for_comment (track_forum_event)",
        Field("data.body", "str", "Spam", read=False),
        Field("data.truncated", "bool", False, read=False),
        Field("data.target_username", "str", "learner7", read=False),
    )
    verb = vocab.REPORTED


@register
class PostUnreported(ForumTransformer):
    """A report on a thread, response or comment was withdrawn."""

    event_names = ("edx.forum.thread.unreported", "edx.forum.response.unreported", "edx.forum.comment.unreported")
    family = "forum"
    erb = True
    contract = _forum_contract(
        event_names, "un_flag_abuse_for_thread, un_flag_abuse_for_comment (track_forum_event)",
        Field("data.body", "str", "Spam", read=False),
        Field("data.reported_status_cleared", "bool", True, read=False),
        Field("data.target_username", "str", "learner7", read=False),
    )
    verb = vocab.UNREPORTED
