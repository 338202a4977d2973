"""The `Store` itself: requests, approvals and the audit log behind one small API.

Each public method is one transaction (`bot.store.database`); its steps are `bot.store.writes`
and `bot.store.queries`; the read-only methods are `bot.store.reads`, claims `bot.store.claims`.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum
from pathlib import Path
from typing import Any, Final

from adapters.clock import SYSTEM_CLOCK, Clock
from bot.model import AuditEvent, AuditEventName, RequestRecord, RequestState, can_move, rules
from bot.store import queries
from bot.store.claims import StoreClaims
from bot.store.database import Transactions
from bot.store.reads import StoreReads
from bot.store.rows import (
    SYSTEM_ACTOR,
    UnknownRequestError,
    format_time,
    json_text,
    new_request_id,
    requested_detail,
)
from bot.store.writes import Writer
from commands.model import OperationRequest

UNKNOWN_REASON: Final = (
    "opsgate stopped while the vendor call was in flight, so its outcome is unknown. "
    "It is never retried automatically: check the vendor before requesting it again."
)


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


class Store(StoreReads, StoreClaims):
    """Requests, approvals and the audit log, in one SQLite database.

    Build one with `Store.open` (a file) or `Store.memory` (tests). It is safe to share between
    threads, and several processes may open the same file.
    """

    def __init__(
        self, tx: Transactions, *, clock: Clock, new_id: Callable[[], str] = new_request_id
    ) -> None:
        """Wrap an open, migrated database; prefer `open` or `memory`."""
        self._tx = tx
        self._writer = Writer(clock=clock, new_id=new_id)

    @classmethod
    def open(
        cls,
        path: str | Path,
        *,
        clock: Clock = SYSTEM_CLOCK,
        new_id: Callable[[], str] = new_request_id,
    ) -> Store:
        """Open (creating it if needed) a database file in WAL mode and migrate it."""
        return cls(Transactions.open_file(path), clock=clock, new_id=new_id)

    @classmethod
    def memory(
        cls, *, clock: Clock = SYSTEM_CLOCK, new_id: Callable[[], str] = new_request_id
    ) -> Store:
        """A private in-memory database, for tests and throwaway sessions."""
        return cls(Transactions.in_memory(), clock=clock, new_id=new_id)

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
        exclusive: bool = False,
    ) -> RequestRecord:
        """Store a new pending request, expiring `ttl` from now, and append ``requested``.

        Raises:
            OverlapError: `exclusive`, and a pending or executing request of the same operation
                holds one of the targets (checked in the same transaction: race-free).
        """
        with self._tx.write() as db:
            if exclusive:
                self._writer.refuse_overlap(db, request)
            record = self._writer.insert(
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
            detail = requested_detail(record)
            self._writer.append(
                db, record, AuditEventName.REQUESTED, actor=requester, detail=detail
            )
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
        with self._tx.write() as db:
            record = self._writer.insert(
                db,
                request,
                requester=requester,
                channel=channel,
                state=RequestState.DENIED,
                approvals_needed=0,
                ttl=timedelta(0),
            )
            detail = {"reason": reason, "channel": channel, "params": record.params}
            self._writer.append(db, record, AuditEventName.DENIED, actor=requester, detail=detail)
        return record

    def set_message(self, request_id: str, *, channel: str, ts: str) -> None:
        """Remember where the approval card is: `channel` and `ts` (not an audit event).

        Raises:
            UnknownRequestError: No request has this id.
        """
        with self._tx.write() as db:
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
        with self._tx.write() as db:
            record = queries.load(db, request_id)
            if record is None:
                return ApprovalResult(ApprovalStatus.NOT_FOUND, None)
            if record.state is not RequestState.PENDING:
                return ApprovalResult(ApprovalStatus.NOT_PENDING, record)
            if rules.past_deadline(record, self._writer.now()):
                return ApprovalResult(ApprovalStatus.EXPIRED, self._writer.expire(db, record))
            if rules.already_approved(record, approver):
                return ApprovalResult(ApprovalStatus.DUPLICATE, record)
            executes, after = self._writer.add_approval(db, record, approver)
            return ApprovalResult(
                ApprovalStatus.EXECUTE if executes else ApprovalStatus.RECORDED, after
            )

    def transition(
        self,
        request_id: str,
        *,
        to: RequestState,
        event: AuditEventName,
        actor: str,
        detail: dict[str, Any] | None = None,
        outcome: dict[str, Any] | None = None,
    ) -> RequestRecord | None:
        """Move the request to `to` (setting `outcome`, if given) and append `event`, atomically.

        A compare-and-set against `bot.model.TRANSITIONS`: the request moves only if the table
        allows a move from the state it is in now.

        Returns:
            The updated record; or None, changing nothing and writing no event, when the
            request does not exist or the table allows no move from its state to `to`.

        Raises:
            AuditDetailError: `detail` or `outcome` is not JSON-serialisable.
        """
        outcome_text = None if outcome is None else json_text(outcome, "outcome")
        with self._tx.write() as db:
            record = queries.load(db, request_id)
            if record is None or not can_move(record.state, to):
                return None
            return self._writer.move(
                db, record, to, event, actor=actor, detail=detail or {}, outcome=outcome_text
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
        with self._tx.write() as db:
            subject = queries.subject(db, request_id)
            if subject is None:
                raise UnknownRequestError(request_id)
            return self._writer.append(db, subject, event, actor=actor, detail=detail or {})

    def expire_due(self) -> list[RequestRecord]:
        """Expire every pending request whose TTL has passed; returns them as now stored."""
        with self._tx.write() as db:
            # `bot.model.rules.due_to_expire` in SQL: pending, and the deadline has been reached.
            ids = queries.ids_where(
                db,
                "state = ? AND expires_at <= ?",
                [RequestState.PENDING.value, format_time(self._writer.now())],
            )
            return [self._writer.expire(db, queries.require(db, request_id)) for request_id in ids]

    def recover_executing(self) -> list[RequestRecord]:
        """Mark every executing request unknown (the process stopped mid-call); never retried.

        Call it once at start-up, before any worker runs. A request that another live process
        is executing at that moment is marked unknown too; that process still records the real
        outcome when its call returns (see `bot.lifecycle.execution`).
        """
        with self._tx.write() as db:
            ids = queries.ids_where(db, "state = ?", [RequestState.EXECUTING.value])
            detail = {"reason": UNKNOWN_REASON}
            return [
                self._writer.move(
                    db,
                    queries.require(db, request_id),
                    RequestState.UNKNOWN,
                    AuditEventName.UNKNOWN,
                    actor=SYSTEM_ACTOR,
                    detail=detail,
                )
                for request_id in ids
            ]
