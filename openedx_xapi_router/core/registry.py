"""
The transformer registry: (event name, output format) -> versions -> transformer class.

A transformer class is registered by its declaration alone: it is marked with :func:`register`
in any module under the :mod:`openedx_xapi_router.transformers` package, and
:func:`default_registry` finds it by importing every module of that package (recursively), then
the modules and callables other packages name in the ``openedx_xapi_router.transformers`` entry
point group. Nothing lists modules by hand, and a module that fails to import is a
:class:`ConfigurationError` naming it, never a family of events silently unsupported.

Registration is strict: registering the same (event name, output format, version) twice raises,
never silently overrides, and a class that does not declare its metadata (``family``, ``erb``,
``output_format``, ...) is refused. Several versions of one transformer may be registered at once;
the newest is used unless the context pins one (``XAPI_ROUTER_TRANSFORMER_VERSIONS``), except that
a class declaring ``opt_in = True`` is never chosen unless pinned (a new major version offered
beside the default one).

The metadata a class declares (see :class:`~openedx_xapi_router.transformers.base.XapiTransformer`):

* ``event_names``: every event name it handles;
* ``version``: a positive integer, its own version;
* ``family``: the family it belongs to (``"video"``, ``"forum"``, ...), for the docs;
* ``erb``: True when event-routing-backends transforms these events too (their statements are
  then ERB's, byte for byte); False for the events only this plugin transforms
  (``docs/beyond_erb.rst``), which are sent by default (:mod:`~openedx_xapi_router.core.event_names`);
* ``output_format``: ``"xapi"`` or ``"caliper"``; one more key of the registry;
* ``opt_in``: True for a version used only where a site pins it;
* ``contract``: its producer contract (:mod:`openedx_xapi_router.core.contract`).

The docs tables, the counts, the coverage lists and the default allow-list are derived from these
declarations (the generators in ``openedx_xapi_router/devtools``), never listed by hand.
"""
import functools
import importlib
import pkgutil
import types
from importlib.metadata import entry_points

from openedx_xapi_router.core.errors import ConfigurationError, UnsupportedEvent

#: The package whose modules hold the built-in transformers (imported by name: it imports the core).
TRANSFORMERS_PACKAGE = "openedx_xapi_router.transformers"
ENTRY_POINT_GROUP = "openedx_xapi_router.transformers"

#: The output formats a transformer may declare; ``xapi`` is the default.
XAPI = "xapi"
CALIPER = "caliper"
OUTPUT_FORMATS = (XAPI, CALIPER)

#: The attribute :func:`register` sets on a class (its own ``__dict__``: subclasses are not marked).
_MARK = "_xapi_router_registered"


class DuplicateTransformer(ConfigurationError):
    """Two transformers claim the same event name, output format and version."""


def register(transformer_class):
    """
    Class decorator: ``transformer_class`` is a transformer the registry registers when discovery
    imports its module. Returns the class unchanged (apart from the mark).
    """
    setattr(transformer_class, _MARK, True)
    return transformer_class


def is_registered_class(candidate, module_name):
    """True when ``candidate`` is a class marked by :func:`register` and defined in ``module_name``."""
    return (isinstance(candidate, type) and candidate.__dict__.get(_MARK, False)
            and candidate.__module__ == module_name)


def _check_declaration(transformer_class):
    """Raise :class:`ConfigurationError` naming the first piece of metadata the class gets wrong."""
    name = transformer_class.__qualname__
    version = getattr(transformer_class, "version", None)
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise ConfigurationError(f"{name}.version must be a positive integer, got {version!r}")
    event_names = getattr(transformer_class, "event_names", ())
    if not event_names or isinstance(event_names, str) or not all(isinstance(n, str) and n for n in event_names):
        raise ConfigurationError(f"{name}.event_names must be a non-empty tuple of event names, got {event_names!r}")
    family = getattr(transformer_class, "family", None)
    if not isinstance(family, str) or not family:
        raise ConfigurationError(f"{name}.family must be a non-empty string (the transformer's family), got {family!r}")
    for flag, default in (("erb", None), ("opt_in", False)):
        value = getattr(transformer_class, flag, default)
        if not isinstance(value, bool):
            raise ConfigurationError(f"{name}.{flag} must be True or False, got {value!r}")
    output_format = getattr(transformer_class, "output_format", None)
    if output_format not in OUTPUT_FORMATS:
        raise ConfigurationError(f"{name}.output_format must be one of {OUTPUT_FORMATS}, got {output_format!r}")


class TransformerRegistry:
    """
    Holds transformer classes by event name, output format and version.

    A transformer class declares its metadata as class attributes (see the module docstring and
    :class:`openedx_xapi_router.transformers.base.XapiTransformer`).
    """

    def __init__(self):
        self._by_key = {}  # (event name, output format) -> {version: class}
        self._newest = {}  # (event name, output format) -> default class: the highest version not opt-in
        self._lookups = {}  # output format -> the ``get`` of {event name: default class} (finder's; emptied by changes)
        self._entry_points_loaded = False

    def register(self, transformer_class):
        """Register ``transformer_class`` for each of its ``event_names``; returns the class."""
        _check_declaration(transformer_class)
        version, output_format = transformer_class.version, transformer_class.output_format
        for name in transformer_class.event_names:
            versions = self._by_key.setdefault((name, output_format), {})
            for other in versions.values():
                if other.erb != transformer_class.erb:
                    raise ConfigurationError(
                        f"{transformer_class.__qualname__}.erb is {transformer_class.erb} but {other.__qualname__}, "
                        f"another version for {name!r}, says {other.erb}: ERB either transforms an event or not"
                    )
            if version in versions:
                if versions[version] is transformer_class:
                    continue  # the same class reached twice (a module imported under two discoveries)
                raise DuplicateTransformer(
                    f"event {name!r} ({output_format}) version {version} is already handled by "
                    f"{versions[version].__qualname__}; {transformer_class.__qualname__} cannot claim it too"
                )
            versions[version] = transformer_class
            self._set_default((name, output_format))
        return transformer_class

    def register_module(self, module):
        """Register every class ``module`` defines and marks with :func:`register`; returns them."""
        found = [value for value in vars(module).values() if is_registered_class(value, module.__name__)]
        for transformer_class in found:
            self.register(transformer_class)
        return found

    def discover(self, package_name=TRANSFORMERS_PACKAGE):
        """
        Import every module under the package ``package_name`` (recursively, in name order) and
        register the classes each marks with :func:`register`. Returns the module names imported.

        Raises:
            ConfigurationError: a module failed to import (named, with the error), or one of its
                classes is declared wrongly.
        """
        package = self._import(package_name)
        names = [package_name]
        if hasattr(package, "__path__"):
            names += sorted(info.name for info in pkgutil.walk_packages(
                package.__path__, prefix=f"{package_name}.", onerror=self._walk_error))
        for module_name in names:
            self.register_module(self._import(module_name))
        return names

    @staticmethod
    def _import(module_name):
        try:
            return importlib.import_module(module_name)
        except Exception as error:
            raise ConfigurationError(
                f"the transformer module {module_name!r} failed to import: {type(error).__name__}: {error}"
            ) from error

    @staticmethod
    def _walk_error(package_name):
        # pkgutil.walk_packages calls this when a sub-package fails to import; re-import to name the error.
        TransformerRegistry._import(package_name)

    def _set_default(self, key):
        """
        Make the newest version of ``key`` that is not ``opt_in`` its default. A class with
        ``opt_in = True`` is used only when a site pins its version; when every version is opt-in,
        the event is unsupported unless pinned.
        """
        self._lookups.clear()
        versions = self._by_key[key]
        defaults = [number for number, cls in versions.items() if not getattr(cls, "opt_in", False)]
        if defaults:
            self._newest[key] = versions[max(defaults)]
        else:
            self._newest.pop(key, None)

    def default_version(self, event_name, output_format=XAPI):
        """The version used when nothing is pinned (the newest that is not opt-in); None when none."""
        transformer = self._newest.get((event_name, output_format))
        return None if transformer is None else transformer.version

    def get(self, event_name, pinned_versions=None, output_format=XAPI):
        """
        The transformer class for ``event_name`` in ``output_format``: the pinned version if
        ``pinned_versions`` names the event, else the newest that is not ``opt_in``. Raises
        :class:`UnsupportedEvent` when none is registered, and :class:`ConfigurationError` when a
        pinned version does not exist.
        """
        transformer = self.find(event_name, pinned_versions, output_format)
        if transformer is None:
            raise UnsupportedEvent(event_name)
        return transformer

    def find(self, event_name, pinned_versions=None, output_format=XAPI):
        """
        :meth:`get`, with None for an event no transformer handles instead of raising (the pipeline
        meets one in every dozen events or so, page views mostly; a raise costs several lookups).
        """
        key = (event_name, output_format)
        if pinned_versions and event_name in pinned_versions:
            versions = self._by_key.get(key)
            if versions is None:
                return None
            try:
                return versions[pinned_versions[event_name]]
            except KeyError:
                raise ConfigurationError(
                    f"XAPI_ROUTER_TRANSFORMER_VERSIONS pins {event_name!r} to version "
                    f"{pinned_versions[event_name]}, but only versions {sorted(versions)} exist"
                ) from None
        return self._newest.get(key)

    def finder(self, pinned_versions=None, output_format=XAPI):
        """
        A function ``event name -> class or None`` giving :meth:`find`'s answers for these pins and
        format, for a run of many events: an unpinned name is one lookup in a dict of the defaults
        (kept until the registry changes), not a method call per event.
        """
        lookup = self._lookups.get(output_format)
        if lookup is None:
            lookup = self._lookups[output_format] = {
                name: cls for (name, fmt), cls in self._newest.items() if fmt == output_format}.get
        if not pinned_versions:
            return lookup

        def find(event_name):
            if event_name in pinned_versions:
                return self.find(event_name, pinned_versions, output_format)
            return lookup(event_name)
        return find

    def versions(self, event_name, output_format=XAPI):
        """The registered versions of ``event_name``'s transformer, oldest first."""
        return sorted(self._by_key.get((event_name, output_format), ()))

    def event_names(self, output_format=XAPI):
        """Every event name with a registered transformer in ``output_format``, sorted."""
        return sorted(name for name, fmt in self._by_key if fmt == output_format)

    def all(self, output_format=XAPI):
        """``(event name, version, class)`` for every registration in ``output_format``, by name and version."""
        return [
            (name, version, self._by_key[(name, output_format)][version])
            for name in self.event_names(output_format)
            for version in sorted(self._by_key[(name, output_format)])
        ]

    def defaults(self, output_format=XAPI):
        """``(event name, class)`` of every name's default (not opt-in) transformer, sorted by name."""
        return sorted(((name, cls) for (name, fmt), cls in self._newest.items() if fmt == output_format),
                      key=lambda item: item[0])

    def erb_event_names(self, erb=True, output_format=XAPI):
        """
        The event names, sorted, whose transformers declare ``erb`` equal to ``erb``: with True,
        those event-routing-backends transforms too; with False, those only this plugin transforms
        (``docs/beyond_erb.rst``). Every version of a name declares the same value.
        """
        return sorted(name for (name, fmt), versions in self._by_key.items()
                      if fmt == output_format and next(iter(versions.values())).erb is erb)

    def families(self, output_format=XAPI):
        """``family -> sorted event names`` of every registration in ``output_format``."""
        found = {}
        for name, _, cls in self.all(output_format):
            found.setdefault(cls.family, set()).add(name)
        return {family: sorted(names) for family, names in sorted(found.items())}

    def output_formats(self):
        """The output formats with at least one registration, sorted."""
        return sorted({fmt for _, fmt in self._by_key})

    def is_supported(self, event_name, output_format=XAPI):
        """True when ``event_name`` has a default (not opt-in) transformer in ``output_format``."""
        return (event_name, output_format) in self._newest

    def load_entry_points(self, group=ENTRY_POINT_GROUP):
        """
        Load the transformers other packages declare in the entry point ``group``, once.

        An entry point names either a callable, ``my_package.xapi:register``, called with this
        registry (it registers where it is told), or a module, whose classes marked with
        :func:`register` are registered. A plugin that cannot be loaded raises
        :class:`ConfigurationError` naming it: a site would rather fail at start-up than silently
        lose a family of statements. Returns the names loaded.
        """
        if self._entry_points_loaded:
            return []
        self._entry_points_loaded = True
        loaded = []
        for entry_point in entry_points(group=group):
            try:
                target = entry_point.load()
                if isinstance(target, types.ModuleType):
                    self.register_module(target)
                elif callable(target):
                    target(self)
            except ConfigurationError:
                raise
            except Exception as error:
                raise ConfigurationError(
                    f"the {group} entry point {entry_point.name!r} ({entry_point.value}) failed to load: "
                    f"{type(error).__name__}: {error}"
                ) from error
            loaded.append(entry_point.name)
        return loaded


def build_registry(package_name=TRANSFORMERS_PACKAGE, group=ENTRY_POINT_GROUP):
    """A new registry holding every transformer under ``package_name``, then the entry points of ``group``."""
    registry = TransformerRegistry()
    registry.discover(package_name)
    registry.load_entry_points(group)
    return registry


@functools.cache
def default_registry():
    """The built-in registry (:func:`build_registry` with the defaults), built once per process."""
    return build_registry()
