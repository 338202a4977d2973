"""The lock-wait notice is for a wait that lasts: a lock another session held for a moment,
seen at one poll and gone at the next (another replica starting at the same moment holds the
migration lock for milliseconds when nothing needs migrating), is not said, so no "still
waiting" line follows a wait that has already ended."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest

from bot.store import lockwait

HELD = {(4711, False)}


def watch(monkeypatch: pytest.MonkeyPatch, polls: list[set[tuple[int, bool]]]) -> list[str]:
    """What the notice says over `polls` (each poll's holders), until it says something or the
    polls run out."""
    answers: Iterator[set[tuple[int, bool]]] = iter(polls)
    done = threading.Event()

    def holders(asking: dict[str, Any]) -> set[tuple[int, bool]]:
        answer = next(answers, None)
        if answer is None:
            done.set()
            return set()
        return answer

    monkeypatch.setattr(lockwait, "_holders", holders)
    said: list[str] = []

    def say(line: str) -> None:
        said.append(line)
        done.set()

    with lockwait.saying_lock_waits(say, poll_s=0.001):
        assert done.wait(10)
    return said


def test_a_lock_held_for_a_moment_is_not_said(monkeypatch: pytest.MonkeyPatch) -> None:
    assert watch(monkeypatch, [HELD, set(), HELD, set(), set()]) == []


def test_a_lock_still_held_at_the_next_poll_is_said_once(monkeypatch: pytest.MonkeyPatch) -> None:
    said = watch(monkeypatch, [set(), HELD, HELD, HELD])
    assert said == [
        "waiting for a lock held by another PostgreSQL session (server process 4711); still waiting"
    ]
