"""
The router's Celery tasks, where the LMS's Celery app finds them.

The LMS's app (``lms.celery``, built in ``openedx/core/lib/celery/__init__.py`` of edx-platform)
calls ``APP.autodiscover_tasks()``, which imports ``<app>.tasks`` of every installed Django app and
nothing deeper. The tasks live in :mod:`openedx_xapi_router.delivery.tasks`; importing them here
registers them, under their existing names, with the worker started as README.rst says
(``celery --app lms.celery worker --queues edx.lms.core.xapi_router``), no ``--include`` needed.
The distributed backfill's ``backfill_unit`` lives in :mod:`openedx_xapi_router.backfill.tasks`,
registered the same way.
"""
from openedx_xapi_router.backfill.tasks import backfill_unit  # noqa: F401  (imported to register the task)
from openedx_xapi_router.delivery.tasks import (  # noqa: F401  (imported to register the tasks)
    DELIVER_TASK,
    RETRY_TASK,
    deliver_statements,
    replay_dead_letters,
    retry_statements,
)

__all__ = ["DELIVER_TASK", "RETRY_TASK", "backfill_unit", "deliver_statements", "replay_dead_letters",
           "retry_statements"]
