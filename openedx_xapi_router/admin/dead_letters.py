"""
The dead-letter store's admin (filter, search and count failed statements; replay or discard them)
and the hourly delivery counts, both read-only.
"""
import json

from celery.result import EagerResult
from django.contrib import admin, messages
from django.db.models import Count
from django.template.response import TemplateResponse
from django.utils.html import format_html

from openedx_xapi_router.models import DeadLetter, DeliveryHour


@admin.register(DeadLetter)
class DeadLetterAdmin(admin.ModelAdmin):
    """
    The dead-letter store: filter, search and count failed statements, replay or discard them.
    Rows are read-only; the statement is shown as JSON.
    """

    change_list_template = "admin/xapi_router/deadletter/change_list.html"
    list_display = (
        "statement_id", "endpoint", "endpoint_name", "event_name", "reason", "http_status", "attempts",
        "first_failed_at", "last_failed_at", "state",
    )
    # "endpoint" offers "(None)" too: the rows of deleted endpoints.
    list_filter = ("endpoint", "endpoint_name", "state", "reason", "event_name", "first_failed_at", "last_failed_at")
    search_fields = ("statement_id", "event_name", "endpoint_name")
    date_hierarchy = "first_failed_at"
    list_select_related = ("endpoint",)
    actions = ("replay_now", "discard")
    fields = (
        "endpoint", "endpoint_name", "statement_id", "event_name", "transformer_version", "state", "reason",
        "http_status", "detail", "attempts", "first_failed_at", "last_failed_at", "statement_json",
    )
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        # A row is never edited; the list's actions (replay, discard) need the change permission.
        return obj is None and super().has_change_permission(request)

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)  # "discard" keeps the row and its history
        return actions

    @admin.display(description="statement")
    def statement_json(self, dead_letter):
        return format_html("<pre>{}</pre>", json.dumps(dead_letter.statement, indent=2, ensure_ascii=False))

    @admin.action(description="Replay the selected dead letters now", permissions=["change"])
    def replay_now(self, request, queryset):
        """
        Queue a replay of the selected pending statements (the ``replay_dead_letters`` task): the web
        request sends nothing to an LRS. The counts above the list show its progress (rows being
        replayed, replayed, pending again).
        """
        from openedx_xapi_router.delivery.service import delivery_queue  # pylint: disable=import-outside-toplevel
        from openedx_xapi_router.delivery.tasks import replay_dead_letters  # pylint: disable=import-outside-toplevel

        pks = list(queryset.filter(state=DeadLetter.STATE_PENDING).values_list("pk", flat=True))
        if not pks:
            self.message_user(request, "Replay: no pending dead letter selected.", messages.WARNING)
            return
        try:
            result = replay_dead_letters.apply_async(args=(pks,), queue=delivery_queue())
        except Exception as error:  # pylint: disable=broad-except
            self.message_user(request, f"Replay not queued: the Celery broker is unavailable ({type(error).__name__}); "
                                       "try again, or run `manage.py replay_failed_statements`.", messages.ERROR)
            return
        if isinstance(result, EagerResult):  # the task ran here, at once (CELERY_TASK_ALWAYS_EAGER)
            done = result.result
            self.message_user(request, f"Replay: {done['summary']}",
                              messages.WARNING if done["still_failing"] else messages.SUCCESS)
            return
        self.message_user(request, f"Replay of {len(pks)} dead letter{'' if len(pks) == 1 else 's'} queued "
                                   f"(task {result.id}); the counts above show its progress.", messages.SUCCESS)

    @admin.action(description="Discard the selected dead letters", permissions=["change"])
    def discard(self, request, queryset):
        """Mark the selected pending dead letters discarded (the rows are kept)."""
        from openedx_xapi_router.delivery.replay import discard_dead_letters  # pylint: disable=import-outside-toplevel

        count = discard_dead_letters(queryset)
        self.message_user(request, f"Discarded {count} dead letter{'' if count == 1 else 's'}.", messages.SUCCESS)

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)
        # A redirect (after an action) or an error page has no change list to count.
        if isinstance(response, TemplateResponse) and "cl" in (response.context_data or {}):
            response.context_data["dead_letter_counts"] = dead_letter_counts(response.context_data["cl"].queryset)
        return response


def dead_letter_counts(queryset):
    """
    Counts of the rows in ``queryset`` by state, and of the pending ones by reason, with labels::

        {"total": 12, "by_state": [("Pending", "pending", 10), ...], "pending_by_reason": [...]}
    """
    queryset = queryset.order_by()
    by_state = dict(queryset.values_list("state").annotate(n=Count("pk")))
    by_reason = dict(
        queryset.filter(state=DeadLetter.STATE_PENDING).values_list("reason").annotate(n=Count("pk"))
    )
    return {
        "total": sum(by_state.values()),
        "by_state": [(label, value, by_state.get(value, 0)) for value, label in DeadLetter.STATE_CHOICES],
        "pending_by_reason": [
            (label, value, by_reason[value]) for value, label in DeadLetter.REASON_CHOICES if by_reason.get(value)
        ],
    }


@admin.register(DeliveryHour)
class DeliveryHourAdmin(admin.ModelAdmin):
    """Hourly delivery counts per endpoint, read-only."""

    list_display = ("hour", "endpoint", "delivered", "failed", "requests")
    list_filter = ("endpoint",)
    date_hierarchy = "hour"
    list_select_related = ("endpoint",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
