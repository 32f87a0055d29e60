"""
The tables of a distributed backfill (``transform_tracking_logs --distribute``): the run, and its
units, each one task of the ``backfill_unit`` Celery task.

A unit is claimed by a worker with a conditional UPDATE (see :mod:`.distributed`), holds a lease
its worker renews while it works (the heartbeat), and keeps its checkpoint (byte offset, line,
counts so far) here, written at the run's checkpoint cadence: a unit whose worker died is resumed
from that checkpoint by another worker once the lease has expired.

Registered with the app by :mod:`openedx_xapi_router.models`, which imports this module.
"""
from django.db import models
from django.utils import timezone


class BackfillRun(models.Model):
    """
    One distributed backfill: its inputs as given, how to run them (filters, destination endpoints,
    checkpoint cadence, lease, queue: JSON), and, once every unit is done, the run's counts.

    .. no_pii: Input names, options and counts only.
    """

    STATE_RUNNING = "running"
    STATE_DONE = "done"
    STATE_FAILED = "failed"
    STATE_CHOICES = ((STATE_RUNNING, "Running"), (STATE_DONE, "Done"), (STATE_FAILED, "Failed units"))

    inputs = models.JSONField(help_text="The input arguments as given to the command.")
    options = models.JSONField(
        help_text="Filters, allowed event names, endpoint ids (or dry run), checkpoint cadence, lease, attempts, "
                  "Celery queue; never a credential.",
    )
    created = models.DateTimeField(default=timezone.now)
    finished = models.DateTimeField(null=True, blank=True)
    state = models.CharField(max_length=10, choices=STATE_CHOICES, default=STATE_RUNNING)
    totals = models.JSONField(
        default=dict, blank=True,
        help_text="Every unit's counts merged, written when the last unit ends (the status computes them "
                  "from the units before).",
    )

    class Meta:
        verbose_name = "backfill run"
        ordering = ("-created",)

    def __str__(self):
        return f"backfill run {self.pk} ({self.state})"


class BackfillUnit(models.Model):
    """
    One piece of a run: ``source`` (a file, an S3 object) from byte ``start`` to ``end`` (None: to
    its end), where it stands (``offset``, ``line``, ``counts``: the last checkpoint), who holds it
    and until when.

    .. no_pii: Input names, byte offsets, counts, worker names and error texts of ours.
    """

    STATE_PENDING = "pending"
    STATE_RUNNING = "running"
    STATE_DONE = "done"
    STATE_FAILED = "failed"
    STATE_CHOICES = (
        (STATE_PENDING, "Pending"), (STATE_RUNNING, "Running"), (STATE_DONE, "Done"), (STATE_FAILED, "Failed"),
    )

    run = models.ForeignKey(BackfillRun, on_delete=models.CASCADE, related_name="units")
    number = models.PositiveIntegerField(help_text="The unit's place in the run (0, 1, ...), in input order.")
    source = models.JSONField(help_text="The input: kind, name, size, compression.")
    start = models.BigIntegerField(default=0)
    end = models.BigIntegerField(null=True, blank=True)
    state = models.CharField(max_length=10, choices=STATE_CHOICES, default=STATE_PENDING, db_index=True)
    offset = models.BigIntegerField(default=0, help_text="The next byte to read (last checkpoint).")
    line = models.BigIntegerField(null=True, blank=True, help_text="Lines of the source before offset.")
    counts = models.JSONField(default=dict, blank=True, help_text="The unit's counts at its last checkpoint.")
    attempts = models.PositiveIntegerField(default=0, help_text="Times a worker claimed the unit.")
    claimed_by = models.CharField(max_length=255, blank=True, default="", help_text="The worker holding it.")
    claim = models.CharField(max_length=32, blank=True, default="", editable=False)
    lease_until = models.DateTimeField(null=True, blank=True, help_text="Another worker may take it after this.")
    heartbeat = models.DateTimeField(null=True, blank=True)
    started = models.DateTimeField(null=True, blank=True)
    finished = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True, default="")

    class Meta:
        verbose_name = "backfill unit"
        ordering = ("run", "number")
        constraints = [
            models.UniqueConstraint(fields=("run", "number"), name="xapi_router_backfillunit_unique"),
        ]

    def __str__(self):
        name = self.source.get("name", "?") if isinstance(self.source, dict) else "?"
        return f"unit {self.number} of run {self.run_id}: {name} [{self.start}, {self.end}) {self.state}"
