"""A vendor call's outcome that could not be recorded for as long as it is retried (README
"Running replicas"): the request is left for recovery to mark `unknown`, and what the vendor said
is on one error line, the one place it is kept."""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable
from typing import Any

import pytest
from lifecycle_world import BOB, World, deletes, open_request

from bot.model import RequestState

PACKAGE = "/iodm/northbound/v1.5.0/category/pkg-meter-fw-1.2.0"


def test_an_outcome_given_up_is_logged_with_what_the_vendor_said(
    world_factory: Callable[..., World],
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    world = world_factory()
    request_id = open_request(world)
    monkeypatch.setattr("bot.lifecycle.outage.RECORD_PATIENCE_S", 0.0)
    moved = world.store.transition

    def down(*args: Any, **kwargs: Any) -> object:
        if kwargs.get("to") is RequestState.SUCCEEDED:
            raise sqlite3.OperationalError("disk I/O error")
        return moved(*args, **kwargs)

    monkeypatch.setattr(world.store, "transition", down)

    with (
        caplog.at_level(logging.ERROR, logger="bot.lifecycle.outage"),
        pytest.raises(sqlite3.OperationalError),
    ):
        world.service.approve(request_id, world.on_card(request_id, BOB))

    assert deletes(world, PACKAGE) == 1
    (line,) = [r.getMessage() for r in caplog.records if r.name == "bot.lifecycle.outage"]
    assert f"gave up recording how {request_id} ended" in line
    assert "disk I/O error" in line and '"succeeded": 1' in line
    record = world.store.get(request_id)
    assert record is not None and record.state is RequestState.EXECUTING  # for recovery
