"""Vendor simulators served on 127.0.0.1 for tests that run `opsgate serve` as a process."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

import httpx

from adapters.aliyun.simulator import sandbox as aliyun_sandbox
from adapters.aliyun.simulator.api import AliyunSimulator
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


@contextmanager
def aliyun_served(
    *, before: Callable[[httpx.Request], None] | None = None
) -> Iterator[tuple[AliyunSimulator, dict[str, str]]]:
    """The served Alibaba sandbox (which keeps the account's 10 calls/s) and the settings that
    point opsgate at it. `before` sees each request as it arrives, before it is answered (it
    may hold it there)."""
    simulator = aliyun_sandbox.seeded()
    if before is not None:
        answer = simulator.handle

        def handle(request: httpx.Request) -> httpx.Response:
            before(request)
            return answer(request)

        simulator.handle = handle  # type: ignore[method-assign]
    with simulator.serve() as base_url:
        yield (
            simulator,
            {
                "OPSGATE_ALIYUN__ENDPOINT": base_url,
                "OPSGATE_ALIYUN__REGION_ID": aliyun_sandbox.REGION_ID,
                "OPSGATE_ALIYUN__ACCESS_KEY_ID": aliyun_sandbox.ACCESS_KEY_ID,
                "OPSGATE_ALIYUN__ACCESS_KEY_SECRET": aliyun_sandbox.ACCESS_KEY_SECRET,
                "OPSGATE_ALIYUN__IOT_INSTANCE_ID": aliyun_sandbox.INSTANCE_ID,
            },
        )
