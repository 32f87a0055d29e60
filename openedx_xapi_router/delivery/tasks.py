"""
The Celery tasks of delivery: thin shells around :mod:`openedx_xapi_router.delivery.service`
(which never imports this module: it publishes retries through :mod:`.enqueue`).

* ``openedx_xapi_router.delivery.deliver_statements`` (a :class:`BatchingTask`): one message holds
  one or more tracking events' statements, args ``(events,)`` with each event
  ``[endpoint_ids, event_name, transformer_version, statements]``; the worker gathers messages for
  up to a second (or until they hold 500 statements) and delivers them per endpoint in POSTs of the
  endpoint's batch size.
* ``openedx_xapi_router.delivery.retry_statements``: args ``(endpoint_id, items, attempt)``, sent
  with a countdown (exponential back-off with jitter, honouring ``Retry-After``) when an LRS failed
  retryably; after the endpoint's ``retry_limit`` its statements become dead letters.
* ``openedx_xapi_router.delivery.replay_dead_letters``: args ``(dead_letter_ids,)``, queued by the
  admin's "Replay now"; its progress is the rows' state (``replaying``, then ``replayed`` or
  ``pending``).

Arguments are ids and statement JSON only, never credentials: the worker loads the endpoint row.

A message is acknowledged only once each of its statements is delivered, a dead letter, or in a
``retry_statements`` message (see ``docs/decisions/0001-worker-side-batching.rst``):

* every task is acknowledged late, and a message whose pool process died is given back to the
  broker at once (the batching strategy's error callback; ``reject_on_worker_lost`` for the others);
* an error the service could not turn into a dead letter (the database is down, the broker refused
  the retry message) sends the whole message again with a delay (no limit: the statements are
  idempotent); if even that publish fails, the message goes back to its queue, never acknowledged.
"""
import logging
import random
import time

from celery import Task, shared_task
from celery.exceptions import Reject, Retry
from celery.signals import worker_init, worker_ready
from django.db import close_old_connections

from openedx_xapi_router.delivery import service
from openedx_xapi_router.delivery.batching import DONE, REQUEUE, BatchingTask
from openedx_xapi_router.delivery.enqueue import (
    DELIVER_TASK,
    REPLAY_TASK,
    RETRY_TASK,
    delivery_queue,
    retry_schedule,
)
from openedx_xapi_router.delivery.policy import backoff_seconds

log = logging.getLogger(__name__)

#: Seconds a worker waits before putting back a message it could neither process nor re-send.
REQUEUE_PAUSE = 1.0
#: A batch that failed as a whole is sent again between this many seconds from now.
RESEND_MIN_SECONDS = 5.0
RESEND_MAX_SECONDS = 30.0


class DeliveryTask(Task):  # pylint: disable=abstract-method  # a base: each task below defines run
    """Late acknowledgement, given back when the pool process dies, never acknowledged on an error."""

    abstract = True
    acks_late = True
    reject_on_worker_lost = True
    # Not reached (run_safely turns every error into a retry or a reject), but if it ever were, the
    # worker rejects the message instead of acknowledging it.
    acks_on_failure_or_timeout = False
    ignore_result = True

    def run_safely(self, function, *args):
        """``function(*args)``; on any error, re-send this message later, or give it back to the broker."""
        if not self.request.is_eager:  # in a worker, as Celery's Django fixup does around each task
            close_old_connections()
        try:
            return function(*args)
        except (Retry, Reject):
            raise
        except Exception as error:
            if self.request.is_eager:  # run in the caller (tests, task_always_eager): let it see the error
                raise
            attempt = self.request.retries + 1
            log.exception("xapi_router: %s (message %s, attempt %d) failed; the message is sent again later",
                          self.name, self.request.id, attempt)
            service.count_internal_error("task_retried")
            close_old_connections()
            schedule = retry_schedule(retry_limit=0)  # no limit here: the statements are idempotent
            delay = backoff_seconds(attempt, None, base=schedule.backoff_base, cap=schedule.backoff_max)
            try:
                retry = self.retry(exc=error, countdown=delay, max_retries=None, throw=False)
            except Exception:  # pylint: disable=broad-except
                # Task.retry raises Reject(requeue=False) when it cannot publish: never drop it.
                retry = None
            if isinstance(retry, Retry):
                raise retry from error
            log.error("xapi_router: %s (message %s) could not be sent again; putting it back in its queue",
                      self.name, self.request.id)
            time.sleep(REQUEUE_PAUSE)
            raise Reject(error, requeue=True) from error


class DeliverStatementsTask(BatchingTask):
    """
    Batches of tracking events' statements, delivered per endpoint (see :mod:`.batching`). A batch
    that fails as a whole (the database is down, a bug outside the per-endpoint guard) is sent
    again as new messages a little later; if even that fails, its messages go back to the broker.
    """

    flush_every = 500  # statements (a message holds one or more events' statements)
    flush_interval = 1.0
    ignore_result = True

    def weight(self, args):
        """A message weighs the statements it holds."""
        return sum(len(event[3]) for event in args[0])

    def run_batch(self, bodies):
        if self.request.is_eager:  # run in the caller (tests, task_always_eager): let it see any error
            service.deliver_messages(bodies)
            return DONE
        close_old_connections()  # this batch runs outside Celery's task lifecycle, which would do it
        try:
            service.deliver_messages(bodies)
            return DONE
        except Exception:  # pylint: disable=broad-except
            log.exception("xapi_router: a batch of %d messages failed as a whole; they are sent again later",
                          len(bodies))
            service.count_internal_error("batch_resent")
        close_old_connections()
        try:
            delay = random.uniform(RESEND_MIN_SECONDS, RESEND_MAX_SECONDS)
            for (events,) in bodies:
                self.apply_async(args=(events,), countdown=delay, queue=delivery_queue())
            return DONE
        except Exception:  # pylint: disable=broad-except
            log.exception("xapi_router: a failed batch of %d messages could not be sent again; they go back to "
                          "the broker", len(bodies))
            time.sleep(REQUEUE_PAUSE)
            return REQUEUE


@shared_task(base=DeliverStatementsTask, name=DELIVER_TASK, bind=True)
def deliver_statements(self, events):
    """Deliver events' statements to their endpoints (batched by the worker: see BatchingTask)."""
    return self.run_batch([(events,)])


@shared_task(base=DeliveryTask, name=RETRY_TASK, bind=True)
def retry_statements(self, endpoint_id, items, attempt):
    """Send statements again to one endpoint after a retryable failure."""
    return self.run_safely(service.retry_items, endpoint_id, items, attempt)


def _replay(dead_letter_ids):
    from openedx_xapi_router.delivery import replay  # pylint: disable=import-outside-toplevel
    from openedx_xapi_router.models import DeadLetter  # pylint: disable=import-outside-toplevel

    summary = replay.replay_dead_letters(DeadLetter.objects.filter(pk__in=dead_letter_ids))
    return {"summary": str(summary), "delivered": summary.delivered, "still_failing": summary.still_failing}


@shared_task(base=DeliveryTask, name=REPLAY_TASK, bind=True)
def replay_dead_letters(self, dead_letter_ids):
    """Replay these dead letters (the admin's "Replay now"); returns the summary (``summary``, counts)."""
    return self.run_safely(_replay, dead_letter_ids)


@worker_init.connect
def enable_circuit_watchdog(**kwargs):
    """In a worker (and its pool processes, forked later), a slow request opens its endpoint's circuit."""
    from openedx_xapi_router.delivery import circuit  # pylint: disable=import-outside-toplevel

    circuit.enable_watchdog()


@worker_ready.connect
def log_configuration_problems(**kwargs):
    """At worker start-up, log the endpoint configurations this worker cannot use (system checks E005, E009...)."""
    from openedx_xapi_router import checks  # pylint: disable=import-outside-toplevel

    try:
        checks.log_problems(log)
    except Exception:  # pylint: disable=broad-except
        log.exception("xapi_router: the start-up checks failed")
