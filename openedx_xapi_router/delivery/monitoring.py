"""
Monitoring attributes (edx-django-utils custom attributes, e.g. New Relic or Datadog), in one place.

Names, all prefixed ``xapi_router.``: on the send path ``events_seen``, ``statements_queued``,
``send_error``; in the tasks ``batch_size``, ``delivered``, ``rejected``, ``retrying``,
``lrs_status``, ``lrs_latency_ms``, ``endpoint``; and ``dead_letters_pending`` when an endpoint's
pending dead letters pass ``XAPI_ROUTER_DEAD_LETTER_ALERT_THRESHOLD``.
"""
try:
    from edx_django_utils.monitoring import set_custom_attribute
except ImportError:  # pragma: no cover - edx-django-utils is a requirement; keep delivery working without it
    def set_custom_attribute(key, value):  # pylint: disable=unused-argument
        """No monitoring available."""


def set_attribute(name, value):
    """Set one custom attribute; monitoring must never break delivery."""
    try:
        set_custom_attribute(name, value)
    except Exception:  # pylint: disable=broad-except
        pass
