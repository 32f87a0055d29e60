"""
Navigation events from the courseware: a learner followed a link, picked a section in the course
outline, or moved between the units of a subsection.

.. event_name: edx.ui.lms.link_clicked, edx.ui.lms.sequence.outline.selected, edx.ui.lms.outline.selected,
   edx.ui.lms.sequence.{tab_selected,next_selected,previous_selected}, page_close
.. event_version: 1

Payload fields (``data``, emitted by the browser):

- link and outline events: ``target_url`` (where the learner went), ``current_url``; the outline
  events also have ``target_name`` (the chosen block's display name).
- sequence events: ``id`` (the subsection's usage key), ``tab_count`` (its number of units),
  ``current_tab`` (1-based unit the learner was on) and, for ``tab_selected``, ``target_tab``.
- ``page_close``: no payload; the page is the event's ``page`` (see ``docs/beyond_erb.rst``).
"""
from openedx_xapi_router.core import vocab
from openedx_xapi_router.core.contract import Field, Producer, erb_fixture_evidence
from openedx_xapi_router.core.errors import InvalidEvent
from openedx_xapi_router.core.vocab import ActivityType, Extension
from openedx_xapi_router.core.registry import register
from openedx_xapi_router.transformers.base import XapiTransformer
from openedx_xapi_router.transformers.xblock_events import iri_url


@register
class LinkClicked(XapiTransformer):
    """The learner followed a link in the courseware; the object is the link's target URL."""

    event_names = ("edx.ui.lms.link_clicked",)
    family = "navigation"
    erb = True
    contract = Producer(
        repo="openedx/event-routing-backends",
        path="event_routing_backends/processors/tests/fixtures/current/edx.ui.lms.link_clicked.json",
        where="recorded fixture (the courseware script that emits it was not located in the index)", commit="",
        source="browser",
        evidence="the producing JavaScript was not found in the index; event-routing-backends' fixture "
                                   "(shared/xapi/events/edx.ui.lms.link_clicked.json) stands instead",
        fields=(Field("data.current_url", "str", "https://courses.example.org/courses/course-v1:edX+DemoX+"
            "Demo_Course/course/",
        read=False),
                Field("data.target_url", "str", "https://courses.example.org/courses/course-v1:edX+DemoX+"
                    "Demo_Course/jump_to/block-v1:edX+DemoX+Demo_Course+type@sequential+block@6ab9c442")),
    )
    verb = vocab.NAVIGATED

    def get_object(self):
        return self.activity(self.event.require("target_url", str), ActivityType.LINK)


@register
class OutlineSelected(XapiTransformer):
    """The learner picked a block in the course outline; the object is the target, named when known."""

    event_names = ("edx.ui.lms.sequence.outline.selected", "edx.ui.lms.outline.selected")
    family = "navigation"
    erb = True
    contract = Producer(
        repo="openedx/event-routing-backends",
        path="event_routing_backends/processors/tests/fixtures/current/edx.ui.lms.outline.selected.json",
        where="recorded fixture (the courseware script that emits it was not located in the index)", commit="",
        source="browser",
        evidence="the producing JavaScript was not found in the index; event-routing-backends' fixture "
                                   "(shared/xapi/events/edx.ui.lms.outline.selected.json) stands instead",
        fields=(Field("data.current_url", "str", "https://courses.example.org/courses/course-v1:edX+DemoX+"
            "Demo_Course/course/",
        read=False),
                Field("data.target_name", "str", "Lesson 3 - Be Social"),
                Field("data.target_url", "str", "https://courses.example.org/courses/course-v1:edX+DemoX+"
                    "Demo_Course/jump_to/block-v1:edX+DemoX+Demo_Course+type@sequential+block@48ecb924"),
                Field("data.widget_placement", "str", "accordion", read=False)),
    )
    verb = vocab.NAVIGATED

    def get_object(self):
        definition = {"type": ActivityType.MODULE}
        name = self.event.data_value("target_name")
        if name is not None and name != "":
            definition["name"] = {vocab.EN: name}
        return {"id": self.event.require("target_url", str), "objectType": "Activity", "definition": definition}


#: The subsection of the examples.
_SUBSECTION = "block-v1:edX+DemoX+Demo_Course+type@sequential+block@19a30717eff543078a5d94ae9d6c18a5"


def _sequence_contract(event_names, click, *fields):
    """The contract of a unit-bar event (``click``: which one): the subsection and its unit bar, then ``fields``."""
    return Producer(
        repo="openedx/edx-platform",
        path="xmodule/js/src/sequence/display.js",
        commit="edda02ff66c057f6d25a9daef6e654280bddcd83",
        source="browser",
        where=f"Sequence (Logger.log of {click})",
        evidence=erb_fixture_evidence(*event_names),
        fields=(Field("data.id", "str", _SUBSECTION),
                Field("data.current_tab", "int", 4),
                Field("data.tab_count", "int", 10),
                Field("data.widget_placement", "str", "top", read=False),
                *fields),
    )


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
        tab_count = self.event.data.get("tab_count")  # data_value of one key, without the call
        return self.activity(self.block_iri(self.event.require("id", str)), ActivityType.RESOURCE,
                             {Extension.TOTAL_ITEMS: tab_count} if tab_count is not None else {})

    def extra_context_extensions(self):
        # The starting position is left out when absent; the ending point never is (a constant, or
        # a required field).
        current_tab = self.event.data.get("current_tab")
        extensions = {Extension.STARTING_POSITION: current_tab} if current_tab is not None else {}
        extensions[Extension.ENDING_POINT] = self.ending_point()
        return extensions


@register
class SequenceTabSelected(SequenceNavigation):
    """The learner chose a unit in the subsection's unit bar; ``target_tab`` is required."""

    event_names = ("edx.ui.lms.sequence.tab_selected",)
    family = "navigation"
    erb = True
    contract = _sequence_contract(event_names, "the unit tab click", Field("data.target_tab", "int", 8))

    def ending_point(self):
        return self.event.require("target_tab", (int, str))


@register
class SequenceNextSelected(SequenceNavigation):
    """The learner went to the next unit."""

    event_names = ("edx.ui.lms.sequence.next_selected",)
    family = "navigation"
    erb = True
    contract = _sequence_contract(event_names, "the next click")

    def ending_point(self):
        return "next unit"


@register
class SequencePreviousSelected(SequenceNavigation):
    """The learner went to the previous unit."""

    event_names = ("edx.ui.lms.sequence.previous_selected",)
    family = "navigation"
    erb = True
    contract = _sequence_contract(event_names, "the previous click")

    def ending_point(self):
        return "previous unit"


@register
class PageClosed(XapiTransformer):
    """
    The learner left a page (``page_close``: the browser closed it or navigated away). The object
    is the page, its URL without query string or fragment (``page``, the page the browser was
    showing), an Activity Streams ``page``. The event has no payload: how long the page was open is
    not in it.
    """

    event_names = ("page_close",)
    family = "navigation"
    erb = False
    contract = Producer(
        repo="openedx/edx-platform",
        path="common/static/js/src/logger.js",
        commit="8df484d392ecaa0326e1b52cb269d1a02386f157",
        source="browser", where="the window's beforeunload handler (Logger.log('page_close', {}))",
        fields=(Field("page", "str", "https://courses.example.org/courses/course-v1:edX+DemoX+"
            "Demo_Course/courseware/"),),
        evidence="the file was located at this commit but not read (the search budget is shared); the empty "
            "payload and "
                 "the page come from docs/beyond_erb.rst and the tests' real events",
    )
    verb = vocab.EXITED

    def get_object(self):
        page = self.event.page
        if page is None:
            raise InvalidEvent(self.event_name, "page", "required field is missing or empty", kind="missing_field")
        url = iri_url(self.event_name, "page", page.split("#", 1)[0].split("?", 1)[0])
        return {"id": url, "objectType": "Activity", "definition": {"type": ActivityType.PAGE}}
