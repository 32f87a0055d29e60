"""
What delivery writes to the database: dead letters, hourly counters and the endpoint's last
success/failure. Every write is an upsert or an atomic ``F()`` update, so any number of worker
processes can record at once.
"""
import logging

import orjson
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from openedx_xapi_router.conf import router_settings
from openedx_xapi_router.delivery.monitoring import set_attribute
from openedx_xapi_router.models import DeadLetter, DeliveryHour, LrsEndpoint
from openedx_xapi_router.redaction import Credentials, redact

log = logging.getLogger(__name__)

DETAIL_LENGTH = 500


def redact_for_endpoint(endpoint_id, text):
    """
    :func:`redact` with the credentials stored for the endpoint with this id (one query; none for "").

    Credentials this process cannot decrypt (its ``XAPI_ROUTER_ENCRYPTION_KEYS`` lacks their key)
    were never sent by it, so no answer to it can echo them: the text is still redacted of every
    ``Authorization``-like header, and the caller (recording that very configuration error) goes on.
    """
    if not text:
        return ""
    from cryptography.fernet import InvalidToken  # pylint: disable=import-outside-toplevel

    try:
        credentials = Credentials.of_endpoint(LrsEndpoint.objects.filter(pk=endpoint_id).first())
    except InvalidToken:
        credentials = Credentials()
    return redact(text, credentials)


def hour_of(moment):
    """The start of ``moment``'s clock hour."""
    return moment.replace(minute=0, second=0, microsecond=0)


def count_hour(endpoint_id, delivered=0, failed=0, requests=0, now=None):
    """Add to the endpoint's counters of the current hour (created on first use)."""
    if not (delivered or failed or requests):
        return
    hour = hour_of(now or timezone.now())
    updates = {"delivered": F("delivered") + delivered, "failed": F("failed") + failed,
               "requests": F("requests") + requests}
    if DeliveryHour.objects.filter(endpoint_id=endpoint_id, hour=hour).update(**updates):
        return
    try:
        with transaction.atomic():
            DeliveryHour.objects.create(
                endpoint_id=endpoint_id, hour=hour, delivered=delivered, failed=failed, requests=requests
            )
    except IntegrityError:  # another process created the row first
        DeliveryHour.objects.filter(endpoint_id=endpoint_id, hour=hour).update(**updates)


def mark_success(endpoint_id, now=None):
    """Record a successful request to the endpoint."""
    LrsEndpoint.objects.filter(pk=endpoint_id).update(last_success_at=now or timezone.now())


def mark_failure(endpoint_id, error_text, now=None):
    """Record a failed request to the endpoint (``error_text`` redacted of its credentials, then cut)."""
    LrsEndpoint.objects.filter(pk=endpoint_id).update(
        last_failure_at=now or timezone.now(), last_error=redact_for_endpoint(endpoint_id, str(error_text))[:500]
    )


ESCAPED_NOTE = "[lone surrogates stored escaped as \\uXXXX text] "


def _escape_surrogates(value):
    """``value`` with every string's lone surrogates written as ``\\uXXXX`` text (keys too)."""
    kind = type(value)
    if kind is str:
        try:
            value.encode("utf-8")
            return value
        except UnicodeEncodeError:
            return value.encode("utf-8", "backslashreplace").decode("utf-8")
    if kind is dict:
        return {_escape_surrogates(key): _escape_surrogates(child) for key, child in value.items()}
    if kind in (list, tuple):
        return [_escape_surrogates(child) for child in value]
    return value


def storable_statement(statement):
    """
    ``(statement as the database can store it, escaped)``: a string holding a lone surrogate is not
    valid Unicode JSON (MariaDB's ``JSON_VALID`` check refuses the row; SQLite stores it and every
    read gives back a string orjson refuses), so it is stored with the surrogate written as
    ``\\uXXXX`` text, and replay reads back exactly that. Other statements are stored unchanged.
    """
    try:
        orjson.dumps(statement)
        return statement, False
    except TypeError:
        escaped = _escape_surrogates(statement)
        return escaped, escaped != statement


def dead_letter(endpoint_id, items, reason, http_status=None, detail="", attempts=1, now=None, endpoint_name=None):
    """
    Keep ``items`` (:class:`~openedx_xapi_router.delivery.core.Item`) as pending dead letters of the
    endpoint. A statement already there is updated (attempts added, last failure, reason, state back
    to pending) rather than duplicated. Returns the number of items recorded; a row the database
    refuses raises (the caller's message is then not acknowledged), it is never skipped.

    Each row keeps the endpoint's name (``endpoint_name``, looked up when not given), so it outlives
    the endpoint's deletion; ``endpoint_id`` None keeps rows of an endpoint already deleted.
    """
    now = now or timezone.now()
    detail = redact_for_endpoint(endpoint_id, str(detail))
    if endpoint_name is None:
        endpoint_name = LrsEndpoint.objects.filter(pk=endpoint_id).values_list("name", flat=True).first() or ""
    same_row = {"endpoint_id": endpoint_id} if endpoint_id is not None else {
        "endpoint__isnull": True, "endpoint_name": endpoint_name}
    for item in items:
        statement, escaped = storable_statement(item.statement)
        row_detail = (ESCAPED_NOTE + str(detail) if escaped else str(detail))[:DETAIL_LENGTH]
        defaults = {
            "statement": statement, "event_name": item.event_name[:255],
            "transformer_version": item.transformer_version[:255], "reason": reason, "detail": row_detail,
            "http_status": http_status, "last_failed_at": now, "state": DeadLetter.STATE_PENDING,
            "endpoint_name": endpoint_name,
        }
        updated = DeadLetter.objects.filter(**same_row, statement_id=item.statement_id).update(
            attempts=F("attempts") + attempts, **defaults
        )
        if updated:
            continue
        try:
            with transaction.atomic():
                DeadLetter.objects.create(
                    endpoint_id=endpoint_id, statement_id=item.statement_id, attempts=attempts,
                    first_failed_at=now, **defaults
                )
        except IntegrityError:
            # Another process created the row first: update it. If there is no row, the database
            # refused this one (a CHECK constraint): raise, do not pretend it was kept.
            if not DeadLetter.objects.filter(**same_row, statement_id=item.statement_id).update(
                attempts=F("attempts") + attempts, **defaults
            ):
                raise
    if items and endpoint_id is not None:
        check_alert_threshold(endpoint_id)
    return len(items)


def dead_letter_rejections(endpoint_id, rejections, attempts=1):
    """
    Dead-letter each :class:`~openedx_xapi_router.delivery.core.Rejection` with its own reason
    (``rejected`` by the LRS, ``unserializable``), status and excerpt.
    """
    for rejection in rejections:
        dead_letter(endpoint_id, [rejection.item], rejection.reason, rejection.status_code,
                    rejection.detail, attempts=attempts)


def check_alert_threshold(endpoint_id):
    """
    Log an error and set the ``xapi_router.dead_letters_pending`` attribute when the endpoint's
    pending dead letters reach ``XAPI_ROUTER_DEAD_LETTER_ALERT_THRESHOLD``. Returns the count.
    """
    threshold = router_settings.DEAD_LETTER_ALERT_THRESHOLD
    if not threshold:
        return None
    pending = DeadLetter.objects.filter(endpoint_id=endpoint_id, state=DeadLetter.STATE_PENDING).count()
    if pending >= threshold:
        log.error(
            "xapi_router: endpoint %s has %d pending dead letters (alert threshold %d): check the LRS, then "
            "run `manage.py replay_failed_statements --endpoint <name>`", endpoint_id, pending, threshold,
        )
        set_attribute("xapi_router.dead_letters_pending", pending)
        set_attribute("xapi_router.dead_letters_alert_endpoint", endpoint_id)
    return pending
