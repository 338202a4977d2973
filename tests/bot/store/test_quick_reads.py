"""``/healthz`` and ``/metrics`` read the database without waiting out the pool: with the
server gone, a probe or a scrape must answer within its own timeout (Prometheus gives up after
10 s, the pool's own wait), saying the database is down rather than saying nothing."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager
from typing import Any

import psycopg
import pytest

from bot.store import Store
from bot.store.postgres import CONNECT_TIMEOUT_S, QUICK_TIMEOUT_S, PostgresEngine


def test_health_and_the_pending_count_wait_briefly_for_a_connection(
    postgres_database: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = Store.open(postgres_database)
    engine = store.engine
    assert isinstance(engine, PostgresEngine)
    asked: list[float | None] = []
    connection = engine._pool.connection

    def recorded(timeout: float | None = None, **kwargs: Any) -> AbstractContextManager[Any]:
        asked.append(timeout)
        return connection(timeout=timeout, **kwargs)

    monkeypatch.setattr(engine._pool, "connection", recorded)
    try:
        assert store.healthy() and store.count_pending() == 0
        assert asked == [QUICK_TIMEOUT_S, QUICK_TIMEOUT_S]
        store.history(limit=1)  # the request path waits as long as the pool allows
        assert asked[-1] is None
    finally:
        store.close()
    assert QUICK_TIMEOUT_S < CONNECT_TIMEOUT_S and QUICK_TIMEOUT_S <= 2.0


@pytest.fixture
def refusing(postgres_database: str, postgres_url: str) -> Iterator[Store]:
    """A store whose server has since stopped letting it connect."""
    store = Store.open(postgres_database)
    name = postgres_database.rsplit("/", 1)[1]
    with psycopg.connect(postgres_url, autocommit=True) as admin:
        admin.execute(f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS false')
        admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", [name]
        )
    try:
        yield store
    finally:
        store.close()
        with psycopg.connect(postgres_url, autocommit=True) as admin:
            admin.execute(f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS true')


def test_a_database_that_refuses_connections_reads_as_down(refusing: Store) -> None:
    assert not refusing.healthy()
    with pytest.raises(refusing.engine.errors):
        refusing.count_pending()
