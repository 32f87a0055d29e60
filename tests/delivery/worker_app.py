"""
The test project's Celery app with a short Redis ``visibility_timeout`` (``$XAPI_ROUTER_VISIBILITY_TIMEOUT``
seconds), for the SIGKILL test: a message a killed worker held unacknowledged goes back to its queue
after that long (instead of the default hour), checked every second.
"""
import os

from tests.project.celery_app import make_app

app = make_app()
app.conf.broker_transport_options = {
    "visibility_timeout": float(os.environ.get("XAPI_ROUTER_VISIBILITY_TIMEOUT", "3600")),
    # Look for such messages every second (kombu's default: every 10 s, scanning one call in 10).
    "unacked_restore_interval": 1,
    "unacked_restore_throttle": 1,
}
