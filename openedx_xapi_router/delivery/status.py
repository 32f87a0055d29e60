"""
The per-endpoint status the admin's status page shows.
"""
import logging
from datetime import timedelta

from django.db.models import Sum
from django.utils import timezone

from openedx_xapi_router.delivery.service import delivery_queue
from openedx_xapi_router.models import DeadLetter, DeliveryHour
from openedx_xapi_router.redaction import Credentials, redact

log = logging.getLogger(__name__)


def endpoint_status(endpoint, now=None):
    """
    A dict with ``last_success_at``, ``last_failure_at``, ``last_error``, ``delivered_last_hour``
    (counters are hourly: the buckets that started within the last hour, i.e. the current clock hour),
    ``delivered_last_day``, ``failed_last_day``, ``error_rate_last_day`` (failed / (delivered +
    failed), None with no traffic), ``pending_dead_letters``, ``deleted_endpoint_dead_letters`` (pending
    rows of deleted endpoints, of every endpoint: an alarm) and ``queue_depth`` (messages waiting
    in the delivery queue, for every endpoint; None when the broker cannot say).
    """
    now = now or timezone.now()
    hours = DeliveryHour.objects.filter(endpoint=endpoint)
    last_hour = hours.filter(hour__gt=now - timedelta(hours=1))
    last_day = hours.filter(hour__gt=now - timedelta(days=1))
    day = last_day.aggregate(delivered=Sum("delivered"), failed=Sum("failed"))
    delivered_day = day["delivered"] or 0
    failed_day = day["failed"] or 0
    total = delivered_day + failed_day
    return {
        "last_success_at": endpoint.last_success_at,
        "last_failure_at": endpoint.last_failure_at,
        "last_error": redact(endpoint.last_error, Credentials.of_endpoint(endpoint)),  # stored redacted; again here
        "delivered_last_hour": last_hour.aggregate(n=Sum("delivered"))["n"] or 0,
        "delivered_last_day": delivered_day,
        "failed_last_day": failed_day,
        "error_rate_last_day": (failed_day / total) if total else None,
        "pending_dead_letters": DeadLetter.objects.filter(endpoint=endpoint, state=DeadLetter.STATE_PENDING).count(),
        # An alarm on every endpoint's page: statements of deleted endpoints, kept as dead letters.
        "deleted_endpoint_dead_letters": DeadLetter.objects.filter(
            endpoint__isnull=True, state=DeadLetter.STATE_PENDING).count(),
        "queue_depth": queue_depth(),
    }


def queue_depth(queue=None, app=None, timeout=2.0):
    """Messages waiting in the delivery queue, or None when the broker cannot be asked."""
    from celery import current_app  # pylint: disable=import-outside-toplevel
    from kombu.exceptions import ChannelError  # pylint: disable=import-outside-toplevel

    app = app or current_app
    queue = queue or delivery_queue()
    try:
        with app.connection_for_read() as connection:
            connection.ensure_connection(max_retries=1, timeout=timeout)
            try:
                return connection.default_channel.queue_declare(queue=queue, passive=True).message_count
            except ChannelError:  # never declared: nothing waiting
                return 0
    except Exception as error:  # pylint: disable=broad-except
        log.info("xapi_router: queue depth of %s unknown: %s", queue, type(error).__name__)
        return None
