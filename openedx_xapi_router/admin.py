"""
Django admin for the router: LRS endpoints, their status page, the dead-letter store and the
hourly delivery counts.

The admin is a thin shell: it edits rows and calls the delivery code's public functions
(``test_connection``, ``endpoint_status``, ``replay_dead_letters``, ``discard_dead_letters``),
which ``manage.py lrs_endpoints`` and ``manage.py replay_failed_statements`` call as well.

Credentials are write-only: the password and token inputs never render a stored (or a just typed)
value; a blank input keeps the stored secret, a "clear" checkbox removes it. They are bound to the
origin of the statements URL (``LrsEndpoint.bind_credentials``): moving the URL to another origin
clears those not typed again, and the admin says so. Only users who may change an endpoint may
make the router send its credentials ("Test connection").
"""
import json

import django
from celery.result import EagerResult
from django import forms
from django.contrib import admin, messages
from django.contrib.admin.widgets import AdminURLFieldWidget
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.html import format_html
from django.views.decorators.debug import sensitive_post_parameters

from openedx_xapi_router.fields import LrsUrlFormField, LrsUrlValidator
from openedx_xapi_router.models import DeadLetter, DeliveryHour, LrsEndpoint

# The write-only secrets of an endpoint, and the label of each in messages.
SECRET_FIELDS = {"password": "password", "token": "bearer token"}


def run_test_connection(endpoint):
    """``(ok, message)`` from the delivery code's connection test of ``endpoint``."""
    from openedx_xapi_router.delivery.client import test_connection  # pylint: disable=import-outside-toplevel

    return test_connection(endpoint)


def get_live_errors():
    """The live path's errors of the last 24 hours (see ``delivery/live_errors.py``)."""
    from openedx_xapi_router.delivery.live_errors import summary  # pylint: disable=import-outside-toplevel

    return summary()


def get_endpoint_status(endpoint):
    """The delivery code's status dict of ``endpoint`` (see ``delivery/status.py``)."""
    from openedx_xapi_router.delivery.status import endpoint_status  # pylint: disable=import-outside-toplevel

    return endpoint_status(endpoint)


def get_delivery_charts(endpoint):
    """The status page's hourly charts of ``endpoint`` (see ``delivery/chart.py``)."""
    from openedx_xapi_router.delivery.chart import delivery_charts  # pylint: disable=import-outside-toplevel

    return delivery_charts(endpoint)


class LrsEndpointForm(forms.ModelForm):
    """
    The endpoint form, with write-only credentials.

    The ``password`` and ``token`` inputs never render a value, so the stored secrets never reach
    the page. Blank keeps the stored value; ``clear_password``/``clear_token`` removes it; anything
    typed replaces it.
    """

    statements_url = LrsUrlFormField(
        max_length=500, help_text=LrsEndpoint._meta.get_field("statements_url").help_text,
        # Wide enough to read a whole statements URL (the admin's default input is 20em).
        widget=AdminURLFieldWidget(attrs={"class": "vURLField", "style": "width: 60em; max-width: 95%"},
                                   validator_class=LrsUrlValidator),
        # A URL typed without a scheme becomes https:// (Django 6's default; 4.2 has no such option).
        **({"assume_scheme": "https"} if django.VERSION >= (5, 0) else {}),
    )
    password = forms.CharField(
        required=False, strip=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
    )
    clear_password = forms.BooleanField(required=False, label="Clear the stored password")
    token = forms.CharField(
        required=False, strip=False, widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
        label="Bearer token",
    )
    clear_token = forms.BooleanField(required=False, label="Clear the stored token")

    class Meta:
        model = LrsEndpoint
        fields = (
            "name", "statements_url", "enabled", "auth_type", "username", "xapi_version", "batch_size", "timeout",
            "retry_limit", "allowed_event_names", "denied_event_names", "orgs", "courses",
        )
        widgets = {
            "username": forms.TextInput(attrs={"autocomplete": "off", "size": 40}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, label in SECRET_FIELDS.items():
            stored = bool(self.instance.pk and getattr(self.instance, name))
            self.fields[name].help_text = (
                f"A {label} is stored (encrypted; never shown). Leave blank to keep it, type a new one to "
                "replace it." if stored else f"No {label} is stored. Encrypted at rest; never shown again."
            )
            self.fields[f"clear_{name}"].disabled = not stored

    def clean(self):
        """
        Turn each secret input into the value to store: the stored one (blank), a new one (typed)
        or "" (clear). The admin puts these fields in the model form, so the cleaned value is what
        gets saved.
        """
        cleaned = super().clean()
        for name, label in SECRET_FIELDS.items():
            stored = getattr(self.instance, name) if self.instance.pk else ""
            typed = cleaned.get(name) or ""
            if cleaned.get(f"clear_{name}"):
                if typed:
                    self.add_error(f"clear_{name}", f"Either type a new {label} or clear it, not both.")
                cleaned[name] = ""
            else:
                cleaned[name] = typed or stored
                if typed:  # typed again for a new origin: kept (the model clears what was not)
                    self.instance.credentials_entered.add(name)
        if "username" in self.changed_data:
            self.instance.credentials_entered.add("username")
        return cleaned


@admin.register(LrsEndpoint)
class LrsEndpointAdmin(admin.ModelAdmin):
    """LRS endpoints: write-only credentials, a connection test and a status page per endpoint."""

    form = LrsEndpointForm
    list_display = (
        "name", "statements_url", "enabled", "auth_type", "batch_size", "last_success_at", "last_failure_at",
        "pending_dead_letters", "status_link",
    )
    list_filter = ("enabled", "auth_type")
    search_fields = ("name", "statements_url")
    readonly_fields = ("credentials_origin", "last_success_at", "last_failure_at", "last_error", "created", "modified")
    actions = ("test_connection",)
    fieldsets = (
        (None, {"fields": ("name", "statements_url", "enabled")}),
        ("Authentication", {
            "fields": ("auth_type", "username", "password", "clear_password", "token", "clear_token",
                       "credentials_origin"),
            "description": "Credentials are encrypted in the database and never shown again. They are only sent "
                           "to the origin (scheme, host, port) they were entered for: changing the statements "
                           "URL's origin clears them unless you type them again.",
        }),
        ("Delivery", {"fields": ("xapi_version", "batch_size", "timeout", "retry_limit")}),
        ("Filters", {
            "fields": ("allowed_event_names", "denied_event_names", "orgs", "courses"),
            "description": 'JSON lists of strings, e.g. ["edx.video.played"]; [] means no filter.',
        }),
        ("Health", {"fields": ("last_success_at", "last_failure_at", "last_error", "created", "modified")}),
    )

    def get_fieldsets(self, request, obj=None):
        """
        For a user who may only view endpoints, the admin would show every field's value read-only,
        secrets included: show whether each secret is stored instead.
        """
        fieldsets = super().get_fieldsets(request, obj)
        if self.has_change_permission(request, obj):
            return fieldsets
        swap = {"password": "password_stored", "token": "token_stored", "clear_password": None, "clear_token": None}
        return [
            (title, {**options, "fields": [swap.get(field, field) for field in options["fields"]
                                           if swap.get(field, field) is not None]})
            for title, options in fieldsets
        ]

    def get_readonly_fields(self, request, obj=None):
        readonly = super().get_readonly_fields(request, obj)
        return readonly if self.has_change_permission(request, obj) else (*readonly, "password_stored", "token_stored")

    @admin.display(description="password")
    def password_stored(self, endpoint):
        return "stored (never shown)" if endpoint.password else "none"

    @admin.display(description="bearer token")
    def token_stored(self, endpoint):
        return "stored (never shown)" if endpoint.token else "none"

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if obj.credentials_cleared:
            labels = {"username": "username", **SECRET_FIELDS}
            self.message_user(
                request,
                f"The statements URL now points to {obj.origin}, not to the origin its credentials were entered "
                f"for: the stored {', '.join(labels[name] for name in obj.credentials_cleared)} "
                f"{'was' if len(obj.credentials_cleared) == 1 else 'were'} cleared. Enter them again for this LRS.",
                messages.WARNING,
            )

    @method_decorator(sensitive_post_parameters(*SECRET_FIELDS))
    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        # Error reports (DEBUG pages, admin error emails) never show the typed secrets.
        return super().changeform_view(request, object_id, form_url, extra_context)

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(
            pending_count=Count("dead_letters", filter=Q(dead_letters__state=DeadLetter.STATE_PENDING)),
        )

    @admin.display(description="pending dead letters", ordering="pending_count")
    def pending_dead_letters(self, endpoint):
        count = endpoint.pending_count
        if not count:
            return 0
        url = reverse("admin:xapi_router_deadletter_changelist")
        return format_html(
            '<a href="{}?endpoint__id__exact={}&amp;state__exact={}">{}</a>',
            url, endpoint.pk, DeadLetter.STATE_PENDING, count,
        )

    @admin.display(description="status")
    def status_link(self, endpoint):
        url = reverse("admin:xapi_router_lrsendpoint_status", args=[endpoint.pk])
        return format_html('<a href="{}">status</a>', url)

    @admin.action(description="Test connection to the selected LRS endpoints", permissions=["change"])
    def test_connection(self, request, queryset):
        """
        Call each endpoint's LRS (``/about``, then a one-statement GET) and show the result. It sends
        the stored credentials, so it needs the change permission (a viewer gets no such action).
        """
        for endpoint in queryset:
            ok, message = run_test_connection(endpoint)
            self.message_user(request, message, messages.SUCCESS if ok else messages.ERROR)

    def get_urls(self):
        extra = [
            path(
                "<path:object_id>/status/", self.admin_site.admin_view(self.status_view),
                name="xapi_router_lrsendpoint_status",
            ),
            path(
                "<path:object_id>/test-connection/", self.admin_site.admin_view(self.test_connection_view),
                name="xapi_router_lrsendpoint_test_connection",
            ),
        ]
        return extra + super().get_urls()

    def _get_endpoint_or_404(self, request, object_id):
        endpoint = self.get_object(request, object_id)
        if endpoint is None or not self.has_view_permission(request, endpoint):
            raise Http404(f"No LRS endpoint with id {object_id!r}")
        return endpoint

    def status_view(self, request, object_id):
        """The endpoint's delivery status: last success, counts, error rate, dead letters, queue."""
        endpoint = self._get_endpoint_or_404(request, object_id)
        status = get_endpoint_status(endpoint)
        error_rate = status.get("error_rate_last_day")
        context = {
            **self.admin_site.each_context(request),
            "title": f"Status of {endpoint.name}",
            "opts": self.model._meta,
            "original": endpoint,
            "endpoint": endpoint,
            "status": status,
            "error_rate_percent": None if error_rate is None else f"{error_rate * 100:.1f} %",
            "now": timezone.now(),
            "dead_letters_url": (
                f"{reverse('admin:xapi_router_deadletter_changelist')}?endpoint__id__exact={endpoint.pk}"
                f"&state__exact={DeadLetter.STATE_PENDING}"
            ),
            "deleted_endpoint_dead_letters_url": (
                f"{reverse('admin:xapi_router_deadletter_changelist')}?endpoint__isnull=True"
                f"&state__exact={DeadLetter.STATE_PENDING}"
            ),
            "can_test": self.has_change_permission(request, endpoint),
            "live_errors": get_live_errors(),
            "charts": get_delivery_charts(endpoint),
        }
        return TemplateResponse(request, "admin/xapi_router/lrsendpoint/status.html", context)

    def test_connection_view(self, request, object_id):
        """POST: test one endpoint's connection, then back to its status page with the result."""
        endpoint = self._get_endpoint_or_404(request, object_id)
        if request.method == "POST" and self.has_change_permission(request, endpoint):
            ok, message = run_test_connection(endpoint)
            self.message_user(request, message, messages.SUCCESS if ok else messages.ERROR)
        return redirect("admin:xapi_router_lrsendpoint_status", endpoint.pk)


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
