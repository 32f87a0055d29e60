"""
The chaos suite's "LMS" served by gunicorn, as the LMS is: a WSGI application whose every request
emits one tracking event through event-tracking's default tracker, with the router's backend
configured (:func:`tests.chaos.lms_process.start_lms` and :func:`~tests.chaos.lms_process.emit_event`,
the plain "LMS" process's own two steps), and answers 200 only once ``tracker.emit`` returned.

Served by the harness (:class:`tests.chaos.harness.GunicornLms`) as edx-platform runs the LMS:
``gunicorn`` (the LMS's pin, openedx/edx-platform ``requirements/edx/base.txt`` at
000a598851c358ea2e77d6626765255238937089: ``gunicorn==23.0.0``) with sync workers, on 127.0.0.1.
Each worker imports this module after the fork (no ``--preload``), as each LMS worker loads its
application.

``GET /emit/<n>``: emit event ``n``; the answer is ``<n> <worker pid>``. Anything else: 404.

The ledger, on the worker's stdout (gunicorn's, inherited: one pipe the harness reads), one line
per ``os.write`` as in :mod:`tests.chaos.lms_process`:

* ``READY <pid>``: a worker loaded the application;
* ``B <json>``: the ledger backend got event ``n`` from the tracker (before the router's backend);
* ``P <statement id>``: a ``deliver_statements`` message holding that statement was published to
  the broker (Celery's ``after_task_publish`` signal, sent by ``celery/app/amqp.py``
  ``send_task_message`` right after ``producer.publish`` returned, in the publishing thread: the
  request's by default, the router's publisher thread with background publishing).

The driver's ledger (which requests got their 200) is the harness's; ``P`` tells, for an answered
event whose statement is not in the LRS, whether it was lost before or after the broker had it.
"""
import os
import re

from celery.signals import after_task_publish

from openedx_xapi_router.delivery.enqueue import DELIVER_TASK
from tests.chaos.lms_process import emit_event, start_lms, write_line

EMIT_PATH = re.compile(r"^/emit/(\d+)$")


def published(sender=None, body=None, **_):
    """``after_task_publish``: one ``P <statement id>`` ledger line per statement the message holds."""
    if sender != DELIVER_TASK:
        return
    args = body[0]  # protocol 2: (args, kwargs, embed); args == (events,)
    for _endpoint_ids, _name, _version, statements in args[0]:
        for statement in statements:
            write_line(f"P {statement['id']}")


after_task_publish.connect(published, weak=False, dispatch_uid="xapi-router-chaos-published")
default_tracker = start_lms()
write_line(f"READY {os.getpid()}")


def application(environ, start_response):
    """The WSGI entry point: ``GET /emit/<n>`` emits event ``n`` and answers ``<n> <pid>``."""
    match = EMIT_PATH.match(environ.get("PATH_INFO", ""))
    if match is None or environ.get("REQUEST_METHOD") != "GET":
        body = b"not found: GET /emit/<number>\n"
        start_response("404 Not Found", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
        return [body]
    number = int(match.group(1))
    emit_event(default_tracker, number)
    body = f"{number} {os.getpid()}".encode("ascii")
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
    return [body]
