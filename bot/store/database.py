"""The SQLite side of the store: the connection, transactions, and the schema's migrations.

Every write is one ``BEGIN IMMEDIATE`` transaction. It takes SQLite's write lock *before*
anything is read, so "load the request, check its state, read the last hash, append" is
serialised across threads and across processes sharing the file; a waiting writer retries for up
to `BUSY_TIMEOUT_S`. Within a process the threads share one connection behind a lock (a private
``:memory:`` database could not be shared otherwise, and SQLite allows one writer anyway).
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Final

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

from bot.store import queries
from bot.store.incident_schema import SCHEMA_INCIDENT
from bot.store.rows import (
    SCHEMA_V1,
    SCHEMA_V2,
    SCHEMA_V3,
    SCHEMA_V4,
    SCHEMA_WORKFLOW_STEPS,
    StoreError,
)

#: How long a writer waits for another thread or process to finish its transaction.
BUSY_TIMEOUT_S: Final = 15.0
#: The tables every opsgate database has; a file without them is someone else's.
_OPSGATE_TABLES: Final = frozenset({"requests", "events", "chain_head"})


class DatabaseUnavailable(StoreError):
    """The database cannot be opened or read: missing, unreadable, or not opsgate's.

    The message is one line naming the file and what is wrong with it.
    """


class Transactions:
    """One database connection, used by one thread at a time, one transaction at a time."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self._lock = threading.RLock()

    @classmethod
    def open_file(cls, path: str | Path) -> Transactions:
        """Open (creating it if needed) a database file in WAL mode, with its schema current.

        Raises:
            DatabaseUnavailable: The file cannot be opened or created (e.g. its folder is
                missing), or is not a database.
        """
        try:
            db = Database(_connect(str(path)))
            _enable_wal(db)
            return cls(db).migrated()
        except sqlite3.Error as exc:
            raise DatabaseUnavailable(f"cannot open the database {path}: {exc}") from None

    @classmethod
    def open_existing(cls, path: str | Path) -> Transactions:
        """Open an existing opsgate database read-only: no file is created, migrated or changed.

        A database in use has its write-ahead log beside it and is read through it; one that
        was closed cleanly is read as an immutable file, so no ``-wal``/``-shm`` file appears.

        Raises:
            DatabaseUnavailable: No such file, not a database, or not opsgate's.
        """
        file = Path(path)
        if not file.is_file():
            raise DatabaseUnavailable(f"no database at {file}")
        in_use = file.with_name(file.name + "-wal").exists()
        uri = file.resolve().as_uri() + ("?mode=ro" if in_use else "?immutable=1")
        try:
            conn = sqlite3.connect(uri, uri=True, timeout=BUSY_TIMEOUT_S, check_same_thread=False)
            conn.isolation_level = None
            names = {row[0] for row in conn.execute("SELECT name FROM sqlite_master")}
        except sqlite3.Error as exc:
            raise DatabaseUnavailable(f"cannot read {file}: {exc}") from None
        if not names >= _OPSGATE_TABLES:
            conn.close()
            raise DatabaseUnavailable(f"{file} is not an opsgate database (it has no audit log)")
        return cls(Database(conn))

    @classmethod
    def in_memory(cls) -> Transactions:
        """A private in-memory database with the current schema."""
        return cls(Database(_connect(":memory:"))).migrated()

    def migrated(self) -> Transactions:
        """Bring the schema up to date; in a write transaction, so concurrent first opens of
        one file are serialised."""
        with self.write() as db:
            _MIGRATIONS.apply(db)
        return self

    @contextmanager
    def write(self) -> Iterator[Database]:
        """One write transaction, holding SQLite's write lock from its first statement."""
        with self._lock:
            self.db.execute("BEGIN IMMEDIATE")
            try:
                yield self.db
                self.db.execute("COMMIT")
            except BaseException:
                self.db.rollback()
                raise

    @contextmanager
    def read(self) -> Iterator[Database]:
        """One read transaction, so several statements see a single snapshot."""
        with self._lock:
            self.db.execute("BEGIN")
            try:
                yield self.db
            finally:
                self.db.rollback()

    def close(self) -> None:
        """Close the connection."""
        with self._lock:
            self.db.close()


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


@_MIGRATIONS(name="0001_requests_approvals_events")
def _schema_v1(db: Database) -> None:
    """The first schema: requests, approvals, the event chain and its head."""
    for statement in SCHEMA_V1:
        db.execute(statement)


@_MIGRATIONS(name="0002_policy_snapshot_chain_key_triggers")
def _schema_v2(db: Database) -> None:
    """Each request's policy snapshot, the chain's key record, and seen slash-command triggers."""
    for statement in SCHEMA_V2:
        db.execute(statement)


@_MIGRATIONS(name="0003_card_claims")
def _schema_v3(db: Database) -> None:
    """Card claims: which card-less pending request a process is posting a card for."""
    for statement in SCHEMA_V3:
        db.execute(statement)


@_MIGRATIONS(name="0004_held_targets")
def _schema_v4(db: Database) -> None:
    """Held targets: the overlap rule's index, filled in for the requests open right now."""
    for statement in SCHEMA_V4:
        db.execute(statement)
    for row in list(db.query("SELECT id, operation, targets, state FROM requests")):
        if row["state"] in queries.HOLDING:
            queries.hold(db, row["id"], row["operation"], json.loads(row["targets"]))


@_MIGRATIONS(name="0005_workflow_steps")
def _schema_workflow_steps(db: Database) -> None:
    """Workflow Builder steps linked to the requests they opened (`bot.store.surfaces`)."""
    for statement in SCHEMA_WORKFLOW_STEPS:
        db.execute(statement)


@_MIGRATIONS(name="0006_break_glass_reminders_stop")
def _schema_incident(db: Database) -> None:
    """Break-glass reviews, approver reminders, and Stop requests (`bot.store.incident_schema`)."""
    for statement in SCHEMA_INCIDENT:
        db.execute(statement)
