"""The Acme vendor plugin: the object the ``opsgate.vendors`` entry point ``acme`` names.

[project.entry-points."opsgate.vendors"]
acme = "opsgate_acme.plugin:PLUGIN"
"""

from __future__ import annotations

import httpx
from adapters.base import Adapter
from adapters.clock import SYSTEM_CLOCK, Clock
from adapters.plugin import Sandbox, VendorPlugin
from pydantic import SecretStr

from opsgate_acme import adapter
from opsgate_acme.operations import OPERATIONS
from opsgate_acme.settings import AcmeSettings


def connect(settings: AcmeSettings, clock: Clock) -> Adapter:
    """The adapter for the Acme API in `settings` (called only when they are configured)."""
    return adapter.connect(settings)


def sandboxed(clock: Clock = SYSTEM_CLOCK) -> Sandbox:
    """An adapter wired to a freshly seeded simulator."""
    # Imported here, not at the top, so production never loads simulator code.
    from opsgate_acme.simulator import sandbox

    simulator = sandbox.seeded(clock=clock)
    settings = AcmeSettings(base_url=sandbox.BASE_URL, token=SecretStr(sandbox.TOKEN))
    client = httpx.Client(transport=simulator.transport(), timeout=settings.timeout)
    acme = adapter.AcmeAdapter(settings=settings, client=client, sandbox=True)
    return Sandbox(adapter=acme, simulator=simulator)


PLUGIN = VendorPlugin(
    name="acme",
    title="Acme Widgets",
    operations=OPERATIONS,
    settings=AcmeSettings,
    connect=connect,
    sandbox=sandboxed,
    sandbox_targets="widgets w-1001, w-1002, w-1003 (idle) and w-2001 (spinning: Acme refuses)",
)
