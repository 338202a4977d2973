"""The Alibaba Cloud IoT vendor plugin (entry point ``aliyun`` in ``opsgate.vendors``)."""

from __future__ import annotations

import httpx

from adapters.aliyun.adapter import AliyunAdapter, from_config
from adapters.aliyun.operations import OPERATIONS
from adapters.aliyun.settings import AliyunSettings
from adapters.base import Adapter
from adapters.clock import SYSTEM_CLOCK, Clock
from adapters.plugin import Sandbox, VendorPlugin
from adapters.shared import Shared


def connect(settings: AliyunSettings, clock: Clock) -> Adapter:
    """The adapter for the account and region in `settings`."""
    return from_config(settings, clock=clock)


def connect_shared(settings: AliyunSettings, clock: Clock, shared: Shared) -> Adapter:
    """`connect`, with the account's rate window every replica shares (10 calls/s in total)."""
    return from_config(settings, clock=clock, shared=shared)


def sandboxed(clock: Clock = SYSTEM_CLOCK) -> Sandbox:
    """An adapter wired to a freshly seeded simulator (`PLUGIN.sandbox_targets` names its ids)."""
    # Imported here, not at the top, so production never loads simulator code.
    from adapters.aliyun.simulator import sandbox

    simulator = sandbox.seeded(clock=clock)
    client = httpx.Client(transport=simulator.transport())
    adapter = AliyunAdapter(config=sandbox.SETTINGS, client=client, clock=clock, sandbox=True)
    return Sandbox(adapter=adapter, simulator=simulator)


PLUGIN = VendorPlugin(
    name="aliyun",
    title="Alibaba Cloud IoT",
    operations=OPERATIONS,
    settings=AliyunSettings,
    connect=connect,
    connect_shared=connect_shared,
    sandbox=sandboxed,
    sandbox_targets=(
        "devices thermo-001..thermo-050 (pending upgrades) and thermo-051..thermo-055 "
        "(nothing to cancel) of --product a1OpsThermo --firmware fw-thermo-2.1.0"
    ),
)
