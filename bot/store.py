"""The request store and audit log: the one module that talks to SQLite (through sqlite-utils).

Four tables (`bot.store_rows.SCHEMA_V1`, applied by sqlite-utils `Migrations`):

- ``requests``: one row per request; its state changes only by compare-and-set.
- ``approvals``: one row per (request, distinct approver).
- ``events``: the hash-chained audit log of SPEC §4, inserted and never updated (triggers refuse
  UPDATE and DELETE). `bot.audit_chain` documents the exact hashed bytes.
- ``chain_head``: one row, the last seq and hash, written in the same transaction as each event,
  so deleting the newest events is detected too.

Concurrency: every write is one ``BEGIN IMMEDIATE`` transaction. It takes SQLite's write lock
*before* anything is read, so "load the request, check its state, read the last hash, append" is
serialised across threads and across processes sharing the file; a waiting writer retries for up
to `BUSY_TIMEOUT_S`. Within a process the threads share one connection behind a lock (a private
``:memory:`` database could not be shared otherwise, and SQLite allows one writer anyway).
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Any, Final, Protocol

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

from adapters.clock import SYSTEM_CLOCK, Clock
from bot.audit_chain import EVENT_FIELDS, ChainHead, VerifyResult, chain_hash, verify_chain
from bot.model import AuditEvent, AuditEventName, RequestRecord, RequestState
from bot.store_rows import (
    SCHEMA_V1,
    AuditDetailError,
    StoreError,
    UnknownRequestError,
    event_from_row,
    event_row,
    format_time,
    json_text,
    json_value,
    new_request_id,
    normalize_request_id,
    parse_time,
    record_from_row,
    request_row,
)
from commands.model import OperationRequest

__all__ = [
    "BUSY_TIMEOUT_S",
    "SYSTEM_ACTOR",
    "ApprovalResult",
    "ApprovalStatus",
    "AuditDetailError",
    "Store",
    "StoreError",
    "UnknownRequestError",
    "VerifyResult",
    "new_request_id",
    "normalize_request_id",
]

#: How long a writer waits for another thread or process to finish its transaction.
BUSY_TIMEOUT_S: Final = 15.0
#: The actor of events no person caused (expiry, recovery after a crash).
SYSTEM_ACTOR: Final = "system"
UNKNOWN_REASON: Final = (
    "opsgate stopped while the vendor call was in flight, so its outcome is unknown. "
    "It is never retried automatically: check the vendor before requesting it again."
)

_ID_ATTEMPTS: Final = 16
_PAGE: Final = 500


class ApprovalStatus(StrEnum):
    """What one approval click did."""

    NOT_FOUND = "not_found"
    NOT_PENDING = "not_pending"
    EXPIRED = "expired"
    DUPLICATE = "duplicate"
    RECORDED = "recorded"
    EXECUTE = "execute"


@dataclass(frozen=True)
class ApprovalResult:
    """The outcome of `Store.approve`.

    Attributes:
        status: What happened. Only `ApprovalStatus.EXECUTE` lets the caller make the vendor
            call, and exactly one approval of a request ever gets it.
        record: The request after the approval, or None when it does not exist.
    """

    status: ApprovalStatus
    record: RequestRecord | None


class Store:
    """Requests, approvals and the audit log, in one SQLite database.

    Build one with `Store.open` (a file) or `Store.memory` (tests). It is safe to share between
    threads, and several processes may open the same file.
    """

    def __init__(
        self, db: Database, *, clock: Clock, new_id: Callable[[], str] = new_request_id
    ) -> None:
        """Wrap an open database and bring its schema up to date; prefer `open` or `memory`."""
        self._db = db
        self._clock = clock
        self._new_id = new_id
        self._lock = threading.RLock()
        with self._write():  # serialises concurrent first opens of one file
            _MIGRATIONS.apply(db)

    @classmethod
    def open(
        cls,
        path: str | Path,
        *,
        clock: Clock = SYSTEM_CLOCK,
        new_id: Callable[[], str] = new_request_id,
    ) -> Store:
        """Open (creating it if needed) a database file in WAL mode and migrate it."""
        db = Database(_connect(str(path)))
        db.enable_wal()
        return cls(db, clock=clock, new_id=new_id)

    @classmethod
    def memory(
        cls, *, clock: Clock = SYSTEM_CLOCK, new_id: Callable[[], str] = new_request_id
    ) -> Store:
        """A private in-memory database, for tests and throwaway sessions."""
        return cls(Database(_connect(":memory:")), clock=clock, new_id=new_id)

    def close(self) -> None:
        """Close the connection; the store cannot be used afterwards."""
        with self._lock:
            self._db.close()

    def healthy(self) -> bool:
        """True when the database answers a query and the chain head is in place (``/healthz``).

        This is a read-only operation.
        """
        try:
            with self._read() as db:
                return bool(list(db.query("SELECT seq FROM chain_head WHERE id = 1")))
        except sqlite3.Error:
            return False

    # -- requests ---------------------------------------------------------------------------

    def create_request(
        self,
        request: OperationRequest,
        *,
        requester: str,
        channel: str,
        approvals_needed: int,
        ttl: timedelta,
        sandbox: bool,
        preview: dict[str, Any] | None = None,
    ) -> RequestRecord:
        """Store a new pending request, expiring `ttl` from now, and append ``requested``."""
        with self._write() as db:
            record = self._insert(
                db,
                request,
                requester=requester,
                channel=channel,
                state=RequestState.PENDING,
                approvals_needed=approvals_needed,
                ttl=ttl,
                preview=preview,
                sandbox=sandbox,
            )
            detail = {
                "reason": request.reason,
                "channel": channel,
                "params": record.params,
                "preview": record.preview,
                "sandbox": sandbox,
                "approvals_needed": approvals_needed,
                "expires_at": format_time(record.expires_at),
            }
            self._append(db, record, AuditEventName.REQUESTED, actor=requester, detail=detail)
        return record

    def record_denied(
        self, request: OperationRequest, *, requester: str, channel: str, reason: str
    ) -> RequestRecord:
        """Store a request the policy refused before any card, and append ``denied``.

        Args:
            request: What was asked for.
            requester: Who asked.
            channel: Where they asked.
            reason: The policy's reason for refusing (the requester's own is on the record).
        """
        with self._write() as db:
            record = self._insert(
                db,
                request,
                requester=requester,
                channel=channel,
                state=RequestState.DENIED,
                approvals_needed=0,
                ttl=timedelta(0),
            )
            detail = {"reason": reason, "channel": channel, "params": record.params}
            self._append(db, record, AuditEventName.DENIED, actor=requester, detail=detail)
        return record

    def get(self, request_id: str) -> RequestRecord | None:
        """One request, or None. The id is read leniently (`normalize_request_id`).

        This is a read-only operation.
        """
        with self._read() as db:
            return _load(db, normalize_request_id(request_id))

    def set_message(self, request_id: str, *, channel: str, ts: str) -> None:
        """Remember where the approval card is: `channel` and `ts` (not an audit event).

        Raises:
            UnknownRequestError: No request has this id.
        """
        with self._write() as db:
            cursor = db.execute(
                "UPDATE requests SET channel = ?, message_ts = ? WHERE id = ?",
                [channel, ts, request_id],
            )
            if cursor.rowcount != 1:
                raise UnknownRequestError(request_id)

    def approve(self, request_id: str, *, approver: str) -> ApprovalResult:
        """Record one approval; the one that completes the count moves the request to executing.

        One write transaction, so of any number of concurrent calls, in any number of
        processes, exactly one gets `ApprovalStatus.EXECUTE`. A request past its TTL is expired
        here (status `ApprovalStatus.EXPIRED`) instead of approved.
        """
        with self._write() as db:
            record = _load(db, request_id)
            if record is None:
                return ApprovalResult(ApprovalStatus.NOT_FOUND, None)
            if record.state is not RequestState.PENDING:
                return ApprovalResult(ApprovalStatus.NOT_PENDING, record)
            if record.expires_at <= self._now():
                return ApprovalResult(ApprovalStatus.EXPIRED, self._expire(db, record))
            if approver in record.approvers:
                return ApprovalResult(ApprovalStatus.DUPLICATE, record)
            return self._add_approval(db, record, approver)

    def transition(
        self,
        request_id: str,
        *,
        to: RequestState,
        event: AuditEventName,
        actor: str,
        detail: dict[str, Any] | None = None,
        from_states: frozenset[RequestState] = frozenset({RequestState.PENDING}),
        outcome: dict[str, Any] | None = None,
    ) -> RequestRecord | None:
        """Compare-and-set the state (and `outcome`, if given) and append `event`, atomically.

        Returns:
            The updated record; or None, changing nothing and writing no event, when the
            request does not exist or its state is not in `from_states`.

        Raises:
            AuditDetailError: `detail` or `outcome` is not JSON-serialisable.
        """
        checked = json_value(detail or {}, "detail")
        outcome_text = None if outcome is None else json_text(outcome, "outcome")
        with self._write() as db:
            record = _load(db, request_id)
            if record is None or record.state not in from_states:
                return None
            return self._move(
                db, record, to, event, actor=actor, detail=checked, outcome=outcome_text
            )

    def log(
        self,
        request_id: str,
        event: AuditEventName,
        *,
        actor: str,
        detail: dict[str, Any] | None = None,
    ) -> AuditEvent:
        """Append an event that changes no state (for example a refused click).

        Raises:
            UnknownRequestError: No request has this id.
            AuditDetailError: `detail` is not JSON-serialisable.
        """
        checked = json_value(detail or {}, "detail")
        with self._write() as db:
            subject = _subject(db, request_id)
            if subject is None:
                raise UnknownRequestError(request_id)
            return self._append(db, subject, event, actor=actor, detail=checked)

    def expire_due(self) -> list[RequestRecord]:
        """Expire every pending request whose TTL has passed; returns them as now stored."""
        with self._write() as db:
            ids = _ids_where(
                db,
                "state = ? AND expires_at <= ?",
                [RequestState.PENDING.value, format_time(self._now())],
            )
            return [self._expire(db, _require(db, request_id)) for request_id in ids]

    def recover_executing(self) -> list[RequestRecord]:
        """Mark every executing request unknown (the process stopped mid-call); never retried.

        Call it once at start-up, before any worker runs: a request that another live process
        is executing at that moment would be marked unknown too.
        """
        with self._write() as db:
            ids = _ids_where(db, "state = ?", [RequestState.EXECUTING.value])
            detail = {"reason": UNKNOWN_REASON}
            return [
                self._move(
                    db,
                    _require(db, request_id),
                    RequestState.UNKNOWN,
                    AuditEventName.UNKNOWN,
                    actor=SYSTEM_ACTOR,
                    detail=detail,
                )
                for request_id in ids
            ]

    def history(
        self, *, requester: str | None = None, vendor: str | None = None, limit: int = 20
    ) -> list[RequestRecord]:
        """Recent requests, newest first; optionally one requester's, one vendor's, or both.

        This is a read-only operation.

        Raises:
            ValueError: `limit` is below 1.
        """
        if limit < 1:
            raise ValueError(f"limit must be at least 1, not {limit}")
        filters = {"requester": requester, "vendor": vendor}
        clauses = [f"{column} = ?" for column, value in filters.items() if value is not None]
        where = " WHERE " + " AND ".join(clauses) if clauses else ""
        args = [value for value in filters.values() if value is not None]
        sql = f"SELECT * FROM requests{where} ORDER BY created_at DESC, rowid DESC LIMIT ?"  # noqa: S608 - fixed column names only
        with self._read() as db:
            rows = list(db.query(sql, [*args, limit]))
            approvers = _approvers_of(db, [row["id"] for row in rows])
            return [record_from_row(row, approvers.get(row["id"], [])) for row in rows]

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
        with self._read() as db:
            heads = list(db.query("SELECT seq, hash FROM chain_head WHERE id = 1"))
            head = ChainHead(seq=heads[0]["seq"], hash=heads[0]["hash"]) if heads else None
            return verify_chain(db.query("SELECT * FROM events ORDER BY seq"), head=head)

    # -- internals --------------------------------------------------------------------------

    @contextmanager
    def _write(self) -> Iterator[Database]:
        """One write transaction, holding SQLite's write lock from its first statement."""
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
                self._db.execute("COMMIT")
            except BaseException:
                self._db.rollback()
                raise

    @contextmanager
    def _read(self) -> Iterator[Database]:
        """One read transaction, so several statements see a single snapshot."""
        with self._lock:
            self._db.execute("BEGIN")
            try:
                yield self._db
            finally:
                self._db.rollback()

    def _events(self, *, request_id: str | None, at_least: str) -> Iterator[AuditEvent]:
        sql = "SELECT * FROM events WHERE seq > :after AND at >= :at"
        if request_id is not None:
            sql += " AND request_id = :request_id"
        sql += f" ORDER BY seq LIMIT {_PAGE}"
        after = 0
        while True:
            params = {"after": after, "at": at_least, "request_id": request_id}
            with self._read() as db:
                rows = list(db.query(sql, params))
            yield from (event_from_row(row) for row in rows)
            if len(rows) < _PAGE:
                return
            after = rows[-1]["seq"]

    def _now(self) -> datetime:
        # Rounded through the stored form, so "now" compares exactly with stored timestamps.
        return parse_time(format_time(datetime.fromtimestamp(self._clock.now(), UTC)))

    def _unused_id(self, db: Database) -> str:
        for _ in range(_ID_ATTEMPTS):
            candidate = self._new_id()
            if not list(db.query("SELECT 1 FROM requests WHERE id = ?", [candidate])):
                return candidate
        raise StoreError(f"no unused request id after {_ID_ATTEMPTS} attempts")

    def _insert(
        self,
        db: Database,
        request: OperationRequest,
        *,
        requester: str,
        channel: str,
        state: RequestState,
        approvals_needed: int,
        ttl: timedelta,
        preview: dict[str, Any] | None = None,
        sandbox: bool = False,
    ) -> RequestRecord:
        """Insert a new request under a fresh id; the caller holds the write lock."""
        now = self._now()
        row = request_row(
            request,
            request_id=self._unused_id(db),
            requester=requester,
            channel=channel,
            state=state,
            approvals_needed=approvals_needed,
            created=now,
            expires=now + ttl,
            preview=preview,
            sandbox=sandbox,
        )
        db.table("requests").insert(row)
        return _require(db, row["id"])

    def _add_approval(self, db: Database, record: RequestRecord, approver: str) -> ApprovalResult:
        now = format_time(self._now())
        db.table("approvals").insert({"request_id": record.id, "approver": approver, "at": now})
        approvers = [*record.approvers, approver]
        needed = max(record.approvals_needed, 1)  # 0 means the requester's own confirm suffices
        detail = {"approvals": len(approvers), "needed": needed}
        self._append(db, record, AuditEventName.APPROVED, actor=approver, detail=detail)
        if len(approvers) < needed:
            return ApprovalResult(ApprovalStatus.RECORDED, _require(db, record.id))
        executing = self._move(
            db,
            record,
            RequestState.EXECUTING,
            AuditEventName.EXECUTING,
            actor=approver,
            detail={"approvers": approvers},
        )
        return ApprovalResult(ApprovalStatus.EXECUTE, executing)

    def _expire(self, db: Database, record: RequestRecord) -> RequestRecord:
        detail = {"expires_at": format_time(record.expires_at)}
        return self._move(
            db,
            record,
            RequestState.EXPIRED,
            AuditEventName.EXPIRED,
            actor=SYSTEM_ACTOR,
            detail=detail,
        )

    def _move(
        self,
        db: Database,
        record: RequestRecord,
        to: RequestState,
        event: AuditEventName,
        *,
        actor: str,
        detail: Mapping[str, Any],
        outcome: str | None = None,
    ) -> RequestRecord:
        """Set the state (and outcome) and append the event; the caller holds the write lock."""
        sets = "state = ?" if outcome is None else "state = ?, outcome = ?"
        state = RequestState(to).value  # RequestState(...) also accepts a plain str
        values = [state] if outcome is None else [state, outcome]
        db.execute(f"UPDATE requests SET {sets} WHERE id = ?", [*values, record.id])  # noqa: S608 - fixed columns
        self._append(db, record, event, actor=actor, detail=detail)
        return _require(db, record.id)

    def _append(
        self,
        db: Database,
        record: _Subject,
        event: AuditEventName,
        *,
        actor: str,
        detail: Mapping[str, Any],
    ) -> AuditEvent:
        """Append one event to the chain and move the head; the caller holds the write lock."""
        head = _head(db)
        body: dict[str, Any] = {
            "seq": head.seq + 1,
            "at": format_time(self._now()),
            "request_id": record.id,
            "event": AuditEventName(event).value,
            "actor": actor,
            "operation": record.operation,
            "targets": list(record.targets),
            "detail": json_value(detail, "detail"),
            "prev_hash": head.hash,
        }
        digest = chain_hash(head.hash, body)
        # One prepared INSERT: Table.insert would introspect the table on every event.
        db.execute(_INSERT_EVENT, event_row(body, digest))
        db.execute("UPDATE chain_head SET seq = ?, hash = ? WHERE id = 1", [body["seq"], digest])
        # Built from validated parts just above; re-validating would double the cost of a write.
        return AuditEvent.model_construct(
            **{**body, "event": AuditEventName(body["event"]), "targets": tuple(body["targets"])},
            hash=digest,
        )


# -- queries ---------------------------------------------------------------------------------

_INSERT_EVENT: Final = (
    f"INSERT INTO events ({', '.join(EVENT_FIELDS)}) "  # noqa: S608 - constant columns
    f"VALUES ({', '.join(':' + c for c in EVENT_FIELDS)})"
)


def _connect(target: str) -> sqlite3.Connection:
    # isolation_level=None: we issue BEGIN IMMEDIATE ourselves, so the driver must not open
    # deferred transactions behind our back. check_same_thread=False: our lock serialises use.
    # timeout= is SQLite's busy timeout: how long to wait for another writer.
    conn = sqlite3.connect(
        target, timeout=BUSY_TIMEOUT_S, isolation_level=None, check_same_thread=False
    )
    conn.execute("PRAGMA foreign_keys = ON")
    return conn


def _load(db: Database, request_id: str) -> RequestRecord | None:
    rows = list(db.query("SELECT * FROM requests WHERE id = ?", [request_id]))
    if not rows:
        return None
    return record_from_row(rows[0], _approvers_of(db, [request_id]).get(request_id, []))


class _Subject(Protocol):
    """What an event needs of its request (a `RequestRecord` is one)."""

    @property
    def id(self) -> str: ...
    @property
    def operation(self) -> str: ...
    @property
    def targets(self) -> tuple[str, ...]: ...


@dataclass(frozen=True)
class _RequestKey:
    id: str
    operation: str
    targets: tuple[str, ...]


def _subject(db: Database, request_id: str) -> _RequestKey | None:
    """Just what an event needs of a request: cheaper than loading the whole record."""
    rows = list(db.query("SELECT id, operation, targets FROM requests WHERE id = ?", [request_id]))
    if not rows:
        return None
    row = rows[0]
    return _RequestKey(
        id=row["id"], operation=row["operation"], targets=tuple(json.loads(row["targets"]))
    )


def _require(db: Database, request_id: str) -> RequestRecord:
    record = _load(db, request_id)
    if record is None:  # pragma: no cover - callers hold the write lock on a row they just saw
        raise UnknownRequestError(request_id)
    return record


def _head(db: Database) -> ChainHead:
    rows = list(db.query("SELECT seq, hash FROM chain_head WHERE id = 1"))
    if not rows:
        # Appending without a head would silently restart the chain; refuse instead.
        raise StoreError("the audit chain head is missing: run `opsgate audit verify`")
    return ChainHead(seq=rows[0]["seq"], hash=rows[0]["hash"])


def _ids_where(db: Database, where: str, args: Sequence[str]) -> list[str]:
    rows = db.query(f"SELECT id FROM requests WHERE {where} ORDER BY rowid", list(args))  # noqa: S608 - callers pass fixed clauses
    return [row["id"] for row in rows]


def _approvers_of(db: Database, request_ids: Sequence[str]) -> dict[str, list[str]]:
    """Each request's approvers, in the order they approved."""
    if not request_ids:
        return {}
    marks = ",".join("?" * len(request_ids))
    sql = f"SELECT request_id, approver FROM approvals WHERE request_id IN ({marks}) ORDER BY rowid"  # noqa: S608 - placeholders only
    found: dict[str, list[str]] = {}
    for row in db.query(sql, list(request_ids)):
        found.setdefault(row["request_id"], []).append(row["approver"])
    return found


# -- schema ----------------------------------------------------------------------------------

_MIGRATIONS = Migrations("opsgate")


@_MIGRATIONS(name="0001_requests_approvals_events")
def _schema_v1(db: Database) -> None:
    """The first schema: requests, approvals, the event chain and its head."""
    for statement in SCHEMA_V1:
        db.execute(statement)
