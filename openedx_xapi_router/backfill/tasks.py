"""
The ``backfill_unit`` Celery task: a thin shell around :func:`.distributed.execute`, registered with
the LMS's Celery app through :mod:`openedx_xapi_router.tasks`.

Args ``(unit_pk,)``. Acknowledged late and given back to the broker when its worker process is
lost (``reject_on_worker_lost``), so a unit whose worker died is delivered again; the unit's lease
decides who runs it. A unit held by a live worker, or to be tried again after an error, is sent
again as a new message with a countdown (the unit counts its attempts, not the message). An error
outside the unit (the database away while claiming, the broker refusing the new message) is
logged with its traceback, counted, and the message goes back to its queue.
"""
import logging
import time

from celery import Task, shared_task
from celery.exceptions import Reject
from django.db import close_old_connections

from openedx_xapi_router.backfill import distributed

log = logging.getLogger(__name__)

#: Seconds a worker waits before giving back a message it could not handle.
REQUEUE_PAUSE = 1.0


class BackfillUnitTask(Task):  # pylint: disable=abstract-method  # a base: the task below defines run
    """Late acknowledgement, given back when the pool process dies."""

    abstract = True
    acks_late = True
    reject_on_worker_lost = True
    acks_on_failure_or_timeout = False
    ignore_result = True


@shared_task(base=BackfillUnitTask, name=distributed.BACKFILL_TASK, bind=True)
def backfill_unit(self, unit_pk):
    """Claim, run and checkpoint one unit of a distributed backfill; returns what happened (its kind)."""
    if self.request.is_eager:
        outcome = distributed.execute(unit_pk)
        return outcome.kind
    close_old_connections()
    try:
        outcome = distributed.execute(unit_pk, f"{self.request.hostname or '?'}:{distributed.worker_name()}")
        if outcome.countdown is not None:
            distributed.publish(unit_pk, outcome.queue, countdown=outcome.countdown)
    except Exception as error:
        from openedx_xapi_router.delivery import service  # pylint: disable=import-outside-toplevel

        log.exception("xapi_router: backfill unit %s could not be handled; its message goes back to the queue",
                      unit_pk)
        service.count_internal_error("backfill_task_requeued")
        close_old_connections()
        time.sleep(REQUEUE_PAUSE)
        raise Reject(error, requeue=True) from error
    return outcome.kind
