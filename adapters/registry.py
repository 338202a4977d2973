"""The installed vendor plugins, checked, and the adapters built from them.

Plugins are found through the entry-point group ``opsgate.vendors`` (`discover_plugins` reads it
afresh each call; `installed_plugins` is the cached set production uses). Every problem with a
plugin, including one that fails to import, is one `PluginError` sentence naming the entry point
and its distribution. `build_adapters` (`adapters.building`) then gives each vendor its real
adapter when configured, its simulator when sandboxed, or neither (its commands say it is not
configured); whatever a plugin's own code raises while its adapter is built is one
`PluginStartError` sentence too.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from importlib.metadata import EntryPoint, entry_points
from typing import Any, Final

from adapters.building import Adapters as Adapters
from adapters.building import build_adapters as build_adapters
from adapters.plugin import PLUGIN_FAULTS, VendorPlugin
from adapters.plugin_checks import PluginError as PluginError
from adapters.plugin_checks import check_plugin
from adapters.plugin_start import PluginStartError as PluginStartError
from commands.catalog import Catalog
from commands.spec import OperationSpec

#: The entry-point group vendor plugins register under.
GROUP: Final = "opsgate.vendors"


@dataclass(frozen=True)
class PluginSource:
    """Where a plugin came from.

    Attributes:
        entry_point: The entry point, ``name = module:attribute``.
        distribution: The installed distribution that declares it (``"?"`` when unknown).
        version: That distribution's version (``"?"`` when unknown).
    """

    entry_point: str
    distribution: str = "?"
    version: str = "?"

    def __str__(self) -> str:
        return f"entry point {self.entry_point} in {self.distribution} {self.version}"


@dataclass(frozen=True)
class Plugins:
    """A checked set of vendor plugins, by name in name order.

    Build it with `discover_plugins`, `installed_plugins`, or `Plugins.of` (plugins given
    directly, e.g. in tests).

    Attributes:
        by_name: Each plugin by its name, in name order.
        sources: Where each discovered plugin came from (empty for `Plugins.of`).
    """

    by_name: Mapping[str, VendorPlugin[Any]]
    sources: Mapping[str, PluginSource] = field(default_factory=dict)

    @classmethod
    def of(cls, *plugins: VendorPlugin[Any]) -> Plugins:
        """These plugins, checked as discovered ones are.

        Raises:
            PluginError: A plugin is invalid, or two clash.
        """
        return _checked([(plugin, None) for plugin in plugins])

    @property
    def operations(self) -> tuple[OperationSpec, ...]:
        """Every plugin's operations: plugins in name order, each in its declared order."""
        return tuple(spec for plugin in self.by_name.values() for spec in plugin.operations)

    @functools.cached_property
    def catalog(self) -> Catalog:
        """The grammar of every operation (`operations`), for the parser."""
        return Catalog(self.operations)

    def plugin_for(self, operation_id: str) -> VendorPlugin[Any]:
        """The plugin that declares `operation_id`.

        Raises:
            KeyError: No plugin declares it.
        """
        return self.by_name[self.catalog.spec_for(operation_id).vendor]

    def describe(self, name: str) -> str:
        """The plugin for people, e.g. ``vendor plugin 'acme' (entry point … in … 1.0)``."""
        source = self.sources.get(name)
        return f"vendor plugin {name!r}" + (f" ({source})" if source else "")


def discover_plugins() -> Plugins:
    """Load and check every plugin registered under `GROUP`, reading the entry points afresh.

    Raises:
        PluginError: A plugin fails to import, is not a `VendorPlugin`, is invalid, or clashes
            with another.
    """
    found = []
    for entry in sorted(entry_points(group=GROUP), key=lambda entry: entry.name):
        source = _source(entry)
        found.append((_load(entry, source), source))
    return _checked(found)


@functools.cache
def installed_plugins() -> Plugins:
    """`discover_plugins`, once per process (what `opsgate` itself uses).

    Raises:
        PluginError: As `discover_plugins`.
    """
    return discover_plugins()


def _source(entry: EntryPoint) -> PluginSource:
    dist = entry.dist
    if dist is None:
        return PluginSource(f"{entry.name} = {entry.value}")
    return PluginSource(f"{entry.name} = {entry.value}", dist.name, dist.version)


def _load(entry: EntryPoint, source: PluginSource) -> VendorPlugin[Any]:
    where = f"vendor plugin {entry.name!r} ({source})"
    try:
        plugin = entry.load()
    except PLUGIN_FAULTS as exc:  # whatever a plugin's import raises, opsgate names the plugin
        raise PluginError(f"{where} failed to import: {type(exc).__name__}: {exc}") from exc
    if not isinstance(plugin, VendorPlugin):
        raise PluginError(f"{where} is a {type(plugin).__name__}, not a VendorPlugin")
    if plugin.name != entry.name:
        raise PluginError(f"{where} is called {plugin.name!r}; name the entry point after it")
    return plugin


def _checked(found: Iterable[tuple[VendorPlugin[Any], PluginSource | None]]) -> Plugins:
    # An operation id starts with its plugin's name (`_check_operation`), so unique names and
    # ids unique within each plugin make every id unique.
    by_name: dict[str, VendorPlugin[Any]] = {}
    sources: dict[str, PluginSource] = {}
    for plugin, source in found:
        where = f"vendor plugin {plugin.name!r}" + (f" ({source})" if source else "")
        if plugin.name in by_name:
            first = sources.get(plugin.name)
            both = f" ({first}, and {source})" if first and source else ""
            raise PluginError(
                f"two installed vendor plugins are called {plugin.name!r}{both}; uninstall one"
            )
        check_plugin(plugin, where)
        by_name[plugin.name] = plugin
        if source is not None:
            sources[plugin.name] = source
    return Plugins(by_name=dict(sorted(by_name.items())), sources=sources)
