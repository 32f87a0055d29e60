"""
Polls (the ``poll`` XBlock): a learner voted, or looked at the results.

.. event_name: xblock.poll.submitted, xblock.poll.view_results
.. event_version: 1

Payload fields (``data``, server events of the poll block's ``vote`` and ``get_results``
handlers): ``submitted`` has ``choice`` (the key of the chosen answer, e.g. ``choice_1``) and
``url_name``; ``view_results`` has none. The block is ``context.module.usage_key``.

The answers' texts are not in the events (only the chosen key), so the statement carries the key.
"""
from openedx_xapi_router.core import vocab
from openedx_xapi_router.core.contract import Field, Producer
from openedx_xapi_router.core.vocab import ActivityType
from openedx_xapi_router.core.registry import register
from openedx_xapi_router.transformers.xblock_events import XBlockTransformer


@register
class PollSubmitted(XBlockTransformer):
    """
    A learner voted in a poll. Object: the poll block, a ``cmi.interaction`` of type ``choice``;
    result: the chosen answer's key.
    """

    event_names = ("xblock.poll.submitted",)
    contract = Producer(
        repo="open-craft/xblock-poll",
        path="poll/poll.py",
        commit="11d3db0a9b0477f702311d641b4a923333816d13",
        source="server",
        where="PollBlock.vote",
        fields=(Field("data.choice", "str", "choice_1"), Field("data.url_name", "str", "6b6cbe5a", read=False),
                Field("context.module.usage_key", "str", "block-v1:edX+DemoX+Demo_Course+type@poll+block@6b6cbe5a"),
            Field("context.module.display_name", "str", "Poll")),
        evidence="the file was located at this commit (open-craft maintains the poll XBlock; openedx's copy is not in "
                 "the index) but not read; the fields are the module docstring's and the tests' real events",
    )
    version = 1
    family = "poll"
    erb = False
    verb = vocab.ANSWERED
    activity_type = ActivityType.INTERACTION
    interaction_type = "choice"

    def get_result(self):
        return {"response": self.event.require("choice", str)}


@register
class PollResultsViewed(XBlockTransformer):
    """A learner looked at a poll's results: the object is ``<poll IRI>/results``, a resource."""

    event_names = ("xblock.poll.view_results",)
    contract = Producer(
        repo="open-craft/xblock-poll",
        path="poll/poll.py",
        commit="11d3db0a9b0477f702311d641b4a923333816d13",
        source="server",
        where="PollBlock.get_results",
        fields=(Field("context.module.usage_key", "str", "block-v1:edX+DemoX+Demo_Course+type@poll+block@6b6cbe5a"),
                Field("context.module.display_name", "str", "Poll", read=False)),
        evidence="the file was located at this commit (open-craft maintains the poll XBlock; openedx's copy is not in "
                 "the index) but not read; the fields are the module docstring's and the tests' real events",
    )
    version = 1
    family = "poll"
    erb = False
    verb = vocab.VIEWED
    activity_type = ActivityType.RESOURCE

    def get_object(self):
        return {
            "id": f"{self.block_iri(self.usage_key())}/results",
            "objectType": "Activity",
            "definition": {"type": self.activity_type},
        }
