"""An Alibaba bulk run held at the simulator, for the tests of what stops one (Stop, shutdown):
the requests, a gate that holds every cancel call until released, and what the vendor got."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import httpx
import pytest
from lifecycle_world import LEADS, World

from commands.model import OperationRequest

POLICY = f"""
[policy]
approvers = ["{LEADS}"]
channels = ["C0OPS"]
"""
CANCEL = "CancelOTATaskByDevice"


def bulk(targets: tuple[str, ...]) -> OperationRequest:
    """Cancel the firmware task on `targets` (at most 200 a call)."""
    return OperationRequest(
        operation="aliyun.ota-task.cancel",
        vendor="aliyun",
        targets=targets,
        params={"product": "a1OpsThermo", "firmware": "fw-thermo-2.1.0"},
        reason="bad firmware rollout",
    )


class Gate:
    """Holds every cancel call at the simulator until released, so a run is still going when
    it is stopped (what a rate limit does in real time), and counts the calls held: once every
    worker of a run holds one, "in flight" is exactly what the gate holds."""

    def __init__(self, world: World) -> None:
        self.sim = world.sim("aliyun")
        self.arrived = threading.Event()
        self.open = threading.Event()
        self._held = 0
        self._changed = threading.Condition()
        self._route = self.sim.route

    def route(self, request: httpx.Request) -> httpx.Response:
        if f"Action={CANCEL}" in str(request.url):
            with self._changed:
                self._held += 1
                self._changed.notify_all()
            self.arrived.set()
            assert self.open.wait(10), "the test never released the gate"
        return self._route(request)

    def wait_held(self, count: int) -> int:
        """Wait until `count` calls are held; how many are."""
        with self._changed:
            assert self._changed.wait_for(lambda: self._held >= count, timeout=10)
            return self._held


@pytest.fixture
def gate(world: World, monkeypatch: pytest.MonkeyPatch) -> Iterator[Gate]:
    """The gate on `world`'s Alibaba simulator, opened when the test ends."""
    held = Gate(world)
    monkeypatch.setattr(held.sim, "route", held.route)
    yield held
    held.open.set()


def received(world: World) -> list[str]:
    """Every device name the simulator received in a cancel call."""
    return [
        value
        for params in world.sim("aliyun").accepted_calls(CANCEL)
        for key, value in params.items()
        if key.startswith("DeviceName.")
    ]
