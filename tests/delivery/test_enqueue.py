"""
The service publishes ``retry_statements`` without importing the tasks (``delivery/enqueue.py``):
by the task object when the current app has it registered, else by name, on the real Redis broker.

The message is read back as Celery's task protocol 2 writes it (celery/celery ``celery/app/amqp.py``,
``as_task_v2``: the task name in the ``task`` header, the countdown as the ``eta`` header, the body
``[args, kwargs, embed]``), with kombu's ``SimpleQueue`` on the queue the message was routed to.
"""
import uuid

import pytest
from celery import Celery

from openedx_xapi_router.delivery import enqueue
# Imported to register the tasks:
from openedx_xapi_router.delivery import tasks  # noqa: F401  # pylint: disable=unused-import
from tests.project.celery_app import app as project_app

pytestmark = pytest.mark.services

ITEMS = [[{"id": "3f1c0a6e-0000-4000-8000-000000000001"}, "edx.course.enrollment.activated", "enrollment@1"]]


def read_one(app, queue):
    with app.connection_for_read() as connection:
        simple = connection.SimpleQueue(queue)
        try:
            message = simple.get(timeout=10)
            message.ack()
            return message.headers, message.decode()
        finally:
            simple.close()


@pytest.mark.parametrize("registered", [False, True], ids=["by-name", "task-object"])
def test_publish_retry_reaches_the_queue(settings, redis_url, registered):
    settings.XAPI_ROUTER_CELERY_QUEUE = queue = f"xapi-router-enqueue-{uuid.uuid4().hex[:8]}"
    app = Celery("enqueue-test", broker=redis_url, set_as_current=False)
    app.conf.task_default_queue = "not-this-one"
    app.set_current()
    try:
        if not registered:  # a process that never imported delivery/tasks.py (shared tasks join every app)
            app.tasks.pop(enqueue.RETRY_TASK, None)
        assert (enqueue.RETRY_TASK in app.tasks) is registered
        enqueue.publish_retry(7, ITEMS, 2, countdown=30)
        headers, body = read_one(app, queue)
    finally:
        project_app.set_current()
        app.close()
    assert headers["task"] == "openedx_xapi_router.delivery.retry_statements"
    assert headers["eta"] is not None
    assert body[0] == [7, ITEMS, 2] and body[1] == {}
