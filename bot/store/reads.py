"""The read-only half of the `Store`: one request, history, the audit log's events, `verify`.

Each method reads one consistent snapshot (or, for a long export, one page at a time) and never
writes; `bot.store.core.Store` inherits them.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Final

from bot.model import AuditEvent, RequestRecord
from bot.model.rules import Reader
from bot.store import queries
from bot.store.chain import VerifyResult, verify_chain
from bot.store.database import Transactions
from bot.store.rows import (
    OverlapError,
    event_from_row,
    format_time,
    normalize_request_id,
    record_from_row,
)

_PAGE: Final = 500


class StoreReads:
    """Reads over an open database; `Store` is the class to use."""

    _tx: Transactions

    def get(self, request_id: str) -> RequestRecord | None:
        """One request, or None. The id is read leniently (`normalize_request_id`).

        This is a read-only operation.
        """
        with self._tx.read() as db:
            return queries.load(db, normalize_request_id(request_id))

    def history(
        self,
        *,
        requester: str | None = None,
        vendor: str | None = None,
        limit: int = 20,
        reader: Reader | None = None,
    ) -> list[RequestRecord]:
        """Recent requests, newest first; optionally one requester's, one vendor's, or both.

        With `reader`, only the requests `bot.model.rules.may_read` lets them see.
        This is a read-only operation.

        Raises:
            ValueError: `limit` is below 1.
        """
        if limit < 1:
            raise ValueError(f"limit must be at least 1, not {limit}")
        filters = {"requester": requester, "vendor": vendor}
        clauses = [f"{column} = ?" for column, value in filters.items() if value is not None]
        args: list[object] = [value for value in filters.values() if value is not None]
        if reader is not None:
            clause, reader_args = _readable(reader)
            clauses.append(clause)
            args.extend(reader_args)
        where = " WHERE " + " AND ".join(clauses) if clauses else ""
        sql = f"SELECT * FROM requests{where} ORDER BY created_at DESC, rowid DESC LIMIT ?"  # noqa: S608 - fixed column names only
        with self._tx.read() as db:
            rows = list(db.query(sql, [*args, limit]))
            approvers = queries.approvers_of(db, [row["id"] for row in rows])
            return [record_from_row(row, approvers.get(row["id"], [])) for row in rows]

    def check_overlap(self, operation: str, targets: Sequence[str]) -> None:
        """Raise `OverlapError` when a pending or executing request of `operation` holds any of
        `targets` (the overlap rule, `bot.model.rules.shared_targets`).

        This is a read-only operation: a quick look before slow work. `Store.create_request`
        with ``exclusive=True`` is what enforces the rule, race-free.
        """
        with self._tx.read() as db:
            found = queries.holder(db, operation, targets)
        if found is not None:
            raise OverlapError(*found)

    # -- audit log --------------------------------------------------------------------------

    def events(
        self, *, request_id: str | None = None, since: datetime | None = None
    ) -> Iterator[AuditEvent]:
        """Audit events in seq order; optionally one request's, optionally from `since` on.

        Read in pages, so a long export does not hold up writers. This is a read-only operation.

        Raises:
            ValueError: `since` is a naive datetime (its time zone would be a guess).
        """
        if since is not None and since.tzinfo is None:
            raise ValueError("since must be a timezone-aware datetime")
        at_least = "" if since is None else format_time(since)
        return self._events(request_id=request_id, at_least=at_least)

    def verify(self) -> VerifyResult:
        """Check the whole hash chain against its head, naming the first bad event if any.

        This is a read-only operation; it reads one consistent snapshot.
        """
        with self._tx.read() as db:
            head = queries.head_or_none(db)
            return verify_chain(db.query("SELECT * FROM events ORDER BY seq"), head=head)

    # -- internals --------------------------------------------------------------------------

    def _events(self, *, request_id: str | None, at_least: str) -> Iterator[AuditEvent]:
        sql = "SELECT * FROM events WHERE seq > :after AND at >= :at"
        if request_id is not None:
            sql += " AND request_id = :request_id"
        sql += f" ORDER BY seq LIMIT {_PAGE}"
        after = 0
        while True:
            params = {"after": after, "at": at_least, "request_id": request_id}
            with self._tx.read() as db:
                rows = list(db.query(sql, params))
            yield from (event_from_row(row) for row in rows)
            if len(rows) < _PAGE:
                return
            after = rows[-1]["seq"]


def _readable(reader: Reader) -> tuple[str, list[object]]:
    """`bot.model.rules.may_read` as an SQL condition and its arguments."""
    ops = sorted(reader.approves)
    marks = ",".join("?" * len(ops))
    clause = "requester = ? OR channel = ?" + (f" OR operation IN ({marks})" if ops else "")
    return f"({clause})", [reader.user, reader.channel, *ops]
