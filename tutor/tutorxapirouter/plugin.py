"""
tutor-contrib-xapi-router: openedx-xapi-router in a Tutor deployment.

What it adds (see ``README.rst`` beside this package, and ``docs/tutor.rst`` in the repository):

* the ``openedx-xapi-router`` package in the openedx image (patch
  ``openedx-dockerfile-post-python-requirements``);
* the LMS settings (patch ``openedx-lms-common-settings``): router on, ERB's xAPI off, the
  encryption key, the allowed events, statement logging for Aspects' Vector;
* a delivery worker for the router's queue: ``xapi-router-worker`` in ``tutor local``
  (``local-docker-compose-prod-services``), ``tutor dev`` (``local-docker-compose-dev-services``)
  and Kubernetes (``k8s-deployments``);
* an LMS init task registering the LRS endpoints of ``XAPI_ROUTER_ENDPOINTS`` (and Aspects' Ralph);
* ``do`` commands: ``xapi-router-backfill`` (``transform_tracking_logs``) and
  ``xapi-router-replay`` (``replay_failed_statements``), run in their own job service
  ``xapi-router-job``, which sees the LMS's tracking logs in ``tutor local``.
"""
from __future__ import annotations

import os
import shlex
from importlib import resources as importlib_resources
import typing as t
from glob import glob

import click
import jinja2
from tutor import hooks
from tutor.exceptions import TutorError

from .__about__ import __version__

PACKAGE = "tutorxapirouter"
# The router's own Celery queue (openedx_xapi_router.delivery: XAPI_ROUTER_CELERY_QUEUE's default).
QUEUE = "edx.lms.core.xapi_router"
# Where the job service sees the LMS's tracking logs (``tutor local``: data/lms/logs, read-only).
TRACKING_LOGS_IN_JOB = "/openedx/tracking-logs"
# Options of ``lrs_endpoints add`` for each key of an XAPI_ROUTER_ENDPOINTS entry.
SCALAR_OPTIONS = {"batch_size": "--batch-size", "timeout": "--timeout", "retry_limit": "--retry-limit",
                  "format": "--format", "xapi_version": "--xapi-version", "username": "--username",
                  "max_body_bytes": "--max-body-bytes", "max_in_flight": "--max-in-flight"}
LIST_OPTIONS = {"allowed_event_names": "--allow-event", "denied_event_names": "--deny-event",
                "orgs": "--org", "courses": "--course"}
ENDPOINT_KEYS = {"name", "url", "password", "token", "enabled", *SCALAR_OPTIONS, *LIST_OPTIONS}

########################################
# CONFIGURATION
########################################

hooks.Filters.CONFIG_DEFAULTS.add_items([
    ("XAPI_ROUTER_VERSION", __version__),
    # What pip installs in the openedx image; "" installs nothing (a checkout mounted with
    # `tutor mounts add /path/to/openedx-xapi-router` is installed by Tutor itself).
    ("XAPI_ROUTER_PIP_REQUIREMENT", "openedx-xapi-router=={{ XAPI_ROUTER_VERSION }}"),
    ("XAPI_ROUTER_ENABLED", True),
    # Turn ERB's xAPI off (XAPI_EVENTS_ENABLED = False): the router sends the statements instead.
    ("XAPI_ROUTER_REPLACE_ERB", True),
    # None: every event name with a transformer; a list restricts the router to those names.
    ("XAPI_ROUTER_ALLOWED_EVENT_NAMES", None),
    # None: on when Aspects' Vector reads xAPI statements from the logs; True/False forces it.
    ("XAPI_ROUTER_LOG_STATEMENTS", None),
    # None: on only when Aspects' Ralph (plain http inside the Docker network) is an endpoint.
    ("XAPI_ROUTER_ALLOW_INSECURE_HTTP", None),
    ("XAPI_ROUTER_WORKER_CONCURRENCY", 2),
    ("XAPI_ROUTER_WORKER_REPLICAS", 1),
    # The LRS endpoints the init task registers: a list of mappings (see README, "Deploying with Tutor").
    ("XAPI_ROUTER_ENDPOINTS", []),
    # Register Aspects' Ralph when Aspects runs it (RUN_RALPH).
    ("XAPI_ROUTER_ASPECTS_RALPH", True),
    # Import ERB's xAPI RouterConfigurations as endpoints at each init.
    ("XAPI_ROUTER_IMPORT_ERB", True),
    # What `do xapi-router-backfill` reads when given no input.
    ("XAPI_ROUTER_BACKFILL_INPUT", TRACKING_LOGS_IN_JOB),
])

hooks.Filters.CONFIG_UNIQUE.add_items([
    # Encrypts the LRS credentials stored in the LMS database (XAPI_ROUTER_ENCRYPTION_KEYS).
    ("XAPI_ROUTER_ENCRYPTION_KEY", "{{ 64|random_string }}"),
])


########################################
# TEMPLATE HELPERS
########################################

def shell_quote(value: t.Any) -> str:
    """``value`` as one shell word (Jinja filter ``xapi_router_shell_quote``)."""
    return shlex.quote(str(value))


@jinja2.pass_context
def xapi_router_facts(context: t.Any) -> dict[str, t.Any]:
    """
    What the templates decide from the configuration, Aspects' included (``xapi_router_facts()``).

    Aspects' keys exist only while the ``aspects`` plugin is enabled, so they are read only then.
    Aspects' Vector reads statements from ``[xapi_tracking]`` log lines when ``RUN_VECTOR`` and
    ``ASPECTS_VECTOR_STORE_XAPI`` are on (tutor-contrib-aspects 6.1.0, ``plugin.py`` and
    ``templates/aspects/apps/vector/partials/common-post.toml``); its LMS init task makes an ERB
    ``RouterConfiguration`` for ``http://ralph:RALPH_PORT/xAPI/`` when ``RUN_RALPH`` is on
    (``templates/aspects/jobs/init/lms/init-lms.sh``).
    """
    aspects = "aspects" in (context.get("PLUGINS") or [])
    vector = bool(aspects and context.get("RUN_VECTOR") and context.get("ASPECTS_VECTOR_STORE_XAPI"))
    ralph = bool(aspects and context.get("RUN_RALPH") and context.get("XAPI_ROUTER_ASPECTS_RALPH"))
    log_statements = context.get("XAPI_ROUTER_LOG_STATEMENTS")
    insecure = context.get("XAPI_ROUTER_ALLOW_INSECURE_HTTP")
    return {
        "aspects": aspects,
        "vector": vector,
        "ralph": ralph,
        "ralph_statements_url": f"http://ralph:{context.get('RALPH_PORT')}/xAPI/statements" if ralph else "",
        "log_statements": vector if log_statements is None else bool(log_statements),
        "allow_insecure_http": ralph if insecure is None else bool(insecure),
    }


def endpoint_commands(endpoints: t.Any) -> str:
    """
    The init task's shell lines that add, or update, each endpoint of ``XAPI_ROUTER_ENDPOINTS``.

    Each becomes ``./manage.py lms lrs_endpoints add NAME URL [--update --clear-filters] ...``
    (``openedx_xapi_router/management/commands/lrs_endpoints.py``): every configured value is
    passed, so a second run leaves the same row. Secrets go through an environment variable
    (``--password-env``/``--token-env``), never a command-line argument.
    """
    if not isinstance(endpoints, list):
        raise TutorError(f"XAPI_ROUTER_ENDPOINTS must be a list of mappings, got {endpoints!r}")
    lines, names = [], set()
    for number, endpoint in enumerate(endpoints, start=1):
        if not isinstance(endpoint, dict) or not endpoint.get("name") or not endpoint.get("url"):
            raise TutorError(f"XAPI_ROUTER_ENDPOINTS[{number - 1}] needs at least 'name' and 'url': {endpoint!r}")
        unknown = sorted(set(endpoint) - ENDPOINT_KEYS)
        if unknown:
            raise TutorError(f"XAPI_ROUTER_ENDPOINTS[{number - 1}] ({endpoint['name']}): unknown keys {unknown}; "
                             f"known: {sorted(ENDPOINT_KEYS)}")
        if endpoint["name"] in names:
            raise TutorError(f"XAPI_ROUTER_ENDPOINTS: the name {endpoint['name']!r} appears twice")
        names.add(endpoint["name"])
        lines.extend(_endpoint_lines(endpoint, f"XAPI_ROUTER_SECRET_{number}"))
    return "\n".join(lines)


def _endpoint_lines(endpoint: dict[str, t.Any], variable: str) -> list[str]:
    name = endpoint["name"]
    options = []
    if endpoint.get("format") not in (None, "", "xapi", "caliper"):
        raise TutorError(f"XAPI_ROUTER_ENDPOINTS ({name}): format is 'xapi' or 'caliper', got {endpoint['format']!r}")
    if endpoint.get("format") == "caliper" and not endpoint.get("token"):
        raise TutorError(f"XAPI_ROUTER_ENDPOINTS ({name}): a Caliper endpoint needs a token (bearer authentication)")
    if endpoint.get("token"):
        options += ["--auth-type", "bearer", "--token-env", variable]
        secret = endpoint["token"]
    else:
        if endpoint.get("username") and not endpoint.get("password"):
            raise TutorError(f"XAPI_ROUTER_ENDPOINTS ({name}): a username needs a password (or give a token)")
        options += ["--auth-type", "basic"]
        secret = endpoint.get("password") or ""
        if secret:
            options += ["--password-env", variable]
    for key, option in SCALAR_OPTIONS.items():
        if endpoint.get(key) not in (None, ""):
            options += [option, str(endpoint[key])]
    for key, option in LIST_OPTIONS.items():
        values = endpoint.get(key) or []
        if not isinstance(values, list):
            raise TutorError(f"XAPI_ROUTER_ENDPOINTS ({name}): {key} must be a list, got {values!r}")
        for value in values:
            options += [option, str(value)]
    options.append("--enable" if endpoint.get("enabled", True) else "--disable")
    words = " ".join(shell_quote(word) for word in options)
    head = f"./manage.py lms lrs_endpoints add {shell_quote(name)} {shell_quote(endpoint['url'])}"
    lines = [f"echo {shell_quote(f'xapi-router: LRS endpoint {name}')}"]
    if secret:
        lines.append(f"export {variable}={shell_quote(secret)}")
    lines += [
        f"if xapi_router_has_endpoint {shell_quote(name)}; then",
        f"    {head} --update --clear-filters {words}",
        "else",
        f"    {head} {words}",
        "fi",
    ]
    if secret:
        lines.append(f"unset {variable}")
    return lines


hooks.Filters.ENV_TEMPLATE_FILTERS.add_item(("xapi_router_shell_quote", shell_quote))
hooks.Filters.ENV_TEMPLATE_VARIABLES.add_items([
    ("xapi_router_facts", xapi_router_facts),
    ("xapi_router_endpoint_commands", endpoint_commands),
    ("XAPI_ROUTER_QUEUE", QUEUE),
    ("XAPI_ROUTER_TRACKING_LOGS_IN_JOB", TRACKING_LOGS_IN_JOB),
])

########################################
# INIT TASK
########################################

# After the LMS's migrations and after Aspects' LMS task (priority 97), which creates the ERB
# RouterConfiguration of its Ralph that the import turns into an endpoint.
INIT_TASK_PRIORITY = 98

with open(str(importlib_resources.files(PACKAGE) / "templates" / "xapi-router" / "jobs" / "init" / "lms.sh"),
          encoding="utf-8") as task_file:
    hooks.Filters.CLI_DO_INIT_TASKS.add_item(("lms", task_file.read()), priority=INIT_TASK_PRIORITY)


########################################
# DO COMMANDS
########################################

@click.command(name="xapi-router-backfill", context_settings={"ignore_unknown_options": True})
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def backfill(args: tuple[str, ...]) -> t.Iterable[tuple[str, str]]:
    """
    Transform tracking logs into xAPI statements and send them (``transform_tracking_logs``).

    ARGS are passed on to ``./manage.py lms transform_tracking_logs``; with no input path, the
    LMS's tracking logs (XAPI_ROUTER_BACKFILL_INPUT) are read. Example:
    tutor local do xapi-router-backfill --since 2026-11-01 --dry-run
    """
    words = list(args)
    if not _positionals(words):
        words.insert(0, "{{ XAPI_ROUTER_BACKFILL_INPUT }}")
    yield ("xapi-router", "./manage.py lms transform_tracking_logs " + " ".join(_quote_all(words)))


@click.command(name="xapi-router-replay", context_settings={"ignore_unknown_options": True})
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def replay(args: tuple[str, ...]) -> t.Iterable[tuple[str, str]]:
    """
    Replay the dead-lettered statements (``replay_failed_statements``).

    ARGS are passed on to ``./manage.py lms replay_failed_statements``. Example:
    tutor local do xapi-router-replay --endpoint aspects --dry-run
    """
    yield ("xapi-router", " ".join(["./manage.py lms replay_failed_statements", *_quote_all(args)]).strip())


# Options of transform_tracking_logs that take a value (so the word after them is not an input).
_VALUE_OPTIONS = {"--endpoint", "--output", "--max-rate", "--since", "--until", "--event-names", "--orgs",
                  "--courses", "--jobs", "--reject-file", "--report", "--checkpoint", "--checkpoint-lines",
                  "--checkpoint-seconds", "--progress", "--progress-seconds", "--s3-endpoint-url", "--s3-access-key",
                  "--s3-secret-key", "--s3-region"}


def _positionals(words: list[str]) -> list[str]:
    """The words that are not options nor option values."""
    positionals, skip = [], False
    for word in words:
        if skip:
            skip = False
        elif word in _VALUE_OPTIONS:
            skip = True
        elif not word.startswith("--") or word == "-":
            positionals.append(word)
    return positionals


def _quote_all(words: t.Iterable[str]) -> list[str]:
    # The default input is a Jinja expression rendered by Tutor before the command runs: unquoted.
    return [word if word.startswith("{{") else shell_quote(word) for word in words]


hooks.Filters.CLI_DO_COMMANDS.add_items([backfill, replay])

########################################
# PATCHES
########################################

for path in glob(str(importlib_resources.files(PACKAGE) / "patches" / "*")):
    with open(path, encoding="utf-8") as patch_file:
        hooks.Filters.ENV_PATCHES.add_item((os.path.basename(path), patch_file.read()))
