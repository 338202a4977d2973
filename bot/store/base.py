"""The store's foundation: its engine, chain key, writer and observers.

`StoreBase` opens and checks a database (SQLite or PostgreSQL, `bot.store.engine`) and gives
every write its transaction (`_write`), after which the events written go to the observers.
`bot.store.Store` builds on it.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Self

from pydantic import SecretStr

from adapters.clock import SYSTEM_CLOCK, Clock
from bot.store import keying
from bot.store.chain import ChainKey
from bot.store.commits import CommitUncertain
from bot.store.database import SqliteEngine
from bot.store.engine import Db, Engine
from bot.store.groups import StoreGroupVersions
from bot.store.leases import DEFAULT_LEASE, Leases, new_owner
from bot.store.notify import Appended, Observer, Observers
from bot.store.opening import check_key_before_migrating, open_engine
from bot.store.rows import DatabaseUnavailable, first_line, new_request_id
from bot.store.seal import seal_after_migration
from bot.store.shared import StoreShared
from bot.store.writes import Writer


class StoreBase:
    """One open, migrated database whose chain key fits `key`; see `bot.store.Store`."""

    def __init__(
        self,
        tx: Engine,
        *,
        clock: Clock,
        new_id: Callable[[], str] = new_request_id,
        key: SecretStr | None = None,
        lease: timedelta = DEFAULT_LEASE,
        owner: str | None = None,
    ) -> None:
        """Wrap an open, migrated database; prefer `open` or `memory`.

        Args:
            tx: The engine: transactions on the database.
            clock: Time for timestamps, expiry and leases.
            new_id: Makes request ids.
            key: ``OPSGATE_AUDIT_KEY``, when the chain is keyed.
            lease: How long a lease on an executing request lasts unrenewed
                (``OPSGATE_LEASE_SECONDS``; `bot.store.leases`).
            owner: This replica's id in leases (default: host, pid and a random suffix).

        Raises:
            AuditKeyError: The log holds events hashed with another key, or with none (or with
                one when `key` is None).
            ValueError: `lease` is not positive.
        """
        self._tx = tx
        self._writer = Writer(clock=clock, new_id=new_id, key=ChainKey(key))
        self._observers = Observers()
        try:
            self.leases = Leases(
                tx, owner=owner or new_owner(), duration=lease, now=self._writer.now
            )
            self._writer.leases = self.leases
            self._check_key_and_seal()
        except (keying.AuditKeyError, ValueError, DatabaseUnavailable):
            tx.close()
            raise

    def _check_key_and_seal(self) -> None:
        """The log's key is the one given (`keying.check`, which says which form of it), and a
        head from before seals is sealed; DatabaseUnavailable when the tables cannot be read or
        the seal not written (a role that may connect but not read or write them)."""
        tx = self._tx
        try:
            with tx.read() as db:
                recorded = "chain_key" in tx.tables
                self._writer.key = keying.check(db, self._writer.key, recorded=recorded)
            seal_after_migration(tx, self._writer.key)  # once: when this open added seals
        except tx.errors as exc:
            raise DatabaseUnavailable(f"cannot read {tx.label}: {first_line(exc)}") from None

    @classmethod
    def open(
        cls,
        target: str | Path,
        *,
        clock: Clock = SYSTEM_CLOCK,
        new_id: Callable[[], str] = new_request_id,
        key: SecretStr | None = None,
        lease: timedelta = DEFAULT_LEASE,
        owner: str | None = None,
    ) -> Self:
        """Open and migrate a database: a ``postgresql://`` URL, or a SQLite file (created if
        needed, in WAL mode).

        Raises:
            DatabaseUnavailable: It cannot be opened (one line naming it, never a password).
            AuditKeyError: `key` does not fit the log (see `__init__`); an existing log is
                checked before it is migrated, so a keyed one is not upgraded without its key.
        """
        check_key_before_migrating(target, ChainKey(key))  # as `opsgate db migrate` does
        engine = open_engine(target)
        return cls(engine, clock=clock, new_id=new_id, key=key, lease=lease, owner=owner)

    @classmethod
    def open_existing(
        cls, target: str | Path, *, clock: Clock = SYSTEM_CLOCK, key: SecretStr | None = None
    ) -> Self:
        """Open an existing database for reading (``opsgate audit``): never creates a file,
        never migrates.

        Raises:
            DatabaseUnavailable: No such file or server, or it is not an opsgate database.
            AuditKeyError: `key` does not fit the log.
        """
        return cls(open_engine(target, existing=True), clock=clock, key=key)

    @classmethod
    def memory(
        cls,
        *,
        clock: Clock = SYSTEM_CLOCK,
        new_id: Callable[[], str] = new_request_id,
        key: SecretStr | None = None,
        lease: timedelta = DEFAULT_LEASE,
    ) -> Self:
        """A private in-memory database, for tests and throwaway sessions."""
        return cls(SqliteEngine.in_memory(), clock=clock, new_id=new_id, key=key, lease=lease)

    def subscribe(self, observer: Observer) -> None:
        """Call `observer` with each audit event once its transaction has committed.

        It runs on the thread that wrote, outside the store's lock; its exceptions are logged
        and go no further (`bot.store.notify`).
        """
        self._observers.add(observer)

    @property
    def shared(self) -> StoreShared:
        """Vendor tokens and rate windows shared with every replica on this database
        (`adapters.shared.Shared`, for the adapters)."""
        return StoreShared(self._tx, now=self._writer.now)

    @property
    def group_versions(self) -> StoreGroupVersions:
        """Changes of Slack user groups, counted for every replica on this database."""
        return StoreGroupVersions(self._tx)

    @property
    def engine(self) -> Engine:
        """The database engine (``kind`` says which, ``label`` names it without a password)."""
        return self._tx

    def close(self) -> None:
        """Close the connection; the store cannot be used afterwards."""
        self._tx.close()

    def healthy(self) -> bool:
        """True when the database answers a query and the chain head is in place (``/healthz``).

        This is a read-only operation.
        """
        try:
            with self._tx.quick_read() as db:
                return bool(list(db.query("SELECT seq FROM chain_head WHERE id = 1")))
        except self._tx.errors:
            return False

    @contextmanager
    def _write(self) -> Iterator[Db]:
        """A write transaction; its events go to the observers once it has committed. A
        commit whose answer was lost stands if the server made it (`CommitUncertain.settle`)
        and its events are in the log, both known within a third of a lease: a claim it made
        is then still well within its lease when its vendor call goes out, as after any
        commit. Known later, it stays uncertain (the claim lapses, never run)."""
        try:
            with self._tx.write() as db:
                self._writer.begin(db.locked_head)
                yield db
                appended = tuple(self._writer.journal)
        except CommitUncertain as lost:
            third = self.leases.duration.total_seconds() / 3
            until = time.monotonic() + third
            lost.settle(within=third)
            self._landed(lost, appended)
            if time.monotonic() > until:
                raise lost from None
        self._observers.publish(appended)

    def _landed(self, lost: CommitUncertain, appended: tuple[Appended, ...]) -> None:
        """The write the server says it committed holds its last event, as appended: after a
        failover, the server that took over may have given its transaction id to another."""
        if not appended:
            return
        last = appended[-1].event
        try:
            with self._tx.quick_read() as db:  # within seconds, as the lease must not lapse
                rows = db.query("SELECT hash FROM events WHERE seq = ?", [last.seq])
                found = [row["hash"] for row in rows]
        except self._tx.errors:
            raise lost from None
        if found != [last.hash]:
            raise lost
