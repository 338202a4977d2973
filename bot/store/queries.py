"""Reads the store's writes and public methods share. Each takes an open `bot.store.engine.Db`; the
caller holds the transaction."""

from __future__ import annotations

import functools
import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import Any, Final, Protocol

from bot.model import RequestRecord, rules
from bot.store.chain import EVENT_FIELDS, ChainHead
from bot.store.engine import Db
from bot.store.readback import any_text_if_needed, read_back
from bot.store.rows import (
    StoreError,
    UnknownRequestError,
    UnreadableRequestError,
    record_from_row,
)

log = logging.getLogger(__name__)

#: One prepared INSERT for an event: Table.insert would introspect the table on every event.
INSERT_EVENT: Final = (
    f"INSERT INTO events ({', '.join(EVENT_FIELDS)}) "  # noqa: S608 - constant columns
    f"VALUES ({', '.join(':' + c for c in EVENT_FIELDS)})"
)


def insert_into(table: str, columns: tuple[str, ...]) -> str:
    """An INSERT of `columns` (``:name`` placeholders) into `table`; fixed names only."""
    return _insert_into(table, columns)


@functools.lru_cache(maxsize=64)
def _insert_into(table: str, columns: tuple[str, ...]) -> str:
    names, marks = ", ".join(columns), ", ".join(":" + c for c in columns)
    return f"INSERT INTO {table} ({names}) VALUES ({marks})"  # noqa: S608 - our own names


class Subject(Protocol):
    """What a later event needs of its request (a `RequestRecord` is one)."""

    @property
    def id(self) -> str: ...
    @property
    def operation(self) -> str: ...


@dataclass(frozen=True)
class RequestKey:
    """A request's id and operation, and the seq of its first event, without the rest."""

    id: str
    operation: str
    first_seq: int | None = None


def load(db: Db, request_id: str) -> RequestRecord | None:
    """One request's whole record, or None."""
    found = records(db, "SELECT * FROM requests WHERE id = ?", [request_id])
    return found[0] if found else None


def readable_records(db: Db, sql: str, args: Sequence[object]) -> list[RequestRecord]:
    """`records`, leaving out any row opsgate cannot read back (`UnreadableRequestError`),
    each logged as an error.

    For the sweeps and the lists: one damaged row must not stop every other request from
    expiring or being listed. `verify` names the row; a lookup by id (`load`) raises.
    """
    found = []
    for row, approved in any_text_if_needed(db, lambda: _rows(db, sql, args)):
        try:
            found.append(_record(row, approved))
        except UnreadableRequestError as exc:
            log.error(
                "%s: it was changed outside opsgate and is left out; opsgate audit verify "
                "names what was changed",
                exc,
            )
    return found


def _rows(db: Db, sql: str, args: Sequence[object]) -> list[tuple[dict[str, Any], Approvals]]:
    """The rows a ``SELECT * FROM requests`` query finds, each with its approvals."""
    rows = list(db.query(sql, list(args)))
    approvals = approvals_of(db, [row["id"] for row in rows])
    return [(row, approvals.get(row["id"], [])) for row in rows]


def _record(row: dict[str, Any], approved: Approvals) -> RequestRecord:
    """One row as a record; `UnreadableRequestError` for one opsgate could not have written."""
    approvers = [approver for approver, _ in approved]
    lapsed = [approver for approver, lapsed in approved if lapsed]
    return read_back(
        {**row, "approvers": approvers},
        lambda: record_from_row(row, approvers, lapsed),
        partial(UnreadableRequestError, str(row["id"])),
    )


def records(db: Db, sql: str, args: Sequence[object]) -> list[RequestRecord]:
    """The requests a ``SELECT * FROM requests`` query finds, in its order, with their
    approvers (one more query for all of them).

    Raises:
        UnreadableRequestError: A row opsgate cannot read back (changed outside opsgate).
    """
    return [
        _record(row, approved)
        for row, approved in any_text_if_needed(db, lambda: _rows(db, sql, args))
    ]


def require(db: Db, request_id: str) -> RequestRecord:
    """One request's record, for a row the caller saw under the same write lock."""
    record = load(db, request_id)
    if record is None:  # pragma: no cover - callers hold the write lock on a row they just saw
        raise UnknownRequestError(request_id)
    return record


def subject(db: Db, request_id: str) -> RequestKey | None:
    """Just what a later event needs of a request, in one query: far cheaper than loading its
    targets (and one round trip fewer than asking for its first event apart)."""
    rows = list(
        db.query(
            "SELECT id, operation, (SELECT MIN(seq) FROM events WHERE request_id = requests.id) "
            "AS first_seq FROM requests WHERE id = ?",
            [request_id],
        )
    )
    if not rows:
        return None
    row = rows[0]
    return RequestKey(id=row["id"], operation=row["operation"], first_seq=row["first_seq"])


def first_seq(db: Db, request_id: str) -> int | None:
    """The seq of a request's first event (the one holding the whole request), if any."""
    rows = list(db.query("SELECT MIN(seq) AS seq FROM events WHERE request_id = ?", [request_id]))
    return None if not rows or rows[0]["seq"] is None else int(rows[0]["seq"])


def request_events(db: Db, request_id: str, names: Sequence[str]) -> list[dict[str, Any]]:
    """A request's stored events of the `names` kinds, in seq order, in one query; each row
    also carries ``first_seq``, the seq of the request's first event of any kind."""
    sql = (
        "SELECT *, (SELECT MIN(seq) FROM events WHERE request_id = ?) AS first_seq "  # noqa: S608 - placeholders only
        f"FROM events WHERE request_id = ? AND event IN ({','.join('?' * len(names))}) "
        "ORDER BY seq"
    )
    return list(db.query(sql, [request_id, request_id, *names]))


def head(db: Db) -> ChainHead:
    """The chain's head (last seq and hash).

    Raises:
        StoreError: The head row is missing; appending would silently restart the chain.
    """
    found = head_or_none(db)
    if found is None:
        raise StoreError("the audit chain head is missing: run `opsgate audit verify`")
    return found


def head_or_none(db: Db) -> ChainHead | None:
    """The chain's head, or None when its row is missing (for `verify` to report).

    Raises:
        DamagedHead: The row holds what opsgate never writes there (SQLite keeps any value in
            any column): a seq that is no whole number, a hash that is no text.
    """
    rows = list(db.query("SELECT seq, hash FROM chain_head WHERE id = 1"))
    if not rows:
        return None
    seq, digest = rows[0]["seq"], rows[0]["hash"]
    if type(seq) is not int:
        raise DamagedHead(f"its seq is {_stored(seq)}, not a whole number")
    if not isinstance(digest, str):
        raise DamagedHead(f"its hash is {_stored(digest)}, not text")
    return ChainHead(seq=seq, hash=digest)


class DamagedHead(StoreError):
    """The chain head's row holds a value opsgate never writes: it was changed outside opsgate.
    The message is one line (`verify` calls the log broken with it)."""

    def __init__(self, problem: str) -> None:
        super().__init__(f"the chain head record was changed outside opsgate: {problem}")


def _stored(value: object) -> str:
    shown = repr(value)
    return shown if len(shown) <= 40 else shown[:39] + "…"


#: The states in which a request holds its targets (`bot.model.rules.HOLDING_STATES`).
HOLDING: Final = frozenset(state.value for state in rules.HOLDING_STATES)
#: Targets looked up per statement: well under every engine's limit on parameters.
_CHUNK: Final = 500


def hold(db: Db, request_id: str, operation: str, targets: Sequence[str]) -> None:
    """Record that `request_id` holds `targets` of `operation` (it is open)."""
    rows = [
        {"operation": operation, "target": target, "request_id": request_id}
        for target in dict.fromkeys(targets)
    ]
    db.executemany(
        "INSERT INTO held_targets (operation, target, request_id) "
        "VALUES (:operation, :target, :request_id)",
        rows,
    )


def hold_open_requests(db: Db) -> None:
    """Fill ``held_targets`` for every open request (a migration's or a copy's backfill)."""
    for row in list(db.query("SELECT id, operation, targets, state FROM requests")):
        if row["state"] in HOLDING:
            hold(db, row["id"], row["operation"], json.loads(row["targets"]))


def release(db: Db, request_id: str) -> None:
    """The request is no longer open: it holds nothing."""
    db.execute("DELETE FROM held_targets WHERE request_id = ?", [request_id])


def holder(
    db: Db, operation: str, targets: Sequence[str]
) -> tuple[RequestRecord, tuple[str, ...]] | None:
    """The oldest pending or executing request of `operation` that holds any of `targets`,
    with the targets both name; None when they are all free (`bot.model.rules`' overlap).

    An indexed look-up per chunk of targets: its cost grows with this request's targets, not
    with how many requests are open."""
    wanted = list(dict.fromkeys(targets))
    held: dict[str, set[str]] = {}
    for start in range(0, len(wanted), _CHUNK):
        chunk = wanted[start : start + _CHUNK]
        marks = ",".join("?" * len(chunk))
        sql = (
            "SELECT request_id, target FROM held_targets "  # noqa: S608 - placeholders only
            f"WHERE operation = ? AND target IN ({marks})"
        )
        for row in db.query(sql, [operation, *chunk]):
            held.setdefault(row["request_id"], set()).add(row["target"])
    if not held:
        return None
    records = sorted((require(db, request_id) for request_id in held), key=_age)
    oldest = records[0]
    return oldest, rules.shared_targets(wanted, held[oldest.id])


def _age(record: RequestRecord) -> tuple[datetime, str]:
    return record.created_at, record.id


def ids_where(db: Db, where: str, args: Sequence[str]) -> list[str]:
    """Request ids matching a fixed `where` clause, oldest first."""
    rows = db.query(f"SELECT id FROM requests WHERE {where} ORDER BY rowid", list(args))  # noqa: S608 - callers pass fixed clauses
    return [row["id"] for row in rows]


def records_where(db: Db, where: str, args: Sequence[str]) -> list[RequestRecord]:
    """The readable requests matching a fixed `where` clause, oldest first, loaded in two
    queries (`readable_records`: the sweeps go on past a damaged row)."""
    sql = f"SELECT * FROM requests WHERE {where} ORDER BY rowid"  # noqa: S608 - fixed clauses
    return readable_records(db, sql, args)


#: One request's approvals, in the order they were made: each approver, and whether their
#: approval lapsed (no longer counts).
Approvals = list[tuple[str, bool]]


def approvals_of(db: Db, request_ids: Sequence[str]) -> dict[str, Approvals]:
    """Each request's approvals, in the order they were made. Every column is read, so a log
    from before approvals could lapse (read as it is, by ``opsgate audit``) reads too."""
    if not request_ids:
        return {}
    marks = ",".join("?" * len(request_ids))
    sql = f"SELECT * FROM approvals WHERE request_id IN ({marks}) ORDER BY rowid"  # noqa: S608 - placeholders only
    found: dict[str, Approvals] = {}
    for row in db.query(sql, list(request_ids)):
        lapsed = row.get("lapsed_at") is not None
        found.setdefault(row["request_id"], []).append((row["approver"], lapsed))
    return found
