"""Which adapter serves each vendor: the real API when configured, the simulator when sandboxed.

Vendor modules are imported by name so the registry needs no change per vendor beyond `VENDORS`;
each vendor module exposes ``from_config(config, *, clock)`` and ``sandboxed(*, clock)``.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from adapters.aliyun.settings import AliyunSettings
from adapters.base import Adapter
from adapters.clock import SYSTEM_CLOCK, Clock
from adapters.enos.settings import EnosSettings
from adapters.errors import NotConfigured
from adapters.huawei.settings import HuaweiSettings
from adapters.servicepower.settings import ServicePowerSettings
from adapters.simulator import Simulator

#: Vendor prefix -> the module that implements it.
VENDORS: Mapping[str, str] = {
    "enos": "adapters.enos.adapter",
    "aliyun": "adapters.aliyun.adapter",
    "huawei": "adapters.huawei.adapter",
    "servicepower": "adapters.servicepower.adapter",
}

VendorConfig = EnosSettings | AliyunSettings | HuaweiSettings | ServicePowerSettings


class _VendorModule(Protocol):
    def from_config(self, config: Any, *, clock: Clock = ...) -> Adapter: ...
    def sandboxed(self, *, clock: Clock = ...) -> tuple[Adapter, Simulator]: ...


@dataclass
class Adapters:
    """The adapters of one process, by vendor, and the simulators behind sandboxed ones."""

    by_vendor: dict[str, Adapter] = field(default_factory=dict)
    simulators: dict[str, Simulator] = field(default_factory=dict)
    #: Vendors with neither credentials nor a sandbox: their commands say so.
    unconfigured: frozenset[str] = frozenset()

    def get(self, vendor: str) -> Adapter:
        """The adapter for `vendor`.

        Raises:
            NotConfigured: the vendor has no credentials and is not sandboxed.
        """
        adapter = self.by_vendor.get(vendor)
        if adapter is None:
            raise NotConfigured(
                f"{vendor} is not configured: opsgate has no credentials for it",
                vendor=vendor,
                next_step=f"Set the OPSGATE_{vendor.upper()}__* settings (see the README), "
                "or run with OPSGATE_SANDBOX=1 to use the simulator.",
            )
        return adapter

    def close(self) -> None:
        """Close every adapter's HTTP connections."""
        for adapter in self.by_vendor.values():
            adapter.close()

    def is_sandboxed(self, vendor: str) -> bool:
        """True when `vendor` is served by its simulator."""
        return vendor in self.simulators


def build_adapters(
    configs: Mapping[str, VendorConfig], *, sandbox: bool, clock: Clock = SYSTEM_CLOCK
) -> Adapters:
    """Build one adapter per vendor: real when configured, simulated when `sandbox` allows.

    Args:
        configs: Vendor prefix -> its settings (a missing vendor counts as unconfigured).
        sandbox: Simulate every vendor that has no credentials.
        clock: Shared by adapters and simulators (token expiry, rate limits).
    """
    result = Adapters()
    unconfigured = set()
    for vendor, module_name in VENDORS.items():
        module: _VendorModule = importlib.import_module(module_name)
        config = configs.get(vendor)
        if config is not None and config.configured:
            result.by_vendor[vendor] = module.from_config(config, clock=clock)
        elif sandbox:
            adapter, simulator = module.sandboxed(clock=clock)
            result.by_vendor[vendor] = adapter
            result.simulators[vendor] = simulator
        else:
            unconfigured.add(vendor)
    result.unconfigured = frozenset(unconfigured)
    return result
