"""
The Celery tasks of delivery: thin shells around :mod:`openedx_xapi_router.delivery.service`.

* ``openedx_xapi_router.delivery.deliver_statements`` (a :class:`BatchingTask`): one message holds
  one or more tracking events' statements, args ``(events,)`` with each event
  ``[endpoint_ids, event_name, transformer_version, statements]``; the worker gathers messages for
  up to a second (or until they hold 500 statements) and delivers them per endpoint in POSTs of the
  endpoint's batch size.
* ``openedx_xapi_router.delivery.retry_statements``: args ``(endpoint_id, items, attempt)``, sent
  with a countdown (exponential back-off with jitter, honouring ``Retry-After``) when an LRS failed
  retryably; after the endpoint's ``retry_limit`` its statements become dead letters.

Arguments are ids and statement JSON only, never credentials: the worker loads the endpoint row.
Both tasks are acknowledged late and idempotent (statement ids are deterministic: an LRS answers
204 or 409 to a statement it already holds, which counts as delivered).
"""
import logging

from celery import shared_task
from django.db import close_old_connections

from openedx_xapi_router.delivery import service
from openedx_xapi_router.delivery.batching import BatchingTask

log = logging.getLogger(__name__)

DELIVER_TASK = "openedx_xapi_router.delivery.deliver_statements"
RETRY_TASK = "openedx_xapi_router.delivery.retry_statements"


class DeliverStatementsTask(BatchingTask):
    """Batches of tracking events' statements, delivered per endpoint."""

    flush_every = 500  # statements (a message holds one or more events' statements)
    flush_interval = 1.0

    def weight(self, args):
        """A message weighs the statements it holds."""
        return sum(len(event[3]) for event in args[0])

    def run_batch(self, bodies):
        close_old_connections()  # this batch runs outside Celery's task lifecycle, which would do it
        try:
            return service.deliver_messages(bodies)
        except Exception:  # pylint: disable=broad-except
            # service.deliver_messages handles each endpoint on its own; reaching here is a bug or a
            # database outage. The messages are acknowledged (a redelivery loop would not help): log loudly.
            log.exception("xapi_router: a batch of %d messages could not be processed", len(bodies))
            return None


@shared_task(base=DeliverStatementsTask, name=DELIVER_TASK, bind=True, ignore_result=True)
def deliver_statements(self, events):
    """Deliver events' statements to their endpoints (batched by the worker: see BatchingTask)."""
    return self.run_batch([(events,)])


@shared_task(name=RETRY_TASK, acks_late=True, ignore_result=True)
def retry_statements(endpoint_id, items, attempt):
    """Send statements again to one endpoint after a retryable failure."""
    return service.retry_items(endpoint_id, items, attempt)
