"""
``manage.py lrs_endpoints``: add (secrets from the environment or a prompt, never the command
line; validated with ``full_clean()``), list (no secrets), test (against the real Ralph), remove.
"""
import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import override_settings

from openedx_xapi_router.management.commands import lrs_endpoints
from openedx_xapi_router.models import DeadLetter, LrsEndpoint

pytestmark = pytest.mark.django_db

URL = "https://lrs.example.org/xAPI/statements"
SECRET = "pa55-from-the-environment"


def run(*args):
    out = StringIO()
    call_command("lrs_endpoints", *args, stdout=out, stderr=out)
    return out.getvalue()


def test_add_reads_the_password_from_the_named_environment_variable(monkeypatch):
    monkeypatch.setenv("LRS_PASSWORD", SECRET)
    out = run("add", "main", URL, "--username", "router", "--password-env", "LRS_PASSWORD", "--batch-size", "250",
              "--allow-event", "edx.video.played", "--allow-event", "problem_check", "--org", "edX")
    endpoint = LrsEndpoint.objects.get(name="main")
    assert out == (f"Added LRS endpoint main (id {endpoint.pk}): {URL}, basic (username and password set), "
                   "enabled\n")
    assert (endpoint.username, endpoint.password, endpoint.token) == ("router", SECRET, "")
    assert endpoint.batch_size == 250
    assert endpoint.allowed_event_names == ["edx.video.played", "problem_check"]
    assert (endpoint.orgs, endpoint.courses, endpoint.denied_event_names) == (["edX"], [], [])


def test_a_bearer_token_from_the_environment(monkeypatch):
    monkeypatch.setenv("LRS_TOKEN", "tok-123")
    out = run("add", "bearer-lrs", URL, "--auth-type", "bearer", "--token-env", "LRS_TOKEN", "--disable")
    endpoint = LrsEndpoint.objects.get(name="bearer-lrs")
    assert (endpoint.auth_type, endpoint.token, endpoint.enabled) == ("bearer", "tok-123", False)
    assert "tok-123" not in out
    assert out.endswith("bearer (token set), disabled\n")


@pytest.mark.parametrize("args", [("--password", SECRET), ("--token", SECRET), (f"--password={SECRET}",)])
def test_no_secret_on_the_command_line(args):
    with pytest.raises(CommandError) as raised:
        run("add", "main", URL, "--username", "router", *args)
    assert str(raised.value) == ("a secret is never taken from the command line (shell history, ps): use "
                                 "--password-env VAR / --token-env VAR, or --prompt")
    assert not LrsEndpoint.objects.exists()


def test_a_missing_environment_variable_is_an_error(monkeypatch):
    monkeypatch.delenv("LRS_PASSWORD", raising=False)
    with pytest.raises(CommandError, match="--password-env LRS_PASSWORD: the environment variable LRS_PASSWORD is "
                                           "not set or empty"):
        run("add", "main", URL, "--username", "router", "--password-env", "LRS_PASSWORD")
    assert not LrsEndpoint.objects.exists()


def test_without_a_terminal_a_secret_must_come_from_the_environment(monkeypatch):
    monkeypatch.setattr(lrs_endpoints.Command, "interactive", staticmethod(lambda: False))
    with pytest.raises(CommandError, match="no secret given: use --password-env VAR"):
        run("add", "main", URL, "--username", "router")
    assert not LrsEndpoint.objects.exists()


def test_the_prompt(monkeypatch):
    questions = []
    monkeypatch.setattr(lrs_endpoints.Command, "prompt", staticmethod(lambda q: questions.append(q) or "typed-pw"))
    out = run("add", "main", URL, "--username", "router", "--prompt")
    assert questions == ["Password of router for main: "]
    assert LrsEndpoint.objects.get(name="main").password == "typed-pw"
    assert "typed-pw" not in out


def test_add_validates_with_full_clean(monkeypatch):
    monkeypatch.setenv("LRS_PASSWORD", SECRET)
    with override_settings(XAPI_ROUTER_ALLOW_INSECURE_HTTP=False):
        with pytest.raises(CommandError) as raised:
            run("add", "plain", "http://lrs.example.org/xAPI/statements", "--username", "u",
                "--password-env", "LRS_PASSWORD")
    assert str(raised.value) == (
        "invalid LRS endpoint 'plain': statements_url: Plain http:// would send credentials in clear text; use "
        "https:// (or set XAPI_ROUTER_ALLOW_INSECURE_HTTP for development)."
    )
    with pytest.raises(CommandError, match="batch_size: Ensure this value is greater than or equal to 1."):
        run("add", "zero", URL, "--username", "u", "--password-env", "LRS_PASSWORD", "--batch-size", "0")
    with pytest.raises(CommandError, match="statements_url: Enter a valid URL."):
        run("add", "bad-url", "not a url", "--username", "u", "--password-env", "LRS_PASSWORD")
    assert not LrsEndpoint.objects.exists()


def test_add_refuses_an_existing_name_and_update_changes_only_what_is_given(monkeypatch):
    monkeypatch.setenv("LRS_PASSWORD", SECRET)
    run("add", "main", URL, "--username", "router", "--password-env", "LRS_PASSWORD")
    with pytest.raises(CommandError, match="an LRS endpoint named 'main' exists; change it with --update"):
        run("add", "main", URL, "--username", "router", "--password-env", "LRS_PASSWORD")
    run("add", "main", "--update", "--batch-size", "500", "--deny-event", "edx.video.paused")
    endpoint = LrsEndpoint.objects.get(name="main")
    assert (endpoint.batch_size, endpoint.denied_event_names, endpoint.password) == (500, ["edx.video.paused"], SECRET)
    monkeypatch.setenv("NEW_PASSWORD", "rotated-pw")
    run("add", "main", "--update", "--password-env", "NEW_PASSWORD")
    endpoint.refresh_from_db()
    assert endpoint.password == "rotated-pw"


def test_update_with_clear_filters_leaves_exactly_the_filters_given():
    run("add", "main", URL, "--allow-event", "edx.video.played", "--org", "edX", "--course", "course-v1:edX+A+1")
    run("add", "main", "--update", "--clear-filters", "--org", "OpenCraft")
    endpoint = LrsEndpoint.objects.get(name="main")
    assert (endpoint.allowed_event_names, endpoint.denied_event_names, endpoint.orgs, endpoint.courses) == (
        [], [], ["OpenCraft"], [])
    run("add", "main", "--update", "--batch-size", "20")  # without --clear-filters, the filters stay
    endpoint.refresh_from_db()
    assert (endpoint.orgs, endpoint.batch_size) == (["OpenCraft"], 20)


def test_list_never_prints_secrets(monkeypatch):
    monkeypatch.setenv("LRS_PASSWORD", SECRET)
    run("add", "main", URL, "--username", "router-user", "--password-env", "LRS_PASSWORD", "--course",
        "course-v1:edX+DemoX+Demo_Course")
    monkeypatch.setenv("LRS_TOKEN", "tok-secret-123")
    run("add", "other", URL, "--auth-type", "bearer", "--token-env", "LRS_TOKEN", "--disable")
    DeadLetter.objects.create(endpoint=LrsEndpoint.objects.get(name="main"), statement_id="x", statement={},
                              event_name="e", reason=DeadLetter.REASON_REJECTED)
    text = run("list")
    assert text == (
        f"main  enabled  xapi  {URL}\n"
        "    auth: basic (username and password set); batch size 100 (at most 1000000 bytes), 1 in flight; "
        "courses=['course-v1:edX+DemoX+Demo_Course']\n"
        "    last success: never; pending dead letters: 1\n"
        f"other  DISABLED  xapi  {URL}\n"
        "    auth: bearer (token set); batch size 100 (at most 1000000 bytes), 1 in flight; no filters\n"
        "    last success: never; pending dead letters: 0\n"
    )
    rows = [json.loads(line) for line in run("list", "--json").splitlines()]
    assert [row["name"] for row in rows] == ["main", "other"]
    assert rows[0]["pending_dead_letters"] == 1
    for secret in (SECRET, "tok-secret-123", "router-user"):
        assert secret not in text and secret not in json.dumps(rows)


def test_list_when_empty():
    assert run("list") == "No LRS endpoint.\n"


def test_test_against_ralph(ralph_lrs, monkeypatch):
    monkeypatch.setenv("RALPH_PASSWORD", ralph_lrs.password)
    monkeypatch.setenv("WRONG_PASSWORD", "not-the-password")
    run("add", "ralph", ralph_lrs.statements_url, "--username", ralph_lrs.username, "--password-env", "RALPH_PASSWORD")
    assert run("test", "ralph") == "ralph: OK; about: HTTP 404; statements?limit=1: HTTP 200\n"

    run("add", "ralph-wrong", ralph_lrs.statements_url, "--username", ralph_lrs.username,
        "--password-env", "WRONG_PASSWORD")
    out = StringIO()
    with pytest.raises(CommandError, match=r"^1 of 2 LRS endpoint\(s\) failed the connection test$"):
        call_command("lrs_endpoints", "test", stdout=out)
    lines = out.getvalue().splitlines()
    assert lines[0] == "ralph: OK; about: HTTP 404; statements?limit=1: HTTP 200"
    assert lines[1].startswith("ralph-wrong: FAILED; about: HTTP 404; statements?limit=1: HTTP 401")
    assert "not-the-password" not in out.getvalue() and ralph_lrs.password not in out.getvalue()


def test_test_an_unknown_endpoint():
    with pytest.raises(CommandError, match=r"no LRS endpoint named 'nope' \(known: none\)"):
        run("test", "nope")


def test_remove_refuses_while_dead_letters_are_pending(monkeypatch):
    monkeypatch.setenv("LRS_PASSWORD", SECRET)
    run("add", "main", URL, "--username", "router", "--password-env", "LRS_PASSWORD")
    endpoint = LrsEndpoint.objects.get(name="main")
    DeadLetter.objects.create(endpoint=endpoint, statement_id="a", statement={}, event_name="e",
                              reason=DeadLetter.REASON_REJECTED)
    DeadLetter.objects.create(endpoint=endpoint, statement_id="b", statement={}, event_name="e",
                              reason=DeadLetter.REASON_REJECTED, state=DeadLetter.STATE_REPLAYED)
    with pytest.raises(CommandError, match="main has 1 pending dead letter"):
        run("remove", "main")
    assert LrsEndpoint.objects.count() == 1
    assert run("remove", "main", "--force") == "Removed LRS endpoint main and its 2 dead letter(s).\n"
    assert not LrsEndpoint.objects.exists() and not DeadLetter.objects.exists()
