"""
Navigation events from the courseware: a learner followed a link, picked a section in the course
outline, or moved between the units of a subsection.

Payload fields (``data``, emitted by the browser):

- link and outline events: ``target_url`` (where the learner went), ``current_url``; the outline
  events also have ``target_name`` (the chosen block's display name).
- sequence events: ``id`` (the subsection's usage key), ``tab_count`` (its number of units),
  ``current_tab`` (1-based unit the learner was on) and, for ``tab_selected``, ``target_tab``.
- ``page_close``: no payload; the page is the event's ``page`` (see ``docs/beyond_erb.rst``).
"""
from openedx_xapi_router.core import vocab
from openedx_xapi_router.core.errors import InvalidEvent
from openedx_xapi_router.core.vocab import ActivityType, Extension
from openedx_xapi_router.transformers import registry
from openedx_xapi_router.transformers.base import XapiTransformer, drop_none
from openedx_xapi_router.transformers.xblock_events import iri_url


@registry.register
class LinkClicked(XapiTransformer):
    """The learner followed a link in the courseware; the object is the link's target URL."""

    event_names = ("edx.ui.lms.link_clicked",)
    verb = vocab.NAVIGATED

    def get_object(self):
        return {
            "id": self.event.require("target_url", str),
            "objectType": "Activity",
            "definition": {"type": ActivityType.LINK},
        }


@registry.register
class OutlineSelected(XapiTransformer):
    """The learner picked a block in the course outline; the object is the target, named when known."""

    event_names = ("edx.ui.lms.sequence.outline.selected", "edx.ui.lms.outline.selected")
    verb = vocab.NAVIGATED

    def get_object(self):
        definition = {"type": ActivityType.MODULE}
        name = self.event.data_value("target_name")
        if name is not None and name != "":
            definition["name"] = {vocab.EN: name}
        return {"id": self.event.require("target_url", str), "objectType": "Activity", "definition": definition}


class SequenceNavigation(XapiTransformer):
    """
    The learner moved between the units of a subsection. The object is the subsection, with its
    number of units; the context has the unit they left and where they went (:meth:`ending_point`).
    """

    verb = vocab.NAVIGATED

    def ending_point(self):
        """Where the learner went: a unit number, or ``"next unit"`` / ``"previous unit"``."""
        raise NotImplementedError(f"{type(self).__qualname__} must define ending_point()")

    def get_object(self):
        return {
            "id": self.block_iri(self.event.require("id", str)),
            "objectType": "Activity",
            "definition": {
                "type": ActivityType.RESOURCE,
                "extensions": drop_none({Extension.TOTAL_ITEMS: self.event.data_value("tab_count")}),
            },
        }

    def extra_context_extensions(self):
        return drop_none({
            Extension.STARTING_POSITION: self.event.data_value("current_tab"),
            Extension.ENDING_POINT: self.ending_point(),
        })


@registry.register
class SequenceTabSelected(SequenceNavigation):
    """The learner chose a unit in the subsection's unit bar; ``target_tab`` is required."""

    event_names = ("edx.ui.lms.sequence.tab_selected",)

    def ending_point(self):
        return self.event.require("target_tab", (int, str))


@registry.register
class SequenceNextSelected(SequenceNavigation):
    """The learner went to the next unit."""

    event_names = ("edx.ui.lms.sequence.next_selected",)

    def ending_point(self):
        return "next unit"


@registry.register
class SequencePreviousSelected(SequenceNavigation):
    """The learner went to the previous unit."""

    event_names = ("edx.ui.lms.sequence.previous_selected",)

    def ending_point(self):
        return "previous unit"


@registry.register
class PageClosed(XapiTransformer):
    """
    The learner left a page (``page_close``: the browser closed it or navigated away). The object
    is the page, its URL without query string or fragment (``page``, the page the browser was
    showing), an Activity Streams ``page``. The event has no payload: how long the page was open is
    not in it.
    """

    event_names = ("page_close",)
    verb = vocab.EXITED

    def get_object(self):
        page = self.event.page
        if page is None:
            raise InvalidEvent(self.event_name, "page", "required field is missing or empty", kind="missing_field")
        url = iri_url(self.event_name, "page", page.split("#", 1)[0].split("?", 1)[0])
        return {"id": url, "objectType": "Activity", "definition": {"type": ActivityType.PAGE}}
