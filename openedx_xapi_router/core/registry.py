"""
The transformer registry: event name -> versions -> transformer class.

Registration is explicit and strict: registering the same (event name, version) twice raises at
import, never silently overrides. Several versions of one transformer may be registered at once;
the newest is used unless the context pins one (``XAPI_ROUTER_TRANSFORMER_VERSIONS``), except that a
class declaring ``opt_in = True`` is never chosen unless pinned (a new major version offered beside
the default one). Other
packages add transformers through the ``openedx_xapi_router.transformers`` entry point group: each
entry point names a module, importing it registers its classes with :data:`registry`.
"""
from importlib.metadata import entry_points

from openedx_xapi_router.core.errors import ConfigurationError, UnsupportedEvent

ENTRY_POINT_GROUP = "openedx_xapi_router.transformers"


class DuplicateTransformer(ConfigurationError):
    """Two transformers claim the same event name and version."""


class TransformerRegistry:
    """
    Holds transformer classes by event name and version.

    A transformer class declares ``event_names`` (every alias it handles) and an integer
    ``version``; see :class:`openedx_xapi_router.transformers.base.XapiTransformer`.
    """

    def __init__(self):
        self._by_name = {}  # event name -> {version: class}
        self._newest = {}  # event name -> default class: the highest version that is not opt-in
        self._disabled = set()
        self._entry_points_loaded = False

    def register(self, transformer_class):
        """Register ``transformer_class`` for each of its ``event_names``; usable as a class decorator."""
        version = transformer_class.version
        if not isinstance(version, int) or isinstance(version, bool) or version < 1:
            raise ConfigurationError(
                f"{transformer_class.__name__}.version must be a positive integer, got {version!r}"
            )
        if not transformer_class.event_names:
            raise ConfigurationError(f"{transformer_class.__name__} declares no event_names")
        for name in transformer_class.event_names:
            versions = self._by_name.setdefault(name, {})
            if version in versions:
                raise DuplicateTransformer(
                    f"event {name!r} version {version} is already handled by {versions[version].__qualname__}; "
                    f"{transformer_class.__qualname__} cannot claim it too"
                )
            versions[version] = transformer_class
            self._set_default(name)
        return transformer_class

    def _set_default(self, name):
        """
        Make the newest version of ``name`` that is not ``opt_in`` its default. A class with
        ``opt_in = True`` is used only when a site pins its version; when every version is opt-in,
        the event is unsupported unless pinned.
        """
        versions = self._by_name[name]
        defaults = [number for number, cls in versions.items() if not getattr(cls, "opt_in", False)]
        if defaults:
            self._newest[name] = versions[max(defaults)]
        else:
            self._newest.pop(name, None)

    def default_version(self, event_name):
        """The version used when nothing is pinned (the newest that is not opt-in); None when none."""
        transformer = self._newest.get(event_name)
        return None if transformer is None else transformer.version

    def get(self, event_name, pinned_versions=None):
        """
        The transformer class for ``event_name``: the pinned version if ``pinned_versions`` names the
        event, else the newest that is not ``opt_in``. Raises :class:`UnsupportedEvent` when none is
        registered or enabled, and :class:`ConfigurationError` when a pinned version does not exist.
        """
        if pinned_versions and event_name in pinned_versions:
            versions = self._by_name.get(event_name)
            if versions is None or event_name in self._disabled:
                raise UnsupportedEvent(event_name)
            try:
                return versions[pinned_versions[event_name]]
            except KeyError:
                raise ConfigurationError(
                    f"XAPI_ROUTER_TRANSFORMER_VERSIONS pins {event_name!r} to version "
                    f"{pinned_versions[event_name]}, but only versions {sorted(versions)} exist"
                ) from None
        transformer = self._newest.get(event_name)
        if transformer is None or event_name in self._disabled:
            raise UnsupportedEvent(event_name)
        return transformer

    def versions(self, event_name):
        """The registered versions of ``event_name``'s transformer, oldest first."""
        return sorted(self._by_name.get(event_name, ()))

    def event_names(self):
        """Every event name with a registered transformer, sorted."""
        return sorted(self._by_name)

    def all(self):
        """``(event name, version, class)`` for every registration, sorted by name and version."""
        return [
            (name, version, self._by_name[name][version])
            for name in sorted(self._by_name)
            for version in sorted(self._by_name[name])
        ]

    def is_supported(self, event_name):
        """True when ``event_name`` has an enabled transformer."""
        return event_name in self._newest and event_name not in self._disabled

    def disable(self, event_name):
        """Stop transforming ``event_name`` (it becomes unsupported) until :meth:`enable`."""
        self._disabled.add(event_name)

    def enable(self, event_name):
        """Undo :meth:`disable`."""
        self._disabled.discard(event_name)

    def load_entry_points(self, group=ENTRY_POINT_GROUP):
        """
        Load the transformers other packages declare in the entry point ``group``, once.

        An entry point names either a callable, ``my_package.xapi:register``, called with this
        registry (the preferred form: it registers where it is told), or a module, which registers
        its classes with the default registry when imported. A plugin that cannot be loaded raises
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
                if callable(target):
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
