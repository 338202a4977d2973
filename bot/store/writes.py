"""The steps a write transaction is made of: insert a request, count an approval, move a state,
append an event to the chain. Every method expects the caller to hold the write transaction."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any, Final

from sqlite_utils import Database

from adapters.clock import Clock
from bot.model import (
    INITIAL_STATES,
    AuditEvent,
    AuditEventName,
    RequestRecord,
    RequestState,
    can_move,
    rules,
)
from bot.store import queries
from bot.store.chain import chain_hash
from bot.store.rows import (
    SYSTEM_ACTOR,
    OverlapError,
    StoreError,
    TransitionError,
    event_row,
    format_time,
    json_value,
    parse_time,
    request_row,
)
from commands.model import OperationRequest

_ID_ATTEMPTS: Final = 16


class Writer:
    """Write steps that need the clock and the id source."""

    def __init__(self, *, clock: Clock, new_id: Callable[[], str]) -> None:
        self._clock = clock
        self._new_id = new_id

    def now(self) -> datetime:
        """The clock's time, rounded through the stored form so it compares exactly with
        stored timestamps."""
        return parse_time(format_time(datetime.fromtimestamp(self._clock.now(), UTC)))

    def insert(
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
        """Insert a new request under a fresh id, in one of `bot.model.INITIAL_STATES`."""
        if state not in INITIAL_STATES:
            raise StoreError(f"a request cannot start {state.value}")
        now = self.now()
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
        return queries.require(db, row["id"])

    def refuse_overlap(self, db: Database, request: OperationRequest) -> None:
        """Raise `OverlapError` when an open request of the same operation holds a target.

        Called inside the transaction that inserts `request`, so of two concurrent requests
        for one target exactly one is stored.
        """
        found = queries.holder(db, request.operation, request.targets)
        if found is not None:
            raise OverlapError(*found)

    def add_approval(
        self, db: Database, record: RequestRecord, approver: str
    ) -> tuple[bool, RequestRecord]:
        """Count one approval; the one that completes the count moves the request to executing.

        Returns:
            Whether this approval started execution, and the record as now stored.
        """
        now = format_time(self.now())
        db.table("approvals").insert({"request_id": record.id, "approver": approver, "at": now})
        approvers = [*record.approvers, approver]
        needed = rules.approvals_to_complete(record.approvals_needed)
        detail = {"approvals": len(approvers), "needed": needed}
        self.append(db, record, AuditEventName.APPROVED, actor=approver, detail=detail)
        if not rules.is_complete(len(approvers), record.approvals_needed):
            return False, queries.require(db, record.id)
        executing = self.move(
            db,
            record,
            RequestState.EXECUTING,
            AuditEventName.EXECUTING,
            actor=approver,
            detail={"approvers": approvers},
        )
        return True, executing

    def expire(self, db: Database, record: RequestRecord) -> RequestRecord:
        """Move a pending request past its TTL to expired."""
        detail = {"expires_at": format_time(record.expires_at)}
        return self.move(
            db,
            record,
            RequestState.EXPIRED,
            AuditEventName.EXPIRED,
            actor=SYSTEM_ACTOR,
            detail=detail,
        )

    def move(
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
        """Move `record` from the state it was loaded in to `to` (and set the outcome), and
        append the event: a compare-and-set on the state, along `bot.model.TRANSITIONS`.

        Raises:
            TransitionError: The table allows no such move, or the row is no longer in the
                state `record` was loaded in (the transaction then rolls back).
        """
        to = RequestState(to)  # RequestState(...) also accepts a plain str
        if not can_move(record.state, to):
            raise TransitionError(record.id, record.state, to)
        sets = "state = ?" if outcome is None else "state = ?, outcome = ?"
        values = [to.value] if outcome is None else [to.value, outcome]
        cursor = db.execute(
            f"UPDATE requests SET {sets} WHERE id = ? AND state = ?",  # noqa: S608 - fixed columns
            [*values, record.id, record.state.value],
        )
        if cursor.rowcount != 1:
            raise TransitionError(record.id, record.state, to)
        self.append(db, record, event, actor=actor, detail=detail)
        return queries.require(db, record.id)

    def append(
        self,
        db: Database,
        record: queries.Subject,
        event: AuditEventName,
        *,
        actor: str,
        detail: Mapping[str, Any],
    ) -> AuditEvent:
        """Append one event to the chain and move the head.

        Raises:
            AuditDetailError: `detail` is not JSON-serialisable (the caller's transaction then
                rolls back, so nothing is written).
        """
        head = queries.head(db)
        body: dict[str, Any] = {
            "seq": head.seq + 1,
            "at": format_time(self.now()),
            "request_id": record.id,
            "event": AuditEventName(event).value,
            "actor": actor,
            "operation": record.operation,
            "targets": list(record.targets),
            "detail": json_value(detail, "detail"),
            "prev_hash": head.hash,
        }
        digest = chain_hash(head.hash, body)
        db.execute(queries.INSERT_EVENT, event_row(body, digest))
        db.execute("UPDATE chain_head SET seq = ?, hash = ? WHERE id = 1", [body["seq"], digest])
        # Built from validated parts just above; re-validating would double the cost of a write.
        return AuditEvent.model_construct(
            **{**body, "event": AuditEventName(body["event"]), "targets": tuple(body["targets"])},
            hash=digest,
        )

    def _unused_id(self, db: Database) -> str:
        for _ in range(_ID_ATTEMPTS):
            candidate = self._new_id()
            if not list(db.query("SELECT 1 FROM requests WHERE id = ?", [candidate])):
                return candidate
        raise StoreError(f"no unused request id after {_ID_ATTEMPTS} attempts")
