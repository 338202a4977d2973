"""The vendor plugin API: what a package registers under the entry-point group ``opsgate.vendors``.

A plugin is one `VendorPlugin` object (by convention ``PLUGIN`` in ``<package>/plugin.py``)::

    [project.entry-points."opsgate.vendors"]
    acme = "opsgate_acme.plugin:PLUGIN"

It names the vendor (the first word of its commands, its ``OPSGATE_<VENDOR>__*`` settings and its
``[<vendor>]`` table), declares its operations' grammar, its settings model, how to connect the
real adapter and, optionally, how to build an adapter wired to a seeded simulator for the sandbox.
`adapters.registry` finds and checks plugins; docs/plugins.md is the author's guide.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Generic, TypeVar

from adapters.base import Adapter
from adapters.clock import Clock
from adapters.settings import VendorSettings
from adapters.shared import Shared
from commands.spec import OperationSpec

if TYPE_CHECKING:  # only for the annotation: production never loads simulator code
    from adapters.simulator import Simulator

SettingsT = TypeVar("SettingsT", bound=VendorSettings)

#: What opsgate catches from a plugin's own code (its import, settings validators, `connect`,
#: `sandbox`, and its adapter's calls) and answers as that plugin's fault, naming it: any
#: exception, and `SystemExit` too (a vendor SDK or its argument parser calling `sys.exit`),
#: which would otherwise end opsgate with the plugin's status and no word of why, or silently
#: end the worker running a request. Never `KeyboardInterrupt`: that is Ctrl-C or SIGTERM.
PLUGIN_FAULTS: tuple[type[BaseException], ...] = (Exception, SystemExit)


@dataclass(frozen=True)
class Sandbox:
    """An adapter wired to a freshly seeded simulator (what a plugin's `sandbox` returns).

    Attributes:
        adapter: The adapter; its `sandbox` attribute is True.
        simulator: The simulator behind it, for tests and the console.
    """

    adapter: Adapter
    simulator: Simulator


@dataclass(frozen=True, kw_only=True)
class VendorPlugin(Generic[SettingsT]):
    """One vendor: its operations, settings, adapter and (optionally) its sandbox.

    Attributes:
        name: The vendor word: the first word of its commands, its settings' environment
            prefix ``OPSGATE_<NAME>__`` and its TOML table ``[<name>]``. A lowercase word
            (``[a-z][a-z0-9]*``) that is also the entry point's name.
        title: The vendor's name for people, e.g. ``"Acme Widgets"``.
        operations: Its grammar; each spec's `vendor` is `name`.
        settings: Its settings model (a `VendorSettings` subclass whose defaults are valid).
        connect: Builds the real adapter from configured settings and a clock. Called only when
            ``settings.configured`` is true.
        connect_shared: Optional; `connect` for a vendor with state that every replica must
            share (a token the vendor keeps one of per application, a rate limit per account):
            it also receives `adapters.shared.Shared`, kept in opsgate's database. opsgate
            calls it instead of `connect` whenever it has a database open.
        sandbox: Builds an adapter wired to a seeded simulator, or None when the plugin has no
            simulator. Import the simulator inside this function, so production never loads it.
        sandbox_targets: One or two lines naming the seeded ids, for the console's banner and
            ``opsgate plugins``.
    """

    name: str
    title: str
    operations: tuple[OperationSpec, ...]
    settings: type[SettingsT]
    connect: Callable[[SettingsT, Clock], Adapter]
    connect_shared: Callable[[SettingsT, Clock, Shared], Adapter] | None = None
    sandbox: Callable[[Clock], Sandbox] | None = None
    sandbox_targets: str = ""
