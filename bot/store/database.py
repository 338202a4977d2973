"""The SQLite engine (`bot.store.engine.Engine`): the connection, transactions, and migrations.

Every write is one ``BEGIN IMMEDIATE`` transaction. It takes SQLite's write lock *before*
anything is read, so "load the request, check its state, read the last hash, append" is
serialised across threads and across processes sharing the file; a waiting writer retries for up
to `BUSY_TIMEOUT_S`. Within a process the threads share one connection behind a lock (a private
``:memory:`` database could not be shared otherwise, and SQLite allows one writer anyway).
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any, Final

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

from bot.model.shown import escaped
from bot.store.chain import ChainHead
from bot.store.engine import Cursor, Db, Params
from bot.store.journal import refuse_rollback_journal
from bot.store.rows import DatabaseUnavailable
from bot.store.schema import (
    CURRENT_TABLES,
    MIGRATIONS,
    Migration,
    refuse_another_applications,
    refuse_newer,
    refuse_unreadable,
)
from bot.store.unopened import why_unopened

#: How long a writer waits for another thread or process to finish its transaction.
BUSY_TIMEOUT_S: Final = 15.0

__all__ = ["BUSY_TIMEOUT_S", "DatabaseUnavailable", "SqliteEngine"]


class SqliteEngine:
    """One database connection, used by one thread at a time, one transaction at a time."""

    kind = "sqlite"
    errors: tuple[type[BaseException], ...] = (sqlite3.Error,)
    unreachable: tuple[type[BaseException], ...] = (sqlite3.OperationalError,)

    def __init__(self, db: Database, *, label: str = ":memory:") -> None:
        self.db = db
        self.label = label
        self.applied: list[str] = []
        self.tables = CURRENT_TABLES
        self._view = SqliteDb(db)
        self._lock = threading.RLock()

    @classmethod
    def open_file(cls, path: str | Path) -> SqliteEngine:
        """Open (creating it if needed) a database file in WAL mode, with its schema current.

        Raises:
            DatabaseUnavailable: The file cannot be opened or created (e.g. its folder is
                missing), or is not a database.
        """
        try:
            db = Database(_connect(str(path)))
            try:
                _refuse_another_applications(db, str(path))  # before WAL mode changes the file
                _enable_wal(db)
                return cls(db, label=str(path)).migrated()
            except (DatabaseUnavailable, sqlite3.Error):
                db.close()
                raise
        except sqlite3.Error as exc:
            why = why_unopened(Path(path), exc) or exc
            raise DatabaseUnavailable(f"cannot open the database {path}: {why}") from None

    @classmethod
    def open_existing(cls, path: str | Path) -> SqliteEngine:
        """Open an existing opsgate database read-only: no file is created, migrated or changed.

        A database in use has its write-ahead log beside it and is read through it; one that
        was closed cleanly is read as an immutable file, so no ``-wal``/``-shm`` file appears.

        Raises:
            DatabaseUnavailable: No such file, not a database, or not opsgate's.
            RollbackJournalFound: A rollback journal lies beside it (`bot.store.journal`).
        """
        file = Path(path)
        if file.is_dir():
            raise DatabaseUnavailable(f"{escaped(str(file))} is a directory, not a database file")
        if not file.is_file():  # a NUL or a line break in the path is shown, not printed
            raise DatabaseUnavailable(f"no database at {escaped(str(file))}")
        try:
            conn = sqlite3.connect(
                read_only_uri(file), uri=True, timeout=BUSY_TIMEOUT_S, check_same_thread=False
            )
            conn.isolation_level = None
            names = {row[0] for row in conn.execute("SELECT name FROM sqlite_master")}
            applied = _applied(conn) if "_sqlite_migrations" in names else []
        except sqlite3.Error as exc:
            raise DatabaseUnavailable(f"cannot read {file}: {exc}") from None
        try:  # read as it is, as far as this version knows how it was written
            refuse_unreadable(names, applied, str(file))
        except DatabaseUnavailable:
            conn.close()
            raise
        engine = cls(Database(conn), label=str(file))
        engine.tables = frozenset(names)  # read as it is: an older log lacks later tables
        return engine

    @classmethod
    def in_memory(cls) -> SqliteEngine:
        """A private in-memory database with the current schema."""
        return cls(Database(_connect(":memory:"))).migrated()

    def migrated(self) -> SqliteEngine:
        """Bring the schema up to date; in a write transaction, so concurrent first opens of
        one file are serialised."""
        with self.write():
            if "_sqlite_migrations" in self.db.table_names():
                refuse_newer(_applied(self.db.conn), self.label)
            self.applied = [migration.name for migration in _MIGRATIONS.pending(self.db)]
            _MIGRATIONS.apply(self.db)
        return self

    @contextmanager
    def write(self) -> Iterator[Db]:
        """One write transaction, holding SQLite's write lock from its first statement."""
        with self._lock:
            self.db.conn.execute("BEGIN IMMEDIATE")  # straight on the connection: sqlite-utils'
            try:  # wrapper parses each statement's first keyword, for no use here
                yield self._view
                self.db.conn.execute("COMMIT")
            except BaseException:
                self.db.rollback()
                raise

    def side(self) -> AbstractContextManager[Db]:
        """SQLite has one writer at a time: a side write is a write."""
        return self.write()

    def quick_read(self) -> AbstractContextManager[Db]:
        """A file has no connection to wait for: a read."""
        return self.read()

    @contextmanager
    def read(self) -> Iterator[Db]:
        """One read transaction, so several statements see a single snapshot."""
        with self._lock:
            self.db.execute("BEGIN")
            try:
                yield self._view
            finally:
                self.db.rollback()

    def close(self) -> None:
        """Close the connection."""
        with self._lock:
            self.db.close()


class SqliteDb:
    """A sqlite-utils database as `bot.store.engine.Db`, inside the engine's transaction."""

    def __init__(self, db: Database) -> None:
        self._db = db
        self.locked_head: ChainHead | None = None  # a local read is as cheap as keeping it

    @property
    def connection(self) -> sqlite3.Connection:
        """The connection itself, for `verify`'s quick pass (which adds a SQL function)."""
        return self._db.conn

    def query(self, sql: str, params: Params = None, /) -> Iterable[dict[str, Any]]:
        """The rows of a SELECT, read lazily.

        Straight on the connection: we are always inside the engine's own transaction, so
        sqlite-utils' guards for statements outside one (a savepoint around every query) would
        only add two statements to each.
        """
        cursor = self._db.conn.execute(sql, _plain(params) or ())
        names = [column[0] for column in cursor.description]
        return (dict(zip(names, row, strict=True)) for row in cursor)

    def rows(self, sql: str, params: Params = None, /) -> Iterable[tuple[Any, ...]]:
        """The rows of a SELECT as tuples, read lazily."""
        return self._db.conn.execute(sql, _plain(params) or ())

    def execute(self, sql: str, params: Params = None, /) -> Cursor:
        """Run one statement (inside the engine's transaction, as `query`)."""
        return self._db.conn.execute(sql, _plain(params) or ())

    def execute_all(self, *statements: tuple[str, Params]) -> None:
        """Run statements one after the other."""
        for sql, params in statements:
            self._db.conn.execute(sql, _plain(params) or ())

    def executemany(self, sql: str, rows: Sequence[Mapping[str, Any]], /) -> None:
        """Run one statement once per row."""
        self._db.conn.executemany(sql, rows)

    @contextmanager
    def any_text(self) -> Iterator[None]:
        """Read text that is not UTF-8 rather than fail on it (`verify`, and reads that must
        not lose the rows beside such text).

        opsgate never writes such text, but SQLite stores whatever bytes it is given, and
        Python's driver refuses to read them. Read here, they come back as lone surrogates
        (``surrogateescape``), which no event or request of opsgate's holds, so the reader can
        name the event or request changed (`bot.store.chain.not_utf8`).
        """
        conn = self._db.conn
        strict = conn.text_factory
        conn.text_factory = _lenient
        try:
            yield
        finally:
            conn.text_factory = strict


def _lenient(stored: bytes) -> str:
    return stored.decode("utf-8", "surrogateescape")


def read_only_uri(file: Path) -> str:
    """A URI that reads `file` without changing it: through its write-ahead log while the
    database is in use, as an immutable file once it was closed cleanly (so that no
    ``-wal``/``-shm`` file appears beside a copy being verified).

    Raises:
        RollbackJournalFound: A rollback journal lies beside `file`: SQLite would present
            another state than the file's (`bot.store.journal`).
    """
    refuse_rollback_journal(file)
    in_use = file.with_name(file.name + "-wal").exists()
    return file.resolve().as_uri() + ("?mode=ro" if in_use else "?immutable=1")


def _plain(params: Params) -> Sequence[Any] | dict[str, Any] | None:
    return dict(params) if isinstance(params, Mapping) else params


def _connect(target: str) -> sqlite3.Connection:
    # isolation_level=None: we issue BEGIN IMMEDIATE ourselves, so the driver must not open
    # deferred transactions behind our back. check_same_thread=False: our lock serialises use.
    # timeout= is SQLite's busy timeout: how long to wait for another writer.
    conn = sqlite3.connect(
        target, timeout=BUSY_TIMEOUT_S, isolation_level=None, check_same_thread=False
    )
    conn.execute("PRAGMA foreign_keys = ON")
    return conn


def _enable_wal(db: Database) -> None:
    """Switch the file to WAL, waiting out other openers.

    Changing the journal mode needs an exclusive lock, and SQLite answers ``database is locked``
    at once instead of calling the busy handler, so processes starting together would fail.
    """
    deadline = time.monotonic() + BUSY_TIMEOUT_S
    while True:
        try:
            db.enable_wal()
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() >= deadline:
                raise
            time.sleep(0.01)


_MIGRATIONS = Migrations("opsgate")


def _refuse_another_applications(db: Database, label: str) -> None:
    """`refuse_another_applications`, before WAL mode or a migration changes the file."""
    names = [name for name in db.table_names() if not name.startswith("_sqlite")]
    refuse_another_applications(names, label)


def _applied(conn: sqlite3.Connection) -> list[str]:
    """The migrations sqlite-utils recorded for opsgate."""
    rows = conn.execute("SELECT name FROM _sqlite_migrations WHERE migration_set = 'opsgate'")
    return [str(row[0]) for row in rows]


def _register(migration: Migration) -> None:
    def apply(db: Database) -> None:
        for statement in migration.sqlite:
            db.execute(statement)
        if migration.backfill is not None:
            migration.backfill(SqliteDb(db))

    _MIGRATIONS(name=migration.name)(apply)


for _migration in MIGRATIONS:
    _register(_migration)
