"""
``manage.py import_erb_router_configurations``: event-routing-backends' xAPI and Caliper routers
as LRS endpoints (Caliper ones as Caliper endpoints), and (``--dead-queue``) its Redis dead queue as dead letters.

    manage.py import_erb_router_configurations --dry-run     # the plan; no secret printed
    manage.py import_erb_router_configurations               # create/update erb-* endpoints
    manage.py import_erb_router_configurations --dead-queue --redis-url redis://127.0.0.1:6379/1

A second run changes nothing unless ERB's configuration changed. See ``openedx_xapi_router.erb.importer``
for what maps and what cannot, and ``docs/migrating_from_erb.rst`` for the whole switch. It needs
event-routing-backends (the optional extra ``openedx-xapi-router[erb]``) and says so when it is missing.
"""
from django.apps import apps
from django.core.management.base import BaseCommand, CommandError

from openedx_xapi_router.core.registry import CALIPER, XAPI, default_registry
from openedx_xapi_router.core.report import Report
from openedx_xapi_router.delivery import store
from openedx_xapi_router.delivery.core import Item
from openedx_xapi_router.erb import compat, importer
from openedx_xapi_router.models import DeadLetter, LrsEndpoint
from openedx_xapi_router.processing import process_event


class Command(BaseCommand):
    """Import event-routing-backends' xAPI and Caliper router configurations (and its dead queue)."""

    help = ("Copy event-routing-backends' xAPI and Caliper router configurations into LRS endpoints (erb-*), "
            "re-encrypted with our keys; --dead-queue imports its Redis dead queue as dead letters.")

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Print what would be done; change nothing.")
        parser.add_argument("--dead-queue", action="store_true",
                            help="Also import ERB's Redis dead queue (dead_queue_<backend>) as dead letters.")
        parser.add_argument("--redis-url", help="ERB's Redis (default: django-redis's 'default' connection, as ERB).")
        parser.add_argument("--erb-backend-name", default=compat.DEFAULT_ERB_BACKEND_NAME,
                            help="The backend_name of ERB's xAPI router in EVENT_TRACKING_BACKENDS (default: xapi).")

    def handle(self, *args, **options):
        if not compat.erb_installed():
            raise CommandError(compat.erb_missing_message("import_erb_router_configurations"))
        if not apps.is_installed("event_routing_backends"):
            raise CommandError("event-routing-backends is not in INSTALLED_APPS: nothing to import")
        dry_run = options["dry_run"]
        prefix = "[dry run] would be " if dry_run else ""
        registry = default_registry()
        names = {output_format: registry.event_names(output_format) for output_format in (XAPI, CALIPER)}
        counts = {output_format: {"created": 0, "updated": 0, "unchanged": 0, "invalid": 0}
                  for output_format in (XAPI, CALIPER)}
        plans = []
        for router in importer.erb_routers():
            output_format = importer.router_format(router)
            plan = importer.plan_router(router, names[output_format])
            outcome = self.import_plan(router, plan, dry_run, prefix)
            counts[output_format][outcome] += 1
            if outcome != "invalid" and output_format == XAPI:  # ERB's dead queue is its xAPI backend's
                plans.append(plan)
        for output_format, label in ((XAPI, "xAPI"), (CALIPER, "Caliper")):
            done = counts[output_format]
            if output_format == XAPI or sum(done.values()):
                self.stdout.write(
                    f"{sum(done.values())} ERB {label} routers: {done['created']} {prefix}created, "
                    f"{done['updated']} {prefix}updated, {done['unchanged']} unchanged, {done['invalid']} not imported")
        if options["dead_queue"]:
            self.import_dead_queue(plans, options, dry_run)
        invalid = sum(done["invalid"] for done in counts.values())
        if invalid:
            raise CommandError(f"{invalid} router(s) could not be imported (see above)")

    def import_plan(self, router, plan, dry_run, prefix):
        """Apply one router's plan and say what was done; returns the outcome (``invalid`` when not imported)."""
        if plan.error:
            self.stdout.write(f"router {router.pk} ({router.route_url}): not imported: {plan.error}")
            return "invalid"
        outcome, detail = importer.apply_plan(plan, LrsEndpoint, dry_run=dry_run)
        if outcome == "invalid":
            self.stdout.write(f"router {router.pk} -> {plan.name}: not imported: {detail}")
            return outcome
        changed = f" ({detail})" if outcome == "updated" else ""
        self.stdout.write(f"router {router.pk} -> {plan.name}: {prefix if outcome != 'unchanged' else ''}"
                          f"{outcome}{changed}: {plan.describe()}")
        for note in plan.notes:
            self.stdout.write(f"    note: {note}")
        for item in plan.unrepresented:
            self.stdout.write(f"    not represented: {item}")
        return outcome

    def redis_client(self, url):
        """A Redis client for ``url``, or django-redis's default connection (the one ERB uses)."""
        if url:
            import redis  # pylint: disable=import-outside-toplevel

            return redis.Redis.from_url(url)
        try:
            from django_redis import get_redis_connection  # pylint: disable=import-outside-toplevel

            return get_redis_connection()
        except (ImportError, NotImplementedError) as error:
            raise CommandError(f"no Redis to read ERB's dead queue from ({error}); give --redis-url") from error

    def import_dead_queue(self, plans, options, dry_run):
        """Transform the dead queue's events and keep their statements as dead letters of the erb-* endpoints."""
        key, events, unreadable = importer.read_dead_queue(self.redis_client(options["redis_url"]),
                                                           options["erb_backend_name"])
        for plan in plans:
            if plan.unrepresented:
                self.stdout.write(f"dead queue: nothing kept for {plan.name}: its ERB filters are not represented")
        plans = [plan for plan in plans if not plan.unrepresented]
        endpoints = {endpoint.name: endpoint for endpoint in LrsEndpoint.objects.filter(
            name__in=[plan.name for plan in plans])}
        # In a dry run the endpoints may not exist yet: match with unsaved ones built from the plans.
        targets = [endpoints.get(plan.name) or LrsEndpoint(name=plan.name, **plan.fields) for plan in plans]
        report = Report()
        counts = {"dead_letters": 0, "already": 0}
        for raw in events:
            # ERB's whitelist let these events through: XAPI_ROUTER_ALLOWED_EVENT_NAMES is not applied again.
            outcome = process_event(raw, all_event_names=True)
            report.count(outcome)
            if not outcome.ok:
                self.stdout.write(f"    dead queue event {raw.get('name')!r}: no statement ({_kind(outcome)})")
                continue
            event, statements, version = outcome.event, outcome.statements, outcome.version
            for endpoint in targets:
                if not endpoint.matches(event.name, event.org_id, event.course_id):
                    continue
                known = set()
                if endpoint.pk:
                    known = set(DeadLetter.objects.filter(
                        endpoint=endpoint, statement_id__in=[s["id"] for s in statements],
                    ).values_list("statement_id", flat=True))
                new = [Item(s, event.name, version) for s in statements if s["id"] not in known]
                counts["already"] += len(statements) - len(new)
                counts["dead_letters"] += len(new)
                if new and not dry_run:
                    store.dead_letter(endpoint.pk, new, DeadLetter.REASON_BROKER_UNAVAILABLE,
                                      detail=f"imported from event-routing-backends' Redis dead queue {key}")
        prefix = "would be " if dry_run else ""
        self.stdout.write(
            f"dead queue {key}: {len(events) + unreadable} items, {unreadable} unreadable, "
            f"{report.lines - report.transformed} without a statement, {report.statements} statements; "
            f"{counts['dead_letters']} dead letters {prefix}created, {counts['already']} already there. "
            f"The Redis list is left as it is: delete it (DEL {key}) once the dead letters are replayed "
            "(replay_failed_statements)."
        )


def _kind(outcome):
    """The one word that says why an outcome has no statement (``unsupported``, ``anonymous``, ``bad_time``...)."""
    return getattr(outcome, "reason", None) or getattr(outcome, "kind", None) or "unsupported"
