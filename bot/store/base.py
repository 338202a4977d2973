"""The store's foundation: its connection, chain key, writer and observers.

`StoreBase` opens and checks a database and gives every write its transaction (`_write`), after
which the events written go to the observers. `bot.store.Store` builds on it.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Self

from pydantic import SecretStr
from sqlite_utils import Database

from adapters.clock import SYSTEM_CLOCK, Clock
from bot.store import keying
from bot.store.chain import ChainKey
from bot.store.database import Transactions
from bot.store.notify import Observer, Observers
from bot.store.rows import new_request_id
from bot.store.writes import Writer


class StoreBase:
    """One open, migrated database whose chain key fits `key`; see `bot.store.Store`."""

    def __init__(
        self,
        tx: Transactions,
        *,
        clock: Clock,
        new_id: Callable[[], str] = new_request_id,
        key: SecretStr | None = None,
    ) -> None:
        """Wrap an open, migrated database; prefer `open` or `memory`.

        Raises:
            AuditKeyError: The log holds events hashed with another key, or with none (or with
                one when `key` is None).
        """
        self._tx = tx
        self._writer = Writer(clock=clock, new_id=new_id, key=ChainKey(key))
        self._observers = Observers()
        try:
            with tx.read() as db:
                keying.check(db, self._writer.key)
        except keying.AuditKeyError:
            tx.close()
            raise

    @classmethod
    def open(
        cls,
        path: str | Path,
        *,
        clock: Clock = SYSTEM_CLOCK,
        new_id: Callable[[], str] = new_request_id,
        key: SecretStr | None = None,
    ) -> Self:
        """Open (creating it if needed) a database file in WAL mode and migrate it.

        Raises:
            AuditKeyError: `key` does not fit the log (see `__init__`).
        """
        return cls(Transactions.open_file(path), clock=clock, new_id=new_id, key=key)

    @classmethod
    def open_existing(
        cls, path: str | Path, *, clock: Clock = SYSTEM_CLOCK, key: SecretStr | None = None
    ) -> Self:
        """Open an existing database read-only (``opsgate audit``): never creates a file.

        Raises:
            DatabaseUnavailable: No such file, or it is not an opsgate database.
            AuditKeyError: `key` does not fit the log.
        """
        return cls(Transactions.open_existing(path), clock=clock, key=key)

    @classmethod
    def memory(
        cls,
        *,
        clock: Clock = SYSTEM_CLOCK,
        new_id: Callable[[], str] = new_request_id,
        key: SecretStr | None = None,
    ) -> Self:
        """A private in-memory database, for tests and throwaway sessions."""
        return cls(Transactions.in_memory(), clock=clock, new_id=new_id, key=key)

    def subscribe(self, observer: Observer) -> None:
        """Call `observer` with each audit event once its transaction has committed.

        It runs on the thread that wrote, outside the store's lock; its exceptions are logged
        and go no further (`bot.store.notify`).
        """
        self._observers.add(observer)

    def close(self) -> None:
        """Close the connection; the store cannot be used afterwards."""
        self._tx.close()

    def healthy(self) -> bool:
        """True when the database answers a query and the chain head is in place (``/healthz``).

        This is a read-only operation.
        """
        try:
            with self._tx.read() as db:
                return bool(list(db.query("SELECT seq FROM chain_head WHERE id = 1")))
        except sqlite3.Error:
            return False

    @contextmanager
    def _write(self) -> Iterator[Database]:
        """A write transaction; its events go to the observers once it has committed."""
        with self._tx.write() as db:
            self._writer.journal.clear()
            yield db
            appended = tuple(self._writer.journal)
        self._observers.publish(appended)
