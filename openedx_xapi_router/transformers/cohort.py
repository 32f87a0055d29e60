"""
Cohorts: a cohort was created in a course, or a learner was put in one.

.. event_name: edx.cohort.created, edx.cohort.user_added
.. event_version: 2 (version 1 read the name from ``name``, which no producer sends)

Payload fields (``data``, server events of edx-platform's ``course_groups`` receivers, see the
classes' ``contract``): ``cohort_id`` (an integer), ``cohort_name`` (the cohort's name);
``user_added`` also has ``user_id`` (the learner added). The tracking-log generator wrote the name
as ``name``; no Open edX code ever did, so version 1's reading is not kept.

Object: the cohort, ``<LMS>/course/<course key>/cohort/<cohort id>``, an Activity Streams
``group`` named by the cohort's name.

Actors: ``user_added`` is the learner's statement (``data.user_id``; staff may have added them).
``created`` is the statement of whoever the event names: a member of staff, or, for a cohort the
LMS creates automatically, the learner whose first assignment created it. The event does not say
which, so the statement cannot either.
"""
from openedx_xapi_router.core import vocab
from openedx_xapi_router.core.contract import Field, Producer
from openedx_xapi_router.core.errors import InvalidEvent
from openedx_xapi_router.core.vocab import ActivityType
from openedx_xapi_router.core.registry import register
from openedx_xapi_router.transformers.base import XapiTransformer
from openedx_xapi_router.transformers.xblock_events import optional_text


class CohortTransformer(XapiTransformer):
    """Statements whose object is a cohort of the event's course."""

    version = 2

    def get_object(self):
        if not self.event.course_id:
            raise InvalidEvent(self.event_name, "context.course_id", "required field is missing or empty",
                               kind="missing_field")
        cohort_id = self.event.require("cohort_id", int)
        definition = {"type": ActivityType.GROUP}
        name = optional_text(self.event, "cohort_name")
        if name is not None:
            definition["name"] = {vocab.EN_US: name}
        return {"id": f"{self.course_iri()}/cohort/{cohort_id}", "objectType": "Activity", "definition": definition}


@register
class CohortCreated(CohortTransformer):
    """A cohort was created."""

    event_names = ("edx.cohort.created",)
    family = "cohort"
    erb = False
    contract = Producer(
        repo="openedx/edx-platform",
        path="openedx/core/djangoapps/course_groups/cohorts.py",
        where="_cohort_added (post_save of CourseUserGroup)",
        commit="aab1cea11910e8daec4944d6ad07781c1dfc92ba", source="server",
        fields=(Field("data.cohort_id", "int", 7), Field("data.cohort_name", "str", "Group B")),
        evidence="read: the emitting receiver's payload, through the index's text search (the file's stored version)",
    )
    verb = vocab.CREATED


@register
class CohortUserAdded(CohortTransformer):
    """A learner was put in a cohort: they joined it."""

    event_names = ("edx.cohort.user_added",)
    family = "cohort"
    erb = False
    contract = Producer(
        repo="openedx/edx-platform",
        path="openedx/core/djangoapps/course_groups/cohorts.py",
        where="_cohort_membership_changed (m2m_changed, post_add)",
        commit="aab1cea11910e8daec4944d6ad07781c1dfc92ba", source="server",
        fields=(Field("data.cohort_id", "int", 7),
        Field("data.cohort_name", "str", "Group B"),
        Field("data.user_id", "int", 42)),
        evidence="read: the emitting receiver's payload, through the index's text search (the file's stored version)",
    )
    verb = vocab.JOINED
