"""
``manage.py xapi_router_event_names``: the tracking events the router sends with the current
``XAPI_ROUTER_ALLOWED_EVENT_NAMES``, so a site can check its default before turning the router on.

Examples::

    manage.py lms xapi_router_event_names           # the names sent, one a line
    manage.py lms xapi_router_event_names --all     # every supported name: sent or not, and why
    manage.py lms xapi_router_event_names --json    # the same, as JSON (for a YAML list to edit)

Each name is marked ``erb-default`` (event-routing-backends sends it by default), ``beyond-erb``
(ERB does not transform it; sent by default since it passes the Aspects contract test,
docs/aspects.rst) or ``opt-in`` (supported, sent only when the setting names it). A name in the
setting that no transformer supports is reported too (it is never sent).
"""
import json

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand

from openedx_xapi_router.conf import router_settings
from openedx_xapi_router.core.errors import ConfigurationError
from openedx_xapi_router.core.event_names import (
    ERB_DEFAULT_EVENT_NAMES,
    allowed_event_names,
    beyond_erb_default_event_names,
)
from openedx_xapi_router.core.registry import default_registry


def origin(name):
    """Why ``name`` is (or is not) in the default: ``erb-default``, ``beyond-erb`` or ``opt-in``."""
    if name in ERB_DEFAULT_EVENT_NAMES:
        return "erb-default"
    if name in beyond_erb_default_event_names():
        return "beyond-erb"
    return "opt-in"


class Command(BaseCommand):
    """List the event names the router sends with the current settings."""

    help = "List the tracking event names the xAPI router sends (XAPI_ROUTER_ALLOWED_EVENT_NAMES)."

    def add_arguments(self, parser):
        parser.add_argument("--all", action="store_true", help="every supported name, sent or not, and why")
        parser.add_argument("--json", action="store_true", help="print JSON")

    def handle(self, *args, **options):
        value = router_settings.ALLOWED_EVENT_NAMES
        try:
            allowed = allowed_event_names(value)
        except ConfigurationError as error:
            raise ImproperlyConfigured(str(error)) from error
        supported = default_registry().event_names()
        rows = [{"name": name, "sent": allowed is None or name in allowed, "origin": origin(name)}
                for name in supported if options["all"] or allowed is None or name in allowed]
        unknown = sorted(set(allowed or ()) - set(supported))
        setting = "None (the default names)" if value is None else repr(value) if isinstance(value, str) else "a list"
        if options["json"]:
            self.stdout.write(json.dumps({"setting": setting, "events": rows, "unsupported": unknown}, indent=2))
            return
        for row in rows:
            if options["all"]:
                self.stdout.write(f"{row['name']}\t{'sent' if row['sent'] else 'not sent'}\t{row['origin']}")
            else:
                self.stdout.write(row["name"])
        sent = sum(1 for row in rows if row["sent"])
        self.stderr.write(f"XAPI_ROUTER_ALLOWED_EVENT_NAMES is {setting}: {sent} of {len(supported)} supported "
                          "event names are sent.")
        for name in unknown:
            self.stderr.write(f"{name}: named in the setting, but no transformer supports it: never sent.")
