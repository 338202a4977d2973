"""The Huawei OceanConnect vendor plugin (entry point ``huawei`` in ``opsgate.vendors``)."""

from __future__ import annotations

import httpx
from pydantic import SecretStr

from adapters.base import Adapter
from adapters.clock import SYSTEM_CLOCK, Clock
from adapters.huawei.adapter import HuaweiAdapter, from_config
from adapters.huawei.operations import OPERATIONS
from adapters.huawei.settings import HuaweiSettings
from adapters.plugin import Sandbox, VendorPlugin
from adapters.ratelimit import RateLimiter
from adapters.shared import Shared


def connect(settings: HuaweiSettings, clock: Clock) -> Adapter:
    """The adapter for the platform and application in `settings`, over mutual TLS."""
    return from_config(settings, clock=clock)


def connect_shared(settings: HuaweiSettings, clock: Clock, shared: Shared) -> Adapter:
    """`connect`, with the token and rate window every replica shares (one login for all)."""
    return from_config(settings, clock=clock, shared=shared)


def sandboxed(clock: Clock = SYSTEM_CLOCK) -> Sandbox:
    """An adapter wired to a freshly seeded simulator (`PLUGIN.sandbox_targets` names its ids)."""
    # Imported here, not at the top, so production never loads simulator code.
    from adapters.huawei.simulator.api import HuaweiSimulator
    from adapters.huawei.simulator.state import (
        SANDBOX_APP_ID,
        SANDBOX_BASE_URL,
        SANDBOX_SECRET,
    )

    simulator = HuaweiSimulator.seeded(clock=clock)
    settings = HuaweiSettings(
        base_url=SANDBOX_BASE_URL, app_id=SANDBOX_APP_ID, secret=SecretStr(SANDBOX_SECRET)
    )
    client = httpx.Client(transport=simulator.transport())
    # Its own limiter: a sandbox never shares the rate of a real application.
    limiter = RateLimiter(calls=settings.calls_per_minute, period=60.0, clock=clock)
    adapter = HuaweiAdapter(
        config=settings, client=client, clock=clock, sandbox=True, limiter=limiter
    )
    return Sandbox(adapter=adapter, simulator=simulator)


PLUGIN = VendorPlugin(
    name="huawei",
    title="Huawei OceanConnect",
    operations=OPERATIONS,
    settings=HuaweiSettings,
    connect=connect,
    connect_shared=connect_shared,
    sandbox=sandboxed,
    sandbox_targets=(
        "devices dev-meter-0001, gw-0001 (a gateway with 3 children), partner-dev-0001 "
        "(--app partner-app), stranger-dev-0001 (--app stranger-app: Huawei refuses it, "
        "100217); packages pkg-meter-fw-1.2.0, pkg-meter-fw-1.1.0, pkg-gw-sw-2.0.1"
    ),
)
