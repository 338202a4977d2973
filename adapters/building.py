"""The adapters of one process, built from the checked vendor plugins (`build_adapters`).

Each vendor gets its real adapter when configured, its simulator when sandboxed, or neither (its
commands say it is not configured).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from adapters.base import Adapter
from adapters.clock import SYSTEM_CLOCK, Clock
from adapters.errors import NotConfigured
from adapters.plugin import VendorPlugin
from adapters.settings import VendorSettings
from adapters.shared import Shared

if TYPE_CHECKING:
    from adapters.registry import Plugins
    from adapters.simulator import Simulator


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
