"""
Caliper ``NavigationEvent``\\ s for courseware navigation, as event-routing-backends'
``navigation_events.py`` gives them.

- a followed link (``edx.ui.lms.link_clicked``) and an outline pick (``edx.ui.lms.outline.selected``):
  the object is the target page, ``data.target_url``, named ``data.target_name`` when given;
- a move between units (``edx.ui.lms.sequence.*``): the object is the subsection (``data.id``), named
  ``Unit``, with ``tab_count``, ``current_tab`` and ``target`` (``next unit``, ``previous unit``, or
  ``data.target_tab``) in its extensions.

The object's ``extensions.isPartOf`` is the course when the event has one. Payload fields and
producer contracts: :mod:`openedx_xapi_router.transformers.navigation`.
"""
from openedx_xapi_router.transformers import navigation
from openedx_xapi_router.core.registry import register
from openedx_xapi_router.transformers.caliper.base import CaliperTransformer
from openedx_xapi_router.transformers.caliper.vocab import Action, EntityType, EventType


class CaliperNavigationTransformer(CaliperTransformer):
    """A navigation event; subclasses give the object's id, type, name and extensions."""

    family = "navigation"
    event_type = EventType.NAVIGATION
    action = Action.NAVIGATED_TO
    object_type = None

    def object_parts(self):
        """``(id, name, extensions)`` of the object."""
        raise NotImplementedError(f"{type(self).__qualname__} must define object_parts()")

    def get_object(self):
        object_id, name, extensions = self.object_parts()
        extensions = {**extensions, **self.course_part()}
        caliper_object = {"id": object_id, "type": self.object_type, "name": name}
        if extensions:
            caliper_object["extensions"] = extensions
        return caliper_object


class CaliperPageTargetTransformer(CaliperNavigationTransformer):
    """The learner went to ``data.target_url``."""

    def object_parts(self):
        return self.data_iri("target_url"), self.data_text("target_name"), {}


@register
class CaliperLinkClicked(CaliperPageTargetTransformer):
    """
    A link in the courseware was followed. The object's type is ``Webpage``, as ERB writes it
    (the Caliper term is ``WebPage``; the validator tolerates ERB's spelling).
    """

    event_names = ("edx.ui.lms.link_clicked",)
    object_type = EntityType.ERB_WEB_PAGE
    contract = navigation.LinkClicked.contract


@register
class CaliperOutlineSelected(CaliperPageTargetTransformer):
    """A block was picked in the course outline (the newer name of the event)."""

    event_names = ("edx.ui.lms.outline.selected",)
    object_type = EntityType.DIGITAL_RESOURCE
    contract = navigation.OutlineSelected.contract


class CaliperSequenceTransformer(CaliperNavigationTransformer):
    """A move inside a subsection (``data.id``); :meth:`target` names where to."""

    object_type = EntityType.DIGITAL_RESOURCE_COLLECTION

    def target(self):
        """Where the learner went: ``data.target_tab`` unless overridden."""
        return self.data("target_tab")

    def object_parts(self):
        object_id = self.iri("xblock", self.event.usage_key("id"))
        extensions = {"tab_count": self.data("tab_count"), "current_tab": self.data("current_tab"),
                      "target": self.target()}
        return object_id, "Unit", extensions


@register
class CaliperSequenceOutlineSelected(CaliperSequenceTransformer):
    """A block was picked in the course outline (the older name: ERB reads it as a sequence event)."""

    event_names = ("edx.ui.lms.sequence.outline.selected",)
    object_type = EntityType.DIGITAL_RESOURCE
    contract = navigation.OutlineSelected.contract


@register
class CaliperSequenceTabSelected(CaliperSequenceTransformer):
    """The learner picked a unit of the subsection (``data.target_tab``)."""

    event_names = ("edx.ui.lms.sequence.tab_selected",)
    contract = navigation.SequenceTabSelected.contract


@register
class CaliperSequenceNextSelected(CaliperSequenceTransformer):
    """The learner went to the next unit."""

    event_names = ("edx.ui.lms.sequence.next_selected",)
    contract = navigation.SequenceNextSelected.contract

    def target(self):
        return "next unit"


@register
class CaliperSequencePreviousSelected(CaliperSequenceTransformer):
    """The learner went to the previous unit."""

    event_names = ("edx.ui.lms.sequence.previous_selected",)
    contract = navigation.SequencePreviousSelected.contract

    def target(self):
        return "previous unit"


TRANSFORMERS = (
    CaliperLinkClicked, CaliperOutlineSelected, CaliperSequenceOutlineSelected, CaliperSequenceTabSelected,
    CaliperSequenceNextSelected, CaliperSequencePreviousSelected,
)
