"""
The LRS endpoints' admin: the list, the edit page (with :class:`~openedx_xapi_router.admin.forms.LrsEndpointForm`),
a status page per endpoint and the connection test.

Only users who may change an endpoint may make the router send its credentials ("Test connection").
The functions below are the admin's only doors into the delivery code, imported when called.
"""
from django.contrib import admin, messages
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.html import format_html
from django.views.decorators.debug import sensitive_post_parameters

from openedx_xapi_router.admin.forms import SECRET_FIELDS, LrsEndpointForm
from openedx_xapi_router.models import DeadLetter, LrsEndpoint


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


@admin.register(LrsEndpoint)
class LrsEndpointAdmin(admin.ModelAdmin):
    """LRS endpoints: write-only credentials, a connection test and a status page per endpoint."""

    form = LrsEndpointForm
    list_display = (
        "name", "statements_url", "output_format", "enabled", "auth_type", "batch_size", "last_success_at",
        "last_failure_at", "pending_dead_letters", "status_link",
    )
    list_filter = ("enabled", "output_format", "auth_type")
    search_fields = ("name", "statements_url")
    readonly_fields = ("credentials_origin", "last_success_at", "last_failure_at", "last_error", "created", "modified")
    actions = ("test_connection",)
    fieldsets = (
        (None, {"fields": ("name", "statements_url", "output_format", "enabled")}),
        ("Authentication", {
            "fields": ("auth_type", "username", "password", "clear_password", "token", "clear_token",
                       "credentials_origin"),
            "description": "Credentials are encrypted in the database and never shown again. They are only sent "
                           "to the origin (scheme, host, port) they were entered for: changing the statements "
                           "URL's origin clears them unless you type them again.",
        }),
        ("Delivery", {"fields": ("xapi_version", "batch_size", "max_body_bytes", "max_in_flight", "timeout",
                                  "retry_limit")}),
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
