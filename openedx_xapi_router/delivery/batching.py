"""
A Celery task base that runs its messages in batches, acknowledged late.

Why our own and not ``celery-batches``: celery-batches 0.11 (its ``Batches`` base, ``flush_every``,
``flush_interval``) is the same idea and acknowledges late when the task sets ``acks_late``, but it
requires ``celery<5.7`` (we run 5.7, and the LMS's pin decides), it flushes on a repeating timer
rather than one second after the first waiting message, and its batch size is capped by the
worker's prefetch limit (``CELERYD_PREFETCH_MULTIPLIER = 1`` in the LMS gives batches of one). This
module is about a hundred lines and does exactly what delivery needs:

* the worker's strategy for the task buffers each incoming message instead of running it;
* the buffer is flushed when its messages weigh ``flush_every`` (a message weighs
  :meth:`BatchingTask.weight`: one by default, its statement count for delivery), or
  ``flush_interval`` seconds after the first message entered it (a quiet site waits at most that
  long);
* a flush hands the message bodies (plain JSON data) to the worker's pool as one call of
  :meth:`BatchingTask.run_batch`; the messages are acknowledged only when that call returns, so a
  worker killed mid-batch leaves them unacknowledged and the broker delivers them again
  (Redis: after ``visibility_timeout``);
* each buffered message raises the consumer's prefetch limit by one (as Celery does for ETA tasks),
  up to ``max_held``, so a batch can be larger than the worker's prefetch setting.

``apply``/eager calls run one message as a batch of one.
"""
import logging
import threading

from celery import Task

log = logging.getLogger(__name__)


def _run_batch(task_name, bodies):
    """Pool target (picklable for prefork): run one batch in the pool process."""
    from celery import current_app  # pylint: disable=import-outside-toplevel

    return current_app.tasks[task_name].run_batch(bodies)


class BatchingTask(Task):
    """
    Base of a task whose messages are processed together by :meth:`run_batch`.

    A message's ``args`` is one item of the batch; :meth:`run_batch` gets the list of ``args``
    tuples and must not raise (log instead): its return ends the batch and acknowledges it.
    """

    abstract = True
    acks_late = True
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
        """Process a list of message ``args`` tuples. Implemented by the task."""
        raise NotImplementedError

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
            log.error("xapi_router: dropping a %s message that is not Celery protocol 2", self.task.name)
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
            if not full and self.timer_ref is None:
                self.timer_ref = self.consumer.timer.call_after(self.task.flush_interval, self.flush)
        if full:
            self.flush()

    def flush(self):
        """Hand the buffered messages to the pool as one batch; acknowledge them when it returns."""
        with self.lock:
            batch, self.buffer, self.weight = self.buffer, [], 0
            if self.timer_ref is not None:
                self.timer_ref.cancel()
                self.timer_ref = None
        if not batch:
            return

        def on_return(_result):
            with self.lock:
                for message, _, raised in batch:
                    if not message.acknowledged:
                        message.ack()
                    if raised:
                        self.consumer.qos.decrement_eventually()
                    self.held -= 1

        self.consumer.pool.apply_async(
            _run_batch, args=(self.task.name, [args for _, args, _ in batch]), callback=on_return,
        )
