"""The installed vendor plugins, checked, and the adapters built from them.

Plugins are found through the entry-point group ``opsgate.vendors`` (`discover_plugins` reads it
afresh each call; `installed_plugins` is the cached set production uses). Every problem with a
plugin, including one that fails to import, is one `PluginError` sentence naming the entry point
and its distribution. `build_adapters` then gives each vendor its real adapter when configured,
its simulator when sandboxed, or neither (its commands say it is not configured).
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from importlib.metadata import EntryPoint, entry_points
from typing import TYPE_CHECKING, Any, Final

from adapters.base import Adapter
from adapters.clock import SYSTEM_CLOCK, Clock
from adapters.errors import NotConfigured
from adapters.plugin import VendorPlugin
from adapters.plugin_checks import PluginError as PluginError
from adapters.plugin_checks import check_plugin
from adapters.settings import VendorSettings
from adapters.shared import Shared
from commands.catalog import Catalog
from commands.spec import OperationSpec

if TYPE_CHECKING:
    from adapters.simulator import Simulator

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
    except Exception as exc:  # whatever a plugin's import raises, opsgate names the plugin
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


@dataclass
class Adapters:
    """The adapters of one process, by vendor, and the simulators behind sandboxed ones.

    Attributes:
        by_vendor: The adapter of each vendor that has one.
        simulators: The simulator behind each sandboxed vendor.
        unconfigured: Vendors with neither credentials nor a sandbox: their commands say so.
        without_simulator: Vendors whose plugin ships no simulator (sandboxing cannot help).
        titles: Each installed vendor's title, by name.
        sandbox_targets: What each sandboxed vendor's simulator holds (for the console).
    """

    by_vendor: dict[str, Adapter] = field(default_factory=dict)
    simulators: dict[str, Simulator] = field(default_factory=dict)
    unconfigured: frozenset[str] = frozenset()
    without_simulator: frozenset[str] = frozenset()
    titles: dict[str, str] = field(default_factory=dict)
    sandbox_targets: dict[str, str] = field(default_factory=dict)

    def get(self, vendor: str) -> Adapter:
        """The adapter for `vendor`.

        Raises:
            NotConfigured: the vendor has no credentials and is not sandboxed, or no plugin
                for it is installed.
        """
        adapter = self.by_vendor.get(vendor)
        if adapter is not None:
            return adapter
        if vendor not in self.unconfigured:
            raise NotConfigured(
                f"no vendor plugin called {vendor} is installed",
                vendor=vendor,
                next_step="Install the vendor's plugin (`opsgate plugins` lists what is "
                "installed), then request again.",
            )
        settings = f"Set the `OPSGATE_{vendor.upper()}__*` settings its plugin documents"
        raise NotConfigured(
            f"{vendor} is not configured: opsgate has no credentials for it",
            vendor=vendor,
            next_step=f"{settings}; it has no simulator."
            if vendor in self.without_simulator
            else f"{settings}, or run with `OPSGATE_SANDBOX=1` to use its simulator.",
        )

    def close(self) -> None:
        """Close every adapter's HTTP connections."""
        for adapter in self.by_vendor.values():
            adapter.close()

    def is_sandboxed(self, vendor: str) -> bool:
        """True when `vendor` is served by its simulator."""
        return vendor in self.simulators


def build_adapters(
    plugins: Plugins,
    settings_by_vendor: Mapping[str, VendorSettings],
    *,
    sandbox: bool,
    clock: Clock = SYSTEM_CLOCK,
    shared: Shared | None = None,
) -> Adapters:
    """Build one adapter per plugin: real when configured, simulated when `sandbox` allows.

    Args:
        plugins: The vendor plugins.
        settings_by_vendor: Each vendor's settings by plugin name; a vendor missing here gets
            its settings' defaults (not configured).
        sandbox: Simulate every vendor that has no credentials and has a sandbox.
        clock: Shared by adapters and simulators (token expiry, rate limits).
        shared: Where replicas share tokens and rate windows (for `connect_shared`).

    Raises:
        TypeError: A vendor's settings are not of its plugin's settings model.
    """
    result = Adapters(titles={name: plugin.title for name, plugin in plugins.by_name.items()})
    unconfigured = set()
    for name, plugin in plugins.by_name.items():
        settings = settings_by_vendor.get(name) or plugin.settings()
        if not isinstance(settings, plugin.settings):
            raise TypeError(f"{name}'s settings must be {plugin.settings.__name__}")
        if settings.configured:
            result.by_vendor[name] = _connect(plugin, settings, clock, shared)
        elif sandbox and plugin.sandbox is not None:
            built = plugin.sandbox(clock)
            result.by_vendor[name] = built.adapter
            result.simulators[name] = built.simulator
            result.sandbox_targets[name] = plugin.sandbox_targets
        else:
            unconfigured.add(name)
    result.unconfigured = frozenset(unconfigured)
    result.without_simulator = frozenset(n for n, p in plugins.by_name.items() if not p.sandbox)
    return result


def _connect(
    plugin: VendorPlugin[Any], settings: VendorSettings, clock: Clock, shared: Shared | None
) -> Adapter:
    if shared is not None and plugin.connect_shared is not None:
        return plugin.connect_shared(settings, clock, shared)
    return plugin.connect(settings, clock)
