"""The adapters of one process, built from the checked vendor plugins (`build_adapters`).

Each vendor gets its real adapter when configured, its simulator when sandboxed, or neither (its
commands say it is not configured). Before a configured vendor's plugin connects, a URL of its
settings that would carry a credential over plain http to another machine is warned about
(`adapters.cleartext`), whatever the plugin's own code does. The plugin's own code that builds
them runs through `adapters.plugin_start.call_plugin`, so whatever it raises is one
`PluginStartError` sentence.
"""

from __future__ import annotations

import functools
import inspect
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from adapters.base import Adapter
from adapters.cleartext import warned_before_connect
from adapters.clock import SYSTEM_CLOCK, Clock
from adapters.errors import NotConfigured
from adapters.plugin import PLUGIN_FAULTS, Sandbox, VendorPlugin
from adapters.plugin_checks import kind
from adapters.plugin_start import PluginStartError, call_plugin, masked, one_line, said_by
from adapters.settings import VendorSettings
from adapters.shared import Shared

if TYPE_CHECKING:
    from adapters.registry import Plugins
    from adapters.simulator import Simulator

log = logging.getLogger(__name__)


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
        failed: Vendors whose plugin raised while its adapter was built, with that error (only
            `build_adapters(keep_going=True)`, for `opsgate check`, builds an `Adapters` so).
        settings: Each configured vendor's settings, so that what its adapter shows (a dry run's
            requests) can be cleared of their secret values (`adapters.plugin_start.masked`).
    """

    by_vendor: dict[str, Adapter] = field(default_factory=dict)
    simulators: dict[str, Simulator] = field(default_factory=dict)
    unconfigured: frozenset[str] = frozenset()
    without_simulator: frozenset[str] = frozenset()
    titles: dict[str, str] = field(default_factory=dict)
    sandbox_targets: dict[str, str] = field(default_factory=dict)
    failed: dict[str, PluginStartError] = field(default_factory=dict)
    settings: dict[str, VendorSettings] = field(default_factory=dict)

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
        """Close every adapter's HTTP connections. Never raises: a plugin whose `close` fails is
        one warning naming it (its secrets masked) and the others are closed still, so its error
        never stands in place of another plugin's (one that failed to connect) nor ends a
        command with a traceback."""
        for vendor, adapter in self.by_vendor.items():
            try:
                adapter.close()
            except PLUGIN_FAULTS as exc:  # the plugin's own code
                said = one_line(masked(said_by(exc), self.settings.get(vendor)))
                log.warning("vendor plugin %r failed to close its adapter: %s", vendor, said)

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
    keep_going: bool = False,
) -> Adapters:
    """Build one adapter per plugin: real when configured, simulated when `sandbox` allows.

    Args:
        plugins: The vendor plugins.
        settings_by_vendor: Each vendor's settings by plugin name; a vendor missing here gets
            its settings' defaults (not configured).
        sandbox: Simulate every vendor that has no credentials and has a sandbox.
        clock: Shared by adapters and simulators (token expiry, rate limits).
        shared: Where replicas share tokens and rate windows (for `connect_shared`).
        keep_going: Put a plugin that raises in `Adapters.failed`, and build the others.

    Raises:
        TypeError: A vendor's settings are not of its plugin's settings model.
        PluginStartError: Not `keep_going`, and a plugin's `connect`, `connect_shared` or
            `sandbox` raised: the adapters built so far are closed.
    """
    result = Adapters(titles={name: plugin.title for name, plugin in plugins.by_name.items()})
    result.without_simulator = frozenset(n for n, p in plugins.by_name.items() if not p.sandbox)
    try:
        for name in plugins.by_name:
            given = settings_by_vendor.get(name)
            try:
                _add(result, plugins, name, given, sandbox=sandbox, clock=clock, shared=shared)
            except PluginStartError as exc:
                if not keep_going:
                    raise
                result.failed[name] = exc
    except BaseException:
        result.close()  # the adapters built so far hold HTTP connections
        raise
    return result


def _add(
    result: Adapters,
    plugins: Plugins,
    name: str,
    given: VendorSettings | None,
    *,
    sandbox: bool,
    clock: Clock,
    shared: Shared | None,
) -> None:
    """Give vendor `name` its adapter in `result`, or count it unconfigured."""
    plugin = plugins.by_name[name]
    settings = given or plugin.settings()
    if not isinstance(settings, plugin.settings):
        raise TypeError(f"{name}'s settings must be {plugin.settings.__name__}")
    call = functools.partial(
        call_plugin, vendor=name, where=plugins.describe(name), settings=settings
    )
    make = plugin.sandbox
    if settings.configured:
        connected = call(lambda: _connect(plugin, settings, clock, shared), sandboxed=False)
        result.by_vendor[name] = connected
        result.settings[name] = settings
    elif sandbox and make is not None:
        built = call(lambda: _sandboxed(name, make(clock)), sandboxed=True)
        result.by_vendor[name] = built.adapter
        result.simulators[name] = built.simulator
        result.sandbox_targets[name] = plugin.sandbox_targets
    else:
        result.unconfigured |= {name}


def _connect(
    plugin: VendorPlugin[Any], settings: VendorSettings, clock: Clock, shared: Shared | None
) -> Adapter:
    # Said for every plugin, before its code may log in over such a URL, whether it warns or not.
    with warned_before_connect(settings, plugin.name):
        if shared is not None and plugin.connect_shared is not None:
            built = plugin.connect_shared(settings, clock, shared)
            return _adapter(plugin.name, built, "connect_shared", settings)
        return _adapter(plugin.name, plugin.connect(settings, clock), "connect", settings)


#: What `adapters.base.Adapter` promises: opsgate calls these on every adapter.
_METHODS = ("preview", "execute", "describe", "check", "close")


def _sandboxed(vendor: str, built: object) -> Sandbox:
    """`built`, when it is the `Sandbox` a plugin's sandbox function must return."""
    if not isinstance(built, Sandbox):
        raise TypeError(f"its sandbox returned {kind(built)}, not an adapters.plugin.Sandbox")
    _adapter(vendor, built.adapter, "sandbox")
    return built


def _adapter(
    vendor: str, adapter: Any, returned_by: str, settings: VendorSettings | None = None
) -> Adapter:
    """`adapter`, when it is one for `vendor`: a plugin's mistake here would otherwise show
    as a traceback from deep inside opsgate, or as metrics under another vendor's name. One
    refused is closed first (when it has a `close`): it may hold HTTP connections that nothing
    else would close, `opsgate check` building the other vendors on."""
    try:
        return _shaped(vendor, adapter, returned_by)
    except TypeError:
        _close_refused(vendor, adapter, settings)
        raise


def _close_refused(vendor: str, adapter: Any, settings: VendorSettings | None) -> None:
    """Close an adapter opsgate refused; a `close` that fails is one warning (masked)."""
    close = getattr(adapter, "close", None)
    if not callable(close):
        return
    try:
        close()
    except PLUGIN_FAULTS as exc:  # the plugin's own code
        said = one_line(masked(said_by(exc), settings))
        log.warning("vendor plugin %r failed to close its refused adapter: %s", vendor, said)


def _shaped(vendor: str, adapter: Any, returned_by: str) -> Adapter:
    """`adapter` when it has the shape of an adapter for `vendor`; TypeError otherwise."""
    missing = [m for m in _METHODS if not callable(getattr(adapter, m, None))]
    if adapter is None or missing:
        lacks = f" (it has no {', '.join(missing)})" if adapter is not None else ""
        raise TypeError(f"its {returned_by} returned {kind(adapter)}, not an adapter{lacks}")
    if getattr(adapter, "vendor", None) != vendor:
        said = getattr(adapter, "vendor", None)
        raise TypeError(
            f"its {returned_by} returned an adapter whose vendor is {said!r}, not {vendor!r}"
        )
    if not isinstance(getattr(adapter, "sandbox", None), bool):
        raise TypeError(
            f"its {returned_by} returned an adapter with no sandbox attribute: set it True when "
            "the adapter talks to the simulator, False otherwise"
        )
    if not _takes_progress(adapter.execute):
        # Found now, not when an approved request's call fails before anything is sent.
        raise TypeError(
            f"its {returned_by} returned an adapter whose execute takes no progress keyword: "
            "declare it `execute(self, request, *, progress=None, stop=None)`"
        )
    return adapter  # type: ignore[no-any-return]


def _takes_progress(execute: Any) -> bool:
    """Whether `execute` can be called as opsgate calls it: ``execute(request, progress=…)``."""
    try:
        parameters = inspect.signature(execute).parameters.values()
    except (TypeError, ValueError):  # a callable Python cannot introspect: let it run
        return True
    keyword = (inspect.Parameter.KEYWORD_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    return any(
        p.kind is inspect.Parameter.VAR_KEYWORD or (p.name == "progress" and p.kind in keyword)
        for p in parameters
    )
