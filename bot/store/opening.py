"""Which engine opens a target: a ``postgresql://`` URL (`bot.store.postgres`), or a SQLite
file (`bot.store.database`). The only module that knows both engines."""

from __future__ import annotations

from pathlib import Path

from bot.store.database import SqliteEngine
from bot.store.engine import Engine, is_postgres, sqlite_path


def open_engine(target: str | Path, *, existing: bool = False) -> Engine:
    """The engine for `target`, its schema migrated (unless `existing`: read-only use).

    Raises:
        DatabaseUnavailable: It cannot be opened (one line naming it, never a password), or,
            with `existing`, it is missing or not opsgate's.
    """
    if is_postgres(target):
        from bot.store.postgres import PostgresEngine  # psycopg is loaded only when used

        url = str(target)
        return PostgresEngine.open_existing(url) if existing else PostgresEngine.open(url)
    path = sqlite_path(target)
    return SqliteEngine.open_existing(path) if existing else SqliteEngine.open_file(path)
