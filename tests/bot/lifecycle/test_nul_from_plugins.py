"""A request a vendor plugin built holding a NUL character (no person can type one: the parsers
refuse control characters) is refused the same way on both engines, in words that say why,
never "failed unexpectedly", and nothing of it is stored."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from lifecycle_world import ALICE, World, package_request


@pytest.mark.parametrize("field", ["reason", "targets"])
def test_a_request_holding_a_nul_is_refused_in_words_that_say_why(
    world_factory: Callable[..., World], target: str | Path, field: str
) -> None:
    world = world_factory(db=target, background=True)
    request = package_request(**{"reason": "stale\x00package"} if field == "reason" else {})
    if field == "targets":
        request = request.model_copy(update={"targets": ("pkg-meter-fw-1.2.0\x00",)})

    origin = world.origin(ALICE)  # as the Slack listener runs a command: guarded
    submit = world.service.replies.guarded(
        origin, lambda: world.service.submit(request, origin, command_text="/ops …")
    )
    world.runner.submit(submit)
    assert world.runner.wait_idle(30)

    shown = world.shown_to(ALICE)
    assert f"its {field} has a NUL character in it" in shown
    assert "failed unexpectedly" not in shown
    assert world.store.history(limit=10) == []
    assert list(world.store.events()) == []
