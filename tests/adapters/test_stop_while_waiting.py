"""A call waiting its turn under a vendor's rate limit when its run is told to stop (SPEC §13
shutdown, §8 Stop): it is not sent, it counts as not sent, and it never holds the shutdown
for the rest of the limiter's wait. Huawei's limit is 100 calls per 60 s, so a delete queued
behind a burst (or behind a throttle's pause) may wait most of a minute: longer than the
shutdown grace, after which a call still running is left for recovery to call `unknown`."""

from __future__ import annotations

import httpx
import pytest
from aliyun_requests import sandbox_cancel

from adapters.aliyun.adapter import AliyunAdapter
from adapters.aliyun.simulator import sandbox as sbx
from adapters.base import FailureKind
from adapters.clock import FakeClock
from adapters.huawei.plugin import sandboxed
from adapters.ratelimit import STOP_POLL_S, RateLimiter
from commands.model import OperationRequest


class ShutdownWhileWaiting(FakeClock):
    """A clock on which the shutdown begins as soon as anything waits on it."""

    def __init__(self) -> None:
        super().__init__()
        self.slept: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        super().sleep(seconds)

    def stop(self) -> bool:
        return bool(self.slept)


def full_limiter(clock: FakeClock, period: float) -> RateLimiter:
    limiter = RateLimiter(calls=1, period=period, clock=clock)
    limiter.acquire()  # another call just took this window's only turn
    return limiter


def test_a_wait_is_cut_short_and_counts_no_call() -> None:
    clock = ShutdownWhileWaiting()
    limiter = full_limiter(clock, 60.0)

    assert limiter.acquire_unless(clock.stop) is False
    assert clock.slept == [STOP_POLL_S]  # asked again after a short slice, not after 60 s
    assert limiter.acquire_unless(lambda: False) is True  # the stopped wait took no turn
    assert sum(clock.slept) == pytest.approx(60.0 * 1.02)


def test_a_huawei_delete_waiting_for_its_turn_is_not_sent_once_stopped() -> None:
    clock = FakeClock()
    built = sandboxed(clock)
    adapter, sim = built.adapter, built.simulator
    request = OperationRequest(
        operation="huawei.device.delete", vendor="huawei", targets=("dev-meter-0001",)
    )
    waiting = ShutdownWhileWaiting()
    adapter.session.limiter = full_limiter(waiting, 60.0)

    outcome = adapter.execute(request, stop=waiting.stop)

    assert [r for r in sim.calls if r.method == "DELETE"] == []
    assert "dev-meter-0001" in sim.state.devices
    assert outcome.counts.not_sent == outcome.total == 1
    assert [f.kind for f in outcome.failures] == [FailureKind.NOT_SENT]


def test_an_alibaba_single_call_waiting_for_its_turn_is_not_sent_once_stopped() -> None:
    clock = FakeClock()
    sim = sbx.seeded(clock=clock)
    waiting = ShutdownWhileWaiting()
    client = httpx.Client(transport=sim.transport())
    adapter = AliyunAdapter(
        config=sbx.SETTINGS, client=client, clock=clock, limiter=full_limiter(waiting, 1.0)
    )
    devices = ("thermo-001", "thermo-002")

    outcome = adapter.execute(sandbox_cancel(devices), stop=waiting.stop)

    assert sim.accepted_calls("CancelOTATaskByDevice") == []
    assert outcome.counts.not_sent == outcome.total == 2
    assert [f.targets for f in outcome.failures] == [devices]
