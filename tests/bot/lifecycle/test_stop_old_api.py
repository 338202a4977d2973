"""A bulk operation whose plugin's execute takes no `stop` (written before opsgate could stop
a run; docs/plugins.md allows it): its run cannot be stopped part way, so its card offers no
Stop that would do nothing."""

from __future__ import annotations

from typing import Any

from aliyun_gate import bulk
from lifecycle_world import World, open_request

from bot.model import RequestState, rules
from commands.model import OperationRequest

DEVICES = tuple(f"thermo-{i:03d}" for i in range(1, 51)) + tuple(f"meter-{i}" for i in range(400))


class WithoutStop:
    """The aliyun adapter, its execute as a plugin of the first API declares it."""

    vendor = "aliyun"
    sandbox = True

    def __init__(self, wrapped: Any) -> None:
        self._wrapped = wrapped

    def execute(self, request: OperationRequest, *, progress: Any = None) -> Any:
        return self._wrapped.execute(request, progress=progress)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._wrapped, name)


def test_a_run_whose_plugin_cannot_stop_offers_no_stop(world: World) -> None:
    record = world.store.get(open_request(world, bulk(DEVICES)))
    assert record is not None
    running = record.model_copy(update={"state": RequestState.EXECUTING})
    services = world.service.s
    assert rules.stoppable(running, calls=services.vendor_calls(running))  # 3 calls of 200
    world.adapters.by_vendor["aliyun"] = WithoutStop(world.adapters.by_vendor["aliyun"])  # type: ignore[assignment]
    assert not rules.stoppable(running, calls=services.vendor_calls(running))
