"""
Block completion: the completion service recorded a learner's progress on one block.

.. event_name: edx.completion.block_completion.changed
.. event_version: 1

Payload fields (``data``, a server event from the ``completion`` app):

- ``block_id``: the block's usage key.
- ``completion``: the learner's completion of the block, a number from 0.0 to 1.0.
- ``user_id``, ``course_id``, ``block_type``, ``is_new``: not used in the statement.
"""
from openedx_xapi_router.core import vocab
from openedx_xapi_router.core.contract import Field, Producer
from openedx_xapi_router.core.vocab import ActivityType, Extension
from openedx_xapi_router.core.registry import register
from openedx_xapi_router.transformers.base import XapiTransformer


@register
class BlockCompletionChanged(XapiTransformer):
    """
    The learner progressed on a block. The result's progress is the completion in percent, and the
    result is complete when the completion is 1.0.
    """

    event_names = ("edx.completion.block_completion.changed",)
    family = "completion"
    erb = True
    contract = Producer(
        repo="openedx/event-routing-backends",
        path="event_routing_backends/processors/tests/fixtures/current/edx.completion.block_completion.changed.json",
        where="recorded fixture (the emitting code was not located in the index)", commit="", source="server",
        fields=(Field("data.user_id", "int", 42),
        Field("data.course_id", "str", "course-v1:edX+DemoX+Demo_Course",
        read=False),
                Field("data.context_key", "str", "course-v1:edX+DemoX+Demo_Course", read=False),
                Field("data.block_id", "str", "block-v1:edX+DemoX+Demo_Course+type@problem+"
                    "block@7c54b16c8ed34f9f8772015178c7a175"),
                Field("data.block_type", "str", "problem", read=False), Field("data.completion", "float", 1.0),
                Field("data.is_new", "bool", False, read=False)),
        evidence="the producer was not found in the index; event-routing-backends' fixture "
                 "(shared/xapi/events/edx.completion.block_completion.changed.json) stands instead",
    )
    verb = vocab.PROGRESSED

    def get_object(self):
        return self.block_activity(self.event.require("block_id", str), ActivityType.RESOURCE)

    def get_result(self):
        completion = self.event.require("completion", (int, float))
        return self.vocabulary_result({Extension.PROGRESS: completion * 100}, completion=completion == 1.0)
