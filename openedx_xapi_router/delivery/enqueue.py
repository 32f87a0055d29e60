"""
What the delivery service needs of Celery, without importing the tasks: their names, their queue,
the worker's retry schedule, and publishing a ``retry_statements`` message.

:mod:`.tasks` (the Celery shells) imports :mod:`.service`; the service schedules retries through
this module, which finds the task by name in the current Celery app (registered by
:mod:`.tasks` in a worker and through ``openedx_xapi_router/tasks.py`` in the LMS), so nothing
imports back.
"""

from openedx_xapi_router.conf import router_settings
from openedx_xapi_router.delivery.policy import RetrySchedule

DELIVER_TASK = "openedx_xapi_router.delivery.deliver_statements"
RETRY_TASK = "openedx_xapi_router.delivery.retry_statements"
REPLAY_TASK = "openedx_xapi_router.delivery.replay_dead_letters"
DEFAULT_QUEUE = "edx.lms.core.xapi_router"


def delivery_queue():
    """The Celery queue of the delivery tasks (``XAPI_ROUTER_CELERY_QUEUE``)."""
    return router_settings.CELERY_QUEUE or DEFAULT_QUEUE


def retry_schedule(retry_limit):
    """The worker's :class:`~.policy.RetrySchedule` (``XAPI_ROUTER_RETRY_BACKOFF_BASE`` / ``_MAX``)."""
    return RetrySchedule(
        retry_limit=retry_limit,
        backoff_base=router_settings.RETRY_BACKOFF_BASE,
        backoff_max=router_settings.RETRY_BACKOFF_MAX,
    )


def publish_retry(endpoint_id, items_json, attempt, countdown):
    """
    Publish a ``retry_statements`` message (``countdown`` seconds from now). The task object of
    the current app when it is registered (``apply_async``: eager in tests), else a message by name.
    """
    from celery import current_app  # pylint: disable=import-outside-toplevel

    args = (endpoint_id, items_json, attempt)
    task = current_app.tasks.get(RETRY_TASK)
    if task is not None:
        return task.apply_async(args=args, countdown=countdown, queue=delivery_queue())
    return current_app.send_task(RETRY_TASK, args=args, countdown=countdown, queue=delivery_queue())
