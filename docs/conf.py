"""
Sphinx configuration of openedx-xapi-router's documentation (``make docs``).

The build is strict: ``make docs`` runs ``sphinx-build -W --keep-going -n``, so every warning,
including an unresolved cross reference, fails it. The API reference documents the pure core only
(``openedx_xapi_router.core`` and the transformers), which imports no Django: nothing here
configures Django, and a core module that started importing it would fail the build (autodoc
cannot import it without settings) rather than slip through.
"""
import sys
from pathlib import Path

from sphinx.ext.napoleon import Config as NapoleonConfig
from sphinx.ext.napoleon import GoogleDocstring

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # the package, when the docs are built from a checkout without `pip install -e .`

from openedx_xapi_router import __version__  # noqa: E402  pylint: disable=wrong-import-position

project = "openedx-xapi-router"
author = "openedx-xapi-router contributors"
copyright = "openedx-xapi-router contributors"  # pylint: disable=redefined-builtin
release = __version__
version = ".".join(__version__.split(".")[:2])

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.viewcode",
]

root_doc = "index"
# docs/_generated holds the pages generated from the registry; they are pulled into hand-written
# pages with ``.. include::``, never built as documents of their own.
exclude_patterns = ["_build", "_generated"]
templates_path = []
nitpicky = True

# References into Python's standard library: intersphinx would resolve them, but it downloads
# Python's inventory at build time and the build runs without network; they are plain names
# everybody knows, so they are shown unlinked rather than failing the build.
STDLIB = r"(collections|collections\.abc|datetime|functools|typing|pathlib|io|re|enum|json|uuid|os)\..+"
BUILTINS = r"(int|str|bytes|float|bool|dict|list|tuple|set|frozenset|object|type|None|Exception|ValueError|TypeError)"
nitpick_ignore_regex = [
    ("py:(class|obj|exc|func|meth|data|attr)", STDLIB),
    ("py:(class|obj|exc)", BUILTINS),
]

# The fields of the core's dataclasses are described in their class's "Attributes:" section,
# rendered as fields of the class (``:ivar:``), not as objects a reference can point at.
nitpick_ignore = [
    ("py:attr", "openedx_xapi_router.core.vocab.Verb.id_json"),
    ("py:attr", "openedx_xapi_router.core.context.Actor.id_json"),
    ("py:attr", "verb"),  # ProblemChecked.get_verb cites the inherited XapiTransformer.verb
]

autodoc_member_order = "bysource"
autodoc_typehints = "description"
autodoc_default_options = {"members": True, "show-inheritance": True}

html_theme = "furo"
html_title = f"openedx-xapi-router {release}"
html_static_path = []
html_show_sourcelink = False


#: The core's docstrings use Google-style sections ("Attributes:", "Args:", the transformers'
#: "Class attributes (the declaration):"); attributes are rendered as fields of their class
#: (``:ivar:``), not as objects of their own, as the attrs classes document their fields already.
NAPOLEON = NapoleonConfig(napoleon_use_ivar=True, napoleon_use_rtype=False, napoleon_custom_sections=[
    ("Class attributes", "params_style"),
])
#: Section headers napoleon's pattern (words and spaces, then a colon) does not match, as written.
SECTION_ALIASES = {"Class attributes (the declaration):": "Class attributes:"}


def google_sections(app, what, name, obj, options, lines):  # pylint: disable=too-many-arguments,too-many-positional-arguments
    """
    Turn the Google-style sections of module, class and function docstrings into reST. Attribute
    and data docstrings (``#:`` comments) are left as written: napoleon would read their first
    ``text: more`` as a type.
    """
    if what in ("attribute", "data", "property"):
        return
    lines[:] = [SECTION_ALIASES.get(line.strip(), line) if line.strip() in SECTION_ALIASES else line for line in lines]
    lines[:] = GoogleDocstring(lines, NAPOLEON, app, what, name, obj, options).lines()


def resolve_unqualified(app, env, node, contnode):
    """
    Resolve a Python reference written with a partial name (``:class:`InvalidEvent```,
    ``:mod:`core.keys```, as the core's docstrings cite their siblings) to the one documented object
    whose full name ends with it, preferring the referring module and class when several do, as
    Sphinx's own ``.name`` search; a name that still matches no object, or several, stays
    unresolved, so ``-n`` fails on it.
    """
    if node.get("refdomain") != "py":
        return None
    domain = env.get_domain("py")
    name = node["reftarget"].lstrip("~.")
    types = set(domain.objtypes_for_role(node["reftype"]) or ())
    matches = [full for full, entry in domain.objects.items()
               if (full == name or full.endswith("." + name)) and entry.objtype in types and not entry.aliased]
    for scope in (node.get("py:module"), ".".join(filter(None, (node.get("py:module"), node.get("py:class"))))):
        if len(matches) > 1 and scope:
            matches = [full for full in matches if full.startswith(scope + ".")] or matches
    if len(matches) != 1:
        return None
    return domain.resolve_xref(env, node["refdoc"], app.builder, node["reftype"], matches[0], node, contnode)


def setup(app):
    """Sphinx extension hook of this configuration."""
    app.connect("autodoc-process-docstring", google_sections)
    app.connect("missing-reference", resolve_unqualified)
