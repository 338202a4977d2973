"""Which engine opens a target: a ``postgresql://`` URL (`bot.store.postgres`), or a SQLite
file (`bot.store.database`). The only module that knows both engines."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from bot.store import keying
from bot.store.chain import ChainKey
from bot.store.database import SqliteEngine
from bot.store.engine import Db, Engine, is_postgres, sqlite_path
from bot.store.rows import DatabaseUnavailable
from bot.store.unopened import not_a_file


def open_engine(target: str | Path, *, existing: bool = False) -> Engine:
    """The engine for `target`, its schema migrated (unless `existing`: read-only use).

    Raises:
        DatabaseUnavailable: It cannot be opened (one line naming it, never a password), or,
            with `existing`, it is missing or not opsgate's; a path naming a device, a pipe or
            a socket is refused unopened.
    """
    if is_postgres(target):
        from bot.store.postgres import PostgresEngine  # psycopg is loaded only when used

        url = str(target)
        return PostgresEngine.open_existing(url) if existing else PostgresEngine.open(url)
    path = sqlite_path(target)
    if (odd := not_a_file(path)) is not None:  # read-only use words it as `open_existing` does
        raise DatabaseUnavailable(odd if existing else f"cannot open the database {path}: {odd}")
    return SqliteEngine.open_existing(path) if existing else SqliteEngine.open_file(path)


def check_key_before_migrating(target: str | Path, key: ChainKey) -> None:
    """`keying.check` on an existing log as it is, before any migration changes it: every
    opening that migrates (`opsgate db migrate`, `serve`, the console) refuses a keyed log
    without its key, or with another, before upgrading it, so the upgrade that seals its head
    (`bot.store.seal`) is left to the one run with the key.

    Raises:
        AuditKeyError: `key` is not the log's.
    """

    def check(db: Db, engine: Engine) -> None:
        keying.check(db, key, recorded="chain_key" in engine.tables)

    before_migrating(target, check)


def before_migrating(target: str | Path, check: Callable[[Db, Engine], None]) -> None:
    """`check` an existing database read as it is; nothing when there is none yet or nothing
    opsgate may read (opening it to migrate says which)."""
    try:
        engine = open_engine(target, existing=True)
    except DatabaseUnavailable:
        return
    try:
        with engine.read() as db:
            check(db, engine)
    finally:
        engine.close()
