"""
The Caliper actor in the test LMS (``tests/lms_root``: the LMS's module paths): with the default
settings (``XAPI_ROUTER_ACTOR_ID_SOURCE = "lms_external_id"``), a Caliper event names the learner
``<LMS root>/user/<external id of type caliper>``, as event-routing-backends' Caliper transformer
does, and the xAPI statement of the same event keeps the ``xapi`` one.

Contracts:

* event-routing-backends ``event_routing_backends/processors/caliper/transformer.py``
  (openedx/event-routing-backends 000a1028dfa7e197f079d72d4af2cd92f2722b32; 9.3.8 the same):
  ``_add_actor_info`` sets the actor id to ``self.get_object_iri('user',
  get_anonymous_user_id(self.extract_username_or_userid(), 'CALIPER'))``, and
  ``helpers.get_anonymous_user_id`` returns ``str(ExternalId.add_new_user_id(user,
  getattr(ExternalIdType, 'CALIPER'))[0].external_user_id)``;
* edx-platform ``openedx/core/djangoapps/external_user_ids/models.py`` (openedx/openedx-platform
  e57a655d77b614f19223984e9805b1fb940ab192): ``ExternalIdType.CALIPER = 'caliper'``,
  ``add_new_user_id(user, type_name)`` returns ``(external_id, created)``.
"""
from tests import lms
from tests.lms_contracts.test_findings import ERB_INSTALLED


def test_the_caliper_actor_is_the_learners_caliper_external_id(tmp_path):
    result, _ = lms.run("""
        from openedx.core.djangoapps.external_user_ids.models import ExternalId, ExternalIdType
        from openedx_xapi_router.core.pipeline import transform_event
        from openedx_xapi_router.resolvers import get_transform_context
        event = {"name": "edx.course.enrollment.activated", "timestamp": "2026-12-01T10:00:00+00:00",
                 "data": {"course_id": COURSE_ID, "user_id": learner.id, "mode": "audit"},
                 "context": {"course_id": COURSE_ID, "org_id": "edX", "user_id": learner.id, "username": "ada"}}
        ctx = get_transform_context()
        caliper = transform_event(event, ctx, output_format="caliper")[0]
        statement = transform_event(event, ctx)[0]
        erb_id = None
        try:
            from event_routing_backends.helpers import get_anonymous_user_id
            erb_id = get_anonymous_user_id(learner.id, "CALIPER")
        except ImportError:
            pass
        ids = {name: str(ExternalId.objects.get(user=learner, external_id_type__name=name).external_user_id)
               for name in (ExternalIdType.CALIPER, ExternalIdType.XAPI)}
        print(json.dumps({"caliper_actor": caliper["actor"], "xapi_actor": statement["actor"], "ids": ids,
                          "erb_id": erb_id, "count": ExternalId.objects.filter(user=learner).count()}))
    """, tmp_path)
    ids = result["ids"]
    assert ids["caliper"] != ids["xapi"]
    assert result["caliper_actor"] == {"id": f"http://localhost:18000/user/{ids['caliper']}", "type": "Person"}
    assert result["xapi_actor"]["account"] == {"homePage": "http://localhost:18000", "name": ids["xapi"]}
    assert result["count"] == 2  # one id per type, made on first use
    if ERB_INSTALLED:
        assert result["erb_id"] == ids["caliper"]
