"""
The ORACLE's event shape for tests/core/test_normalize_agreement.py: the fifteen fields a
``TrackingEvent`` had when ``legacy_normalize`` was written, every one stored. Today's
``TrackingEvent`` reads some of them when asked (see its docstring); the agreement test compares
field by field, by these names. Not used by the package.
"""
# pylint: skip-file
from datetime import datetime
from typing import NamedTuple


class TrackingEvent(NamedTuple):
    """The fields of ``openedx_xapi_router.core.event.TrackingEvent.FIELDS``, in that order, all stored."""

    name: str
    timestamp: str
    time: datetime
    data: dict
    data_text: str | None
    context: dict
    event_source: str | None
    session: str | None
    username: str | None
    user_id: object
    course_id: str
    org_id: str
    event_type: str
    referer: str | None = None
    page: str | None = None
