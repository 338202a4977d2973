"""The store's contract suite runs every test that takes `target` (or `store`) twice: against a
SQLite file and against a fresh PostgreSQL database. Same tests, two engines."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from adapters.clock import FakeClock
from bot.store import Store


@pytest.fixture(params=["sqlite", "postgresql"])
def target(request: pytest.FixtureRequest, tmp_path: Path) -> str | Path:
    """Where the store under test lives: a SQLite file, or a PostgreSQL URL."""
    if request.param == "sqlite":
        return tmp_path / "opsgate.db"
    url: str = request.getfixturevalue("postgres_database")
    return url


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def store(target: str | Path, clock: FakeClock) -> Iterator[Store]:
    store = Store.open(target, clock=clock)
    yield store
    store.close()
