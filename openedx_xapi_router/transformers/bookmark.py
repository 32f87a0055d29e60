"""
Bookmarks: a learner bookmarked a unit of a course.

.. event_name: edx.bookmark.added
.. event_version: 1

Payload fields (``data``, a server event of the bookmarks API): ``component_usage_id`` (the
bookmarked block's usage key), ``component_type`` (``vertical``, ...), ``bookmark_id``
(``<username>,<usage key>``), ``course_id``.

``edx.bookmark.removed`` and ``edx.bookmark.accessed`` are not transformed: the generator writes
neither, and no statement for them was checked against real events.
"""
from openedx_xapi_router.core import vocab
from openedx_xapi_router.core.contract import Field, Producer
from openedx_xapi_router.core.vocab import ActivityType
from openedx_xapi_router.core.registry import register
from openedx_xapi_router.transformers.base import XapiTransformer
from openedx_xapi_router.transformers.xblock_events import iri_key


@register
class BookmarkAdded(XapiTransformer):
    """A learner bookmarked a block; the object is the block, a resource."""

    event_names = ("edx.bookmark.added",)
    contract = Producer(
        repo="openedx/edx-platform",
        path="openedx/core/djangoapps/bookmarks/api.py",
        where="create_bookmark (_track_event)",
        commit="6efbafd754419a6e2fbe21540469afd7041ec4ff", source="server",
        fields=(Field("data.course_id", "str", "course-v1:edX+DemoX+Demo_Course", read=False),
                Field("data.bookmark_id", "str", "learner42,block-v1:edX+DemoX+Demo_Course+type@vertical+"
                    "block@05c1fa97fd",
                read=False),
                Field("data.component_type", "str", "vertical", read=False),
                Field("data.component_usage_id", "str", "block-v1:edX+DemoX+Demo_Course+type@vertical+"
                    "block@05c1fa97fd")),
        evidence="read: _track_event's payload, through the index's text search (the file's stored version)",
    )
    version = 1
    family = "bookmark"
    erb = False
    verb = vocab.BOOKMARKED

    def get_object(self):
        usage_key = iri_key(self.event_name, "data.component_usage_id", self.event.require("component_usage_id", str))
        return self.block_activity(usage_key, ActivityType.RESOURCE)
