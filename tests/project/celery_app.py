"""
The Celery app of the standalone test project. (Inside the LMS, the LMS owns the Celery app.)

Eager by default (``task_always_eager``): tasks run in the calling process, no broker needed.
With ``XAPI_ROUTER_BROKER_URL`` set (e.g. ``redis://127.0.0.1:6379/9``), tasks go through that
broker to a real worker, and results come back through ``XAPI_ROUTER_RESULT_BACKEND`` (default:
the broker URL)::

    XAPI_ROUTER_BROKER_URL=redis://127.0.0.1:6379/9 celery -A tests.project.celery_app worker
"""
import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.project.settings")

DEFAULT_QUEUE = "xapi_router"


def make_app(broker_url=None, result_backend=None, queue=None, set_as_current=True):
    """
    A Celery app for the test project: real broker when ``broker_url`` (or
    ``$XAPI_ROUTER_BROKER_URL``) is given, eager otherwise. A client app made inside a test
    process passes ``set_as_current=False`` so it does not capture ``shared_task`` calls.
    """
    celery_app = Celery("xapi_router_test_project", include=["tests.project.tasks"], set_as_current=set_as_current)
    broker_url = broker_url or os.environ.get("XAPI_ROUTER_BROKER_URL")
    if broker_url:
        celery_app.conf.update(
            broker_url=broker_url,
            result_backend=result_backend or os.environ.get("XAPI_ROUTER_RESULT_BACKEND") or broker_url,
            task_always_eager=False,
        )
    else:
        celery_app.conf.update(
            broker_url="memory://",
            result_backend="cache+memory://",
            task_always_eager=True,
            task_eager_propagates=True,
        )
    celery_app.conf.update(
        task_default_queue=queue or os.environ.get("XAPI_ROUTER_CELERY_QUEUE") or DEFAULT_QUEUE,
        broker_connection_retry_on_startup=True,
        worker_hijack_root_logger=False,
        task_serializer="json",
        result_serializer="json",
        accept_content=["json"],
    )
    return celery_app


app = make_app()
