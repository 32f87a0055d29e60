"""
PDF textbooks (the LMS's PDF viewer): a learner opened a chapter, reached a page, or searched a
chapter.

.. event_name: textbook.pdf.chapter.navigated, textbook.pdf.page.navigated,
   textbook.pdf.page.scrolled, textbook.pdf.search.executed
.. event_version: 1 (pages, search); 2 (chapter.navigated: verb ``viewed``)

Payload fields (``data``, browser events of the PDF viewer): ``chapter``, the chapter's PDF (an
LMS path such as ``/asset-v1:O+C+R+type@asset+block/ch1.pdf``, or an absolute URL); ``page``, the
page number shown (every event but ``chapter.navigated``); ``chapter_title`` (``chapter.navigated``);
``query``, ``status`` (``""`` found, ``"not found"``), ``caseSensitive``, ``highlightAll``
(``search.executed``); ``direction`` (``page.scrolled``: ``up``/``down``).

Ids: a chapter is its PDF's URL (``<LMS><chapter path>``), an ADL ``file``; a page is that URL with
the standard PDF fragment, ``<chapter URL>#page=<n>``, an Activity Streams ``page``. Page
statements carry the chapter in ``contextActivities.grouping``.

Left unsupported, as viewer-display noise: ``textbook.pdf.zoom.buttons.changed``,
``textbook.pdf.zoom.menu.changed``, ``textbook.pdf.display.scaled``, ``textbook.pdf.outline.toggled``,
``textbook.pdf.thumbnails.toggled`` (how the viewer shows the page, not what the learner read), and
the older HTML-textbook events.
"""
from openedx_xapi_router.core import vocab
from openedx_xapi_router.core.contract import Field, Producer
from openedx_xapi_router.core.vocab import ActivityType
from openedx_xapi_router.core.registry import register
from openedx_xapi_router.transformers.base import XapiTransformer, drop_none
from openedx_xapi_router.transformers.xblock_events import iri_path, iri_url, optional_text, positive_int

#: ``data.status`` of a search -> ``result.success``; other statuses (``pending``) leave it out.
SEARCH_SUCCESS = {"": True, "not found": False, "wrapped": True}


#: The page a page event names (read).
_PAGE = Field("data.page", "int", 3)


def _viewer_contract(event_names, where, *fields):
    """
    The contract of a PDF viewer event: the chapter, then ``fields``, then the event's own name,
    which the viewer repeats in its payload. The viewer's script is not in the search index.
    """
    return Producer(
        repo="openedx/edx-platform", path="(the PDF textbook viewer script; not found in the index)", commit="",
        source="browser",
        evidence="the PDF viewer's code was not found in the index; the Open edX data documentation's textbook.pdf.* "
                 "event list (found in the index) and the tests' real events (tests/transformers/"
                 "test_textbook.py) stand instead",
        where=where,
        fields=(Field("data.chapter", "str", "/asset-v1:edX+DemoX+Demo_Course+type@asset+block/ch1.pdf"),
                *fields,
                Field("data.name", "str", event_names[0], read=False)),
    )


class TextbookTransformer(XapiTransformer):
    """Statements about a PDF textbook chapter or one of its pages."""

    version = 1

    def chapter_iri(self):
        """The chapter PDF's URL: ``<LMS><path>`` for an LMS path, the URL itself for an absolute one."""
        chapter = self.event.require("chapter", str)
        if chapter.startswith(("http://", "https://")):
            return iri_url(self.event_name, "data.chapter", chapter)
        return f"{self.ctx.lms_root_url}{iri_path(self.event_name, 'data.chapter', chapter)}"

    def chapter_activity(self, title=None):
        """The chapter as an Activity (an ADL ``file``), named when ``title`` is known."""
        definition = {"type": ActivityType.FILE}
        if title is not None:
            definition["name"] = {vocab.EN_US: title}
        return {"id": self.chapter_iri(), "objectType": "Activity", "definition": definition}

    def get_object(self):
        return self.chapter_activity()


class PageViewed(TextbookTransformer):
    """The learner reached a page of a chapter, by the page controls or by scrolling; the object is the page."""

    verb = vocab.VIEWED

    def get_object(self):
        return {
            "id": f"{self.chapter_iri()}#page={positive_int(self.event, 'page')}",
            "objectType": "Activity",
            "definition": {"type": ActivityType.PAGE},
        }

    def get_context_activities(self):
        activities = super().get_context_activities() or {}
        activities["grouping"] = [self.chapter_activity()]
        return activities


@register
class PageNavigated(PageViewed):
    """The learner went to a page with the page controls (number box, next, previous)."""

    event_names = ("textbook.pdf.page.navigated",)
    family = "textbook"
    erb = False
    contract = _viewer_contract(event_names, "the viewer's page navigation", _PAGE)


@register
class PageScrolled(PageViewed):
    """The learner scrolled to a page."""

    event_names = ("textbook.pdf.page.scrolled",)
    family = "textbook"
    erb = False
    contract = _viewer_contract(event_names, "the viewer's scroll handler", _PAGE,
                                Field("data.direction", "str", "down", read=False))


@register
class ChapterNavigated(TextbookTransformer):
    """
    The learner opened a chapter; the object is the chapter, named by its title when known.

    Version 2: the verb is ``viewed``, as for the chapter's pages (version 1: DoD ISD's
    ``navigated``). Open edX Aspects reads every ``navigated`` statement as a move through the
    course outline (``navigation_events``): a chapter's PDF is no block of the outline, and the
    statement moved the learner's "last visit" and page engagement (docs/aspects.rst).
    """

    event_names = ("textbook.pdf.chapter.navigated",)
    contract = _viewer_contract(event_names, "the viewer's chapter navigation",
                                Field("data.chapter_title", "str", "Chapter 1", optional=True))
    version = 2
    family = "textbook"
    erb = False
    verb = vocab.VIEWED

    def get_object(self):
        return self.chapter_activity(optional_text(self.event, "chapter_title"))


@register
class SearchExecuted(TextbookTransformer):
    """
    The learner searched a chapter. Object: the chapter; result: the query as the response, and
    whether it was found (``status``; left out while the search is pending).
    """

    event_names = ("textbook.pdf.search.executed",)
    family = "textbook"
    erb = False
    contract = _viewer_contract(
        event_names, "the viewer's search",
        Field("data.page", "int", 3, read=False),
        Field("data.query", "str", "entropy"),
        Field("data.status", "str", "", optional=True),
        Field("data.caseSensitive", "bool", False, read=False),
        Field("data.highlightAll", "bool", True, read=False),
    )
    verb = vocab.SEARCHED

    def get_result(self):
        status = self.event.data_value("status")
        return drop_none({
            "success": SEARCH_SUCCESS.get(status) if isinstance(status, str) else None,
            "response": self.event.require("query", str),
        })
