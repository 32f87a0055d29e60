"""
The test project's Celery app with a short Redis ``visibility_timeout`` (``$XAPI_ROUTER_VISIBILITY_TIMEOUT``
seconds), for the SIGKILL test: a message a killed worker held unacknowledged goes back to its queue
after that long, instead of the default hour.
"""
import os

from tests.project.celery_app import make_app

app = make_app()
app.conf.broker_transport_options = {"visibility_timeout": float(os.environ.get("XAPI_ROUTER_VISIBILITY_TIMEOUT", "3600"))}
