"""
``manage.py lrs_endpoints add|list|test|remove|rotate-keys``: the LRS endpoints admin, for
automation (Tutor, scripts, CI).

Credentials are bound to the origin of the statements URL: ``add --update`` with a URL of another
origin clears the stored username, password and token unless new ones are given in the same command
(``--username``, ``--password-env``, ``--token-env``, ``--prompt``), and says so.

Secrets never come from the command line (it ends up in shell history and ``ps``): a password or
token is read from the environment variable named by ``--password-env``/``--token-env``, or from an
interactive prompt. ``list`` never prints a secret, only whether one is stored.

Examples::

    LRS_PASSWORD=... manage.py lrs_endpoints add aspects https://lrs.example.org/xAPI/statements \\
        --username router --password-env LRS_PASSWORD --batch-size 200 --allow-event edx.video.played
    manage.py lrs_endpoints list
    manage.py lrs_endpoints test aspects          # exits 1 when the LRS cannot be reached
    manage.py lrs_endpoints remove aspects        # refuses while it has pending dead letters (--force)
    manage.py lrs_endpoints rotate-keys           # re-encrypt every credential with the first key
"""
import argparse
import getpass
import json
import os

from cryptography.fernet import InvalidToken
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from openedx_xapi_router.models import DeadLetter, LrsEndpoint

# The model's list filters, and the (repeatable) option that fills each.
LIST_OPTIONS = {
    "allowed_event_names": "allow_event", "denied_event_names": "deny_event", "orgs": "org", "courses": "course",
}
SECRET_NAMES = ("username", "password", "token")


def format_validation_error(error):
    """One line per field from a model ``ValidationError``."""
    if hasattr(error, "message_dict"):
        return "; ".join(f"{field}: {' '.join(messages)}" for field, messages in sorted(error.message_dict.items()))
    return "; ".join(error.messages)


def describe_auth(endpoint):
    """The endpoint's authentication, saying which secrets are stored but never what they are."""
    if endpoint.auth_type == LrsEndpoint.AUTH_BEARER:
        return f"bearer (token {'set' if endpoint.token else 'NOT set'})"
    if not endpoint.username:
        return "basic (no credentials)"
    return f"basic (username and password {'set' if endpoint.password else 'NOT set'})"


class Command(BaseCommand):
    """Add, list, test, remove LRS endpoints, and re-encrypt their credentials."""

    help = __doc__.split("\n\n", 1)[0].strip()

    # Replaced in tests; reads a secret without echoing it.
    prompt = staticmethod(getpass.getpass)

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True, metavar="{add,list,test,remove,rotate-keys}")

        add = actions.add_parser("add", help="add an endpoint (or change one with --update)", allow_abbrev=False)
        add.add_argument("name")
        add.add_argument("statements_url", nargs="?", help="the LRS's statements URL (required unless --update)")
        add.add_argument("--update", action="store_true", help="change the endpoint NAME; only given options change")
        add.add_argument("--clear-filters", action="store_true",
                         help="empty every list filter not given here (with --update: the filters become exactly "
                              "the ones given, as a configuration tool such as the Tutor plugin needs)")
        add.add_argument("--auth-type", choices=[choice for choice, _ in LrsEndpoint.AUTH_CHOICES])
        add.add_argument("--username", help="HTTP Basic user name (not a secret; stored encrypted)")
        add.add_argument("--password-env", metavar="VAR", help="read the HTTP Basic password from variable VAR")
        add.add_argument("--token-env", metavar="VAR", help="read the bearer token from environment variable VAR")
        add.add_argument("--prompt", action="store_true", help="prompt for the password or token (no echo)")
        # Caught to refuse with a clear message, without echoing the value (argparse would print it).
        add.add_argument("--password", "--token", dest="secret_on_command_line", nargs="?", const="",
                         help=argparse.SUPPRESS)
        add.add_argument("--format", dest="output_format",
                         choices=[choice for choice, _ in LrsEndpoint.FORMAT_CHOICES],
                         help="what the endpoint receives: xapi statements (the default) or caliper 1.2 envelopes "
                              "(needs --auth-type bearer and a token)")
        add.add_argument("--xapi-version")
        add.add_argument("--batch-size", type=int)
        add.add_argument("--max-body-bytes", type=int,
                         help="largest POST body in bytes (default 1000000: under nginx's default 1 MiB)")
        add.add_argument("--max-in-flight", type=int, help="POSTs the backfill keeps in flight (default 1)")
        add.add_argument("--timeout", type=float)
        add.add_argument("--retry-limit", type=int)
        enabled = add.add_mutually_exclusive_group()
        enabled.add_argument("--enable", dest="enabled", action="store_true", default=None)
        enabled.add_argument("--disable", dest="enabled", action="store_false")
        for field, option in LIST_OPTIONS.items():
            add.add_argument(
                f"--{option.replace('_', '-')}", dest=option, action="append", metavar="VALUE",
                help=f"{field.replace('_', ' ')} filter (repeat for several; with --update, replaces the list)",
            )

        listing = actions.add_parser("list", help="list the endpoints (never their secrets)")
        listing.add_argument("--json", action="store_true", help="one JSON object per endpoint")

        test = actions.add_parser("test", help="test the connection to endpoints; exit 1 if any fails")
        test.add_argument("names", nargs="*", help="endpoint names (default: every enabled endpoint)")

        remove = actions.add_parser("remove", help="remove an endpoint")
        remove.add_argument("name")
        remove.add_argument("--force", action="store_true", help="also when it has pending dead letters")

        actions.add_parser("rotate-keys", help="re-encrypt the credentials with the first encryption key")

    def handle(self, *args, **options):
        action = options["action"].replace("-", "_")
        return getattr(self, f"handle_{action}")(options)

    # add ----------------------------------------------------------------------------------------

    def handle_add(self, options):
        """Create (or with ``--update`` change) an endpoint, validated with ``full_clean()``."""
        name = options["name"]
        if options["secret_on_command_line"] is not None:
            raise CommandError("a secret is never taken from the command line (shell history, ps): use "
                               "--password-env VAR / --token-env VAR, or --prompt")
        if options["update"]:
            endpoint = self.get_endpoint(name)
            if options["statements_url"]:
                endpoint.statements_url = options["statements_url"]
        else:
            if not options["statements_url"]:
                raise CommandError("add needs the statements URL: lrs_endpoints add NAME STATEMENTS_URL")
            if LrsEndpoint.objects.filter(name=name).exists():
                raise CommandError(f"an LRS endpoint named {name!r} exists; change it with --update")
            endpoint = LrsEndpoint(name=name, statements_url=options["statements_url"])
        for option in ("output_format", "auth_type", "username", "xapi_version", "batch_size", "max_body_bytes",
                       "max_in_flight", "timeout", "retry_limit", "enabled"):
            if options[option] is not None:
                setattr(endpoint, option, options[option])
        if options["username"] is not None:
            endpoint.credentials_entered.add("username")
        for field, option in LIST_OPTIONS.items():
            if options[option] is not None:
                setattr(endpoint, field, options[option])
            elif options["clear_filters"]:
                setattr(endpoint, field, [])
        self.read_secrets(endpoint, options)
        try:
            endpoint.full_clean()
        except ValidationError as error:
            raise CommandError(f"invalid LRS endpoint {name!r}: {format_validation_error(error)}") from None
        endpoint.save()
        verb = "Updated" if options["update"] else "Added"
        self.stdout.write(f"{verb} LRS endpoint {endpoint.name} (id {endpoint.pk}): {endpoint.statements_url}, "
                          f"{describe_auth(endpoint)}, {'enabled' if endpoint.enabled else 'disabled'}")
        if endpoint.credentials_cleared:
            self.stdout.write(
                f"Cleared the stored {', '.join(endpoint.credentials_cleared)}: credentials are only sent to the "
                f"origin they were entered for, and the statements URL now points to {endpoint.origin}. Give them "
                "again (--username, --password-env VAR or --token-env VAR, or --prompt)."
            )

    def read_secrets(self, endpoint, options):
        """Set the password/token from ``--password-env``/``--token-env`` or a prompt."""
        password = self.secret_from_env(options["password_env"], "--password-env")
        token = self.secret_from_env(options["token_env"], "--token-env")
        if endpoint.auth_type == LrsEndpoint.AUTH_BEARER:
            if token is None and (options["prompt"] or not options["update"]):
                token = self.ask(f"Bearer token for {endpoint.name}: ", options)
        elif password is None and endpoint.username and (options["prompt"] or not options["update"]):
            password = self.ask(f"Password of {endpoint.username} for {endpoint.name}: ", options)
        if password is not None:
            endpoint.password = password
            endpoint.credentials_entered.add("password")
        if token is not None:
            endpoint.token = token
            endpoint.credentials_entered.add("token")

    @staticmethod
    def secret_from_env(variable, option):
        if variable is None:
            return None
        value = os.environ.get(variable)
        if not value:
            raise CommandError(f"{option} {variable}: the environment variable {variable} is not set or empty")
        return value

    def ask(self, question, options):
        """A secret typed at a prompt; refuses when nobody can type one."""
        if not options["prompt"] and not self.interactive():
            option = "--token-env" if "token" in question else "--password-env"
            raise CommandError(f"no secret given: use {option} VAR (an environment variable), or run interactively")
        value = self.prompt(question)
        if not value:
            raise CommandError("no secret typed")
        return value

    @staticmethod
    def interactive():
        try:
            return os.isatty(0)
        except OSError:
            return False

    # list ---------------------------------------------------------------------------------------

    def handle_list(self, options):
        """Every endpoint, without its secrets."""
        rows = []
        for endpoint in LrsEndpoint.objects.order_by("name"):
            rows.append({
                "name": endpoint.name,
                "statements_url": endpoint.statements_url,
                "output_format": endpoint.output_format,
                "enabled": endpoint.enabled,
                "auth": describe_auth(endpoint),
                "batch_size": endpoint.batch_size,
                "max_body_bytes": endpoint.max_body_bytes,
                "max_in_flight": endpoint.max_in_flight,
                "last_success_at": endpoint.last_success_at.isoformat() if endpoint.last_success_at else None,
                "pending_dead_letters": endpoint.dead_letters.filter(state=DeadLetter.STATE_PENDING).count(),
                **{field: getattr(endpoint, field) for field in LIST_OPTIONS},
            })
        if options["json"]:
            for row in rows:
                self.stdout.write(json.dumps(row, sort_keys=True))
            return
        if not rows:
            self.stdout.write("No LRS endpoint.")
            return
        for row in rows:
            filters = ", ".join(f"{field}={row[field]}" for field in LIST_OPTIONS if row[field]) or "no filters"
            self.stdout.write(
                f"{row['name']}  {'enabled' if row['enabled'] else 'DISABLED'}  {row['output_format']}  "
                f"{row['statements_url']}\n"
                f"    auth: {row['auth']}; batch size {row['batch_size']} (at most {row['max_body_bytes']} bytes), "
                f"{row['max_in_flight']} in flight; {filters}\n"
                f"    last success: {row['last_success_at'] or 'never'}; "
                f"pending dead letters: {row['pending_dead_letters']}"
            )

    # test ---------------------------------------------------------------------------------------

    def handle_test(self, options):
        """The admin's "test connection", for each named (or every enabled) endpoint."""
        from openedx_xapi_router.delivery.client import test_connection  # pylint: disable=import-outside-toplevel

        if options["names"]:
            endpoints = [self.get_endpoint(name) for name in options["names"]]
        else:
            endpoints = list(LrsEndpoint.objects.filter(enabled=True).order_by("name"))
            if not endpoints:
                raise CommandError("no enabled LRS endpoint to test")
        failed = 0
        for endpoint in endpoints:
            ok, message = test_connection(endpoint)
            failed += not ok
            self.stdout.write(message)
        if failed:
            raise CommandError(f"{failed} of {len(endpoints)} LRS endpoint(s) failed the connection test")

    # remove -------------------------------------------------------------------------------------

    def handle_remove(self, options):
        """Delete an endpoint (and its dead letters); refuses while some are pending unless --force."""
        endpoint = self.get_endpoint(options["name"])
        pending = endpoint.dead_letters.filter(state=DeadLetter.STATE_PENDING).count()
        if pending and not options["force"]:
            raise CommandError(
                f"{endpoint.name} has {pending} pending dead letter(s), which removing it would delete: replay "
                "or discard them first, or pass --force"
            )
        total = endpoint.dead_letters.count()
        endpoint.dead_letters.all().delete()  # explicitly: a deleted endpoint's dead letters are kept otherwise
        endpoint.delete()
        self.stdout.write(f"Removed LRS endpoint {endpoint.name} and its {total} dead letter(s).")

    # rotate-keys --------------------------------------------------------------------------------

    def handle_rotate_keys(self, options):  # pylint: disable=unused-argument
        """
        Re-encrypt every endpoint's credentials with the first ``XAPI_ROUTER_ENCRYPTION_KEYS`` key
        (each is decrypted with whichever configured key works). Exits 1 naming the endpoints whose
        credentials no configured key decrypts; those rows are left as they are.
        """
        rotated, unreadable = 0, []
        for pk, name in LrsEndpoint.objects.order_by("name").values_list("pk", "name"):
            with transaction.atomic():
                try:
                    endpoint = LrsEndpoint.objects.select_for_update().get(pk=pk)
                except InvalidToken:
                    unreadable.append(name)
                    continue
                endpoint.save(update_fields=list(SECRET_NAMES))
                rotated += 1
                if endpoint.credentials_cleared:  # they were stored for another origin than the URL's
                    self.stdout.write(f"{endpoint.name}: cleared the stored {', '.join(endpoint.credentials_cleared)} "
                                      f"(entered for another origin than {endpoint.origin}'s)")
        self.stdout.write(f"Re-encrypted the credentials of {rotated} LRS endpoint(s) with the first key.")
        if unreadable:
            raise CommandError(
                f"no configured key decrypts the credentials of {', '.join(unreadable)}: add the key they were "
                "encrypted with to XAPI_ROUTER_ENCRYPTION_KEYS (anywhere after the first) and run rotate-keys again"
            )

    @staticmethod
    def get_endpoint(name):
        try:
            return LrsEndpoint.objects.get(name=name)
        except LrsEndpoint.DoesNotExist:
            known = ", ".join(LrsEndpoint.objects.order_by("name").values_list("name", flat=True)) or "none"
            raise CommandError(f"no LRS endpoint named {name!r} (known: {known})") from None
