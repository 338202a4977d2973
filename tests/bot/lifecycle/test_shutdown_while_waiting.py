"""A vendor call still waiting for its turn under the vendor's rate limit when opsgate begins
shutting down (SPEC §13): it is new work, not a call in flight, so it is never sent. Huawei
allows 100 calls per 60 s: behind a burst of deletions (or a throttle's pause) a delete waits
most of a minute, longer than the shutdown grace, and sending it then would either follow the
SIGTERM or leave a call nobody made to be recovered as `unknown`."""

from __future__ import annotations

import pytest
from lifecycle_world import BOB, World, open_request

from adapters.clock import FakeClock
from adapters.ratelimit import RateLimiter
from bot.model import AuditEventName, RequestState
from bot.model.again import again_targets
from commands.model import OperationRequest

DEVICE = "dev-meter-0001"


class ShutdownWhileWaiting(FakeClock):
    """The limiter's clock: SIGTERM arrives as soon as a call waits for its turn."""

    def __init__(self, world: World) -> None:
        super().__init__()
        self.world = world

    def sleep(self, seconds: float) -> None:
        self.world.service.begin_shutdown()
        super().sleep(seconds)


@pytest.fixture
def world(world_factory) -> World:  # type: ignore[no-untyped-def]
    return world_factory()


def test_a_delete_waiting_for_the_rate_limit_at_shutdown_is_never_sent(world: World) -> None:
    request = OperationRequest(
        operation="huawei.device.delete", vendor="huawei", targets=(DEVICE,), reason="retired"
    )
    rid = open_request(world, request)
    limiter = RateLimiter(calls=1, period=60.0, clock=ShutdownWhileWaiting(world))
    limiter.acquire()  # the window's only turn has just gone to another deletion
    world.adapters.get("huawei").session.limiter = limiter

    world.service.approve(rid, world.on_card(rid, BOB))

    sim = world.sim("huawei")
    assert [r for r in sim.calls if r.method == "DELETE"] == []
    assert DEVICE in sim.state.devices
    record = world.store.get(rid)
    assert record is not None and record.state is RequestState.STOPPED
    assert record.outcome.counts.not_sent == 1  # type: ignore[union-attr]
    assert again_targets(record) == (DEVICE,)
    last = list(world.store.events(request_id=rid))[-1]
    assert (last.event, last.actor) == (AuditEventName.STOPPED, "system")
    assert world.store.recover_executing() == []  # ended: nothing left for recovery
