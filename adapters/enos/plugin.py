"""The Envision EnOS vendor plugin (entry point ``enos`` in ``opsgate.vendors``)."""

from __future__ import annotations

import httpx
from pydantic import SecretStr

from adapters.base import Adapter
from adapters.clock import SYSTEM_CLOCK, Clock
from adapters.enos.adapter import EnosAdapter, from_config
from adapters.enos.operations import OPERATIONS
from adapters.enos.settings import EnosSettings
from adapters.plugin import Sandbox, VendorPlugin


def connect(settings: EnosSettings, clock: Clock) -> Adapter:
    """The adapter for the EnOS gateway named in `settings`."""
    return from_config(settings, clock=clock)


def sandboxed(clock: Clock = SYSTEM_CLOCK) -> Sandbox:
    """An adapter wired to a freshly seeded simulator (`PLUGIN.sandbox_targets` names its ids)."""
    # Imported here, not at the top, so production never loads simulator code.
    from adapters.enos.simulator.api import (
        SANDBOX_APP_KEY,
        SANDBOX_APP_SECRET,
        SANDBOX_BASE_URL,
        demo_simulator,
    )

    simulator = demo_simulator(clock=clock)
    settings = EnosSettings(
        base_url=SANDBOX_BASE_URL, app_key=SANDBOX_APP_KEY, app_secret=SecretStr(SANDBOX_APP_SECRET)
    )
    client = httpx.Client(transport=simulator.transport(), timeout=settings.timeout)
    adapter = EnosAdapter(config=settings, client=client, clock=clock, sandbox=True)
    return Sandbox(adapter=adapter, simulator=simulator)


PLUGIN = VendorPlugin(
    name="enos",
    title="Envision EnOS",
    operations=OPERATIONS,
    settings=EnosSettings,
    connect=connect,
    sandbox=sandboxed,
    sandbox_targets=(
        "OTA jobs otajob-7d2c1e (stopped) and otajob-9a41f0 (running: EnOS refuses to delete it) "
        "in --org o15724268424841"
    ),
)
