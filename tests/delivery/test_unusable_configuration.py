"""
A configuration the worker cannot use, on real services: the LMS side (this process) publishes
statements for an endpoint, and a real worker (Redis) whose settings refuse it. Nothing is dropped:
every statement becomes a dead letter with reason ``misconfigured`` and a detail naming the setting,
the endpoint's last error (the status page's alarm) says so, the worker logs the system check at
start-up, and a replay from a process that can use the endpoint delivers everything to Ralph.
"""
import pytest
from cryptography.fernet import Fernet

from openedx_xapi_router.backends.tracking import XapiRouterBackend
from openedx_xapi_router.delivery.replay import replay_dead_letters
from openedx_xapi_router.delivery.status import endpoint_status
from openedx_xapi_router.models import DeadLetter
from tests.delivery.conftest import start_worker, wait_until
from tests.delivery.events import enrollment_event
from tests.delivery.test_live_delivery import in_ralph, statement_ids

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("worker_env,setting,check_id", [
    pytest.param({"XAPI_ROUTER_TEST_ALLOW_INSECURE_HTTP": "0"}, "XAPI_ROUTER_ALLOW_INSECURE_HTTP", "xapi_router.E005",
                 id="http-refused-by-the-worker"),
    pytest.param({"XAPI_ROUTER_TEST_ENCRYPTION_KEYS": Fernet.generate_key().decode()}, "XAPI_ROUTER_ENCRYPTION_KEYS",
                 "xapi_router.E008", id="credentials-the-worker-cannot-decrypt"),
])
def test_an_endpoint_the_worker_cannot_use_becomes_dead_letters(redis_url, routed_to, make_endpoint, lrs_client,
                                                                event_base, tmp_path, worker_env, setting, check_id):
    endpoint = make_endpoint("unusable")  # Ralph's http:// URL and credentials, usable by this process
    worker = start_worker(redis_url, tmp_path, **worker_env)
    try:
        routed_to(worker)
        events = [enrollment_event(event_base + number) for number in range(7)]
        ids = statement_ids(events)
        backend = XapiRouterBackend()
        for event in events:
            backend.send(event)
        wait_until(lambda: DeadLetter.objects.filter(endpoint=endpoint).count() >= 7, 20, message="7 dead letters")
        letters = DeadLetter.objects.filter(endpoint=endpoint)
        assert sorted(letters.values_list("statement_id", flat=True)) == sorted(ids)
        assert set(letters.values_list("reason", flat=True)) == {DeadLetter.REASON_MISCONFIGURED}
        assert all(setting in detail for detail in letters.values_list("detail", flat=True))
        status = endpoint_status(endpoint.__class__.objects.get(pk=endpoint.pk))
        assert status["last_error"].startswith("configuration: ") and setting in status["last_error"]
        assert status["pending_dead_letters"] == 7 and status["failed_last_day"] == 7
        assert in_ralph(lrs_client, ids) == []
        assert check_id in worker.log_tail(300)
    finally:
        worker.stop()
    summary = replay_dead_letters(DeadLetter.objects.all())  # this process can use the endpoint
    assert (summary.selected, summary.delivered, summary.still_failing) == (7, 7, 0)
    assert sorted(in_ralph(lrs_client, ids)) == sorted(ids)
