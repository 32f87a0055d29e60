"""
The LRS client against a real Ralph LRS (started by the ``ralph_lrs`` fixture).
"""
import uuid

import pytest

from openedx_xapi_router.lrs.client import LrsClient, LrsError, Outcome, build_about


def make_statement(verb="launched"):
    return {
        "id": str(uuid.uuid4()),
        "actor": {"objectType": "Agent", "account": {"homePage": "http://localhost:18000", "name": "learner-1"}},
        "verb": {"id": f"http://adlnet.gov/expapi/verbs/{verb}", "display": {"en-US": verb}},
        "object": {
            "objectType": "Activity",
            "id": "http://localhost:18000/course/course-v1:edX+DemoX+Demo_Course",
            "definition": {"type": "http://adlnet.gov/expapi/activities/course", "name": {"en-US": "Demo"}},
        },
        "timestamp": "2026-11-26T12:00:00.123000+00:00",
        "version": "1.0.3",
    }


def test_post_then_read_back_exactly(lrs_client, ralph_lrs):
    statement = make_statement()
    response = lrs_client.post_statements([statement])
    assert (response.status_code, response.outcome) == (200, Outcome.OK)
    assert response.json() == [statement["id"]]

    stored = lrs_client.get_statement(statement["id"])
    # Ralph adds the LRS-owned properties; everything we sent comes back unchanged.
    added = {key: stored.pop(key) for key in ("stored", "authority")}
    assert stored == statement
    assert added["authority"] == {
        "objectType": "Agent",
        "mbox": f"mailto:{ralph_lrs.username}@example.org",
        "name": ralph_lrs.username,
    }


def test_identical_repost_is_ok_and_differing_one_is_duplicate(lrs_client):
    statement = make_statement()
    assert lrs_client.post_statements([statement]).status_code == 200

    again = lrs_client.post_statements([statement])
    assert (again.status_code, again.outcome, again.body) == (204, Outcome.OK, b"")

    differing = dict(statement, verb={"id": "http://adlnet.gov/expapi/verbs/completed", "display": {"en-US": "x"}})
    conflict = lrs_client.post_statements([differing])
    assert (conflict.status_code, conflict.outcome) == (409, Outcome.DUPLICATE)
    assert conflict.json() == {"detail": f"Differing statements already exist with the same ID: {statement['id']}"}
    assert lrs_client.get_statement(statement["id"])["verb"]["id"].endswith("/launched")


def test_batch_and_paging(lrs_client):
    batch = [make_statement() for _ in range(25)]
    assert lrs_client.post_statements(batch).json() == [s["id"] for s in batch]
    seen = {s["id"] for s in lrs_client.iter_statements(page_limit=10)}
    assert {s["id"] for s in batch} <= seen


def test_unknown_statement_is_rejected_404(lrs_client):
    with pytest.raises(LrsError) as caught:
        lrs_client.get_statement(str(uuid.uuid4()))
    assert (caught.value.status_code, caught.value.retryable) == (404, False)


def test_invalid_statement_is_rejected_422(lrs_client):
    """Ralph validates statements with pydantic and answers FastAPI's 422 for a malformed one."""
    with pytest.raises(LrsError) as caught:
        lrs_client.post_statements([{"id": str(uuid.uuid4()), "verb": "not a verb"}])
    assert (caught.value.status_code, caught.value.retryable) == (422, False)


def test_wrong_password_is_rejected_401(ralph_lrs):
    with LrsClient(ralph_lrs.statements_url, (ralph_lrs.username, "wrong"), allow_insecure_http=True) as client:
        with pytest.raises(LrsError) as caught:
            client.post_statements([make_statement()])
    assert (caught.value.status_code, caught.value.retryable) == (401, False)
    assert "wrong" not in str(caught.value)


def test_ralph_has_no_about_resource(lrs_client):
    """Ralph 5.1 does not serve xAPI's ``about`` resource: the client reports a plain 404."""
    with pytest.raises(LrsError) as caught:
        lrs_client.send(build_about(lrs_client.statements_url))
    assert (caught.value.status_code, caught.value.retryable) == (404, False)


def test_connection_refused_is_retryable(ralph_lrs):
    url = "http://127.0.0.1:1/xAPI/statements"
    with LrsClient(url, ralph_lrs.auth, timeout=2, allow_insecure_http=True) as client:
        with pytest.raises(LrsError) as caught:
            client.post_statements([make_statement()])
    assert (caught.value.status_code, caught.value.retryable) == (None, True)
