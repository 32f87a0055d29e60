"""
The Sphinx docs under ``docs/``: they build without a warning (``sphinx-build -W --keep-going -n``,
as ``make docs`` and CI run it), and what they must list is listed: every annotated setting on the
settings page, every module of the pure core and of the transformers in the API reference, every
page README.rst links to.

Contracts: the annotations are the Open edX setting and toggle comments (``setting_name`` /
``toggle_name``, each after two dots; code-annotations' ``setting_annotations.yaml`` and
``feature_toggle_annotations.yaml``, as in openedx/event-routing-backends
``event_routing_backends/settings/common.py``); Sphinx's command line is sphinx-build's (``-W``:
warnings are errors, ``-n``: nitpicky references).
"""
import importlib.util
import pkgutil
import re
import subprocess
import sys
from pathlib import Path

from tests import services

REPO = Path(__file__).resolve().parents[1]
DOCS = REPO / "docs"
PACKAGE = REPO / "openedx_xapi_router"

#: Modules the API reference leaves out, and why.
NOT_IN_API = {}


def annotated_settings():
    """Every setting and toggle name annotated anywhere in the package, with the file it is in."""
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        for name in re.findall(r"\.\. (?:setting|toggle)_name:\s*(\S+)", path.read_text(encoding="utf-8")):
            found.setdefault(name, path.relative_to(REPO).as_posix())
    return found


def documented_settings():
    """The settings docs/operator/settings.rst describes: its definition terms (``NAME`` at a line's start)."""
    text = (DOCS / "operator" / "settings.rst").read_text(encoding="utf-8")
    terms = re.findall(r"^``(XAPI_ROUTER_\w+)``(?: / ``(XAPI_ROUTER_\w+)``)?", text, re.M)
    return {name for pair in terms for name in pair if name}


def test_every_annotated_setting_is_on_the_settings_page():
    annotated = annotated_settings()
    documented = documented_settings()
    assert len(annotated) == 17, sorted(annotated)  # conf.py's table; update with a new setting
    missing = {name: path for name, path in annotated.items() if name not in documented}
    assert not missing, f"annotated but not in docs/operator/settings.rst: {missing}"
    assert documented == set(annotated), f"documented but not annotated: {sorted(documented - set(annotated))}"


def test_the_api_reference_documents_every_module_of_the_pure_core():
    text = (DOCS / "api.rst").read_text(encoding="utf-8")
    documented = re.findall(r"^\.\. automodule:: (\S+)$", text, re.M)
    assert len(documented) == len(set(documented)), "a module is documented twice"
    modules = {"openedx_xapi_router.transformers"}
    for package in ("core", "transformers"):
        modules |= {info.name for info in pkgutil.walk_packages([str(PACKAGE / package)],
                                                                 f"openedx_xapi_router.{package}.")}
    expected = modules - set(NOT_IN_API)
    assert set(documented) == expected, (sorted(expected - set(documented)), sorted(set(documented) - expected))


def test_readme_links_point_at_pages_that_exist():
    readme = (REPO / "README.rst").read_text(encoding="utf-8")
    targets = re.findall(r"`[^`<]+<([^>]+)>`_", readme)
    local = [target for target in targets if not target.startswith("https://")]
    assert len(local) >= 15, local
    assert not [target for target in local if not (REPO / target).is_file()]
    # Every page README links into docs/ is one Sphinx builds (in a toctree), not a stray file.
    assert all(target.endswith(".rst") for target in local)


def test_the_docs_build_without_a_warning(tmp_path):
    """``make docs``'s command, into a temporary directory; any warning or broken reference fails it."""
    if importlib.util.find_spec("sphinx") is None or importlib.util.find_spec("furo") is None:
        services.service_missing("Sphinx or furo is not installed in this virtualenv (requirements/docs.txt)")
    html = tmp_path / "html"
    result = subprocess.run(
        [sys.executable, "-m", "sphinx", "-W", "--keep-going", "-n", "-q", "-b", "html",
         "-d", str(tmp_path / "doctrees"), str(DOCS), str(html)],
        cwd=REPO, capture_output=True, text=True, timeout=600, check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stderr == "", result.stderr
    pages = {path.relative_to(html).as_posix() for path in html.rglob("*.html")}
    sources = {path.relative_to(DOCS).with_suffix(".html").as_posix() for path in DOCS.rglob("*.rst")
               if "_generated" not in path.parts and "_build" not in path.parts}
    assert sources <= pages, sorted(sources - pages)
    # The generated mapping table is pulled into the transformer reference, not built on its own.
    assert "_generated/event_mapping.html" not in pages
    reference = (html / "transformers.html").read_text(encoding="utf-8")
    assert "edx.course.enrollment.activated" in reference and "xblock.poll.view_results" in reference
    # autodoc imported the pure core without Django settings, and documented it.
    api = (html / "api.html").read_text(encoding="utf-8")
    assert 'id="openedx_xapi_router.core.errors.InvalidEvent"' in api
    assert 'id="openedx_xapi_router.transformers.base.XapiTransformer"' in api
