"""The Alibaba Cloud IoT vendor plugin (entry point ``aliyun`` in ``opsgate.vendors``)."""

from __future__ import annotations

import httpx
from pydantic import SecretStr

from adapters.aliyun.adapter import AliyunAdapter, from_config
from adapters.aliyun.operations import OPERATIONS
from adapters.aliyun.settings import AliyunSettings
from adapters.base import Adapter
from adapters.clock import SYSTEM_CLOCK, Clock
from adapters.plugin import Sandbox, VendorPlugin


def connect(settings: AliyunSettings, clock: Clock) -> Adapter:
    """The adapter for the account and region in `settings`."""
    return from_config(settings, clock=clock)


def sandboxed(clock: Clock = SYSTEM_CLOCK) -> Sandbox:
    """An adapter wired to a freshly seeded simulator (`PLUGIN.sandbox_targets` names its ids)."""
    # Imported here, not at the top, so production never loads simulator code.
    from adapters.aliyun.simulator import sandbox

    simulator = sandbox.seeded(clock=clock)
    settings = AliyunSettings(
        endpoint=sandbox.ENDPOINT,
        region_id=sandbox.REGION_ID,
        access_key_id=sandbox.ACCESS_KEY_ID,
        access_key_secret=SecretStr(sandbox.ACCESS_KEY_SECRET),
        iot_instance_id=sandbox.INSTANCE_ID,
    )
    client = httpx.Client(transport=simulator.transport())
    adapter = AliyunAdapter(config=settings, client=client, clock=clock, sandbox=True)
    return Sandbox(adapter=adapter, simulator=simulator)


PLUGIN = VendorPlugin(
    name="aliyun",
    title="Alibaba Cloud IoT",
    operations=OPERATIONS,
    settings=AliyunSettings,
    connect=connect,
    sandbox=sandboxed,
    sandbox_targets=(
        "devices thermo-001..thermo-050 (pending upgrades) and thermo-051..thermo-055 "
        "(nothing to cancel) of --product a1OpsThermo --firmware fw-thermo-2.1.0"
    ),
)
