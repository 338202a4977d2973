"""`verify`'s tables' query, run while the chain is checked somewhere else, so that a long log
costs the longer of the two, not their sum.

- SQLite, a long log on a file: worker processes hash the chain (`bot.store.scan`), and two
  more run the query meanwhile, each over half the requests (`InWorker`), through a current
  SQLite (`quickchain.driver`) whose JSON functions take half the time of an older system's.
  This process waits on them.
- PostgreSQL: this process hashes the chain, and the server runs the query meanwhile, in a second
  read-only transaction on the same snapshot, waited on by a thread (`OnServer`). The thread
  spends its time waiting for the server, without the GIL.
- Otherwise the query runs after the chain check (`NOT_ASKED`).

The query cannot read a detail that is not JSON (SQLite's and PostgreSQL's JSON functions fail on
it): its answer is then None, and the chain check names that event first.
"""

from __future__ import annotations

import logging
import sqlite3
import subprocess
import threading
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, Protocol

from bot.store import workers
from bot.store.crosscheck import IN_WORKER, missing_columns, suspects, suspects_sql
from bot.store.database import read_only_uri
from bot.store.engine import Db

if TYPE_CHECKING:  # psycopg is loaded only when a PostgreSQL database is opened
    import psycopg

    from bot.store.postgres import PgDb

log = logging.getLogger(__name__)

#: How often `OnServer.close` repeats its cancel request until the query has stopped.
_CANCEL_EVERY_S: Final = 0.05


@dataclass(frozen=True)
class Orphaned:
    """What `crosscheck.orphans` and `crosscheck.orphan_approvals` found, asked in a worker."""

    requests: list[str]
    approvals: list[tuple[str, str]]


class Asked(Protocol):
    """The tables' query, asked beside the chain check."""

    def answer(self) -> list[str] | None:
        """The suspects in log order; None when the query was not asked or could not read a
        detail (the caller then asks it itself, if the chain holds)."""
        ...

    def orphaned(self) -> Orphaned | None:
        """Once `answer` gave suspects: the rows with no events or no request, when they were
        asked beside it too; None when the caller must ask."""
        ...

    def close(self) -> None:
        """Stop the query if it is still running (its answer is no longer wanted)."""
        ...


class _Answered:
    def __init__(self, found: list[str] | None) -> None:
        self._found = found

    def answer(self) -> list[str] | None:
        return self._found

    def orphaned(self) -> Orphaned | None:
        return None

    def close(self) -> None:
        pass


NOT_ASKED: Final[Asked] = _Answered(None)


def asked_here(db: Db, dialect: str) -> Asked:
    """The query, run now in `db`."""
    try:
        return _Answered(suspects(db, dialect))
    except sqlite3.OperationalError as exc:
        if "JSON" not in str(exc):  # "malformed JSON"; anything else (Ctrl-C) goes on up
            raise
        return NOT_ASKED


def in_worker(db: Db, path: Path, last: int) -> Asked:
    """The query on the SQLite file at `path`, in two worker processes, each summing up half
    the requests (by id, split where `db`'s events are halved); here when no process can be
    had."""
    try:
        missing = missing_columns(db, "sqlite")
        return InWorker(path, last, split=_middle_id(db, last), missing=missing)
    except OSError:
        return asked_here(db, "sqlite")


def _middle_id(db: Db, last: int) -> str | None:
    """The request id that halves the events in id order (the index reads it without the
    table); None when it is no plain text id, and the query is then not split."""
    rows = list(
        db.rows("SELECT request_id FROM events ORDER BY request_id LIMIT 1 OFFSET ?", [last // 2])
    )
    split = rows[0][0] if rows else None
    return split if isinstance(split, str) and split.isascii() and split else None


class InWorker:
    """The query in worker processes, each reading the file in a transaction of its own: the
    whole query, or its two `crosscheck.PARTS` either side of `split`.

    An answer is taken only when each transaction ended the log at `last`, as the caller's
    snapshot does. opsgate changes a request or its approvals only in the transaction that
    appends its event, so the query then read the tables the caller reads. Otherwise (the log
    grew meanwhile), and when a worker failed, the answer is None and the caller asks itself.
    """

    def __init__(
        self,
        path: Path,
        last: int,
        *,
        split: str | None = None,
        missing: frozenset[str] = frozenset(),
    ) -> None:
        self._last = last
        self._orphaned: Orphaned | None = None
        uri = read_only_uri(path)
        parts = [None] if split is None else ["below", "from"]
        # The orphans' two queries go with the parts, one each when there are two.
        also = (
            [dict(IN_WORKER)] if split is None else [{name: sql} for name, sql in IN_WORKER.items()]
        )
        self._processes: list[subprocess.Popen[bytes]] = []
        try:
            for part, extra in zip(parts, also, strict=True):
                query = suspects_sql("sqlite", part, missing=missing)  # an older log's columns
                asked = {"uri": uri, "tables": query, "params": {}, "also": extra}
                if part is not None:
                    asked["params"] = {"split": split}
                self._processes.append(workers.start(asked))
        except OSError:
            workers.stop(self._processes)
            raise

    def answer(self) -> list[str] | None:
        found: list[tuple[int, str]] = []
        also: dict[str, Any] = {}
        for process in self._processes:
            answered = workers.answer(process)
            part = _suspects_in(answered, self._last)
            if part is None:
                return None
            found += part
            assert answered is not None
            got = answered.get("also")
            also.update(got if isinstance(got, dict) else {})
        self._orphaned = _orphaned_in(also)
        return [request_id for _, request_id in sorted(found)]

    def orphaned(self) -> Orphaned | None:
        return self._orphaned

    def close(self) -> None:
        workers.stop(self._processes)


def _suspects_in(answered: dict[str, Any] | None, last: int) -> list[tuple[int, str]] | None:
    """A worker's suspects as (first seq, id); None unless it read the log up to `last` and
    answered as `quickchain.tables_suspects` does."""
    if answered is None or answered.get("last") != last:
        return None
    found = answered.get("suspects")
    if not isinstance(found, list):
        return None
    try:
        # Ids read as this process reads text that is not UTF-8 (`SqliteDb.any_text`).
        return [
            (int(seq), bytes.fromhex(hexed).decode("utf-8", "surrogateescape"))
            for hexed, seq in found
        ]
    except (TypeError, ValueError):
        return None


def _orphaned_in(also: dict[str, Any]) -> Orphaned | None:
    """The workers' rows of `crosscheck.IN_WORKER`; None unless each is a list of hex texts."""
    try:
        requests = [_text(hexed) for (hexed,) in also["orphans"]]
        approvals = [(_text(rid), _text(by)) for rid, by in also["orphan_approvals"]]
    except (KeyError, TypeError, ValueError):
        return None
    return Orphaned(requests, approvals)


def _text(hexed: str) -> str:
    """A worker's hex of a text's bytes, read as this process reads text (`SqliteDb.any_text`)."""
    return bytes.fromhex(hexed).decode("utf-8", "surrogateescape")


class OnServer:
    """The query on PostgreSQL, in the transaction `opened` (not yet entered) on the caller's
    snapshot, run by a thread that waits for the server's answer."""

    def __init__(self, opened: AbstractContextManager[PgDb]) -> None:
        self._found: list[str] | None = None
        self._failed: BaseException | None = None
        self._stopping = threading.Event()
        self._conn: psycopg.Connection[Any] | None = None
        self._thread = threading.Thread(
            target=self._run, args=(opened,), name="opsgate-verify-tables", daemon=True
        )
        self._thread.start()

    def _run(self, opened: AbstractContextManager[PgDb]) -> None:
        import psycopg  # here, so that SQLite users never load it

        try:
            with opened as twin:
                self._conn = twin.conn  # for `close` to cancel its query
                if not self._stopping.is_set():
                    self._found = suspects(twin, "postgresql")
        except psycopg.Error as exc:  # a detail that is not JSON, or cancelled by `close`
            log.debug("verify: the tables' query beside the chain check stopped: %s", exc)
        except BaseException as exc:  # a fault of opsgate's: raised in the caller's thread
            self._failed = exc

    def answer(self) -> list[str] | None:
        self._thread.join()
        if self._failed is not None:
            raise self._failed
        return self._found

    def orphaned(self) -> Orphaned | None:
        return None

    def close(self) -> None:
        """Cancel the query (repeatedly: a cancel request that arrives between two statements
        is lost) until the thread has ended."""
        self._stopping.set()
        while self._thread.is_alive():
            conn = self._conn
            if conn is not None:
                conn.cancel()
            self._thread.join(_CANCEL_EVERY_S)
