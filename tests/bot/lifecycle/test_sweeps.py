"""Expiry and start-up recovery, and the sweeper thread that drives them."""

from __future__ import annotations

import logging
import time

import pytest
from lifecycle_world import ALICE, BOB, World, open_request, package_request

from bot.lifecycle.sweeps import Sweeper
from bot.model import RequestState


def wait_for(condition, timeout: float = 5.0) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.01)
    return False


def test_the_sweeper_recovers_first_then_expires_periodically(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    running = open_request(world)
    world.store.approve(running, approver=BOB)  # executing, as if a process died mid-call
    due = open_request(world, package_request("pkg-meter-fw-1.1.0"))
    world.clock.advance(31 * 60)
    sweeper = Sweeper(world.service.sweeps, world.runner)

    with caplog.at_level(logging.WARNING, logger="bot.lifecycle.sweeps"):
        sweeper.start(every=0.01)
    try:
        assert world.store.get(running).state is RequestState.UNKNOWN  # type: ignore[union-attr]
        assert "1 request(s) were executing" in caplog.text
        assert wait_for(lambda: world.store.get(due).state is RequestState.EXPIRED)  # type: ignore[union-attr]
    finally:
        sweeper.stop()
    world.runner.wait_idle()
    assert any(p.target == ALICE for p in world.slack.of("post"))  # the requester is told


def test_a_stopped_sweeper_sweeps_no_more(world: World) -> None:
    sweeper = Sweeper(world.service.sweeps, world.runner)
    sweeper.start(every=0.01)
    sweeper.stop()
    world.runner.wait_idle()
    rid = open_request(world)
    world.clock.advance(31 * 60)
    time.sleep(0.1)
    assert world.store.get(rid).state is RequestState.PENDING  # type: ignore[union-attr]
