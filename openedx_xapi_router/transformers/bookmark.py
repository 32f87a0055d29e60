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
from openedx_xapi_router.core.vocab import ActivityType
from openedx_xapi_router.transformers import registry
from openedx_xapi_router.transformers.base import XapiTransformer
from openedx_xapi_router.transformers.xblock_events import iri_key


@registry.register
class BookmarkAdded(XapiTransformer):
    """A learner bookmarked a block; the object is the block, a resource."""

    event_names = ("edx.bookmark.added",)
    version = 1
    verb = vocab.BOOKMARKED

    def get_object(self):
        usage_key = iri_key(self.event_name, "data.component_usage_id", self.event.require("component_usage_id", str))
        return self.block_activity(usage_key, ActivityType.RESOURCE)
