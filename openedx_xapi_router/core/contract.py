"""
Producer contracts: for each event a transformer handles, the code that emits it and the fields it emits.

A transformer class declares ``contract``, one :class:`Producer` or a tuple of them (one per
producer, when the browser player and the mobile apps emit aliases of the same event)::

    contract = Producer(
        repo="openedx/edx-platform", path="xmodule/js/src/video/09_events_plugin.js",
        where="EventsPlugin.onPlay", commit="18d6a25a8cd2df3e24f7fea7be64f72495cc0be3", source="browser",
        names=("play_video",),
        fields=(Field("data.id", "str", "0b9e39477cf34507a7a48f74be381fdd"), ...),
    )

The declarations are data: ``docs/producer_contracts.rst`` is generated from them
(``python -m openedx_xapi_router.devtools.producer_contracts``), and the contract tests build one
fixture per event name from them (``tests/contracts/``): every optional field present and absent,
``None`` where the producer sends ``None``, and each fixture must transform, or be refused with
the reason its field declares.
"""
from typing import NamedTuple

#: The JSON types a field may have, by the name a contract uses; ``|`` joins alternatives.
FIELD_TYPES = {
    "str": (str,),
    "int": (int,),
    "float": (float,),
    "number": (int, float),
    "bool": (bool,),
    "dict": (dict,),
    "list": (list,),
    "null": (type(None),),
}


class Field(NamedTuple):
    """
    One field a producer emits.

    Attributes:
        path: where it is: ``data`` for a payload that is not a JSON object (a browser
            ``problem_check``'s query string), ``data.<key>`` in the payload (dotted for nested keys),
            ``context.<key>`` in the context, or ``page``/``referer`` at the top of a log line.
        type: its JSON type(s) as the producer sends them: ``str``, ``int``, ``float``,
            ``number``, ``bool``, ``dict``, ``list``, joined with ``|`` (``float|null``).
        example: a value of that type, as the producer sends one (the fixtures use it).
        read: True when the transformer reads it (a field it does not read can be removed
            without changing the statement; the contract tests check that).
        optional: True when the producer sometimes leaves it out.
        refused_without: the :class:`~openedx_xapi_router.core.errors.InvalidEvent` kind the
            transformer refuses the event with when this optional or nullable field is absent or
            None (``missing_field``); None when the event still gives statements.
    """

    path: str
    type: str
    example: object
    read: bool = True
    optional: bool = False
    refused_without: str | None = None

    @property
    def nullable(self):
        """True when the producer may send None here."""
        return "null" in self.type.split("|")

    def accepts(self, value):
        """True when ``value`` has one of the declared types (a bool is not a number)."""
        for name in self.type.split("|"):
            types = FIELD_TYPES[name]
            if isinstance(value, bool) and bool not in types:
                continue
            if isinstance(value, types):
                return True
        return False


class Producer(NamedTuple):
    """
    The code that emits an event, and the fields it emits.

    Attributes:
        repo: the repository (``openedx/edx-platform``).
        path: the file in it.
        where: the function (or class and method) that emits the event.
        commit: the commit the file was read at.
        source: ``server``, ``browser`` or ``mobile``: how the event reaches the tracking log.
        fields: the :class:`Field` tuple; ``context.course_id`` and the user are always there.
        names: the event names this producer emits (empty: every name of the class).
        evidence: how the fields are known: ``"read"`` (the file at ``commit``, through the
            search index), or what stands instead when the producer is not readable.
    """

    repo: str
    path: str
    where: str
    commit: str
    source: str
    fields: tuple = ()
    names: tuple = ()
    evidence: str = "read"

    def field(self, path):
        """The field at ``path``, or None."""
        for item in self.fields:
            if item.path == path:
                return item
        return None


def erb_fixture_evidence(*names):
    """The evidence text of a producer located (path, commit) but not read: ERB's fixtures stand instead."""
    files = ", ".join(f"shared/xapi/events/{name}.json" for name in names)
    return (f"the file was located at this commit but not read (the search budget is shared); the fields are "
            f"event-routing-backends' fixtures ({files}), which were recorded from that producer")


def producers(transformer_class):
    """The :class:`Producer` tuple a transformer class declares (``()`` when it declares none)."""
    contract = getattr(transformer_class, "contract", None)
    if contract is None:
        return ()
    return (contract,) if isinstance(contract, Producer) else tuple(contract)


def producers_for(transformer_class, event_name):
    """Every :class:`Producer` of ``event_name`` in ``transformer_class``'s contract (server and browser
    ``problem_check`` have two)."""
    return tuple(producer for producer in producers(transformer_class)
                 if not producer.names or event_name in producer.names)


def producer_for(transformer_class, event_name):
    """The first :class:`Producer` of ``event_name`` in ``transformer_class``'s contract, or None."""
    found = producers_for(transformer_class, event_name)
    return found[0] if found else None
