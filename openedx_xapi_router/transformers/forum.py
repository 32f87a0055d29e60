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
from openedx_xapi_router.transformers import registry
from openedx_xapi_router.transformers.base import XapiTransformer, drop_none


def _present(value):
    """``value``, or None when it is empty (``""``, ``{}``, ...); 0 and False are kept."""
    return None if (value != 0 and not value) else value


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


@registry.register
class ThreadCreated(ForumTransformer):
    """A learner started a thread; its ``thread_type`` (discussion, question) is the mode extension."""

    event_names = ("edx.forum.thread.created",)
    contract = Producer(
        repo="openedx/edx-platform",
        path="lms/djangoapps/discussion/django_comment_client/base/views.py",
        commit="2076e3afcd5f2c6e7a1afe1e0780951e5a885a01",
        source="server",
        where="create_thread (track_thread_created_event)",
        fields=(Field("data.id", "str", "64fb2a0b8a4f3c0001a1b2c3"),
            Field("data.url", "str", "http://localhost:18000/courses/course-v1:edX+DemoX+"
                "Demo_Course/discussion/forum/x/threads/64fb2a0b8a4f3c0001a1b2c3",
            read=False),
            Field("data.commentable_id", "str", "course", read=False),
            Field("data.user_forums_roles", "list", ["Student"], read=False),
            Field("data.user_course_roles", "list", [], read=False),
            Field("context.path", "str", "/api/discussion/v1/threads/"),
            Field("data.title", "str", "Welcome!"),
            Field("data.title_truncated", "bool", False, read=False),
            Field("data.body", "str", "Hello",
            read=False),
            Field("data.thread_type", "str", "discussion"),
            Field("data.anonymous", "bool", False, read=False),
            Field("data.group_id", "int|null", None, read=False)),
        evidence=erb_fixture_evidence("edx.forum.thread.created"),
    )
    verb = vocab.POSTED

    def extra_context_extensions(self):
        return drop_none({Extension.MODE: _present(self.event.data_value("thread_type"))})


@registry.register
class ReplyCreated(ForumTransformer):
    """A learner replied to a thread (a response) or to a response (a comment)."""

    event_names = ("edx.forum.response.created", "edx.forum.comment.created")
    contract = Producer(
        repo="openedx/edx-platform",
        path="lms/djangoapps/discussion/django_comment_client/base/views.py",
        commit="2076e3afcd5f2c6e7a1afe1e0780951e5a885a01",
        source="server",
        where="create_comment (track_comment_created_event)",
        fields=(Field("data.id", "str", "64fb2a0b8a4f3c0001a1b2c3"),
            Field("data.url", "str", "http://localhost:18000/courses/course-v1:edX+DemoX+"
                "Demo_Course/discussion/forum/x/threads/64fb2a0b8a4f3c0001a1b2c3",
            read=False),
            Field("data.commentable_id", "str", "course", read=False),
            Field("data.user_forums_roles", "list", ["Student"], read=False),
            Field("data.user_course_roles", "list", [], read=False),
            Field("context.path", "str", "/api/discussion/v1/threads/"),
            Field("data.discussion.id", "str", "64fb29f08a4f3c0001a1b2b0",
            optional=True),
            Field("data.body", "str", "I agree",
            read=False)),
        evidence=erb_fixture_evidence("edx.forum.response.created", "edx.forum.comment.created"),
    )
    verb = vocab.POSTED


@registry.register
class PostEdited(ForumTransformer):
    """A thread, response or comment was edited."""

    event_names = ("edx.forum.thread.edited", "edx.forum.response.edited", "edx.forum.comment.edited")
    contract = Producer(
        repo="openedx/edx-platform",
        path="lms/djangoapps/discussion/django_comment_client/base/views.py",
        commit="2076e3afcd5f2c6e7a1afe1e0780951e5a885a01",
        source="server",
        where="update_thread, update_comment (track_forum_event)",
        fields=(Field("data.id", "str", "64fb2a0b8a4f3c0001a1b2c3"),
            Field("data.url", "str", "http://localhost:18000/courses/course-v1:edX+DemoX+"
                "Demo_Course/discussion/forum/x/threads/64fb2a0b8a4f3c0001a1b2c3",
            read=False),
            Field("data.commentable_id", "str", "course", read=False),
            Field("data.user_forums_roles", "list", ["Student"], read=False),
            Field("data.user_course_roles", "list", [], read=False),
            Field("context.path", "str", "/api/discussion/v1/threads/"),
            Field("data.edit_reason", "str|null", None, read=False),
            Field("data.own_content", "bool", True, read=False),
            Field("data.target_username", "str", "learner42",
            read=False)),
        evidence=erb_fixture_evidence(
            "edx.forum.thread.edited",
            "edx.forum.response.edited",
            "edx.forum.comment.edited",
        ),
    )
    verb = vocab.EDITED


@registry.register
class ThreadViewed(ForumTransformer):
    """A learner opened a thread."""

    event_names = ("edx.forum.thread.viewed",)
    contract = Producer(
        repo="openedx/edx-platform",
        path="lms/djangoapps/discussion/django_comment_client/base/views.py",
        commit="2076e3afcd5f2c6e7a1afe1e0780951e5a885a01",
        source="server",
        where="single_thread (track_thread_viewed_event)",
        fields=(Field("data.id", "str", "64fb2a0b8a4f3c0001a1b2c3"),
            Field("data.url", "str", "http://localhost:18000/courses/course-v1:edX+DemoX+"
                "Demo_Course/discussion/forum/x/threads/64fb2a0b8a4f3c0001a1b2c3",
            read=False),
            Field("data.commentable_id", "str", "course", read=False),
            Field("data.user_forums_roles", "list", ["Student"], read=False),
            Field("data.user_course_roles", "list", [], read=False),
            Field("context.path", "str", "/api/discussion/v1/threads/"),
            Field("data.title", "str", "Welcome!"),
            Field("data.title_truncated", "bool", False, read=False),
            Field("data.target_username", "str", "learner7",
            read=False)),
        evidence=erb_fixture_evidence("edx.forum.thread.viewed"),
    )
    verb = vocab.VIEWED


@registry.register
class PostDeleted(ForumTransformer):
    """A thread, response or comment was deleted."""

    event_names = ("edx.forum.thread.deleted", "edx.forum.response.deleted", "edx.forum.comment.deleted")
    contract = Producer(
        repo="openedx/edx-platform",
        path="lms/djangoapps/discussion/django_comment_client/base/views.py",
        commit="2076e3afcd5f2c6e7a1afe1e0780951e5a885a01",
        source="server",
        where="delete_thread, delete_comment (track_forum_event)",
        fields=(Field("data.id", "str", "64fb2a0b8a4f3c0001a1b2c3"),
            Field("data.url", "str", "http://localhost:18000/courses/course-v1:edX+DemoX+"
                "Demo_Course/discussion/forum/x/threads/64fb2a0b8a4f3c0001a1b2c3",
            read=False),
            Field("data.commentable_id", "str", "course", read=False),
            Field("data.user_forums_roles", "list", ["Student"], read=False),
            Field("data.user_course_roles", "list", [], read=False),
            Field("context.path", "str", "/api/discussion/v1/threads/"),
            Field("data.body", "str", "Hello",
            read=False),
            Field("data.own_content", "bool", True, read=False),
            Field("data.target_username", "str", "learner42",
            read=False)),
        evidence=erb_fixture_evidence(
            "edx.forum.thread.deleted",
            "edx.forum.response.deleted",
            "edx.forum.comment.deleted",
        ),
    )
    verb = vocab.DELETED


@registry.register
class PostVoted(ForumTransformer):
    """A learner voted on a thread or a response; ``vote_value`` (up) is the mode extension."""

    event_names = ("edx.forum.thread.voted", "edx.forum.response.voted")
    contract = Producer(
        repo="openedx/edx-platform",
        path="lms/djangoapps/discussion/django_comment_client/base/views.py",
        commit="2076e3afcd5f2c6e7a1afe1e0780951e5a885a01",
        source="server",
        where="vote_for_thread, vote_for_comment (track_voted_event)",
        fields=(Field("data.id", "str", "64fb2a0b8a4f3c0001a1b2c3"),
            Field("data.url", "str", "http://localhost:18000/courses/course-v1:edX+DemoX+"
                "Demo_Course/discussion/forum/x/threads/64fb2a0b8a4f3c0001a1b2c3",
            read=False),
            Field("data.commentable_id", "str", "course", read=False),
            Field("data.user_forums_roles", "list", ["Student"], read=False),
            Field("data.user_course_roles", "list", [], read=False),
            Field("context.path", "str", "/api/discussion/v1/threads/"),
            Field("data.vote_value", "str", "up"),
            Field("data.undo_vote", "bool", False, read=False),
            Field("data.target_username", "str", "learner7",
            read=False)),
        evidence=erb_fixture_evidence("edx.forum.thread.voted", "edx.forum.response.voted"),
    )
    verb = vocab.VOTED

    def extra_context_extensions(self):
        return drop_none({Extension.MODE: _present(self.event.data_value("vote_value"))})


@registry.register
class PostReported(ForumTransformer):
    """A thread, response or comment was reported as inappropriate."""

    event_names = ("edx.forum.thread.reported", "edx.forum.response.reported", "edx.forum.comment.reported")
    contract = Producer(
        repo="openedx/edx-platform",
        path="lms/djangoapps/discussion/django_comment_client/base/views.py",
        commit="2076e3afcd5f2c6e7a1afe1e0780951e5a885a01",
        source="server",
        where="flag_abuse_for_thread, flag_abuse_for_comment (track_forum_event)",
        fields=(Field("data.id", "str", "64fb2a0b8a4f3c0001a1b2c3"),
            Field("data.url", "str", "http://localhost:18000/courses/course-v1:edX+DemoX+"
                "Demo_Course/discussion/forum/x/threads/64fb2a0b8a4f3c0001a1b2c3",
            read=False),
            Field("data.commentable_id", "str", "course", read=False),
            Field("data.user_forums_roles", "list", ["Student"], read=False),
            Field("data.user_course_roles", "list", [], read=False),
            Field("context.path", "str", "/api/discussion/v1/threads/"),
            Field("data.body", "str", "Spam",
            read=False),
            Field("data.truncated", "bool", False, read=False),
            Field("data.target_username", "str", "learner7",
            read=False)),
        evidence=erb_fixture_evidence(
            "edx.forum.thread.reported",
            "edx.forum.response.reported",
            "edx.forum.comment.reported",
        ),
    )
    verb = vocab.REPORTED


@registry.register
class PostUnreported(ForumTransformer):
    """A report on a thread, response or comment was withdrawn."""

    event_names = ("edx.forum.thread.unreported", "edx.forum.response.unreported", "edx.forum.comment.unreported")
    contract = Producer(
        repo="openedx/edx-platform",
        path="lms/djangoapps/discussion/django_comment_client/base/views.py",
        commit="2076e3afcd5f2c6e7a1afe1e0780951e5a885a01",
        source="server",
        where="un_flag_abuse_for_thread, un_flag_abuse_for_comment (track_forum_event)",
        fields=(Field("data.id", "str", "64fb2a0b8a4f3c0001a1b2c3"),
            Field("data.url", "str", "http://localhost:18000/courses/course-v1:edX+DemoX+"
                "Demo_Course/discussion/forum/x/threads/64fb2a0b8a4f3c0001a1b2c3",
            read=False),
            Field("data.commentable_id", "str", "course", read=False),
            Field("data.user_forums_roles", "list", ["Student"], read=False),
            Field("data.user_course_roles", "list", [], read=False),
            Field("context.path", "str", "/api/discussion/v1/threads/"),
            Field("data.body", "str", "Spam",
            read=False),
            Field("data.reported_status_cleared", "bool", True, read=False),
            Field("data.target_username", "str", "learner7",
            read=False)),
        evidence=erb_fixture_evidence(
            "edx.forum.thread.unreported",
            "edx.forum.response.unreported",
            "edx.forum.comment.unreported",
        ),
    )
    verb = vocab.UNREPORTED
