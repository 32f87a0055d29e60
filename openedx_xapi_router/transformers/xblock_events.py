"""
Helpers for the transformers of events that an XBlock publishes (open response assessment, drag and
drop, poll) and for values that end up inside an IRI. No transformer is registered here.

An XBlock's server events carry the block in ``context.module``: ``usage_key`` (the block's usage
key) and ``display_name``. The statement's object is that block, ``<LMS>/xblock/<usage key>``.
"""
import re

from openedx_xapi_router.core import vocab
from openedx_xapi_router.core.errors import InvalidEvent
from openedx_xapi_router.transformers.base import XapiTransformer

#: A usage key, course key or id as the LMS writes them (``block-v1:O+C+R+type@problem+block@ab12``,
#: ``i4x://O/C/problem/ab12``): no whitespace, quotes, brackets, ``?`` or ``#``, so that it can sit
#: inside an IRI unchanged.
_KEY_RE = re.compile(r"^[\w.~:@+/=-]+$")
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
    """``value`` when it is a non-empty string usable inside an IRI as is (see ``_KEY_RE``)."""
    return _iri_part(event_name, field, value, _KEY_RE, "not an id that can be part of an IRI")


def iri_url(event_name, field, value):
    """``value`` when it is an absolute http(s) URL that is a valid IRI."""
    return _iri_part(event_name, field, value, _URL_RE, "not an absolute http(s) URL")


def iri_path(event_name, field, value):
    """``value`` when it is an absolute path usable in an IRI."""
    return _iri_part(event_name, field, value, _PATH_RE, "not a path that can be part of an IRI")


def positive_int(event, path):
    """``data.<path>`` as a positive integer (a page number); raise :class:`InvalidEvent` naming it otherwise."""
    value = event.require(path, int)
    if value < 1:
        raise InvalidEvent(event.name, f"data.{path}", f"expected a positive integer, got {value!r}",
                           kind="wrong_type")
    return value


def optional_text(event, path):
    """``data.<path>`` when it is a non-empty string; None when absent or empty; InvalidEvent for another type."""
    value = event.data_value(path)
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise InvalidEvent(event.name, f"data.{path}", f"expected str, got {type(value).__name__}",
                           kind="wrong_type")
    return value


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
