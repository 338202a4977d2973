"""``/healthz`` and ``/metrics`` read the database without waiting out the pool: with the
server gone, a probe or a scrape must answer within its own timeout (Prometheus gives up after
10 s, the pool's own wait), saying the database is down rather than saying nothing."""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Callable, Iterator
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
        assert len(asked) == 2 and all(0 < t <= QUICK_TIMEOUT_S for t in asked)  # type: ignore[operator]
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


def answered_within(seconds: float, read: Callable[[], object]) -> object:
    """What `read` returned or raised, on a thread of its own; `TIMED_OUT` if it had not
    answered after `seconds` (so that the test ends, and says so, whatever the code does)."""
    answer: list[object] = [TIMED_OUT]

    def run() -> None:
        try:
            answer[0] = read()
        except Exception as exc:
            answer[0] = exc

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(seconds)
    return answer[0]


TIMED_OUT = "no answer in time"


@pytest.fixture
def served(postgres_database: str) -> Iterator[Store]:
    store = Store.open(postgres_database)
    try:
        yield store
    finally:
        store.close()


def test_a_read_kept_waiting_by_a_lock_gives_up_within_the_quick_timeout(
    served: Store, postgres_database: str
) -> None:
    with psycopg.connect(postgres_database) as holder:  # a transaction, open until the block ends
        holder.execute("LOCK TABLE chain_head, requests IN ACCESS EXCLUSIVE MODE")
        health = answered_within(QUICK_TIMEOUT_S + 0.5, served.healthy)
        pending = answered_within(QUICK_TIMEOUT_S + 0.5, served.count_pending)
    assert health is False
    assert isinstance(pending, served.engine.errors)
    assert served.healthy() and served.count_pending() == 0  # the pool is none the worse


def test_a_frozen_server_reads_as_down_within_the_quick_timeout(
    served: Store, postgres_database: str, postgres_url: str
) -> None:
    name = postgres_database.rsplit("/", 1)[1]
    with psycopg.connect(postgres_url, autocommit=True) as admin:
        rows = admin.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s", [name]
        ).fetchall()
    backends = [int(row[0]) for row in rows]
    assert backends
    for pid in backends:
        os.kill(pid, signal.SIGSTOP)  # every connection the store holds stops answering
    try:
        health = answered_within(QUICK_TIMEOUT_S + 0.5, served.healthy)
    finally:
        for pid in backends:
            os.kill(pid, signal.SIGCONT)
    assert health is False
    assert served.healthy() and served.count_pending() == 0  # the cut connection was dropped
