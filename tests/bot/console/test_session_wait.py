"""`ConsoleSession.wait`: what the console and the tests wait on before they look."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from surfaces_world import session_with

from bot.console.session import ConsoleSession


@pytest.fixture
def session(tmp_path: Path) -> Iterator[ConsoleSession]:
    with session_with(tmp_path) as opened:
        yield opened


def test_wait_waits_for_a_listener_bolt_runs_after_its_ack(session: ConsoleSession) -> None:
    """An event's or a step's listener runs on Bolt's pool after the ack and only then hands
    its work to the runner: until it has, the runner alone looks idle."""
    handed_on = threading.Event()
    done: list[str] = []

    def listener() -> None:
        assert handed_on.wait(10)
        session.app.runner.submit(lambda: done.append("the listener's work"))

    session.app.bolt.listener_pool.submit(listener)
    threading.Timer(0.2, handed_on.set).start()

    assert session.wait(10)
    assert done == ["the listener's work"]
