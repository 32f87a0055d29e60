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
from openedx_xapi_router.core.vocab import ActivityType
from openedx_xapi_router.transformers import registry
from openedx_xapi_router.transformers.xblock_events import XBlockTransformer


@registry.register
class PollSubmitted(XBlockTransformer):
    """
    A learner voted in a poll. Object: the poll block, a ``cmi.interaction`` of type ``choice``;
    result: the chosen answer's key.
    """

    event_names = ("xblock.poll.submitted",)
    version = 1
    verb = vocab.ANSWERED
    activity_type = ActivityType.INTERACTION
    interaction_type = "choice"

    def get_result(self):
        return {"response": self.event.require("choice", str)}


@registry.register
class PollResultsViewed(XBlockTransformer):
    """A learner looked at a poll's results: the object is ``<poll IRI>/results``, a resource."""

    event_names = ("xblock.poll.view_results",)
    version = 1
    verb = vocab.VIEWED
    activity_type = ActivityType.RESOURCE

    def get_object(self):
        return {
            "id": f"{self.block_iri(self.usage_key())}/results",
            "objectType": "Activity",
            "definition": {"type": self.activity_type},
        }
