"""Vendor simulators served on 127.0.0.1 for tests that run `opsgate serve` as a process."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from adapters.servicepower import plugin as servicepower
from adapters.servicepower.simulator.api import (
    SANDBOX_CLIENT_ID,
    SANDBOX_CLIENT_SECRET,
    ServicePowerSimulator,
)
from adapters.simulator import Fault


@contextmanager
def servicepower_served(
    *, cancel_seconds: float = 0.0
) -> Iterator[tuple[ServicePowerSimulator, dict[str, str]]]:
    """A served ServicePower simulator (each CancelJob taking `cancel_seconds`, if given) and
    the settings that point opsgate at it."""
    simulator = servicepower.sandboxed().simulator
    if cancel_seconds:
        simulator.inject(Fault.LATENCY, path_contains="CancelJob", seconds=cancel_seconds)
    with simulator.serve() as base_url:
        yield (
            simulator,
            {
                "OPSGATE_SERVICEPOWER__BASE_URL": base_url,
                "OPSGATE_SERVICEPOWER__CLIENT_ID": SANDBOX_CLIENT_ID,
                "OPSGATE_SERVICEPOWER__CLIENT_SECRET": SANDBOX_CLIENT_SECRET,
            },
        )
