"""
Helpers for the transformers of events that an XBlock publishes (open response assessment, drag and
drop, poll) and for values that end up inside an IRI. No transformer is registered here.

An XBlock's server events carry the block in ``context.module``: ``usage_key`` (the block's usage
key) and ``display_name``. The statement's object is that block, ``<LMS>/xblock/<usage key>``.
"""
import re

from openedx_xapi_router.core import vocab
from openedx_xapi_router.core.errors import InvalidEvent
from openedx_xapi_router.core.keys import checked_key
from openedx_xapi_router.transformers.base import XapiTransformer

#: An absolute http(s) URL with nothing an IRI forbids (query and fragment allowed).
_URL_RE = re.compile(r'^https?://[^\s<>"{}|\\^`]+$')
#: A path on the LMS (``/asset-v1:O+C+R+type@asset+block/ch1.pdf``): no whitespace, query or fragment.
_PATH_RE = re.compile(r'^/[^\s<>"{}|\\^`?#]*$')


def _iri_part(event_name, field, value, pattern, what):
    """
    ``value`` when it is a non-empty string ``pattern`` matches; raise :class:`InvalidEvent` naming
    ``field`` otherwise (``missing_field``, or ``invalid_id`` with ``what`` as the reason).
    """
    if not isinstance(value, str) or not value:
        raise InvalidEvent(event_name, field, "required field is missing or empty", kind="missing_field")
    if not pattern.match(value):
        raise InvalidEvent(event_name, field, f"{what}: {value[:80]!r}", kind="invalid_id")
    return value


def iri_key(event_name, field, value):
    """``value`` when it is a non-empty string usable inside an IRI as is (the one key rule of :mod:`core.keys`)."""
    return checked_key(event_name, field, value)


def iri_url(event_name, field, value):
    """``value`` when it is an absolute http(s) URL that is a valid IRI."""
    return _iri_part(event_name, field, value, _URL_RE, "not an absolute http(s) URL")


def iri_path(event_name, field, value):
    """``value`` when it is an absolute path usable in an IRI."""
    return _iri_part(event_name, field, value, _PATH_RE, "not a path that can be part of an IRI")


def positive_int(event, path):
    """``data.<path>`` as a positive integer (a page number): the event's integer accessor, at least 1."""
    return event.integer(path, required=True, minimum=1)


def optional_text(event, path):
    """``data.<path>`` when it is a non-empty string; None when absent or empty: the event's text accessor."""
    return event.text(path)


class XBlockTransformer(XapiTransformer):
    """
    Statements whose object is the XBlock that published the event (``context.module``).

    Class attributes:
        activity_type: ``object.definition.type``.
        interaction_type: ``object.definition.interactionType`` (for a cmi.interaction), or None.
    """

    activity_type = None
    interaction_type = None

    def usage_key(self):
        """``context.module.usage_key``, required and IRI-safe."""
        module = self.event.context_value("module")
        key = module.get("usage_key") if isinstance(module, dict) else None
        return iri_key(self.event_name, "context.module.usage_key", key)

    def display_name(self):
        """``context.module.display_name``, or None when absent, empty or not a string."""
        module = self.event.context_value("module")
        name = module.get("display_name") if isinstance(module, dict) else None
        return name if isinstance(name, str) and name else None

    def block_definition(self):
        """The block's activity definition: type, name (when known), interaction type."""
        definition = {"type": self.activity_type}
        name = self.display_name()
        if name is not None:
            definition["name"] = {vocab.EN_US: name}
        if self.interaction_type is not None:
            definition["interactionType"] = self.interaction_type
        return definition

    def get_object(self):
        return {
            "id": self.block_iri(self.usage_key()),
            "objectType": "Activity",
            "definition": self.block_definition(),
        }
