"""A vendor call whose turn under the rate limit replicas share cannot be had (the window is
kept in opsgate's database, which is out of reach or write-locked while reads still work): the
call is never sent, so it must fail, never end `unknown` ("check the vendor") as an error no
adapter type names does (README "Errors": `unknown` only for a call sent without a usable
answer)."""

from __future__ import annotations

import httpx
import pytest
from aliyun_requests import sandbox_cancel

from adapters.aliyun.adapter import AliyunAdapter
from adapters.aliyun.simulator import sandbox as sbx
from adapters.base import FailureKind
from adapters.clock import FakeClock
from adapters.errors import AdapterError, OutcomeUnknown
from adapters.huawei.plugin import sandboxed
from adapters.ratelimit import RateLimiter
from commands.model import OperationRequest


class DownWindow:
    """A shared rate window whose database cannot be written."""

    def reserve(self, *, calls: int, window: float, now: float, not_before: float = 0.0) -> float:
        raise ConnectionError("database.db: database is locked")

    def release(self, start: float) -> None:
        raise ConnectionError("database.db: database is locked")


def test_a_huawei_delete_that_cannot_take_its_turn_fails_unsent() -> None:
    clock = FakeClock()
    built = sandboxed(clock)
    adapter, sim = built.adapter, built.simulator
    adapter.session.limiter = RateLimiter(calls=100, period=60.0, clock=clock, shared=DownWindow())
    request = OperationRequest(
        operation="huawei.device.delete", vendor="huawei", targets=("dev-meter-0001",)
    )

    with pytest.raises(AdapterError) as raised:
        adapter.execute(request, stop=lambda: False)

    assert not isinstance(raised.value, OutcomeUnknown)
    assert "not sent" in raised.value.message
    assert [r for r in sim.calls if r.method == "DELETE"] == []


def test_an_alibaba_bulk_run_that_cannot_take_its_turns_counts_nothing_unknown() -> None:
    clock = FakeClock()
    sim = sbx.seeded(clock=clock)
    limiter = RateLimiter(calls=10, period=1.0, clock=clock, shared=DownWindow())
    client = httpx.Client(transport=sim.transport())
    adapter = AliyunAdapter(config=sbx.SETTINGS, client=client, clock=clock, limiter=limiter)
    devices = tuple(f"thermo-{i:03d}" for i in range(1, 451))  # three calls

    outcome = adapter.execute(sandbox_cancel(devices), stop=lambda: False)

    assert sim.accepted_calls("CancelOTATaskByDevice") == []
    assert outcome.counts.unknown == 0 and outcome.counts.succeeded == 0
    assert outcome.counts.failed + outcome.counts.not_sent == outcome.total == 450
    assert FailureKind.UNKNOWN not in {f.kind for f in outcome.failures}


class DownAfter:
    """A shared rate window that grants `granted` starts, then cannot be written."""

    def __init__(self, granted: int) -> None:
        self.left = granted

    def reserve(self, *, calls: int, window: float, now: float, not_before: float = 0.0) -> float:
        if self.left <= 0:
            raise ConnectionError("database.db: database is locked")
        self.left -= 1
        return max(now, not_before)

    def release(self, start: float) -> None:
        raise ConnectionError("database.db: database is locked")


def test_an_alibaba_run_whose_check_afterwards_cannot_take_its_turns_keeps_its_counts() -> None:
    # The three cancels were accepted; the listings that check them meet the outage. Before,
    # the store's error escaped `execute` and the whole request ended `unknown`, counts lost.
    clock = FakeClock()
    sim = sbx.seeded(clock=clock)
    limiter = RateLimiter(calls=10, period=1.0, clock=clock, shared=DownAfter(3))
    client = httpx.Client(transport=sim.transport())
    adapter = AliyunAdapter(config=sbx.SETTINGS, client=client, clock=clock, limiter=limiter)
    devices = tuple(f"thermo-{i:03d}" for i in range(1, 451))

    outcome = adapter.execute(sandbox_cancel(devices), stop=lambda: False)

    assert len(sim.accepted_calls("CancelOTATaskByDevice")) == 3
    assert outcome.counts.succeeded == outcome.total == 450
    assert outcome.checked.startswith("could not list the devices")
