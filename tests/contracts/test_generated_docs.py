"""
The docs, counts and lists the registry generates, and adding an event as one new class.

Everything that lists event names is derived from the transformer classes' declarations
(``event_names``, ``version``, ``family``, ``erb``, ``output_format``, ``opt_in``, ``contract``):
``docs/_generated/event_mapping.rst``, ``docs/_generated/beyond_erb_events.rst``,
``docs/producer_contracts.rst``, the coverage benchmark's lists and the default allow-list. These
tests fail when a committed file differs from what the registry gives, and prove with a throwaway
transformer, in a module nobody lists (found by the discovery of the
``openedx_xapi_router.transformers`` package), that all of them follow by themselves.
"""
# pytest fixtures are parameters named after the fixture functions.
# pylint: disable=redefined-outer-name
import re
import sys
import textwrap

import pytest

import openedx_xapi_router.transformers as transformers_package
from benchmarks import coverage
from openedx_xapi_router.core.errors import ConfigurationError
from openedx_xapi_router.core.event_names import ERB_DEFAULT_EVENT_NAMES, default_event_names
from openedx_xapi_router.core.registry import build_registry, default_registry
from openedx_xapi_router.devtools import beyond_erb, event_mapping, producer_contracts
from openedx_xapi_router.devtools.generated import check_or_write
from tests.transformers import samples

REPO_ROOT = producer_contracts.DOC_PATH.parents[1]
BEYOND_ERB_DOC = REPO_ROOT / "docs" / "beyond_erb.rst"

registry = default_registry()

THROWAWAY = textwrap.dedent('''
    """A module nobody lists: discovery must find it."""
    from openedx_xapi_router.core import vocab
    from openedx_xapi_router.core.contract import Field, Producer
    from openedx_xapi_router.core.registry import register
    from openedx_xapi_router.transformers.base import XapiTransformer


    @register
    class ThrowawayViewed(XapiTransformer):
        """Only this plugin transforms it (erb = False)."""

        event_names = ("test.throwaway.viewed",)
        version = 1
        family = "throwaway"
        erb = False
        verb = vocab.VIEWED
        contract = Producer(repo="example/throwaway", path="throwaway.py", where="emit_viewed",
                            commit="0123456789abcdef0123456789abcdef01234567", source="server",
                            fields=(Field("data.id", "str", "thing"),))

        def get_object(self):
            return {"id": self.iri("throwaway", self.event.require("id")), "objectType": "Activity"}


    @register
    class ThrowawayShared(ThrowawayViewed):
        """One event-routing-backends would transform too (erb = True)."""

        event_names = ("test.throwaway.shared",)
        erb = True
        contract = Producer(repo="example/throwaway", path="throwaway.py", where="emit_shared",
                            commit="0123456789abcdef0123456789abcdef01234567", source="server",
                            fields=(Field("data.id", "str", "thing"),))


    class NotRegistered(ThrowawayViewed):
        """Derived from a registered class but not marked: discovery leaves it out."""

        event_names = ("test.throwaway.unmarked",)
''')


@pytest.fixture
def extra_module(tmp_path, monkeypatch):
    """
    Put ``source`` as a module (and a sub-package module) into the ``openedx_xapi_router.transformers``
    package's search path, the way a new file in that folder would be; returns the writer.
    """
    folder = tmp_path / "extra_transformers"
    folder.mkdir()
    monkeypatch.setattr(transformers_package, "__path__", [*transformers_package.__path__, str(folder)])
    written = []

    def write(name, source, sub_package=None):
        target = folder
        if sub_package:
            target = folder / sub_package
            target.mkdir(exist_ok=True)
            (target / "__init__.py").write_text("")
            written.append(f"{transformers_package.__name__}.{sub_package}")
        (target / f"{name}.py").write_text(source)
        dotted = ".".join(part for part in (transformers_package.__name__, sub_package, name) if part)
        written.append(dotted)
        return dotted

    yield write
    for module_name in written:
        sys.modules.pop(module_name, None)


def test_the_producer_contract_table_is_current():
    assert producer_contracts.main(["--check"]) == 0


def test_the_beyond_erb_table_is_current():
    committed = beyond_erb.DOC_PATH.read_text(encoding="utf-8")
    assert committed == beyond_erb.render(registry)
    assert beyond_erb.main(["--check"]) == 0


def test_the_event_mapping_table_is_current():
    """Made from the shared clean corpus: fails (under XAPI_ROUTER_REQUIRE_SERVICES=1) when it is missing."""
    samples.require_shared(event_mapping.DEFAULT_LOG, "the clean corpus")
    committed = event_mapping.DOC_PATH.read_text(encoding="utf-8")
    assert committed == event_mapping.generate()
    rows = re.findall(r"^   \* - ``([^`]+)``$", committed, flags=re.M)
    assert rows == [name for name in registry.event_names() if registry.default_version(name) is not None]
    assert len(rows) == 85


def test_check_mode_reports_a_stale_file_and_writes_nothing(tmp_path, capsys):
    path = tmp_path / "_generated" / "table.rst"
    assert check_or_write(path, "text\n", "some.module", check=True) == 1
    assert not path.exists()
    assert capsys.readouterr().err == f"{path} is stale: run python -m some.module\n"
    assert check_or_write(path, "text\n", "some.module", check=False) == 0
    assert path.read_text() == "text\n"
    assert check_or_write(path, "text\n", "some.module", check=True) == 0


def _mapping_section_names(text):
    """The event names of ``docs/beyond_erb.rst``'s hand-written Mapping table, in order."""
    section = text.split("\nMapping\n*******\n", 1)[1].split("\nWhy these statements\n", 1)[0]
    return re.findall(r"^   \* - ``([^`]+)``$", section, flags=re.M)


def test_beyond_erb_page_describes_exactly_the_erb_false_transformers():
    """The hand-written mapping has one row per ``erb = False`` name, its ERB count is the registry's."""
    text = BEYOND_ERB_DOC.read_text(encoding="utf-8")
    described = _mapping_section_names(text)
    assert len(described) == len(set(described)) == 20
    assert set(described) == set(registry.erb_event_names(erb=False))
    erb_count = len(registry.erb_event_names(erb=True))
    assert erb_count == 65
    assert f"turns {erb_count} Open edX event names into xAPI" in text
    assert f"the {erb_count}\nnames ERB transforms" in text
    left_alone = text.split("\nLeft unsupported\n****************\n", 1)[1].split("\nVideo, version 2\n", 1)[0]
    named = re.findall(r"``((?:edx|textbook)\.[a-z_.0-9]+)``", left_alone)
    assert named and not set(named) & set(registry.event_names())
    assert ".. include:: _generated/beyond_erb_events.rst" in text


def test_a_module_that_fails_to_import_is_a_configuration_error_naming_it(extra_module):
    name = extra_module("broken_family", "import no_such_module_anywhere\n")
    with pytest.raises(ConfigurationError) as raised:
        build_registry()
    assert str(raised.value) == (
        f"the transformer module {name!r} failed to import: ModuleNotFoundError: "
        "No module named 'no_such_module_anywhere'"
    )


def test_a_class_without_its_metadata_is_refused(extra_module):
    extra_module("undeclared", THROWAWAY.replace('    family = "throwaway"\n', ""))
    with pytest.raises(ConfigurationError) as raised:
        build_registry()
    assert str(raised.value) == "ThrowawayViewed.family must be a non-empty string (the transformer's family), got None"


@pytest.mark.parametrize("sub_package", [None, "more"])
def test_adding_an_event_is_one_new_class(extra_module, sub_package):
    """
    A new module with two classes, listed nowhere: the registry, the docs tables, the counts, the
    coverage lists and the default allow-list all follow.
    """
    extra_module("throwaway", THROWAWAY, sub_package)
    grown = build_registry()
    viewed, shared = "test.throwaway.viewed", "test.throwaway.shared"
    assert len(grown.event_names()) == len(registry.event_names()) + 2 == 87
    assert grown.get(viewed).__name__ == "ThrowawayViewed"
    assert not grown.is_supported("test.throwaway.unmarked")
    assert grown.families()["throwaway"] == [shared, viewed]
    assert default_registry() is registry and not registry.is_supported(viewed)  # the cached one is untouched

    # Counts and coverage lists.
    assert coverage.beyond_erb_names(grown) == coverage.beyond_erb_names(registry) | {viewed}
    assert coverage.erb_names(grown) == coverage.erb_names(registry) | {shared}
    assert len(coverage.erb_names(grown)) == 66

    # The default allow-list: an erb = False name is sent by default; an ERB name only if ERB's list has it.
    assert default_event_names(grown) == default_event_names(registry) | {viewed}
    assert shared not in ERB_DEFAULT_EVENT_NAMES

    # The generated docs.
    beyond = beyond_erb.render(grown)
    assert "The registry holds 87 xAPI event names: 66 that\n" in beyond
    assert "the 21 below" in beyond
    assert "   * - ``test.throwaway.viewed``\n     - throwaway\n     - 1\n     - yes\n" in beyond
    assert "test.throwaway.shared" not in beyond
    mapping = event_mapping.render({}, grown)
    assert "   * - ``test.throwaway.viewed``\n     - 1\n     - viewed\n     - -\n     - -\n     - -\n" in mapping
    assert "   * - ``test.throwaway.shared``\n" in mapping
    contracts = producer_contracts.render(grown)
    assert ("   * - ``test.throwaway.viewed`` (ThrowawayViewed v1)\n     - server\n"
            "     - ``example/throwaway`` ``throwaway.py``, emit_viewed @ ``0123456789ab``\n"
            "     - **data.id**: ``str``\n") in contracts
    assert len(producer_contracts.rows(grown)) == len(producer_contracts.rows(registry)) + 2


def test_other_output_formats_stay_out_of_the_xapi_lists(extra_module):
    """A ``caliper`` class for an xAPI event name is one more key: no xAPI list, table or count changes."""
    extra_module("caliper_throwaway", THROWAWAY.replace(
        '    erb = False\n', '    erb = False\n    output_format = "caliper"\n').replace(
        '    erb = True\n', '    erb = True\n    output_format = "caliper"\n'))
    grown = build_registry()
    assert grown.output_formats() == ["caliper", "xapi"]
    added = sorted(set(grown.event_names("caliper")) - set(registry.event_names("caliper")))
    assert added == ["test.throwaway.shared", "test.throwaway.viewed"]
    assert grown.event_names() == registry.event_names()
    assert not grown.is_supported("test.throwaway.viewed")
    assert grown.get("test.throwaway.viewed", output_format="caliper").__name__ == "ThrowawayViewed"
    assert beyond_erb.render(grown) == beyond_erb.render(registry)
    assert producer_contracts.render(grown) == producer_contracts.render(registry)
    assert event_mapping.render({}, grown) == event_mapping.render({}, registry)
    assert default_event_names(grown) == default_event_names(registry)
    assert coverage.beyond_erb_names(grown) == coverage.beyond_erb_names(registry)


def _expand(pattern):
    """``a.{b,c}.d`` -> ``[a.b.d, a.c.d]`` (every brace group, left to right)."""
    match = re.search(r"\{([^{}]*)\}", pattern)
    if match is None:
        return [pattern]
    return [name for choice in match.group(1).split(",")
            for name in _expand(pattern[:match.start()] + choice + pattern[match.end():])]


def _annotated_names(docstring):
    """The event names of a module docstring's ``.. event_name:`` annotation (continuation lines indented)."""
    match = re.search(r"^\.\. event_name: (.*(?:\n   .*)*)", docstring, flags=re.M)
    if match is None:
        return None
    text = " ".join(match.group(1).split())
    items = re.findall(r"(?:[^,{]|\{[^}]*\})+", text)
    return sorted(name for item in items for name in _expand(item.strip()))


def test_module_annotations_name_exactly_the_events_their_classes_register():
    """Every transformer module's ``.. event_name:`` annotation lists exactly its classes' event names."""
    by_module = {}
    for name, _, cls in registry.all():
        by_module.setdefault(sys.modules[cls.__module__], set()).add(name)
    annotated = 0
    for module, names in sorted(by_module.items(), key=lambda item: item[0].__name__):
        listed = _annotated_names(module.__doc__ or "")
        assert listed is not None, f"{module.__name__} has no .. event_name: annotation"
        annotated += 1
        assert listed == sorted(names), module.__name__
    assert annotated == 18
    assert _expand("edx.forum.{thread,response}.{voted,viewed}") == [
        "edx.forum.thread.voted", "edx.forum.thread.viewed", "edx.forum.response.voted", "edx.forum.response.viewed"]
