"""
The distributed backfill's runs, read-only: units done/running/pending/failed, lines, events,
statements and rate (from the units' last checkpoints, as ``transform_tracking_logs --status``
shows them), each unit inline, and an action that resumes the selected runs (the units not done
enqueued again, as ``--resume-run`` does).
"""
from django.contrib import admin, messages

from openedx_xapi_router.backfill import distributed
from openedx_xapi_router.backfill.models import BackfillRun, BackfillUnit


class BackfillUnitInline(admin.TabularInline):
    """A run's units, read-only."""

    model = BackfillUnit
    fields = ("number", "source_name", "start", "end", "state", "offset", "lines", "statements", "attempts",
              "claimed_by", "heartbeat", "lease_until", "last_error")
    readonly_fields = fields
    extra = 0
    can_delete = False
    ordering = ("number",)

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description="source")
    def source_name(self, unit):
        return unit.source.get("name", "?")

    @admin.display(description="lines")
    def lines(self, unit):
        return unit.counts.get("lines", 0)

    @admin.display(description="statements")
    def statements(self, unit):
        return unit.counts.get("statements", 0)


@admin.register(BackfillRun)
class BackfillRunAdmin(admin.ModelAdmin):
    """Distributed backfill runs: how far each is, and a resume action."""

    list_display = ("id", "created", "state", "units_done", "units_running", "units_pending", "units_failed",
                    "lines", "events", "statements", "rate")
    list_filter = ("state",)
    actions = ("resume_runs",)
    fields = ("inputs", "options", "created", "finished", "state", "units_done", "units_running", "units_pending",
              "units_failed", "lines", "events", "statements", "rate")
    readonly_fields = fields
    inlines = (BackfillUnitInline,)

    def has_delete_permission(self, request, obj=None):
        return False  # a run and its units are the record of what was sent

    def has_change_permission(self, request, obj=None):
        # Nothing is edited; the resume action needs the change permission on the list.
        return obj is None and super().has_change_permission(request)

    def has_add_permission(self, request):
        return False  # a run is made by transform_tracking_logs --distribute

    @staticmethod
    def status(run):
        """The run's :class:`~openedx_xapi_router.backfill.distributed.RunStatus`, computed once per row."""
        if not hasattr(run, "_backfill_status"):
            run._backfill_status = distributed.run_status(run)  # pylint: disable=protected-access
        return run._backfill_status  # pylint: disable=protected-access

    @admin.display(description="done")
    def units_done(self, run):
        return self.status(run).units[BackfillUnit.STATE_DONE]

    @admin.display(description="running")
    def units_running(self, run):
        return self.status(run).units[BackfillUnit.STATE_RUNNING]

    @admin.display(description="pending")
    def units_pending(self, run):
        return self.status(run).units[BackfillUnit.STATE_PENDING]

    @admin.display(description="failed")
    def units_failed(self, run):
        return self.status(run).units[BackfillUnit.STATE_FAILED]

    @admin.display(description="lines")
    def lines(self, run):
        return self.status(run).report.lines

    @admin.display(description="events")
    def events(self, run):
        return self.status(run).report.events

    @admin.display(description="statements")
    def statements(self, run):
        return self.status(run).report.statements

    @admin.display(description="lines/s")
    def rate(self, run):
        return f"{self.status(run).lines_per_second:,.0f}"

    @admin.action(description="Resume the selected runs (enqueue their units not done)", permissions=["change"])
    def resume_runs(self, request, queryset):
        """Enqueue again the units not done of each selected run (a failed unit starts again from its checkpoint)."""
        for run in queryset:
            try:
                count = distributed.resume(run)
            except Exception as error:  # pylint: disable=broad-except  # the broker away: said, not hidden
                self.message_user(request, f"Run {run.pk} not resumed: the Celery broker is unavailable "
                                           f"({type(error).__name__}); try again, or run "
                                           f"`transform_tracking_logs --resume-run {run.pk}`.", messages.ERROR)
                continue
            self.message_user(request, f"Run {run.pk}: {count} unit{'' if count == 1 else 's'} enqueued again.",
                              messages.SUCCESS)
