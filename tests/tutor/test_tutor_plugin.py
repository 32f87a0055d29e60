"""
The Tutor plugin (``tutor/``, tutor-contrib-xapi-router) as a deployment gets it: rendered by the
real Tutor 22 (``tutor config save``, no Docker) alone and beside the real Aspects 6.1 plugin.

Facts the checks rest on, read from the installed packages (``requirements/tutor.txt``):

* tutor 22.0.2, ``templates/apps/openedx/settings/lms/production.py`` (and ``development.py``):
  ``from lms.envs.production import *`` (which has applied every plugin's settings, ours and
  ERB's, through edx-django-utils' ``add_plugins``), then ``partials/common_lms.py``, where
  ``{{ patch("openedx-lms-common-settings") }}`` sits;
* tutor 22.0.2, ``templates/local/docker-compose.prod.yml``: the ``lms-worker`` service (image,
  environment, settings volumes) that ours mirrors, and the ``local-docker-compose-prod-services``
  patch; ``templates/dev/docker-compose.yml``: the ``x-openedx-service`` anchor and
  ``local-docker-compose-dev-services``; ``templates/k8s/deployments.yml``: the ``lms-worker``
  Deployment and ``k8s-deployments``;
* tutor-contrib-aspects 6.1.0, ``plugin.py``: ``RUN_VECTOR`` True, ``RUN_RALPH`` False,
  ``ASPECTS_VECTOR_STORE_XAPI`` True, ``RALPH_LMS_USERNAME``/``RALPH_LMS_PASSWORD``; its LMS init
  task (priority 97, ``templates/aspects/jobs/init/lms/init-lms.sh``) creates, when ``RUN_RALPH``,
  an ERB ``RouterConfiguration`` (``enabled``, ``backend_name`` ``xAPI``, ``route_url``
  ``http://ralph:<RALPH_PORT>/xAPI/``, ``auth_scheme`` ``Basic``, the RALPH_LMS credentials);
* edx-platform ``lms/envs/common.py``: ``EVENT_TRACKING_BACKENDS`` starts with ``tracking_logs``
  (a ``RoutingBackend`` around the ``tracking`` logger backend) and ``segmentio``; ERB's
  ``plugin_settings`` adds its ``event_transformer`` backend and ``XAPI_EVENTS_ENABLED`` True.
"""
import copy
import gzip
import json
import shlex
import sys
import types

import pytest
import yaml
from django.utils.module_loading import import_string
from event_routing_backends.settings import common as erb_common
from event_routing_backends.settings import production as erb_production

from openedx_xapi_router.backends.tracking import XapiRouterBackend
from openedx_xapi_router.settings import common, production
from tests.tutor.conftest import ENDPOINTS, REPO, SECRET, TOKEN

QUEUE = "edx.lms.core.xapi_router"
VERSION = "0.1.0"
# The edx-platform LMS's own tracking backends (lms/envs/common.py), before any plugin's.
LMS_TRACKING_BACKENDS = {
    "tracking_logs": {
        "ENGINE": "eventtracking.backends.routing.RoutingBackend",
        "OPTIONS": {
            "backends": {"logger": {"ENGINE": "eventtracking.backends.logger.LoggerBackend",
                                    "OPTIONS": {"name": "tracking", "max_event_size": 50000}}},
            "processors": [{"ENGINE": "track.shim.LegacyFieldMappingProcessor"},
                           {"ENGINE": "track.shim.PrefixedEventProcessor"}],
        },
    },
    "segmentio": {
        "ENGINE": "eventtracking.backends.routing.RoutingBackend",
        "OPTIONS": {"backends": {"segment": {"ENGINE": "eventtracking.backends.segment.SegmentBackend"}},
                    "processors": [{"ENGINE": "eventtracking.processors.whitelist.NameWhitelistProcessor",
                                    "OPTIONS": {"whitelist": []}}]},
    },
}
# The worker command as the operator guide ("Setting it up", docs/operator/install.rst) prints it,
# without its environment assignment.
README_WORKER = ("celery --app lms.celery worker --queues edx.lms.core.xapi_router --hostname xapi_router.%h "
                 "--concurrency 2 --loglevel INFO --without-gossip --without-mingle")


def lms_settings_after(block):
    """
    An LMS settings module as Tutor's ``lms/production.py`` has it when our block runs: the LMS's
    tracking backends, ERB's and our plugin settings applied (common, then production with
    Tutor's ``lms.env.yml``, which names no router key), then the rendered block executed on top.
    """
    name = "lms.envs.tutor.production_under_test"
    module = types.ModuleType(name)
    module.EVENT_TRACKING_BACKENDS = copy.deepcopy(LMS_TRACKING_BACKENDS)
    module.ENV_TOKENS = {}
    module.LMS_ROOT_URL = "http://local.openedx.io"  # the LMS's (ERB's Caliper sensor id reads it)
    for plugin_settings in (erb_common.plugin_settings, common.plugin_settings,
                            erb_production.plugin_settings, production.plugin_settings):
        plugin_settings(module)
    before = copy.deepcopy(vars(module)["EVENT_TRACKING_BACKENDS"])
    sys.modules[name] = module
    try:
        exec(compile(block, "openedx-lms-common-settings", "exec"), vars(module))  # pylint: disable=exec-used
    finally:
        del sys.modules[name]
    return types.SimpleNamespace(**vars(module)), before


@pytest.mark.parametrize("flavour", ["production", "development"])
def test_the_rendered_lms_settings_turn_the_router_on_with_its_backend_wired(plain, flavour):
    whole = plain.rendered("apps", "openedx", "settings", "lms", f"{flavour}.py")
    compile(whole, f"lms/{flavour}.py", "exec")  # the whole rendered file is Python
    module, before = lms_settings_after(plain.settings_block(flavour))
    assert "xapi_router" not in before  # the LMS applied our plugin settings while the router was off

    assert module.XAPI_ROUTER_ENABLED is True
    backends = module.EVENT_TRACKING_BACKENDS
    assert sorted(backends) == ["event_transformer", "segmentio", "tracking_logs", "xapi_router"]
    assert {name: backends[name] for name in before} == before  # the others are left as they were
    backend = import_string(backends["xapi_router"]["ENGINE"])(**backends["xapi_router"]["OPTIONS"])
    assert isinstance(backend, XapiRouterBackend)
    # ERB's xAPI is off (its Caliper side untouched), the router's settings are the plugin's.
    assert (module.XAPI_EVENTS_ENABLED, module.CALIPER_EVENTS_ENABLED) == (False, False)
    assert module.XAPI_ROUTER_ENCRYPTION_KEYS == [plain.config()["XAPI_ROUTER_ENCRYPTION_KEY"]]
    assert len(module.XAPI_ROUTER_ENCRYPTION_KEYS[0]) == 64
    assert module.XAPI_ROUTER_CELERY_QUEUE == QUEUE
    assert module.XAPI_ROUTER_ALLOWED_EVENT_NAMES is None
    assert module.XAPI_ROUTER_LOG_STATEMENTS is False  # no Aspects
    assert module.XAPI_ROUTER_ALLOW_INSECURE_HTTP is False
    # Wiring again (the block run twice) still leaves one router backend.
    common.add_tracking_backend(module)
    assert sorted(module.EVENT_TRACKING_BACKENDS) == sorted(backends)


def test_the_encryption_key_is_generated_once_and_kept(plain):
    key = plain.config()["XAPI_ROUTER_ENCRYPTION_KEY"]
    plain.tutor("config", "save")
    assert plain.config()["XAPI_ROUTER_ENCRYPTION_KEY"] == key


def test_beside_aspects_statements_are_logged_for_vector_and_ralph_over_http_is_allowed(aspects):
    module, _ = lms_settings_after(aspects.settings_block())
    assert module.XAPI_ROUTER_ENABLED is True and "xapi_router" in module.EVENT_TRACKING_BACKENDS
    assert module.XAPI_ROUTER_LOG_STATEMENTS is True  # Aspects' RUN_VECTOR and ASPECTS_VECTOR_STORE_XAPI
    assert module.XAPI_ROUTER_ALLOW_INSECURE_HTTP is True  # http://ralph:8100 inside the Docker network
    assert module.XAPI_EVENTS_ENABLED is False


@pytest.mark.parametrize("values, log_statements, events_enabled, allowed", [
    ({"RUN_VECTOR": False}, False, False, None),
    ({"ASPECTS_VECTOR_STORE_XAPI": False}, False, False, None),
    ({"RUN_VECTOR": False, "XAPI_ROUTER_LOG_STATEMENTS": True, "XAPI_ROUTER_REPLACE_ERB": False,
      "XAPI_ROUTER_ALLOWED_EVENT_NAMES": ["edx.video.played"]}, True, True, ["edx.video.played"]),
])
def test_statement_logging_follows_aspects_vector_unless_set(make_project, values, log_statements, events_enabled,
                                                            allowed):
    project = make_project("aspects-vector", plugins=("aspects", "xapi-router"), **values)
    module, _ = lms_settings_after(project.settings_block())
    assert (module.XAPI_ROUTER_LOG_STATEMENTS, module.XAPI_EVENTS_ENABLED) == (log_statements, events_enabled)
    assert module.XAPI_ROUTER_ALLOWED_EVENT_NAMES == allowed
    assert module.XAPI_ROUTER_ALLOW_INSECURE_HTTP is False  # no Ralph (RUN_RALPH is False by default)


def test_router_off_adds_no_backend(make_project):
    project = make_project("off", XAPI_ROUTER_ENABLED=False)
    module, before = lms_settings_after(project.settings_block())
    assert module.XAPI_ROUTER_ENABLED is False
    assert module.EVENT_TRACKING_BACKENDS == before


def worker_expectation(concurrency):
    command = shlex.split(README_WORKER)
    command[command.index("--concurrency") + 1] = str(concurrency)
    return command


def test_local_compose_has_the_worker_of_the_router_queue_with_the_readme_command(plain, aspects):
    for project, concurrency in ((plain, 2), (aspects, 5)):
        compose = yaml.safe_load(project.rendered("local", "docker-compose.prod.yml"))
        worker = compose["services"]["xapi-router-worker"]
        lms_worker = compose["services"]["lms-worker"]
        assert worker["command"] == worker_expectation(concurrency)
        assert worker["command"][worker["command"].index("--queues") + 1] == QUEUE
        # The same image, settings and volumes as Tutor's own lms-worker.
        assert worker["image"] == lms_worker["image"]
        assert worker["environment"] == lms_worker["environment"]
        assert worker["volumes"] == lms_worker["volumes"]
        assert worker["depends_on"] == ["lms"]
        assert worker["restart"] == "unless-stopped"  # supervised: back within seconds when it exits
    # The operator guide's command is the one we run (with the default concurrency).
    page = REPO / "docs" / "operator" / "install.rst"
    assert README_WORKER in " ".join(page.read_text(encoding="utf-8").replace("\\\n", " ").split())


def test_dev_compose_has_the_worker_on_the_development_image_and_settings(aspects):
    compose = yaml.safe_load(aspects.rendered("dev", "docker-compose.yml"))
    worker = compose["services"]["xapi-router-worker"]
    assert worker["command"] == worker_expectation(5)
    assert worker["image"] == compose["services"]["lms"]["image"] == aspects.config().get(
        "DOCKER_IMAGE_OPENEDX_DEV", worker["image"])
    assert worker["environment"] == {"SERVICE_VARIANT": "lms", "DJANGO_SETTINGS_MODULE": "lms.envs.tutor.development"}


def test_k8s_deployment_of_the_worker(plain, aspects):
    for project, concurrency in ((plain, 2), (aspects, 5)):
        documents = [doc for doc in yaml.safe_load_all(project.rendered("k8s", "deployments.yml")) if doc]
        by_name = {doc["metadata"]["name"]: doc for doc in documents if doc["kind"] == "Deployment"}
        worker, lms_worker = by_name["xapi-router-worker"], by_name["lms-worker"]
        container = worker["spec"]["template"]["spec"]["containers"][0]
        lms_container = lms_worker["spec"]["template"]["spec"]["containers"][0]
        assert container["args"] == worker_expectation(concurrency)
        assert worker["spec"]["replicas"] == 1
        assert (container["image"], container["env"], container["volumeMounts"]) == (
            lms_container["image"], lms_container["env"], lms_container["volumeMounts"])
        assert worker["spec"]["template"]["spec"]["volumes"] == lms_worker["spec"]["template"]["spec"]["volumes"]
        assert worker["spec"]["selector"]["matchLabels"] == worker["spec"]["template"]["metadata"]["labels"]


def test_the_job_service_of_the_do_commands(plain):
    compose = yaml.safe_load(plain.rendered("local", "docker-compose.jobs.yml"))
    job, lms_job = compose["services"]["xapi-router-job"], compose["services"]["lms-job"]
    assert job["image"] == lms_job["image"] and job["environment"] == lms_job["environment"]
    assert job["volumes"] == [*lms_job["volumes"], "../../data/lms/logs:/openedx/tracking-logs:ro"]
    jobs = [doc for doc in yaml.safe_load_all(plain.rendered("k8s", "jobs.yml")) if doc]
    assert "xapi-router-job" in {doc["metadata"]["name"] for doc in jobs}


def test_the_image_installs_the_router(plain, make_project):
    dockerfile = plain.rendered("build", "openedx", "Dockerfile")
    assert dockerfile.count("install openedx-xapi-router==") == 1
    assert f"$PIP_COMMAND install openedx-xapi-router=={VERSION}\n" in dockerfile
    checkout = make_project("checkout", XAPI_ROUTER_PIP_REQUIREMENT="")
    assert "openedx-xapi-router" not in checkout.rendered("build", "openedx", "Dockerfile")
    pinned = make_project("git", XAPI_ROUTER_PIP_REQUIREMENT="openedx-xapi-router @ git+https://git.example.org/r.git")
    assert "install 'openedx-xapi-router @ git+https://git.example.org/r.git'\n" in pinned.rendered(
        "build", "openedx", "Dockerfile")


def test_init_task_runs_after_the_lms_and_aspects_tasks(aspects):
    jobs = aspects.jobs("local", "do", "init")
    lms_jobs = [command for service, command in jobs if service == "lms"]
    assert jobs[-1][0] == "lms" and jobs[-1][1].startswith("# tutor-contrib-xapi-router")
    assert any("./manage.py lms migrate" in command for command in lms_jobs[:-1])  # Tutor's own LMS task first
    assert "event_routing_backends.RouterConfiguration" in lms_jobs[-2]  # Aspects' (priority 97) just before


def endpoint_rows(lms):
    """The endpoints of ``lms`` without the fields that move (ids, last success)."""
    return {name: {k: v for k, v in row.items() if k not in ("id", "last_success_at")}
            for name, row in lms.endpoints().items()}


def test_the_init_task_leaves_exactly_the_configured_endpoints_twice(plain, make_lms):
    script = plain.init_script()
    for line in script.splitlines():  # secrets only ever in an `export`, never a command's argument
        if SECRET.split()[0] in line or TOKEN in line:
            assert line.startswith("export XAPI_ROUTER_SECRET_"), line
    lms = make_lms(plain.settings_block())
    first = lms.run_script(script)
    assert first.returncode == 0, first.stdout + first.stderr
    assert "0 ERB xAPI routers" in first.stdout
    expected = {
        "lrs-main": {
            "name": "lrs-main", "statements_url": "https://lrs.example.org/xAPI/statements", "enabled": True,
            "auth": "basic (username and password set)", "auth_type": "basic", "username": "router",
            "password": SECRET, "token": "", "batch_size": 50, "pending_dead_letters": 0,
            "allowed_event_names": ["edx.video.played", "problem_check"], "denied_event_names": [],
            "orgs": ["edX"], "courses": [], "timeout": 10.0, "retry_limit": 8, "max_body_bytes": 1_000_000,
            "max_in_flight": 1, "output_format": "xapi",
        },
        "lrs-backup": {
            "name": "lrs-backup", "statements_url": "https://backup.example.org/data/xAPI/statements",
            "enabled": False, "auth": "bearer (token set)", "auth_type": "bearer", "username": "", "password": "",
            "token": TOKEN, "batch_size": 100, "pending_dead_letters": 0, "allowed_event_names": [],
            "denied_event_names": [], "orgs": [], "courses": ["course-v1:edX+DemoX+Demo_Course"],
            "timeout": 7.5, "retry_limit": 3, "max_body_bytes": 500_000, "max_in_flight": 4, "output_format": "xapi",
        },
    }
    assert endpoint_rows(lms) == expected
    ids = {name: row["id"] for name, row in lms.endpoints().items()}

    second = lms.run_script(script)
    assert second.returncode == 0, second.stdout + second.stderr
    assert second.stdout.count("Updated LRS endpoint") == 2 and "Added" not in second.stdout
    assert endpoint_rows(lms) == expected
    assert {name: row["id"] for name, row in lms.endpoints().items()} == ids


def test_a_changed_configuration_changes_the_endpoints_exactly(make_project, make_lms):
    project = make_project("changing", XAPI_ROUTER_ENDPOINTS=ENDPOINTS[:1])
    lms = make_lms(project.settings_block())
    assert lms.run_script(project.init_script()).returncode == 0
    changed = {**ENDPOINTS[0], "allowed_event_names": [], "orgs": ["OpenCraft"], "batch_size": 10,
               "password": "rotated", "enabled": False}
    project.tutor("config", "save", "--set", f"XAPI_ROUTER_ENDPOINTS={json.dumps([changed])}")
    result = lms.run_script(project.init_script())
    assert result.returncode == 0, result.stdout + result.stderr
    row = lms.endpoints()["lrs-main"]
    assert (row["allowed_event_names"], row["orgs"], row["batch_size"], row["password"], row["enabled"]) == (
        [], ["OpenCraft"], 10, "rotated", False)


ASPECTS_ROUTER = """
from event_routing_backends.models import RouterConfiguration
RouterConfiguration.objects.create(enabled=True, backend_name="xAPI", route_url="http://ralph:8100/xAPI/",
                                   auth_scheme="Basic", username={username!r}, password={password!r})
"""


def test_beside_aspects_the_init_task_imports_the_ralph_router_of_aspects(aspects, make_lms):
    config = aspects.config()
    lms = make_lms(aspects.settings_block())
    # What Aspects' LMS init task has just done (populate_model of its erb_config.json).
    lms.python(ASPECTS_ROUTER.format(username=config["RALPH_LMS_USERNAME"], password=config["RALPH_LMS_PASSWORD"]))
    script = aspects.init_script()
    for _ in range(2):
        result = lms.run_script(script)
        assert result.returncode == 0, result.stdout + result.stderr
        assert "Aspects' Ralph is an endpoint already (imported from ERB)" in result.stdout
        endpoints = lms.endpoints()
        assert len(endpoints) == 1
        (name, row), = endpoints.items()
        assert name.startswith("erb-ralph-")
        assert (row["statements_url"], row["auth_type"], row["username"], row["password"], row["enabled"]) == (
            "http://ralph:8100/xAPI/statements", "basic", config["RALPH_LMS_USERNAME"],
            config["RALPH_LMS_PASSWORD"], True)


def test_beside_aspects_without_an_erb_router_the_init_task_adds_ralph_itself(aspects, make_lms):
    config = aspects.config()
    lms = make_lms(aspects.settings_block())
    script = aspects.init_script()
    for run in range(2):
        result = lms.run_script(script)
        assert result.returncode == 0, result.stdout + result.stderr
        assert ("Added" if run == 0 else "Updated") + " LRS endpoint aspects-ralph" in result.stdout
        rows = endpoint_rows(lms)
        assert list(rows) == ["aspects-ralph"]
        row = rows["aspects-ralph"]
        assert (row["statements_url"], row["username"], row["password"], row["enabled"]) == (
            "http://ralph:8100/xAPI/statements", config["RALPH_LMS_USERNAME"], config["RALPH_LMS_PASSWORD"], True)


def test_a_bad_endpoint_configuration_fails_the_init_task_with_a_clear_message(make_project):
    project = make_project("bad", XAPI_ROUTER_ENDPOINTS=[{"name": "x"}])
    with pytest.raises(AssertionError, match=r"XAPI_ROUTER_ENDPOINTS\[0\] needs at least 'name' and 'url'"):
        project.jobs("local", "do", "init", "--limit", "xapi-router")
    assert not (project.root / "jobs.json").read_text(encoding="utf-8").strip("[]")  # nothing would have run


def test_do_backfill_and_replay_run_the_commands_in_the_job_service(plain, make_lms, tmp_path):
    assert plain.jobs("local", "do", "xapi-router-backfill", "--since", "2026-11-01", "--dry-run") == [
        ("xapi-router", "./manage.py lms transform_tracking_logs /openedx/tracking-logs --since 2026-11-01 --dry-run")]
    log = REPO / "openedx_xapi_router" / "devtools" / "sample_data" / "sample-tracking.log.gz"
    report = tmp_path / "report.json"
    (service, backfill), = plain.jobs("local", "do", "xapi-router-backfill", str(log), "--dry-run",
                                      "--report", str(report))
    assert service == "xapi-router"
    assert backfill == f"./manage.py lms transform_tracking_logs {log} --dry-run --report {report}"
    (service, replay), = plain.jobs("local", "do", "xapi-router-replay", "--endpoint", "lrs main", "--dry-run")
    assert (service, replay) == ("xapi-router", "./manage.py lms replay_failed_statements --endpoint 'lrs main' "
                                                "--dry-run")
    # The commands work in the test LMS as rendered.
    lms = make_lms(plain.settings_block())
    assert lms.run_script(plain.init_script()).returncode == 0
    result = lms.run_script(backfill)
    assert result.returncode == 0, result.stdout + result.stderr
    counts = json.loads(report.read_text(encoding="utf-8"))
    with gzip.open(log, "rt", encoding="utf-8") as handle:
        lines = sum(1 for _ in handle)
    assert (counts["lines"], counts["events"]) == (lines, lines)  # the whole log, through the test LMS
    assert counts["statements"] > 0
    (_, replay), = plain.jobs("local", "do", "xapi-router-replay", "--endpoint", "lrs-main", "--dry-run")
    result = lms.run_script(replay)
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_mounted_checkout_is_installed_and_mounted_by_tutor(make_project, tmp_path):
    """Tutor's own rule for openedx-* directories (tutor/plugins/openedx.py, MOUNTED_DIRECTORIES)."""
    checkout = tmp_path / "openedx-xapi-router"
    checkout.mkdir()
    project = make_project("mounted", XAPI_ROUTER_PIP_REQUIREMENT="")
    project.tutor("mounts", "add", str(checkout))
    project.tutor("config", "save")
    dockerfile = project.rendered("build", "openedx", "Dockerfile")
    assert 'install -e "/mnt/openedx-xapi-router"' in dockerfile
    assert "install openedx-xapi-router" not in dockerfile
    compose = yaml.safe_load(project.rendered("local", "docker-compose.prod.yml"))
    assert f"{checkout}:/mnt/openedx-xapi-router:z" in compose["services"]["xapi-router-worker"]["volumes"]
