"""Reading the audit log back: paging, `verify` (chain, anchors, tables) and the integrity check
made before each vendor call and at each click on a pending request; and `AuditLogReads`, the
store's methods over them.

Each function takes an open `bot.store.engine.Db`; the caller holds a read transaction, so
everything it reads is one snapshot.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from bot.model import AuditEvent, RequestRecord, RequestState
from bot.store import keying, queries
from bot.store.base import StoreBase
from bot.store.beside import NOT_ASKED, OnServer, Orphaned, in_worker
from bot.store.bound_columns import stop_problem
from bot.store.chain import (
    GENESIS_HASH,
    ChainHead,
    ChainKey,
    VerifyResult,
)
from bot.store.crosscheck import orphan_approvals, orphans, summary_of, suspects
from bot.store.engine import Db
from bot.store.integrity import EventSummary, approvals_problem, request_problem, state_problem
from bot.store.readback import any_text_if_needed, read_back
from bot.store.request_check import check_request, logged
from bot.store.rows import (
    UnreadableEventError,
    UnreadableRequestError,
    event_from_row,
    format_time,
    normalize_request_id,
)
from bot.store.scan import ChainCheck, interruptible, start_chain_check
from bot.store.seal import seal_problem

if TYPE_CHECKING:  # psycopg is loaded only when a PostgreSQL database is opened
    from bot.store.postgres import PgDb

log = logging.getLogger(__name__)

PAGE: Final = 500


def events_page(
    db: Db, *, after: int, at_least: str, request_id: str | None
) -> list[dict[str, Any]]:
    """Up to `PAGE` stored events with seq > `after` and ``at`` >= `at_least`, by seq."""
    sql = "SELECT * FROM events WHERE seq > :after AND at >= :at"
    if request_id is not None:
        sql += " AND request_id = :request_id"
    sql += f" ORDER BY seq LIMIT {PAGE}"
    params = {"after": after, "at": at_least, "request_id": request_id}
    return list(db.query(sql, params))


def _event(row: dict[str, Any]) -> AuditEvent:
    """One stored event; `UnreadableEventError` for one opsgate could not have written."""
    unreadable = partial(UnreadableEventError, int(row["seq"]))
    return read_back(row, lambda: event_from_row(row), unreadable)


def verify_log(
    db: Db, key: ChainKey, anchors: Sequence[ChainHead] = (), *, source: VerifySource
) -> VerifyResult:
    """The chain against its head and the head's seal (`bot.store.seal`), then each anchor,
    then the tables against the events.

    The tables' query runs while the chain is checked (`bot.store.beside`): in a worker process
    beside the hashing ones on a long SQLite log, on the server beside this process's scan on
    PostgreSQL. The verdicts are still given in that order.
    """
    with interruptible(db), db.any_text():
        chain = start_chain_check(db, key, path=source.path)
        asked = NOT_ASKED
        try:
            if chain.parallel and source.path is not None:
                asked = in_worker(db, source.path, chain.last)
            elif source.beside is not None:
                asked = OnServer(source.beside(db))  # the snapshot is exported here
            result = _chain_result(chain, db)
            sealed = seal_problem(db, key) if result.ok else None
            if sealed is not None:
                result = VerifyResult(False, result.checked, problem=sealed)
            if not result.ok:
                return result
            for anchor in anchors:
                problem = _anchor_problem(db, anchor)
                if problem is not None:
                    return VerifyResult(False, result.checked, anchor.seq, problem)
            early = asked.answer()
            orphaned = None if early is None else asked.orphaned()
        finally:
            chain.close()
            asked.close()
        suspicious = suspects(db, source.dialect) if early is None else early
        return _tables_result(db, suspicious, checked=result.checked, orphaned=orphaned)


def _chain_result(chain: ChainCheck, db: Db) -> VerifyResult:
    """The chain's verdict against its recorded head; a head row opsgate could not have
    written is the verdict itself."""
    try:
        head = queries.head_or_none(db)
    except queries.DamagedHead as exc:
        return VerifyResult(False, chain.last, problem=str(exc))
    return chain.finish(db, head)


@dataclass(frozen=True)
class VerifySource:
    """What `verify_log` needs to know of the database besides a transaction on it.

    Attributes:
        dialect: The engine's ``kind``: ``"sqlite"`` or ``"postgresql"``.
        path: The SQLite file, which worker processes may read; None for PostgreSQL or a
            database in memory.
        beside: Opens another read-only transaction on the snapshot of the one it is given
            (PostgreSQL), for the tables' query to run on the server meanwhile.
    """

    dialect: str
    path: Path | None = None
    beside: Callable[[Db], AbstractContextManager[PgDb]] | None = None


def _anchor_problem(db: Db, anchor: ChainHead) -> str | None:
    if anchor.seq == 0:
        return None if anchor.hash == GENESIS_HASH else f"anchor {anchor} is not a chain start"
    rows = list(db.query("SELECT hash FROM events WHERE seq = ?", [anchor.seq]))
    if not rows:
        return (
            f"anchor {anchor.seq} is not in the log: events from {anchor.seq} on were removed "
            "(or the anchor is from another log)"
        )
    if rows[0]["hash"] != anchor.hash:
        return (
            f"event {anchor.seq} does not have the anchored hash: the log was rewritten at or "
            f"before event {anchor.seq}"
        )
    return None


def _tables_result(
    db: Db, suspicious: Sequence[str], *, checked: int, orphaned: Orphaned | None = None
) -> VerifyResult:
    """The first request (in log order) whose stored row disagrees with its events; the rows
    without events or request asked here unless a worker has `orphaned` them."""
    for request_id in suspicious:
        summary = summary_of(db, request_id)
        problem = None if summary is None else _request_disagreement(db, request_id, summary)
        if problem is not None:
            return VerifyResult(False, checked, problem=problem, request_id=request_id)
    for request_id in orphans(db) if orphaned is None else orphaned.requests:
        problem = "it has no events in the audit log (its requested event is gone)"
        return VerifyResult(False, checked, problem=problem, request_id=request_id)
    for request_id, approver in orphan_approvals(db) if orphaned is None else orphaned.approvals:
        problem = (
            f"the approvals table holds an approval by {approver} of it, but no request has this "
            "id (an approval added, or moved off its request, outside opsgate)"
        )
        return VerifyResult(False, checked, problem=problem, request_id=request_id)
    return VerifyResult(ok=True, checked=checked)


def _request_disagreement(db: Db, request_id: str, summary: EventSummary) -> str | None:
    try:
        record = queries.load(db, request_id)
    except UnreadableRequestError as exc:
        return f"its row in the requests table cannot be read: {exc.problem}"
    if record is None:
        return "it has events in the audit log but no row in the requests table"
    rows = list(db.query("SELECT * FROM events WHERE seq = ?", [summary.first_seq]))
    # The row as stored (a release-1 log has no `policy` column): the record has read it typed.
    stored = list(db.query("SELECT * FROM requests WHERE id = ?", [request_id]))
    problem = request_problem(record, event_from_row(rows[0]), stored[0])
    if problem is None:
        need = summary.needs_approvals
        problem = approvals_problem(record, summary.approvers, need_count=need)
    stop = stop_problem(record, summary.stopper, executed=summary.executed)
    return problem or state_problem(record, summary) or stop


class AuditLogReads(StoreBase):
    """The `Store`'s methods over the audit log: read it, verify it, anchor it, and check a
    request against it before its vendor call."""

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
        wanted = None if request_id is None else normalize_request_id(request_id)
        return self._events(request_id=wanted, at_least=at_least)

    def verify(self, *, anchors: Sequence[ChainHead] = ()) -> VerifyResult:
        """Check the whole log, naming the first thing wrong: the hash chain against its head,
        then each anchor (the log must still hold that event with that hash), then every
        request's stored state, targets, parameters and approvers against its events.

        This is a read-only operation; it reads one consistent snapshot.
        """
        label = self._tx.label
        path = Path(label) if self._tx.kind == "sqlite" and label != ":memory:" else None
        beside = getattr(self._tx, "read_beside", None) if self._tx.kind == "postgresql" else None
        source = VerifySource(self._tx.kind, path, beside)
        with self._tx.read() as db:
            recorded = "chain_key" in self._tx.tables
            key = keying.as_recorded(db, self._writer.key, recorded=recorded)
            return verify_log(db, key, anchors, source=source)

    def head(self) -> ChainHead:
        """The chain's head: the last event's seq and hash (``0`` and 64 zeros when empty).

        This is a read-only operation.

        Raises:
            StoreError: The head record is missing (`verify` says more).
        """
        with self._tx.read() as db:
            return queries.head(db)

    def integrity_problem(self, record: RequestRecord) -> str | None:
        """What differs between `record`, about to be executed, and the audit chain.

        Checks its operation, targets, parameters, reason, channel, approvals needed and policy
        against its ``requested`` event (whose hash is recomputed), and its approvers against
        its ``approved`` events (who, how many). This is a read-only operation.

        Returns:
            One sentence naming the first difference, or None when they agree.
        """
        with self._tx.read() as db:
            problem = check_request(db, self._writer.key, record)
        return logged(record, problem)

    def checked(self, request_id: str) -> tuple[RequestRecord | None, str | None]:
        """One request as `get` reads it and, if pending, what differs between it and the audit
        chain (`integrity_problem`'s check; its approvals need not add up yet), in one read
        transaction: what a click then judges is what was checked. This is a read-only operation.

        Returns:
            The request, or None for an unknown id; and the first difference, or None when they
            agree or the request is no longer pending.
        """
        with self._tx.read() as db:
            record = queries.load(db, normalize_request_id(request_id))
            if record is None or record.state is not RequestState.PENDING:
                return record, None
            problem = check_request(db, self._writer.key, record)
        return record, logged(record, problem)

    def _events(self, *, request_id: str | None, at_least: str) -> Iterator[AuditEvent]:
        after = 0
        while True:
            with self._tx.read() as db:
                # Text that is not UTF-8 is read as surrogates, which `_event` refuses by name.
                page = partial(
                    events_page, db, after=after, at_least=at_least, request_id=request_id
                )
                rows = any_text_if_needed(db, page)
            yield from (_event(row) for row in rows)
            if len(rows) < PAGE:
                return
            after = rows[-1]["seq"]
