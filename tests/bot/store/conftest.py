"""The store's contract suite runs every test that takes `target` (or `store`) twice: against a
SQLite file and against a fresh PostgreSQL database (`target` is in the suite's conftest). Same
tests, two engines."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import SecretStr
from store_requests import LEASE, Filed, fill

from adapters.clock import FakeClock
from bot.store import Store
from bot.store import scan as chain_scan


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def store(target: str | Path, clock: FakeClock) -> Iterator[Store]:
    store = Store.open(target, clock=clock)
    yield store
    store.close()


@pytest.fixture
def three_stores(target: str | Path, clock: FakeClock) -> Iterator[list[Store]]:
    """Three stores on one database, as three replicas' processes are."""
    stores = [Store.open(target, clock=clock) for _ in range(3)]
    yield stores
    for store in stores:
        store.close()


@pytest.fixture
def filed(tmp_path: Path) -> Iterator[Filed]:
    """Open a SQLite file holding `fill`'s requests (keyed by `key` when given); returns the
    open store and its path, and closes the store after the test."""
    opened: list[Store] = []

    def open_filled(*, requests: int = 4, key: str | None = None) -> tuple[Store, Path]:
        path = tmp_path / ("opsgate.db" if key is None else "keyed.db")
        store = Store.open(path, key=None if key is None else SecretStr(key))
        opened.append(store)
        fill(store, requests=requests)
        return store, path

    yield open_filled
    for store in opened:
        store.close()


@pytest.fixture
def replicas(target: str | Path, clock: FakeClock) -> Iterator[tuple[Store, Store]]:
    """Two replicas on one database: "a" executes, "b" restarts and recovers."""
    a = Store.open(target, clock=clock, lease=LEASE, owner="replica-a")
    b = Store.open(target, clock=clock, lease=LEASE, owner="replica-b")
    yield a, b
    a.close()
    b.close()


@pytest.fixture(params=["here", "workers"])
def where(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """verify's checks in this process, then (on a SQLite file) in worker processes: the quick
    pass spread over two, and the tables' cross-check beside it."""
    if request.param == "workers":
        monkeypatch.setattr(chain_scan, "PARALLEL_FROM", 1)
        monkeypatch.setattr(chain_scan.os, "cpu_count", lambda: 3)
    return str(request.param)
