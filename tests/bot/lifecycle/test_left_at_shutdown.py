"""What shutdown says of each request it leaves `executing` for recovery (SPEC §13: log lines
carry ``request_id`` and ``operation`` where known): a call still running reads so, and one the
vendor has answered whose outcome is not yet recorded (the database slow or out) does not claim
its call is still in flight."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from lifecycle_world import BOB, World, open_request

from bot.cli import runtime
from bot.lifecycle import execution
from bot.observability.logs import ContextFilter
from bot.store.leases import InFlight


def test_the_lease_knows_the_operation_and_that_the_vendor_answered(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    rid = open_request(world)
    seen: dict[str, list[InFlight]] = {}
    adapter = world.adapters.by_vendor["huawei"]
    execute = adapter.execute

    def calling(request: Any, **kwargs: Any) -> Any:
        seen["calling"] = world.store.leases.left()
        return execute(request, **kwargs)

    def recording(*args: Any, **kwargs: Any) -> Any:
        seen["recording"] = world.store.leases.left()
        return record_outcome(*args, **kwargs)

    record_outcome = execution.recorded
    adapter.execute = calling  # type: ignore[method-assign]
    monkeypatch.setattr(execution, "recorded", recording)
    world.service.approve(rid, world.on_card(rid, BOB))

    operation = world.store.get(rid).operation  # type: ignore[union-attr]
    assert seen == {
        "calling": [InFlight(rid, operation, answered=False)],
        "recording": [InFlight(rid, operation, answered=True)],
    }
    assert world.store.leases.left() == []


def test_each_request_left_is_logged_with_its_operation_and_what_it_waits_for(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.handler.addFilter(ContextFilter())
    with caplog.at_level(logging.WARNING, logger=runtime.__name__):
        runtime._say_left(
            [
                InFlight("R-RUNNING", "huawei.device.delete"),
                InFlight("R-ANSWERED", "aliyun.ota-task.cancel", answered=True),
            ]
        )
    lines = {
        r.request_id: (r.operation, r.actor, r.getMessage())  # type: ignore[attr-defined]
        for r in caplog.records
    }
    tail = "at shutdown, left for recovery: the request becomes unknown at the next start"
    assert lines["R-RUNNING"][:2] == ("huawei.device.delete", "system")
    assert lines["R-RUNNING"][2].startswith(f"vendor call still in flight {tail}")
    assert lines["R-ANSWERED"][:2] == ("aliyun.ota-task.cancel", "system")
    assert lines["R-ANSWERED"][2].startswith(
        f"vendor call over but its outcome not yet recorded {tail}"
    )
