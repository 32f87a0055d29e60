"""
An error of ours never drops a statement: a bug while delivering to one endpoint makes that
endpoint's statements dead letters (``internal_error``, the traceback's end as detail) and the
other endpoints are still served (real Ralph); a database error is not swallowed: the batch is sent
again as new messages on the real Redis broker, or given back to the broker when even that fails.

The bug and the database error are injected by replacing one of our own functions (the code under
test is everything around it).
"""
import base64
import json
import uuid

import pytest
import redis
from django.db import OperationalError

from openedx_xapi_router.delivery import service, store, tasks
from openedx_xapi_router.delivery.batching import DONE, REQUEUE
from openedx_xapi_router.models import DeadLetter, DeliveryHour
from tests.delivery.events import enrollment_event
from tests.delivery.test_live_delivery import delivered_count, in_ralph
from tests.delivery.test_lrs_answers import items_of
from tests.delivery.test_poison_and_dead_letters import message_events

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


def test_a_bug_for_one_endpoint_dead_letters_its_statements_and_serves_the_other(make_endpoint, lrs_client,
                                                                                 event_base, monkeypatch):
    good = make_endpoint("served")
    broken = make_endpoint("hits-a-bug")
    real_deliver_now = service.deliver_now

    def deliver_now(endpoint, items, attempts=1):
        if endpoint.pk == broken.pk:
            raise KeyError("a bug of ours")
        return real_deliver_now(endpoint, items, attempts)

    monkeypatch.setattr(service, "deliver_now", deliver_now)
    items = items_of([enrollment_event(event_base + number) for number in range(4)])
    events = [[[good.pk, broken.pk], item.event_name, item.transformer_version, [item.statement]] for item in items]
    assert service.deliver_messages([(events,)]) == 4
    ids = [item.statement_id for item in items]
    assert sorted(in_ralph(lrs_client, ids)) == sorted(ids)
    assert delivered_count(good) == 4
    letters = DeadLetter.objects.filter(endpoint=broken)
    assert sorted(letters.values_list("statement_id", flat=True)) == sorted(ids)
    assert set(letters.values_list("reason", flat=True)) == {DeadLetter.REASON_INTERNAL_ERROR}
    assert all("KeyError: 'a bug of ours'" in detail for detail in letters.values_list("detail", flat=True))
    assert DeadLetter.objects.filter(endpoint=good).count() == 0


@pytest.fixture(name="redis_queue")
def redis_queue_fixture(redis_url, settings):
    """A Celery app on the real Redis broker, current, publishing to a queue of this test only."""
    from tests.project.celery_app import app as project_app  # pylint: disable=import-outside-toplevel
    from tests.project.celery_app import make_app  # pylint: disable=import-outside-toplevel

    queue = f"xapi-router-internal-{uuid.uuid4().hex[:10]}"
    settings.XAPI_ROUTER_CELERY_QUEUE = queue
    app = make_app(broker_url=redis_url, queue=queue, set_as_current=True)
    client = redis.Redis.from_url(redis_url)
    yield app, client, queue
    client.delete(queue, f"_kombu.binding.{queue}", f"_kombu.binding_permanent.{queue}")
    client.close()
    app.close()
    project_app.set_current()


def test_a_database_error_sends_the_batch_again_instead_of_acknowledging_it(redis_queue, make_endpoint, event_base,
                                                                            monkeypatch):
    _, client, queue = redis_queue
    items = items_of([enrollment_event(event_base + number) for number in range(3)])

    def count_hour(*args, **kwargs):
        raise OperationalError("(2006, 'MySQL server has gone away')")

    monkeypatch.setattr(store, "count_hour", count_hour)
    first = make_endpoint("database-down-service")
    with pytest.raises(OperationalError):  # not swallowed by the service
        service.deliver_messages([(message_events(first, items),)])
    endpoint = make_endpoint("database-down-task")
    bodies = [(message_events(endpoint, items[:2]),), (message_events(endpoint, items[2:]),)]
    assert tasks.deliver_statements.run_batch(bodies) == DONE  # acknowledged: each message is sent again
    messages = [json.loads(raw) for raw in client.lrange(queue, 0, -1)]
    assert [message["headers"]["task"] for message in messages] == [tasks.DELIVER_TASK] * 2
    assert all(message["headers"]["eta"] for message in messages)  # later, not at once
    sent = sorted(json.dumps(json.loads(base64.b64decode(message["body"]))[0]) for message in messages)
    assert sent == sorted(json.dumps(list(body)) for body in bodies)
    assert DeadLetter.objects.count() == 0


def test_a_batch_that_cannot_be_sent_again_goes_back_to_the_broker(make_endpoint, event_base, monkeypatch, settings):
    from tests.project.celery_app import app as project_app  # pylint: disable=import-outside-toplevel
    from tests.project.celery_app import make_app  # pylint: disable=import-outside-toplevel

    down = make_app(broker_url="redis://127.0.0.1:1/0", queue="nowhere", set_as_current=True)
    down.conf.broker_connection_timeout = 0.5
    down.conf.task_publish_retry = False
    try:
        endpoint = make_endpoint("database-and-broker-down")
        bodies = [(message_events(endpoint, items_of([enrollment_event(event_base)])),)]
        monkeypatch.setattr(store, "count_hour", lambda *args, **kwargs: (_ for _ in ()).throw(
            OperationalError("database down")))
        monkeypatch.setattr(tasks, "REQUEUE_PAUSE", 0.0)
        settings.XAPI_ROUTER_CELERY_QUEUE = "nowhere"
        assert tasks.deliver_statements.run_batch(bodies) == REQUEUE
    finally:
        down.close()
        project_app.set_current()


def test_dead_letters_and_their_failure_count_commit_together(make_endpoint, event_base, monkeypatch):
    """
    The status page reads the dead letters and the hour's failure counter (``DeliveryHour.failed``)
    in separate queries: :func:`service.dead_letter_counted` writes both in one transaction, so a
    reader never sees the letters without their count. Here the counter's write fails: the letters
    written before it are rolled back with it, and the error reaches the caller (whose message is
    then sent again), never swallowed.
    """
    endpoint = make_endpoint("counted-with-its-letters")
    items = items_of([enrollment_event(event_base + number) for number in range(3)])

    def count_hour(*args, **kwargs):
        raise OperationalError("the counter's row is locked")

    monkeypatch.setattr(store, "count_hour", count_hour)
    with pytest.raises(OperationalError, match="locked"):
        service.dead_letter_counted(endpoint.pk, items, DeadLetter.REASON_MISCONFIGURED, detail="unusable")
    assert DeadLetter.objects.filter(endpoint=endpoint).count() == 0
    monkeypatch.undo()
    service.dead_letter_counted(endpoint.pk, items, DeadLetter.REASON_MISCONFIGURED, detail="unusable")
    assert DeadLetter.objects.filter(endpoint=endpoint).count() == 3
    assert DeliveryHour.objects.get(endpoint=endpoint).failed == 3
