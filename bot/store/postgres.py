"""The PostgreSQL engine (`bot.store.engine.Engine`), on psycopg 3 and a `psycopg_pool` pool.

Any number of replicas share one database. A chain write is one transaction whose first
statement is ``SELECT … FROM chain_head … FOR UPDATE``: every append needs the head anyway, and
holding its row lock serialises "load the request, check its state, append" across replicas
exactly as SQLite's ``BEGIN IMMEDIATE`` does across processes. Under ``READ COMMITTED`` (named
in each write's ``BEGIN``, whatever the server's default) each later statement then sees
everything committed before the lock was granted. Reads run in
``REPEATABLE READ READ ONLY`` transactions, so a `verify` sees one snapshot.

The store's SQL uses ``?`` and ``:name`` placeholders (SQLite's); `pg_sql` rewrites them as
psycopg's ``%s`` and ``%(name)s`` once per statement text.
"""

from __future__ import annotations

import functools
import re
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from typing import Any, Final

import psycopg
from psycopg.rows import dict_row, tuple_row
from psycopg_pool import ConnectionPool, PoolTimeout

from bot.settings.targets import masked_error, redacted
from bot.store.chain import ChainHead
from bot.store.engine import Cursor, Db, Params
from bot.store.lockwait import Sessions
from bot.store.pgconn import begun, commit, roll_back, with_own_limits
from bot.store.rows import DatabaseUnavailable, first_line
from bot.store.schema import (
    CURRENT_TABLES,
    MIGRATIONS,
    applied_on_postgresql,
    recorded_migrations,
    refuse_unreadable,
)

#: How long opening waits for the server, and a transaction for a pooled connection.
CONNECT_TIMEOUT_S: Final = 10.0
#: How long a health check or a metrics scrape waits for a connection: well within Prometheus'
#: 10 s scrape timeout and a probe's few seconds (a server that is down never gives one).
QUICK_TIMEOUT_S: Final = 2.0
#: How long the server lets a quick read's statement run: short of `QUICK_TIMEOUT_S`, so a
#: read kept waiting by a lock is cancelled by the server and its connection stays usable.
_QUICK_STATEMENT_MS: Final = int(QUICK_TIMEOUT_S * 750)
#: Connections per replica: workers share them; each transaction holds one.
POOL_SIZE: Final = 10
#: Any fixed number: the advisory lock that serialises concurrent migrations.
_MIGRATION_LOCK: Final = 7_262_736_001
_PLACEHOLDER = re.compile(r"%|\?|(?<!:):([A-Za-z_]\w*)")
#: The chain lock, with the transaction's id (to settle a commit whose answer was lost).
_CHAIN_LOCK: Final = (
    "SELECT seq, hash, txid_current() AS xid FROM chain_head WHERE id = 1 FOR UPDATE"
)
#: Writes need ``READ COMMITTED`` (see the module docstring), named: a database, role or server
#: whose ``default_transaction_isolation`` is stricter would fail one of two writes at once.
_WRITE: Final = "BEGIN ISOLATION LEVEL READ COMMITTED"
#: What `pg_export_snapshot()` returns, e.g. ``00000003-0000001B-1``.
_SNAPSHOT_ID: Final = re.compile(r"[0-9A-F]+(-[0-9A-F]+)+")


@functools.lru_cache(maxsize=512)
def pg_sql(sql: str) -> str:
    """`sql` with SQLite placeholders as psycopg's (and a literal ``%`` doubled)."""

    def swap(match: re.Match[str]) -> str:
        if match.group(0) == "%":
            return "%%"
        return "%s" if match.group(0) == "?" else f"%({match.group(1)})s"

    return _PLACEHOLDER.sub(swap, sql)


class PgDb:
    """One open transaction on one pooled connection (`bot.store.engine.Db`)."""

    def __init__(
        self, conn: psycopg.Connection[dict[str, Any]], locked_head: ChainHead | None = None
    ) -> None:
        self.conn = conn
        self.locked_head = locked_head

    def query(self, sql: str, params: Params = None, /) -> list[dict[str, Any]]:
        """The rows of a SELECT."""
        return self.conn.execute(pg_sql(sql), _params(params)).fetchall()

    def rows(self, sql: str, params: Params = None, /) -> list[tuple[Any, ...]]:
        """The rows of a SELECT as tuples."""
        with self.conn.cursor(row_factory=tuple_row) as cursor:
            return cursor.execute(pg_sql(sql), _params(params)).fetchall()

    def execute(self, sql: str, params: Params = None, /) -> Cursor:
        """Run one statement."""
        return self.conn.execute(pg_sql(sql), _params(params))

    def execute_all(self, *statements: tuple[str, Params]) -> None:
        """Run statements in one pipeline: one round trip for all of them."""
        with self.conn.pipeline():
            for sql, params in statements:
                self.conn.execute(pg_sql(sql), _params(params))

    def executemany(self, sql: str, rows: Sequence[Mapping[str, Any]], /) -> None:
        """Run one statement per row, pipelined."""
        with self.conn.cursor() as cursor:
            cursor.executemany(pg_sql(sql), rows)

    def any_text(self) -> AbstractContextManager[None]:
        """PostgreSQL refuses text that is not UTF-8 when it is written: nothing to do."""
        return nullcontext()


def _params(params: Params) -> Any:
    # Never None: psycopg then sends the text untouched, and the ``%%`` that `pg_sql` wrote
    # for a literal ``%`` would reach the server doubled.
    if params is None:
        return ()
    return list(params) if isinstance(params, tuple) else params


class PostgresEngine:
    """A pool of connections to one PostgreSQL database; safe to share between threads."""

    kind = "postgresql"
    errors: tuple[type[BaseException], ...] = (psycopg.Error, PoolTimeout)
    unreachable: tuple[type[BaseException], ...] = (psycopg.OperationalError, PoolTimeout)

    def __init__(
        self,
        pool: ConnectionPool[psycopg.Connection[dict[str, Any]]],
        label: str,
        sessions: Sessions | None = None,
    ):
        self._pool = pool
        self._conninfo = pool.conninfo if isinstance(pool.conninfo, str) else ""
        self._sessions = sessions
        self.label = label
        self.applied: list[str] = []
        self.tables = CURRENT_TABLES

    @classmethod
    def open(cls, url: str) -> PostgresEngine:
        """Connect and bring the schema up to date (`migrate`).

        Raises:
            DatabaseUnavailable: The server cannot be reached or refuses us (one line).
        """
        engine = cls._connect(url)
        try:
            engine.applied = engine.migrate()
        except psycopg.Error as exc:
            engine.close()
            raise DatabaseUnavailable(f"cannot migrate {engine.label}: {first_line(exc)}") from None
        except DatabaseUnavailable:
            engine.close()
            raise
        return engine

    @classmethod
    def open_existing(cls, url: str) -> PostgresEngine:
        """Connect without creating or migrating anything (``opsgate audit``).

        Raises:
            DatabaseUnavailable: Unreachable, or the database holds no opsgate audit log.
        """
        engine = cls._connect(url)
        try:
            with engine.read() as db:
                rows = db.query(
                    "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"
                )
                engine.tables = frozenset(row["tablename"] for row in rows)
                recorded = "opsgate_migrations" in engine.tables
                applied = applied_on_postgresql(db) if recorded else set()
            refuse_unreadable(engine.tables, applied, engine.label)  # as far as this one knows
        except DatabaseUnavailable:
            engine.close()
            raise
        except psycopg.Error as exc:  # e.g. a role that may not read the migrations' record
            engine.close()
            raise DatabaseUnavailable(f"cannot read {engine.label}: {first_line(exc)}") from None
        return engine

    @classmethod
    def _connect(cls, url: str) -> PostgresEngine:
        label = redacted(url)
        problem = _probe(url)  # fails fast and says why; the pool would only time out
        if problem is not None:
            raise DatabaseUnavailable(f"cannot connect to {label}: {masked_error(problem, url)}")
        sessions = Sessions(url)  # for `bot.store.lockwait.saying_lock_waits`
        pool: ConnectionPool[psycopg.Connection[dict[str, Any]]] = ConnectionPool(
            with_own_limits(url),  # whatever limits the database or role sets by default
            min_size=1,
            max_size=POOL_SIZE,
            kwargs={"autocommit": True, "row_factory": dict_row},
            configure=sessions,
            timeout=CONNECT_TIMEOUT_S,
            open=False,
            name="opsgate",
        )
        try:
            pool.open(wait=True, timeout=CONNECT_TIMEOUT_S)
        except PoolTimeout:
            pool.close()
            sessions.forget()
            raise DatabaseUnavailable(f"cannot connect to {label}: no connection") from None
        return cls(pool, label, sessions)

    def migrate(self) -> list[str]:
        """Apply the migrations this database lacks, in order; returns their names.

        One transaction under an advisory lock, so replicas starting together migrate once.
        A database already current needs no right to create tables (`serve` may run as a role
        that may only read and write rows); one holding another application's tables, or
        migrated by a newer opsgate, is refused (`DatabaseUnavailable`).
        """
        with self._transaction(_WRITE) as db:
            db.execute("SELECT pg_advisory_xact_lock(?)", [_MIGRATION_LOCK])
            done = recorded_migrations(db, self.label)
            applied = []
            for migration in MIGRATIONS:
                if migration.name in done:
                    continue
                for statement in migration.postgresql:
                    db.conn.execute(statement)  # DDL as written: no placeholders to rewrite
                if migration.backfill is not None:
                    migration.backfill(db)
                db.execute("INSERT INTO opsgate_migrations (name) VALUES (?)", [migration.name])
                applied.append(migration.name)
            return applied

    def write(self) -> AbstractContextManager[PgDb]:
        """A chain write: the head's row lock first (see the module docstring)."""
        return self._transaction(_WRITE, _CHAIN_LOCK)

    def side(self) -> AbstractContextManager[PgDb]:
        """A write that leaves the chain alone: it takes only the row locks it needs."""
        return self._transaction(_WRITE)

    def read(self) -> AbstractContextManager[PgDb]:
        """One snapshot, read-only."""
        return self._transaction("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")

    def quick_read(self) -> AbstractContextManager[PgDb]:
        """`read`, over within `QUICK_TIMEOUT_S`: the wait for a connection, for a lock (the
        server cancels the statement) and for a server that stopped answering (`begun`)."""
        return self._transaction(
            "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; "
            f"SET LOCAL statement_timeout = {_QUICK_STATEMENT_MS}",
            deadline=time.monotonic() + QUICK_TIMEOUT_S,
        )

    def read_beside(self, db: Db) -> AbstractContextManager[PgDb]:
        """Another read-only transaction, on another connection, that sees exactly the
        snapshot of `db` (a `read` transaction, which must stay open meanwhile): for a long
        query to run on the server while this process works through `db`."""
        if not isinstance(db, PgDb):
            raise TypeError("read_beside takes a transaction of this engine")
        row = db.conn.execute("SELECT pg_export_snapshot() AS id").fetchone()
        snapshot = "" if row is None else str(row["id"])
        if not _SNAPSHOT_ID.fullmatch(snapshot):  # inlined below: SET takes no parameters
            raise ValueError(f"unexpected snapshot id {snapshot!r}")
        return self._transaction(
            "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; "
            f"SET TRANSACTION SNAPSHOT '{snapshot}'"
        )

    def close(self) -> None:
        """Close the pool and its connections."""
        self._pool.close()
        if self._sessions is not None:
            self._sessions.forget()

    @contextmanager
    def _transaction(
        self, begin: str, lock: str | None = None, *, deadline: float | None = None
    ) -> Iterator[PgDb]:
        with begun(self._pool, begin if lock is None else f"{begin}; {lock}", deadline) as (
            conn,
            row,
        ):
            head = None if row is None else ChainHead(seq=row["seq"], hash=row["hash"])
            try:
                yield PgDb(conn, head)
            except BaseException:
                roll_back(conn)
                raise
            commit(conn, None if row is None else int(row["xid"]), self._conninfo)


def _probe(url: str) -> str | None:
    """Why a connection fails, in one line; None when it does not."""
    try:
        psycopg.connect(url, connect_timeout=int(CONNECT_TIMEOUT_S)).close()
    except psycopg.Error as exc:
        return first_line(exc)
    return None
