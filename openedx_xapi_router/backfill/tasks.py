"""
The ``backfill_unit`` Celery task: a thin shell around :func:`.distributed.execute`, registered with
the LMS's Celery app through :mod:`openedx_xapi_router.tasks`.

Args ``(unit_pk,)``. Its base is the delivery tasks' :class:`~openedx_xapi_router.delivery.tasks.DeliveryTask`
(one policy for the router's messages): acknowledged late, given back to the broker when its
worker process is lost (``reject_on_worker_lost``), so a unit whose worker died is delivered
again, and the unit's lease decides who runs it; an error outside the unit (the database away
while claiming, the broker refusing a message) is logged with its traceback, counted, and the
message sent again later or given back to its queue (``run_safely``).

A unit held by a live worker, or to be tried again after an error in it, is sent again as a new
message with a countdown (the unit counts its attempts, not the message). Run eagerly (tests,
``CELERY_TASK_ALWAYS_EAGER``), nothing is sent again: the unit stays pending for ``--resume-run``.
"""
from celery import shared_task

from openedx_xapi_router.backfill import distributed
from openedx_xapi_router.delivery.tasks import DeliveryTask


def _handle(unit_pk, worker, eager):
    outcome = distributed.execute(unit_pk, worker)
    if outcome.countdown is not None and not eager:
        distributed.publish(unit_pk, outcome.queue, countdown=outcome.countdown)
    return outcome.kind


@shared_task(base=DeliveryTask, name=distributed.BACKFILL_TASK, bind=True)
def backfill_unit(self, unit_pk):
    """Claim, run and checkpoint one unit of a distributed backfill; returns what happened (its kind)."""
    eager = bool(self.request.is_eager)
    worker = distributed.worker_name() if eager else f"{self.request.hostname or '?'}:{distributed.worker_name()}"
    return self.run_safely(_handle, unit_pk, worker, eager)
