"""
Django admin for the router: LRS endpoints, their status page, the dead-letter store and the
hourly delivery counts.

The admin is a thin shell: it edits rows and calls the delivery code's public functions
(``test_connection``, ``endpoint_status``, ``replay_dead_letters``, ``discard_dead_letters``),
which ``manage.py lrs_endpoints`` and ``manage.py replay_failed_statements`` call as well.

Credentials are write-only: the password and token inputs never render a stored (or a just typed)
value; a blank input keeps the stored secret, a "clear" checkbox removes it. They are bound to the
origin of the statements URL (``LrsEndpoint.bind_credentials``): moving the URL to another origin
clears those not typed again, and the admin says so. Only users who may change an endpoint may
make the router send its credentials ("Test connection").

One module per concern: :mod:`~openedx_xapi_router.admin.forms` (the endpoint form and its
write-only credentials), :mod:`~openedx_xapi_router.admin.endpoints` (the endpoints' admin, status
page and connection test), :mod:`~openedx_xapi_router.admin.dead_letters` (the dead-letter store and
the hourly counts), :mod:`~openedx_xapi_router.admin.backfill_runs` (the distributed backfill's runs,
read-only, and their resume action). Importing this package registers every ModelAdmin (Django's admin autodiscovery
imports it).
"""
from openedx_xapi_router.admin.backfill_runs import BackfillRunAdmin
from openedx_xapi_router.admin.dead_letters import DeadLetterAdmin, DeliveryHourAdmin, dead_letter_counts
from openedx_xapi_router.admin.endpoints import LrsEndpointAdmin
from openedx_xapi_router.admin.forms import SECRET_FIELDS, LrsEndpointForm

__all__ = [
    "BackfillRunAdmin", "DeadLetterAdmin", "DeliveryHourAdmin", "LrsEndpointAdmin", "LrsEndpointForm", "SECRET_FIELDS",
    "dead_letter_counts",
]
