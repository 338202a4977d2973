"""The lock-wait notice never keeps a finished command from exiting: a server that stops
answering the watcher's question leaves the watcher behind, not the command."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from bot.store import lockwait


def test_a_watcher_stuck_on_its_question_does_not_hold_the_command(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    asked, never = threading.Event(), threading.Event()

    def stuck(asking: dict[str, Any]) -> set[int]:
        asked.set()
        never.wait()  # the server never answers
        return set()

    monkeypatch.setattr(lockwait, "_holders", stuck)
    said: list[str] = []
    with lockwait.saying_lock_waits(said.append, poll_s=0.01):
        assert asked.wait(5)
    # Reaching this line is the test: an unbounded join would wait here forever (the suite's
    # per-test timeout then fails it).
    assert said == []
    never.set()
