"""The lock-wait notice watches only the pooled connections still open: a connection the pool
closes (or drops, broken) is forgotten, so a long ``serve`` keeps no growing list of server
process ids, and a process id the server gives someone else later is never taken for ours."""

from __future__ import annotations

import psycopg

from bot.store import Store, lockwait
from bot.store.postgres import PostgresEngine


def test_a_closed_connection_is_forgotten(postgres_database: str) -> None:
    sessions = lockwait.Sessions(postgres_database)
    try:
        kept = psycopg.connect(postgres_database)
        closed = psycopg.connect(postgres_database)
        sessions(kept)
        sessions(closed)
        closed.close()
        assert sessions.pids() == {kept.info.backend_pid}
        assert lockwait.watched()[postgres_database] == {kept.info.backend_pid}
        kept.close()
    finally:
        sessions.forget()


def test_the_connections_a_pool_replaces_are_forgotten(postgres_database: str) -> None:
    store = Store.open(postgres_database)
    try:
        engine = store.engine
        assert isinstance(engine, PostgresEngine)
        before = lockwait.watched()[postgres_database]
        assert before
        engine._pool.drain()  # closes every idle connection, and opens new ones
        assert not before & lockwait.watched().get(postgres_database, set())
    finally:
        store.close()
    assert postgres_database not in lockwait.watched()
