"""The store's contract suite runs every test that takes `target` (or `store`) twice: against a
SQLite file and against a fresh PostgreSQL database (`target` is in the suite's conftest). Same
tests, two engines."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from adapters.clock import FakeClock
from bot.store import Store


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def store(target: str | Path, clock: FakeClock) -> Iterator[Store]:
    store = Store.open(target, clock=clock)
    yield store
    store.close()
