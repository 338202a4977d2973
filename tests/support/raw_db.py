"""Plain SQL on either kind of opsgate database, as someone with write access to it (not the
code) would run it: `sqlite3` on a file, psycopg on a PostgreSQL URL. One transaction per use."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psycopg

from bot.store.engine import is_postgres
from bot.store.postgres import pg_sql

Target = str | Path


class Raw:
    """One open transaction; `run` takes SQLite-style ``?`` placeholders on both engines."""

    def __init__(self, conn: Any, *, postgres: bool) -> None:
        self._conn = conn
        self.postgres = postgres

    def run(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """Run one statement; its rows (as tuples) when it returns any."""
        cursor = self._conn.execute(pg_sql(sql) if self.postgres else sql, tuple(params))
        return list(cursor.fetchall()) if cursor.description else []

    def drop_append_only_triggers(self) -> None:
        """What an attacker does first: the schema refuses UPDATE and DELETE on events."""
        on = " ON events" if self.postgres else ""
        for trigger in ("events_no_update", "events_no_delete"):
            self._conn.execute(f"DROP TRIGGER IF EXISTS {trigger}{on}")
        guard = " ON chain_head" if self.postgres else ""  # keeps older writers off the head
        self._conn.execute(f"DROP TRIGGER IF EXISTS chain_head_moved_by_opsgate{guard}")


@contextmanager
def raw(target: Target) -> Iterator[Raw]:
    """A committed-on-success transaction on `target`, outside opsgate."""
    if is_postgres(target):
        with psycopg.connect(str(target)) as conn:  # commits on success, rolls back on error
            yield Raw(conn, postgres=True)
        return
    conn = sqlite3.connect(target)
    try:
        with conn:
            yield Raw(conn, postgres=False)
    finally:
        conn.close()
