"""
A Celery task base that runs its messages in batches, acknowledged late, that loses no message.

Why our own and not one message per task (see ``docs/decisions/0001-worker-side-batching.rst``):
live traffic publishes small messages (an event or a few per message), and a POST plus the
bookkeeping per message caps a worker far below the LMS's event rate; ``celery-batches`` requires
``celery<5.7`` and caps a batch at the prefetch limit. What it does:

* the worker's strategy for the task buffers each incoming message instead of running it, and
  raises the consumer's prefetch limit by one per buffered message (as Celery does for ETA tasks),
  up to ``max_held``, so a batch can be larger than the worker's prefetch setting;
* the buffer is flushed when its messages weigh ``flush_every`` (a message weighs
  :meth:`BatchingTask.weight`: its statement count for delivery), or ``flush_interval`` seconds
  after the first message entered it;
* a flush hands the message bodies to the worker's pool as one call of
  :meth:`BatchingTask.run_batch`, which returns :data:`DONE` (every message handled: acknowledge
  them) or :data:`REQUEUE` (give them back to the broker);
* when the pool process running the batch dies (SIGKILL, OOM), the pool's error callback gives
  every message of the batch back to the broker at once (``reject(requeue=True)``), not after
  Redis's ``visibility_timeout``;
* on every outcome (done, requeued, process lost) each message's prefetch increment is given back.

Only the death of the worker's main process leaves buffered messages to the broker's own recovery
(RabbitMQ: at once, the connection closes; Redis: after ``visibility_timeout``).

``apply``/eager calls run one message as a batch of one.
"""
import logging
import threading

from celery import Task

# Connects the worker_init handler that makes a Redis worker take messages by an atomic move.
from openedx_xapi_router.delivery import redis_fetch  # noqa: F401  pylint: disable=unused-import

log = logging.getLogger(__name__)

#: :meth:`BatchingTask.run_batch` results: acknowledge the batch's messages, or give them back.
DONE = "done"
REQUEUE = "requeue"


def _run_batch(task_name, bodies):
    """Pool target (picklable for prefork): run one batch in the pool process; never raises."""
    from celery import current_app  # pylint: disable=import-outside-toplevel

    try:
        return current_app.tasks[task_name].run_batch(bodies)
    except Exception:  # pylint: disable=broad-except
        log.exception("xapi_router: a batch of %d %s messages failed; they go back to the broker", len(bodies),
                      task_name)
        return REQUEUE


def _trace(step, task, messages):
    """DEBUG trace of each message's path (buffered, flushed, acknowledged, requeued), with what it holds."""
    if not log.isEnabledFor(logging.DEBUG):
        return
    for message, args in messages:
        try:
            holds = task.describe(args)
        except Exception:  # pylint: disable=broad-except
            holds = "?"
        log.debug("xapi_router batching trace: %s message %s tag %s holds %s", step,
                  message.headers.get("id") if isinstance(message.headers, dict) else None,
                  message.delivery_tag, holds)


class BatchingTask(Task):
    """
    Base of a task whose messages are processed together by :meth:`run_batch`.

    A message's ``args`` is one item of the batch; :meth:`run_batch` gets the list of ``args``
    tuples and returns :data:`DONE` or :data:`REQUEUE`.
    """

    abstract = True
    acks_late = True
    reject_on_worker_lost = True
    #: Flush when the buffered messages weigh this much (see :meth:`weight`).
    flush_every = 500
    #: Seconds from the first buffered message to the flush.
    flush_interval = 1.0
    #: Most messages held (buffered or running) before the prefetch limit stops growing.
    max_held = 2000

    def weight(self, args):
        """How much one message's ``args`` counts towards ``flush_every`` (one message: 1)."""
        return 1

    def run_batch(self, bodies):
        """Process a list of message ``args`` tuples; return :data:`DONE` or :data:`REQUEUE`."""
        raise NotImplementedError

    def describe(self, args):
        """What one message holds, for the DEBUG trace: the ids of the statements its args hold."""
        found, stack = [], [args]
        while stack and len(found) < 1000:
            value = stack.pop()
            if isinstance(value, dict):
                if "verb" in value and isinstance(value.get("id"), str):  # a statement
                    found.append(value["id"])
                else:
                    stack.extend(value.values())
            elif isinstance(value, (list, tuple)):
                stack.extend(reversed(value))
        return ",".join(found)

    def run(self, *args, **kwargs):
        return self.run_batch([args])

    def Strategy(self, task, app, consumer, **kwargs):  # pylint: disable=invalid-name,unused-argument
        """The worker strategy for this task: buffer, then flush by size or time."""
        state = _BatchState(task, consumer)
        return state.on_message


class _BatchState:
    """The buffer of one batching task inside one worker consumer."""

    def __init__(self, task, consumer):
        self.task = task
        self.consumer = consumer
        self.lock = threading.RLock()
        self.buffer = []
        self.weight = 0
        self.timer_ref = None
        self.held = 0

    def on_message(self, message, body, ack, reject, callbacks, **kwargs):  # pylint: disable=unused-argument
        """Buffer one message (the consumer calls this for each message of our task)."""
        try:
            args = message.payload[0] if body is None else body[0]
        except (TypeError, IndexError, KeyError):
            # Not Celery protocol 2: no worker can run it. Kept in the log, whole, then refused.
            log.error("xapi_router: refusing a %s message that is not Celery protocol 2: %r", self.task.name,
                      message.body[:2000] if isinstance(message.body, (bytes, str)) else message.body)
            message.reject(requeue=False)
            return
        with self.lock:
            raised = self.held < self.task.max_held
            if raised:
                self.consumer.qos.increment_eventually()
            self.held += 1
            self.buffer.append((message, tuple(args), raised))
            try:
                self.weight += self.task.weight(args)
            except Exception:  # pylint: disable=broad-except
                self.weight += 1
            full = self.weight >= self.task.flush_every
            _trace("buffered", self.task, [(message, args)])
            if not full and self.timer_ref is None:
                self.timer_ref = self.consumer.timer.call_after(self.task.flush_interval, self.flush)
        if full:
            self.flush()

    def flush(self):
        """Hand the buffered messages to the pool as one batch; settle them when it ends, however it ends."""
        with self.lock:
            batch, self.buffer, self.weight = self.buffer, [], 0
            if self.timer_ref is not None:
                self.timer_ref.cancel()
                self.timer_ref = None
        if not batch:
            return

        def settle(requeue):
            _trace("requeued" if requeue else "acknowledged", self.task,
                   [(message, args) for message, args, _ in batch])
            with self.lock:
                for message, _, raised in batch:
                    if not message.acknowledged:
                        if requeue:
                            message.reject(requeue=True)
                        else:
                            message.ack()
                    if raised:
                        self.consumer.qos.decrement_eventually()
                    self.held -= 1

        def on_return(result):
            settle(requeue=result != DONE)

        def on_error(exc_info):
            log.error("xapi_router: the pool process running a batch of %d %s messages was lost (%s); they go "
                      "back to the broker", len(batch), self.task.name, getattr(exc_info, "exception", exc_info))
            settle(requeue=True)

        _trace("flushed", self.task, [(message, args) for message, args, _ in batch])
        self.consumer.pool.apply_async(
            _run_batch, args=(self.task.name, [args for _, args, _ in batch]), callback=on_return,
            error_callback=on_error,
        )
