"""
Drag and drop problems (the ``drag-and-drop-v2`` XBlock): a learner loaded the problem or dropped
an item on a zone.

.. event_name: edx.drag_and_drop_v2.loaded, edx.drag_and_drop_v2.item.dropped
.. event_version: 1

Object: the drag and drop block (``context.module.usage_key``), a ``cmi.interaction`` of
interaction type ``matching`` (items are matched to zones), named by its display name.

Payload fields (``data``, server events of the XBlock's ``publish_event`` and ``drop_item``
handlers):

- ``loaded``: none.
- ``item.dropped``: ``item_id`` and ``item`` (the item's index and text), ``location_id`` and
  ``location`` (the zone's index and title), ``is_correct`` (standard mode only: assessment-mode
  drops are not judged until the learner submits).

Left unsupported, as browser-side noise: ``item.picked_up`` (every drop that counts follows a pick
up and names the same item), ``feedback.opened`` and ``feedback.closed`` (the feedback pop-up the
block shows after a drop opening and closing).
"""
from openedx_xapi_router.core import vocab
from openedx_xapi_router.core.contract import Field, Producer
from openedx_xapi_router.core.vocab import ActivityType
from openedx_xapi_router.core.registry import register
from openedx_xapi_router.transformers.base import drop_none
from openedx_xapi_router.transformers.xblock_events import XBlockTransformer


class DragAndDropTransformer(XBlockTransformer):
    """Statements whose object is the drag and drop block."""

    version = 1
    activity_type = ActivityType.INTERACTION
    interaction_type = "matching"


@register
class DragAndDropLoaded(DragAndDropTransformer):
    """The problem was loaded in the learner's browser."""

    event_names = ("edx.drag_and_drop_v2.loaded",)
    family = "drag_and_drop"
    erb = False
    contract = Producer(
        repo="openedx/xblock-drag-and-drop-v2",
        path="drag_and_drop_v2/drag_and_drop_v2.py",
        commit="66e8d3517fe8c0db55c1a3907ff253c2a4562a7e",
        source="server",
        where="DragAndDropBlock.publish_event (edx.drag_and_drop_v2.loaded, no payload)",
        fields=(Field("context.module.usage_key", "str", "block-v1:edX+DemoX+Demo_Course+type@drag-and-drop-v2+"
            "block@ad8d2a1b"),
            Field("context.module.display_name", "str", "Drag and Drop")),
        evidence="the file was located at this commit but not read; the fields are the XBlock's own event tests "
                 "(found in the index: item_id, item, location, location_id, is_correct) and the tests' real events",
    )
    verb = vocab.INITIALIZED


@register
class ItemDropped(DragAndDropTransformer):
    """
    A learner dropped an item on a zone. Result: the match in the xAPI ``matching`` response form,
    ``<item id>[.]<zone id>``, and whether it was right (standard mode only).
    """

    event_names = ("edx.drag_and_drop_v2.item.dropped",)
    family = "drag_and_drop"
    erb = False
    contract = Producer(
        repo="openedx/xblock-drag-and-drop-v2",
        path="drag_and_drop_v2/drag_and_drop_v2.py",
        commit="66e8d3517fe8c0db55c1a3907ff253c2a4562a7e",
        source="server",
        where="DragAndDropBlock.drop_item",
        fields=(Field("data.item_id", "int", 0), Field("data.item", "str", "Goes to the top", read=False),
                Field("data.location_id", "str", "top"), Field("data.location", "str", "The Top Zone", read=False),
                Field("data.is_correct", "bool", True, optional=True),
                Field("context.module.usage_key", "str", "block-v1:edX+DemoX+Demo_Course+type@drag-and-drop-v2+"
                    "block@ad8d2a1b"),
            Field("context.module.display_name", "str", "Drag and Drop")),
        evidence="the file was located at this commit but not read; the fields are the XBlock's own event tests "
                 "(found in the index: item_id, item, location, location_id, is_correct) and the tests' real events",
    )
    verb = vocab.ANSWERED

    def get_result(self):
        item = self.event.require("item_id", (int, str))
        zone = self.event.require("location_id", (int, str))
        correct = self.event.flag("is_correct")
        return drop_none({"success": correct, "response": f"{item}[.]{zone}"})
