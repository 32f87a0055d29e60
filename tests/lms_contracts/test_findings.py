"""
Issue #11's findings 1, 3, 4 and 5, each in the test LMS (``tests/lms_root``: the LMS's module
paths, settings order and Celery app), each failing on the code before the fix.

Contracts (openedx/openedx-platform e57a655d77b614f19223984e9805b1fb940ab192 unless said):

* ``openedx/core/djangoapps/content/course_overviews/api.py``: ``get_course_overviews`` returns
  serializer data, a list of dicts;
* ``openedx/core/djangoapps/external_user_ids/models.py``: ``ExternalId.add_new_user_id(user,
  ExternalIdType.XAPI)`` returns ``(external_id, created)``; event-routing-backends 9.3.8
  ``helpers.get_anonymous_user_id`` returns ``str(external_id.external_user_id)`` of that call;
* ``openedx/core/lib/celery/__init__.py``: the LMS's app runs ``autodiscover_tasks()``, which
  imports ``<app>.tasks`` only;
* ``lms/envs/test.py``: ``CELERY_ALWAYS_EAGER = True``;
* ``lms/envs/production.py`` (commit 8e468527763428d595d4566781b2460b728b07d4): plugins'
  production settings run after the YAML; event-routing-backends 9.3.8
  ``settings/production.py`` replaces ``EVENT_TRACKING_BACKENDS`` with the YAML's.
"""
import importlib.util

import pytest

from tests import lms

ERB_INSTALLED = importlib.util.find_spec("event_routing_backends") is not None

#: A settings module written as operators do it: the LMS's settings, then ``XAPI_ROUTER_ENABLED``
#: (the plugin settings already ran with it False: finding 5b).
LATE_ENABLE_SETTINGS = """
from lms.envs.test import *  # noqa
XAPI_ROUTER_ENABLED = True
XAPI_ROUTER_ENCRYPTION_KEYS = ["a-long-random-string-for-the-test-lms"]
"""

#: The same, with the router's backend named explicitly (so only eager mode is under test).
EXPLICIT_BACKEND_SETTINGS = LATE_ENABLE_SETTINGS + """
EVENT_TRACKING_BACKENDS["xapi_router"] = {
    "ENGINE": "openedx_xapi_router.backends.tracking.XapiRouterBackend", "OPTIONS": {},
}
"""

#: An enrollment as the LMS emits it: ``tracker.emit`` inside the request's context (student
#: models' ``emit_event``, the track middleware's ``edx.request`` context).
EMIT = """
from eventtracking import tracker
request_context = {"username": learner.username, "user_id": learner.id, "course_id": COURSE_ID, "org_id": "edX",
                   "path": "/change_enrollment", "session": "0123456789abcdef", "ip": "127.0.0.1", "host": "localhost",
                   "agent": "pytest", "accept_language": "en", "referer": ""}
with tracker.get_tracker().context("edx.request", request_context):
    tracker.emit("edx.course.enrollment.activated", {"course_id": COURSE_ID, "user_id": learner.id, "mode": "audit"})
"""


def write_settings(tmp_path, name, text):
    """A settings module ``name`` in ``tmp_path`` (the test LMS process runs there, so it is importable)."""
    (tmp_path / f"{name}.py").write_text(text, encoding="utf8")
    return name


def test_course_name_and_learner_id_come_from_the_lms_shapes(tmp_path):
    """
    Finding 1 (and the external id): with the default settings (actor ``lms_external_id``, course
    names ``lms``), an enrollment's statement names the course from the overview's serializer dict
    and the learner by the ``xapi`` external id, the same value ERB's helper gives.
    """
    result, _ = lms.run("""
        from openedx.core.djangoapps.external_user_ids.models import ExternalId, ExternalIdType
        from openedx_xapi_router.core.pipeline import transform_event
        from openedx_xapi_router.resolvers import get_transform_context
        from django.conf import settings
        event = {"name": "edx.course.enrollment.activated", "timestamp": "2026-12-01T10:00:00+00:00",
                 "data": {"course_id": COURSE_ID, "user_id": learner.id, "mode": "audit"},
                 "context": {"course_id": COURSE_ID, "org_id": "edX", "user_id": learner.id, "username": "ada"}}
        statement = transform_event(event, get_transform_context())[0]
        erb_id = None
        try:
            from event_routing_backends.helpers import get_anonymous_user_id
            erb_id = get_anonymous_user_id(learner.id, "XAPI")
        except ImportError:
            pass
        print(json.dumps({
            "statement": statement, "erb_id": erb_id,
            "external_id": str(ExternalId.objects.get(
                user=learner, external_id_type__name=ExternalIdType.XAPI).external_user_id),
            "sources": [settings.XAPI_ROUTER_ACTOR_ID_SOURCE, settings.XAPI_ROUTER_COURSE_NAME_SOURCE],
        }))
    """, tmp_path)
    assert result["sources"] == ["lms_external_id", "lms"]
    statement = result["statement"]
    assert statement["object"]["id"] == "http://localhost:18000/course/course-v1:edX+DemoX+Demo_Course"
    assert statement["object"]["definition"]["name"] == {"en": "Demonstration Course"}
    assert statement["actor"]["account"] == {"homePage": "http://localhost:18000", "name": result["external_id"]}
    if ERB_INSTALLED:
        assert result["erb_id"] == result["external_id"]


def test_an_unknown_course_is_skipped_not_a_bug(tmp_path):
    """An empty serializer list (no overview) is an ``unknown_course`` skip, not a transformer bug."""
    result, _ = lms.run("""
        from openedx_xapi_router.core.errors import EventSkipped
        from openedx_xapi_router.core.pipeline import transform_event
        from openedx_xapi_router.resolvers import get_transform_context
        event = {"name": "edx.course.enrollment.activated", "timestamp": "2026-12-01T10:00:00+00:00",
                 "data": {"course_id": "course-v1:edX+Nope+1", "user_id": learner.id, "mode": "audit"},
                 "context": {"course_id": "course-v1:edX+Nope+1", "org_id": "edX", "user_id": learner.id}}
        try:
            transform_event(event, get_transform_context())
            print(json.dumps("no skip"))
        except EventSkipped as skipped:
            print(json.dumps(skipped.reason))
    """, tmp_path)
    assert result == "unknown_course"


def test_the_lms_celery_app_registers_the_delivery_tasks(tmp_path):
    """
    Finding 3: the LMS's Celery app (``lms.celery``, autodiscovery of ``<app>.tasks`` only) knows
    every task of the router under its name (delivery, retry, the admin's queued replay, the
    distributed backfill's unit), with no ``--include``.
    """
    result, _ = lms.run("""
        from lms.celery import APP
        APP.loader.import_default_modules()
        print(json.dumps(sorted(name for name in APP.tasks if name.startswith("openedx_xapi_router."))))
    """, tmp_path, setup=False)
    assert result == ["openedx_xapi_router.backfill.backfill_unit",
                      "openedx_xapi_router.delivery.deliver_statements",
                      "openedx_xapi_router.delivery.replay_dead_letters",
                      "openedx_xapi_router.delivery.retry_statements"]


def test_enabled_after_the_plugin_settings_ran_still_routes(tmp_path):
    """
    Finding 5b: ``XAPI_ROUTER_ENABLED = True`` after ``from lms.envs.test import *``: at start-up
    the router puts its backend back (settings and the tracker event-tracking already built), logs
    it, and ``manage.py check`` reports no error.
    """
    settings_module = write_settings(tmp_path, "late_enable", LATE_ENABLE_SETTINGS)
    result, process = lms.run("""
        from django.conf import settings
        from django.core import checks
        from eventtracking import tracker
        from openedx_xapi_router.backends.tracking import XapiRouterBackend
        print(json.dumps({
            "settings": sorted(settings.EVENT_TRACKING_BACKENDS),
            "tracker": {name: type(backend).__name__ for name, backend in tracker.get_tracker().backends.items()},
            "errors": [message.id for message in checks.run_checks() if message.level >= checks.ERROR],
        }))
    """, tmp_path, settings=settings_module)
    assert "xapi_router" in result["settings"]
    assert result["tracker"]["xapi_router"] == "XapiRouterBackend"
    assert result["errors"] == []
    assert "had no xAPI router backend" in process.stderr and "(settings+tracker)" in process.stderr


def test_yaml_event_tracking_backends_under_production_settings(tmp_path):
    """
    Finding 5a: the YAML sets ``EVENT_TRACKING_BACKENDS`` and enables the router. The LMS merges it
    into ``tracking_logs``; event-routing-backends' production settings (when installed) replace the
    whole dict with it. Either way the router's backend is in the tracker and the check is clean.
    """
    (tmp_path / "lms.yml").write_text(
        "XAPI_ROUTER_ENABLED: true\n"
        "XAPI_ROUTER_ENCRYPTION_KEYS: [\"a-long-random-string-for-the-test-lms\"]\n"
        "EVENT_TRACKING_BACKENDS:\n"
        "  tracking_logs:\n"
        "    ENGINE: eventtracking.backends.logger.LoggerBackend\n"
        "    OPTIONS: {name: tracking}\n",
        encoding="utf8",
    )
    result, _ = lms.run("""
        from django.conf import settings
        from django.core import checks
        from eventtracking import tracker
        print(json.dumps({
            "tracker": sorted(tracker.get_tracker().backends),
            "errors": [message.id for message in checks.run_checks() if message.level >= checks.ERROR],
        }))
    """, tmp_path, settings="lms.envs.production", LMS_CFG=tmp_path / "lms.yml")
    assert "xapi_router" in result["tracker"]
    assert result["errors"] == []


@pytest.mark.services
def test_eager_mode_delivers_in_process(tmp_path, ralph_lrs, lrs_client):
    """
    Finding 4: under the LMS's test settings (``CELERY_ALWAYS_EAGER``), an emitted event is in
    Ralph when ``emit`` returns: delivered in-process, no broker, no dead letter.
    """
    settings_module = write_settings(tmp_path, "eager_lms", EXPLICIT_BACKEND_SETTINGS)
    result, _ = lms.run(f"""
        from openedx_xapi_router.delivery import sending
        from openedx_xapi_router.models import DeadLetter, LrsEndpoint
        LrsEndpoint.objects.create(name="ralph", statements_url={ralph_lrs.statements_url!r},
                                   auth_type="basic", username={ralph_lrs.username!r}, password={ralph_lrs.password!r})
        ids = []
        original_submit = sending.publisher.submit
        def recording_submit(event):
            ids.extend(statement["id"] for statement in event[3])
            return original_submit(event)
        sending.publisher.submit = recording_submit
        {EMIT.strip().replace(chr(10), chr(10) + ' ' * 8)}
        print(json.dumps({{"ids": ids, "dead_letters": DeadLetter.objects.count(),
                           "eager": sending.counters.get("delivered_eagerly_messages", 0),
                           "published": sending.counters.get("published_messages", 0)}}))
    """, tmp_path, settings=settings_module)
    assert len(result["ids"]) == 1
    assert result["dead_letters"] == 0
    assert result["eager"] == 1
    assert lrs_client.get_statement(result["ids"][0])["verb"]["id"] == "http://adlnet.gov/expapi/verbs/registered"
