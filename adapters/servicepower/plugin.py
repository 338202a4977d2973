"""The ServicePower vendor plugin (entry point ``servicepower`` in ``opsgate.vendors``)."""

from __future__ import annotations

import httpx
from pydantic import SecretStr

from adapters.base import Adapter
from adapters.clock import SYSTEM_CLOCK, Clock
from adapters.plugin import Sandbox, VendorPlugin
from adapters.servicepower.adapter import ServicePowerAdapter, from_config
from adapters.servicepower.operations import OPERATIONS
from adapters.servicepower.settings import ServicePowerSettings


def connect(settings: ServicePowerSettings, clock: Clock) -> Adapter:
    """The adapter for the ServiceBroker and credentials in `settings` (plain http to another
    machine is warned about before it is called, `credential_urls`: every call carries a
    bearer token)."""
    return from_config(settings, clock=clock)


def sandboxed(clock: Clock = SYSTEM_CLOCK) -> Sandbox:
    """An adapter on a simulator seeded with `SANDBOX_JOBS`, using the JWT flow."""
    # Imported here, not at the top, so production never loads simulator code.
    from adapters.servicepower.simulator.api import (
        SANDBOX_BASE_URL,
        SANDBOX_CLIENT_ID,
        SANDBOX_CLIENT_SECRET,
        SANDBOX_JOBS,
        ServicePowerSimulator,
    )

    simulator = ServicePowerSimulator(clock=clock)
    for job_id in SANDBOX_JOBS:
        simulator.add_job(job_id)
    settings = ServicePowerSettings(
        base_url=SANDBOX_BASE_URL,
        client_id=SANDBOX_CLIENT_ID,
        client_secret=SecretStr(SANDBOX_CLIENT_SECRET),
    )
    client = httpx.Client(transport=simulator.transport(), timeout=settings.timeout)
    adapter = ServicePowerAdapter(config=settings, client=client, clock=clock, sandbox=True)
    return Sandbox(adapter=adapter, simulator=simulator)


PLUGIN = VendorPlugin(
    name="servicepower",
    title="ServicePower ServiceBroker",
    operations=OPERATIONS,
    settings=ServicePowerSettings,
    connect=connect,
    sandbox=sandboxed,
    sandbox_targets="Scheduling jobs Dep-1306, JOB-1001, JOB-1002, JOB-1003, JOB-2001",
)
