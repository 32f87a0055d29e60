"""
The statements the Aspects contract test feeds to Aspects' models, each with its event name.

Three sources:

* the shared corpora (``shared/corpus/clean-10k.log`` and ``dirty-10k.log``, from the tracking-log
  generator), read line by line as ``transform_tracking_logs`` reads them;
* every transformer's fixtures: the sample events of ``shared/xapi/events`` (event-routing-backends'
  own fixtures) and the real events the transformer tests hold (each module-level event dict of
  ``tests/transformers/test_*.py``);
* event-routing-backends' statements of the clean corpus (``tests/erb_oracle.py``), the oracle.

Statements are made with the reference context (``tests/transformers/samples.py``), which is
also what the oracle's LMS lookups answer, so our ids and ERB's meet.
"""
import collections
import datetime
import importlib
import json
import pkgutil
from pathlib import Path

from openedx_xapi_router.core.errors import XapiRouterError
from openedx_xapi_router.core.event import normalize
from openedx_xapi_router.core.pipeline import transform
from openedx_xapi_router.core.reader import read_event
from tests import erb_oracle
from tests.transformers import samples

CORPUS_DIR = samples.SHARED_DIR / "corpus"
CONTRACT_FIXTURES = Path(__file__).resolve().parent.parent / "contracts" / "fixtures"
CORPORA = ("clean-10k.log", "dirty-10k.log")


def corpus_lines(name):
    """The raw lines (bytes, without the newline) of a shared corpus."""
    with (CORPUS_DIR / name).open("rb") as handle:
        return [line.rstrip(b"\n") for line in handle]


def _ours(events, allowed):
    """``[(event name, statement)]`` of the events (TrackingEvents) whose name ``allowed`` lets through."""
    ctx = samples.reference_context()
    pairs = []
    for event in events:
        if allowed is not None and event.name not in allowed:
            continue
        try:
            statements = transform(event, ctx)
        except XapiRouterError:
            continue  # unsupported, skipped or invalid: no statement, as in the live path
        pairs.extend((event.name, statement) for statement in statements)
    return pairs


def corpus_statements(name, allowed):
    """Our ``[(event name, statement)]`` for a corpus, limited to ``allowed`` (None: every name)."""
    events = []
    for raw in corpus_lines(name):
        try:
            events.append(read_event(raw)[0])
        except XapiRouterError:
            continue  # a line with no usable event
    return _ours(events, allowed)


def erb_corpus_statements(name, allowed):
    """ERB's ``[(event name, statement)]`` for a (clean) corpus, limited to ``allowed``."""
    lines = corpus_lines(name)
    events = [json.loads(line) for line in lines]
    names = [event.get("name") or event.get("event_type") for event in events]
    keep = [index for index, event_name in enumerate(names) if event_name in allowed]
    results = erb_oracle.transform_events([erb_oracle.normalize_line(events[index]) for index in keep])
    pairs = []
    for index, result in zip(keep, results, strict=True):
        if isinstance(result, erb_oracle.Refused):
            continue
        pairs.extend((names[index], statement) for statement in result)
    return pairs


def _module_events():
    """The real events of the transformer tests: every module-level dict shaped as a tracking event."""
    import tests.transformers  # pylint: disable=import-outside-toplevel

    found = []
    for info in pkgutil.iter_modules(tests.transformers.__path__):
        if not info.name.startswith("test_"):
            continue
        module = importlib.import_module(f"tests.transformers.{info.name}")
        for attribute, value in sorted(vars(module).items()):
            if attribute.isupper() and _is_tracking_event(value):
                found.append((f"{info.name}.{attribute}", value))
    return found


def _is_tracking_event(value):
    """A dict with a name, a context and a payload: a tracking event, in its log or live form."""
    return (isinstance(value, dict) and "context" in value and bool({"name", "event_type"} & set(value))
            and bool({"event", "data"} & set(value)))


def _alias_events(events):
    """
    For each name of a transformer that no fixture has, a fixture of another of its names renamed
    (e.g. ``edx.ui.lms.sequence.outline.selected``, ``edx.ui.lms.outline.selected``'s alias): the
    LMS sends the same payload under both names.
    """
    from openedx_xapi_router.core.registry import default_registry  # pylint: disable=import-outside-toplevel
    registry = default_registry()

    by_name = {}
    for label, raw in events:
        by_name.setdefault(raw.get("name") or raw.get("event_type"), (label, raw))
    aliases = []
    for _, _, transformer in registry.all():
        known = [name for name in transformer.event_names if name in by_name]
        for name in transformer.event_names:
            if name not in by_name and known:
                label, raw = by_name[known[0]]
                renamed = dict(raw, name=name)
                if "event_type" in raw:
                    renamed["event_type"] = name
                aliases.append((f"{label} renamed {name}", renamed))
                by_name[name] = aliases[-1]
    return aliases


def _contract_events():
    """
    ``[(label, raw event)]``: every case of every producer-contract fixture
    (``tests/contracts/fixtures/<event name>.json``, written from the producer's real shape).

    Every case there has the same ``time``; as statement ids come from the actor, the time and the
    verb, each case here gets its own second (from 2026-01-01) so that no two events' statements
    share an id and every row in the models is traced back to its one event.
    """
    events = []
    start = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)
    for path in sorted(CONTRACT_FIXTURES.glob("*.json")):
        fixture = json.loads(path.read_text())
        for case in fixture["cases"]:
            event = dict(case["event"], time=(start + datetime.timedelta(seconds=len(events))).isoformat())
            events.append((f"contract {path.stem}: {case['case']}", event))
    return events


def fixture_events():
    """
    ``[(label, raw event)]``: the shared samples, the transformer tests' real events, the
    producer-contract fixtures, and aliases.
    """
    events = ([(f"sample {name}", samples.load_event(name)) for name in samples.sample_names()]
              + _module_events() + _contract_events())
    return events + _alias_events(events)


def fixture_statements():
    """
    ``[(label, event name, statements)]`` for every fixture event that gives statements with the
    reference context (a fixture made to be refused gives none and is left out).
    """
    ctx = samples.reference_context()
    results = []
    for label, raw in fixture_events():
        try:
            event = normalize(raw)
            statements = transform(event, ctx)
        except XapiRouterError:
            continue
        results.append((label, event.name, statements))
    return results


def names_by_id(pairs):
    """Statement id -> the event names that gave a statement with that id."""
    names = collections.defaultdict(set)
    for name, statement in pairs:
        names[statement["id"]].add(name)
    return names
