"""The store's dialect seam: the little the shared store code needs of a database engine.

The store's logic (`bot.store.writes`, `queries`, `auditlog`, `core`) is written once, in SQL that
SQLite and PostgreSQL both read (``?`` and ``:name`` placeholders, ``ON CONFLICT`` upserts), over
two small protocols:

- `Db`: one open transaction: ``query`` (rows as dicts), ``execute`` (a cursor with a
  ``rowcount``) and ``executemany``; `bot.store.database` wraps a sqlite-utils ``Database``,
  `bot.store.postgres` a psycopg connection.
- `Engine`: where transactions come from. ``write()`` serialises every chain write across
  threads, processes and replicas (SQLite: ``BEGIN IMMEDIATE``; PostgreSQL: the chain head's row
  lock as the transaction's first statement), so "load, check, append" is one compare-and-set.
  ``side()`` is a write transaction that leaves the chain alone (leases, the shared token slot
  and rate windows), so it never waits for an audit append; on SQLite it is ``write()``.

`bot.store.opening.open_engine` picks the engine for a target: a ``postgresql://`` URL, or a
SQLite file.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any, Final, Protocol, TypeVar

from bot.store.chain import ChainHead

Params = Sequence[Any] | Mapping[str, Any] | None
_Row = TypeVar("_Row")

#: The URL schemes that select PostgreSQL.
POSTGRES_SCHEMES: Final = ("postgresql://", "postgres://")


class Cursor(Protocol):
    """What a write statement reports back."""

    @property
    def rowcount(self) -> int: ...


class Db(Protocol):
    """One open transaction of either engine.

    Attributes:
        locked_head: In a chain write, the head as the lock read it (PostgreSQL reads it with
            the lock, in the same round trip); None when unknown.
    """

    locked_head: ChainHead | None

    def query(self, sql: str, params: Params = None, /) -> Iterable[dict[str, Any]]:
        """The rows of a SELECT, as dicts by column name."""
        ...

    def rows(self, sql: str, params: Params = None, /) -> Iterable[tuple[Any, ...]]:
        """The rows of a SELECT as plain tuples (for scans of the whole log)."""
        ...

    def execute(self, sql: str, params: Params = None, /) -> Cursor:
        """Run one statement."""
        ...

    def execute_all(self, *statements: tuple[str, Params]) -> None:
        """Run statements whose results nobody reads, in one round trip where the driver can."""
        ...

    def executemany(self, sql: str, rows: Sequence[Mapping[str, Any]], /) -> None:
        """Run one statement once per row (``:name`` placeholders), in as few trips as the
        driver allows."""
        ...

    def any_text(self) -> AbstractContextManager[None]:
        """While open, read stored text that is not UTF-8 as lone surrogates instead of
        failing (SQLite stores any bytes; PostgreSQL refuses them when they are written)."""
        ...


class Engine(Protocol):
    """Transactions on one database; safe to share between threads.

    Attributes:
        kind: ``"sqlite"`` or ``"postgresql"``.
        label: The database for people: a path, or a URL without its password.
        errors: The driver's exception classes meaning "the database did not answer".
        unreachable: Those of `errors` that mean the database could not be had at all (no
            connection, a locked or unreadable file), as opposed to a statement it refused.
    """

    kind: str
    label: str
    errors: tuple[type[BaseException], ...]
    unreachable: tuple[type[BaseException], ...]
    #: The migrations this engine applied when it opened the database (none if current).
    applied: list[str]
    #: The database's tables: all of the current schema's, unless opened as it is (`existing`).
    tables: frozenset[str]

    def write(self) -> AbstractContextManager[Db]:
        """A write transaction holding the chain's write lock from its first statement."""
        ...

    def side(self) -> AbstractContextManager[Db]:
        """A write transaction for tables outside the chain (no chain lock on PostgreSQL)."""
        ...

    def read(self) -> AbstractContextManager[Db]:
        """A read-only transaction: every statement in it sees one snapshot."""
        ...

    def quick_read(self) -> AbstractContextManager[Db]:
        """`read`, giving up within seconds when no connection can be had: for ``/healthz``
        and ``/metrics``, which must answer within a probe's or a scrape's timeout."""
        ...

    def close(self) -> None:
        """Close every connection."""
        ...


def is_postgres(target: str | Path) -> bool:
    """True when `target` is a PostgreSQL URL (``postgresql://…``, the scheme in any case)."""
    return isinstance(target, str) and target.lower().startswith(POSTGRES_SCHEMES)


def sqlite_path(target: str | Path) -> Path:
    """A SQLite target as a path; SQLAlchemy's ``sqlite:///relative.db`` form is read too."""
    text = str(target)
    return Path(text.removeprefix("sqlite:///")) if text.startswith("sqlite:///") else Path(text)


def rows_in_pages(
    db: Db, sql: str, *, after: int = 0, page: int = 10_000
) -> Iterator[dict[str, Any]]:
    """Every row of `sql` (which takes ``:after`` and ``:page`` and orders by ``seq``), read a
    page at a time inside the caller's transaction, so neither engine holds them all at once."""
    return _pages(db.query, sql, after, page, lambda row: row["seq"])


def tuples_in_pages(
    db: Db, sql: str, *, after: int = 0, page: int = 10_000
) -> Iterator[tuple[Any, ...]]:
    """`rows_in_pages` as tuples, for long scans; ``seq`` must be the first column."""
    return _pages(db.rows, sql, after, page, lambda row: row[0])


def _pages(
    read: Callable[[str, Params], Iterable[_Row]],
    sql: str,
    after: int,
    page: int,
    seq_of: Callable[[_Row], Any],
) -> Iterator[_Row]:
    while True:
        rows = list(read(sql, {"after": after, "page": page}))
        yield from rows
        if len(rows) < page:
            return
        after = int(seq_of(rows[-1]))
