"""
``manage.py replay_failed_statements``: send pending dead letters again, through the same delivery
code the worker uses. Exits non-zero when any statement still fails.

    manage.py replay_failed_statements --endpoint aspects-ralph --since 2026-11-01 --limit 10000
"""
from datetime import UTC, datetime
from datetime import time as dt_time

from django.core.management.base import BaseCommand, CommandError
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.timezone import is_naive, make_aware

from openedx_xapi_router.delivery.replay import for_endpoint, replay_dead_letters
from openedx_xapi_router.models import DeadLetter, LrsEndpoint


def parse_moment(value):
    """An aware datetime from ``YYYY-MM-DD`` or an ISO 8601 date-time (naive means UTC)."""
    moment = parse_datetime(value)
    if moment is None:
        day = parse_date(value)
        if day is None:
            raise CommandError(f"not a date or date-time: {value!r} (use YYYY-MM-DD or ISO 8601)")
        moment = datetime.combine(day, dt_time.min)
    return make_aware(moment, UTC) if is_naive(moment) else moment


class Command(BaseCommand):
    """Replay pending dead letters."""

    help = "Send pending dead letters again (same delivery code as the worker); non-zero exit if any still fails."

    def add_arguments(self, parser):
        parser.add_argument("--endpoint", help="Only this endpoint (its name or id), and the dead letters of a "
                                                "deleted endpoint of the same name.")
        parser.add_argument("--event-name", help="Only dead letters of this event name.")
        parser.add_argument("--since", help="Only dead letters that first failed at or after this date(-time), UTC.")
        parser.add_argument("--until", help="Only dead letters that first failed before this date(-time), UTC.")
        parser.add_argument("--limit", type=int, help="At most this many dead letters (oldest first).")
        parser.add_argument("--batch-size", type=int, help="Statements per POST (default: the endpoint's).")
        parser.add_argument("--dry-run", action="store_true", help="Count what would be replayed; send nothing.")

    def handle(self, *args, **options):
        queryset = DeadLetter.objects.filter(state=DeadLetter.STATE_PENDING)
        if options["endpoint"]:
            value = options["endpoint"]
            lookup = {"pk": int(value)} if value.isdigit() else {"name": value}
            endpoint = LrsEndpoint.objects.filter(**lookup).first()
            if endpoint is None:
                raise CommandError(f"no LRS endpoint {value!r}")
            queryset = for_endpoint(queryset, endpoint)  # with the rows of a deleted endpoint of its name
        if options["event_name"]:
            queryset = queryset.filter(event_name=options["event_name"])
        if options["since"]:
            queryset = queryset.filter(first_failed_at__gte=parse_moment(options["since"]))
        if options["until"]:
            queryset = queryset.filter(first_failed_at__lt=parse_moment(options["until"]))
        queryset = queryset.order_by("first_failed_at", "pk")
        if options["limit"] is not None:
            if options["limit"] < 1:
                raise CommandError("--limit must be at least 1")
            queryset = queryset[:options["limit"]]
        if options["batch_size"] is not None and options["batch_size"] < 1:
            raise CommandError("--batch-size must be at least 1")
        summary = replay_dead_letters(queryset, batch_size=options["batch_size"], dry_run=options["dry_run"])
        self.stdout.write(str(summary))
        if summary.still_failing:
            raise CommandError(f"{summary.still_failing} statements still fail", returncode=1)
