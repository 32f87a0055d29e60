"""
A task of ours through a REAL Celery worker subprocess, with Redis as broker and result backend.
"""
import os

# Importing the tasks module registers its shared tasks with the app.
from tests.project import tasks  # noqa: F401  pylint: disable=unused-import
from tests.project.celery_app import app


def test_task_runs_in_the_real_worker(celery_worker_redis):
    result = celery_worker_redis.app.send_task("tests.project.tasks.add", args=(2, 3), queue=celery_worker_redis.queue)
    value = result.get(timeout=30)
    assert value["sum"] == 5
    assert value["pid"] == celery_worker_redis.process.pid
    assert value["pid"] != os.getpid()


def test_default_project_app_is_eager():
    """Without XAPI_ROUTER_BROKER_URL the project's app runs tasks in-process."""
    assert app.conf.task_always_eager
    task = app.tasks["tests.project.tasks.add"]
    assert task.delay(1, 1).get(timeout=5) == {"sum": 2, "pid": os.getpid()}
