"""The steps a write transaction is made of: insert a request, move a state, append an event to
the chain (counting an approval is `bot.store.approvals`). Every method expects the caller to
hold the write transaction.

Every event appended in a transaction is also kept in `Writer.journal`, which the store hands to
its observers once the transaction has committed.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any, Final

from adapters.clock import Clock
from bot.model import (
    AuditEvent,
    AuditEventName,
    PolicySnapshot,
    RequestRecord,
    RequestState,
    can_move,
    rules,
)
from bot.store import keying, queries
from bot.store.body_json import body_json
from bot.store.chain import ChainHead, ChainKey, canonical_json
from bot.store.engine import Db
from bot.store.leases import Leases
from bot.store.notify import Appended
from bot.store.nul import admissible, refuse_nul
from bot.store.rows import (
    SYSTEM_ACTOR,
    OverlapError,
    StoreError,
    TransitionError,
    format_time,
    json_text,
    parse_time,
    record_from_row,
    request_row,
)
from bot.store.seal import head_seal
from commands.model import OperationRequest

_ID_ATTEMPTS: Final = 16
#: ``moved_to``: the head moves with it, or release 1's trigger refuses (`bot.store.writer_guard`).
_MOVE_HEAD: Final = (
    "UPDATE chain_head SET seq = :seq, hash = :hash, seal = :seal, moved_to = :seq WHERE id = 1"
)


class Writer:
    """Write steps that need the clock and the id source."""

    def __init__(self, *, clock: Clock, new_id: Callable[[], str], key: ChainKey) -> None:
        self._clock = clock
        self._new_id = new_id
        self.key = key
        self.journal: list[Appended] = []
        #: The chain's head within the current write transaction, once known (`begin`).
        self.head: ChainHead | None = None
        self._key_checked = False
        #: Each request's first seq, once looked up in the current write transaction.
        self._first_seqs: dict[str, int | None] = {}
        #: Set by the store: grants and ends leases as requests enter and leave executing.
        self.leases: Leases | None = None

    def begin(self, head: ChainHead | None) -> None:
        """A write transaction starts (holding the chain's lock): forget the last one's
        events, and take the head if the lock already read it."""
        self.journal.clear()
        self._first_seqs.clear()
        self.head = head

    def now(self) -> datetime:
        """The clock's time, rounded through the stored form so it compares exactly with
        stored timestamps."""
        return parse_time(self.now_text())

    def now_text(self) -> str:
        """The clock's time in the stored form (what `now` reads back), formatted once."""
        return format_time(datetime.fromtimestamp(self._clock.now(), UTC))

    def insert(
        self,
        db: Db,
        request: OperationRequest,
        *,
        requester: str,
        channel: str,
        state: RequestState,
        approvals_needed: int,
        ttl: timedelta,
        preview: dict[str, Any] | None = None,
        sandbox: bool = False,
        policy: PolicySnapshot | None = None,
        outcome: dict[str, Any] | None = None,
        exclusive: bool = False,
    ) -> RequestRecord:
        """Insert a new request in one of `INITIAL_STATES`; `exclusive` refuses held targets."""
        admissible(request, state, requester=requester, channel=channel)
        if exclusive and (held := queries.holder(db, request.operation, request.targets)):
            raise OverlapError(*held)  # an open request of the operation holds a target
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
            policy=policy,
            outcome=outcome,
        )
        db.execute(queries.insert_into("requests", tuple(row)), row)
        if rules.holds_targets(state):
            queries.hold(db, row["id"], request.operation, request.targets)
        return record_from_row(row, [])  # the row as inserted reads back as it is: no re-read

    def expire(self, db: Db, record: RequestRecord) -> RequestRecord:
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
        db: Db,
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
        if self.leases is not None:
            self.leases.follow(db, record.id, record.state, to)
        if not rules.holds_targets(to):
            queries.release(db, record.id)
        self.append(db, record, event, actor=actor, detail=detail, moved_to=to)
        return queries.require(db, record.id)

    def open_event(
        self,
        db: Db,
        record: RequestRecord,
        event: AuditEventName,
        *,
        actor: str,
        detail: Mapping[str, Any],
    ) -> AuditEvent:
        """Append a request's first event, which holds the complete request (its targets)."""
        opened = self._chain(
            db,
            record,
            event,
            actor=actor,
            targets=list(record.targets),
            detail=detail,
            moved_to=record.state,
        )
        self._first_seqs[record.id] = opened.seq
        return opened

    def append(
        self,
        db: Db,
        record: queries.Subject,
        event: AuditEventName,
        *,
        actor: str,
        detail: Mapping[str, Any],
        moved_to: RequestState | None = None,
    ) -> AuditEvent:
        """Append a later event of a request: it refers to the first event instead of copying
        the targets (``targets`` is empty; ``detail.requested_seq`` is that event's seq).

        Raises:
            AuditDetailError: `detail` is not JSON-serialisable (the caller's transaction then
                rolls back, so nothing is written).
        """
        first = self._first_seqs.get(record.id)  # looked up once per transaction and request
        if first is None:
            known = record.first_seq if isinstance(record, queries.RequestKey) else None
            first = self._first_seqs[record.id] = known or queries.first_seq(db, record.id)
        reference = {**detail, "requested_seq": first}
        return self._chain(
            db, record, event, actor=actor, targets=[], detail=reference, moved_to=moved_to
        )

    def _chain(
        self,
        db: Db,
        record: queries.Subject,
        event: AuditEventName,
        *,
        actor: str,
        targets: list[str],
        detail: Mapping[str, Any],
        moved_to: RequestState | None,
    ) -> AuditEvent:
        """Hash one event onto the chain, move the head, and note it in the journal."""
        refuse_nul(actor=actor, operation=record.operation, targets=targets)
        head = self.head or queries.head(db)
        self._check_key(db, first=head.seq == 0)
        # Each JSON value is encoded once: its text goes into the row and into the hashed body.
        detail_json, targets_json = json_text(detail, "detail"), canonical_json(targets)
        row: dict[str, Any] = {
            "seq": head.seq + 1,
            "at": self.now_text(),
            "request_id": record.id,
            "event": AuditEventName(event).value,
            "actor": actor,
            "operation": record.operation,
            "targets": targets_json,
            "detail": detail_json,
            "prev_hash": head.hash,
        }
        row["hash"] = self.key.digest_text(head.hash, body_json(row))
        self._store(db, row)
        appended = _as_event(row, targets)
        self.journal.append(Appended(appended, moved_to))
        return appended

    def _store(self, db: Db, row: dict[str, Any]) -> None:
        """Insert the event and move the head to it, sealed under a key (`bot.store.seal`), in
        one round trip where the driver can."""
        seq, digest = row["seq"], row["hash"]
        moved = {"seq": seq, "hash": digest, "seal": head_seal(self.key, seq, digest)}
        db.execute_all((queries.INSERT_EVENT, row), (_MOVE_HEAD, moved))
        self.head = ChainHead(seq=seq, hash=digest)

    def _check_key(self, db: Db, *, first: bool) -> None:
        """The first event claims the log for this key; otherwise check it once per store."""
        if first:
            keying.claim(db, self.key)
        elif not self._key_checked:
            self.key = keying.check(db, self.key)
            self._key_checked = True

    def _unused_id(self, db: Db) -> str:
        for _ in range(_ID_ATTEMPTS):
            candidate = self._new_id()
            if not list(db.query("SELECT 1 FROM requests WHERE id = ?", [candidate])):
                return candidate
        raise StoreError(f"no unused request id after {_ID_ATTEMPTS} attempts")


def _as_event(row: dict[str, Any], targets: list[str]) -> AuditEvent:
    """The event an appended `row` records. Built from validated parts: re-validating would
    double the cost of a write. Its detail is read back from the row's text, as storage will
    give it (tuples become lists)."""
    return AuditEvent.model_construct(
        **{
            **row,
            "event": AuditEventName(row["event"]),
            "targets": tuple(targets),
            "detail": json.loads(row["detail"]),
        }
    )
