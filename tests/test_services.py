"""
The service-detection helper itself: skip by default, fail when services are required.
"""
import pytest
from _pytest.outcomes import Failed, Skipped

from tests import services


@pytest.mark.parametrize("value", ["1", "true", "YES", "on"])
def test_required_means_fail(monkeypatch, value):
    monkeypatch.setenv(services.REQUIRE_ENV, value)
    with pytest.raises(Failed, match="Redis not reachable"):
        services.service_missing("Redis not reachable at 127.0.0.1:6379")


@pytest.mark.parametrize("value", [None, "", "0", "no"])
def test_not_required_means_skip(monkeypatch, value):
    if value is None:
        monkeypatch.delenv(services.REQUIRE_ENV, raising=False)
    else:
        monkeypatch.setenv(services.REQUIRE_ENV, value)
    with pytest.raises(Skipped, match="Redis not reachable.*service tests skipped"):
        services.service_missing("Redis not reachable at 127.0.0.1:6379")


def test_unreachable_redis_is_explained():
    problem = services.redis_problem("redis://127.0.0.1:1/0")
    assert problem.startswith("Redis not reachable at 127.0.0.1:1")
    assert "redis-server" in problem


def test_unreachable_mariadb_is_explained():
    problem = services.mariadb_problem("mysql://root:@127.0.0.1:1/test")
    assert problem.startswith("MariaDB not reachable at 127.0.0.1:1")
    assert "mariadbd" in problem


def test_missing_ralph_venv_is_explained(monkeypatch, tmp_path):
    from openedx_xapi_router.devtools import ralph_control  # pylint: disable=import-outside-toplevel

    monkeypatch.setenv("XAPI_ROUTER_RALPH_PYTHON", str(tmp_path / "nowhere" / "python"))
    assert "make requirements" in ralph_control.ralph_available()
