"""The `Store` itself: requests, approvals and the audit log behind one small API.

Each public method is one transaction (`bot.store.database`); the steps inside a write are
`bot.store.writes`, the shared reads `bot.store.queries`. The class is layered: `StoreBase`
(`bot.store.base`: opening, the chain key, transactions, observers), then `AuditLogReads`
(the log), `RequestLookups` (history, overlaps, card claims), `SurfaceReads` (App Home, steps)
and `IncidentStore` (reviews, reminders, stops), then `Store` (requests, approvals, clicks).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import timedelta
from typing import Any

from adapters.base import Preview
from bot.model import (
    AuditEvent,
    AuditEventName,
    PolicySnapshot,
    PolicyTerms,
    RequestOutcome,
    RequestPreview,
    RequestRecord,
    RequestState,
    can_move,
)
from bot.store import queries
from bot.store.approvals import approve_in, lapses_in
from bot.store.auditlog import AuditLogReads
from bot.store.details import denial_outcome, denied_detail
from bot.store.incident import IncidentStore, insert_pending, start_break_glass
from bot.store.lookups import RequestLookups
from bot.store.lost import LostCalls, lost_calls
from bot.store.results import ApprovalResult
from bot.store.rows import (
    SYSTEM_ACTOR,
    UnknownRequestError,
    format_time,
    json_text,
    normalize_request_id,
)
from bot.store.surfaces import SurfaceReads, link_step
from bot.store.triggers import claim_trigger
from commands.model import OperationRequest


class Store(AuditLogReads, RequestLookups, SurfaceReads, IncidentStore):
    """Requests, approvals and the audit log, in one SQLite database.

    Build one with `Store.open` (a file) or `Store.memory` (tests). It is safe to share between
    threads, and several processes may open the same file. With a `key` (``OPSGATE_AUDIT_KEY``)
    the chain is keyed (`bot.store.chain`). Construction and observers are `StoreBase`'s; the
    audit log's reads and checks are `AuditLogReads`'; requests and clicks are here.
    """

    # -- requests ---------------------------------------------------------------------------

    def create_request(
        self,
        request: OperationRequest,
        *,
        requester: str,
        channel: str,
        policy: PolicyTerms,
        sandbox: bool,
        preview: RequestPreview | None = None,
        exclusive: bool = False,
        break_glass: bool = False,
        step: str | None = None,
    ) -> RequestRecord:
        """Store a new pending request and append ``requested``, which holds all of it.

        Args:
            request: What was asked for; `requester` asked it, in `channel`.
            policy: The policy that applies (approvals needed, approvers, self-approval, ttl),
                snapshotted on the request and in its event; it expires `policy.ttl` from now.
            sandbox: Whether the vendor is simulated; `preview`, what the preview found.
            exclusive: Refuse (`OverlapError`) targets an open request of the operation holds.
            break_glass: Run it at once, without approvals, for the incident `request` names (the
                caller has checked the policy): ``break_glass`` and ``executing`` follow in the
                same transaction. Otherwise any incident ref on `request` is ignored.
            step: The execution id of the Workflow Builder step asking: linked in this transaction.
        """
        with self._write() as db:
            record = insert_pending(
                self._writer,
                db,
                request if break_glass else request.model_copy(update={"break_glass": None}),
                requester=requester,
                channel=channel,
                snapshot=PolicySnapshot.of(policy),
                sandbox=sandbox,
                preview=None if preview is None else preview.model_dump(mode="json"),
                exclusive=exclusive,
            )
            link_step(db, step, request_id=record.id, at=self._writer.now())
            return start_break_glass(self._writer, db, record) if break_glass else record

    def record_denied(
        self,
        request: OperationRequest,
        *,
        requester: str,
        channel: str,
        reason: str,
        blocked: Preview | None = None,
        sandbox: bool = False,
        step: str | None = None,
    ) -> RequestRecord:
        """Store a request refused before any card, and append ``denied``, which holds all of it.

        Args:
            request: What was asked for; `requester` asked it, in `channel`.
            reason: Why it was refused (the requester's own reason is on the record).
            blocked: The preview, when it was refused because the preview is blocked (SPEC
                §8; by a simulator: `sandbox`): the request keeps it, ``system`` denies it.
            step: The Workflow Builder step that asked, linked as `create_request` links it.
        """
        incident = {"break_glass": request.break_glass} if request.break_glass else {}
        request = request.model_copy(update={"break_glass": None})
        with self._write() as db:
            record = self._writer.insert(
                db,
                request,
                requester=requester,
                channel=channel,
                state=RequestState.DENIED,
                approvals_needed=0,
                ttl=timedelta(0),
                preview=None if blocked is None else blocked.model_dump(mode="json"),
                sandbox=sandbox,
                outcome=denial_outcome(blocked),
            )
            actor = requester if blocked is None else SYSTEM_ACTOR
            detail = {**denied_detail(record, request, reason=reason), **incident}
            self._writer.open_event(db, record, AuditEventName.DENIED, actor=actor, detail=detail)
            link_step(db, step, request_id=record.id, at=self._writer.now())
        return record

    def get(self, request_id: str) -> RequestRecord | None:
        """One request, or None (read-only); the id is read leniently (`normalize_request_id`)."""
        with self._tx.read() as db:
            return queries.load(db, normalize_request_id(request_id))

    def set_message(self, request_id: str, *, channel: str, ts: str) -> None:
        """Remember where the approval card is: `channel` and `ts` (not an audit event).

        Raises:
            UnknownRequestError: No request has this id.
        """
        request_id = normalize_request_id(request_id)
        with self._write() as db:
            cursor = db.execute(
                "UPDATE requests SET channel = ?, message_ts = ? WHERE id = ?",
                [channel, ts, request_id],
            )
            if cursor.rowcount != 1:
                raise UnknownRequestError(request_id)

    def approve(
        self,
        request_id: str,
        *,
        approver: str,
        lapsed: Collection[str] = frozenset(),
        restored: Mapping[str, str] | None = None,
    ) -> ApprovalResult:
        """Record one approval; the one that completes the count moves the request to executing.

        One write transaction: of any number of concurrent calls, in any number of processes,
        exactly one gets `ApprovalStatus.EXECUTE`. A request past its TTL is expired instead.
        `lapsed`: the earlier approvers this click judged unable to approve it now; they do not
        count. `restored`: the lapsed approvals this click saw (as `lapses` reads them) whose
        approvers it judged able again; they count again unless judged lapsed since.
        """
        request_id = normalize_request_id(request_id)
        with self._write() as db:
            return approve_in(self._writer, db, request_id, approver, lapsed, restored)

    def lapses(self, request_id: str) -> dict[str, str]:
        """Each lapsed approval of a request as a click sees it (`lapses_in`; read-only)."""
        with self._tx.read() as db:
            return lapses_in(db, normalize_request_id(request_id))

    def transition(
        self,
        request_id: str,
        *,
        to: RequestState,
        event: AuditEventName,
        actor: str,
        detail: dict[str, Any] | None = None,
        outcome: RequestOutcome | None = None,
        only_from: RequestState | None = None,
    ) -> RequestRecord | None:
        """Move the request to `to` (setting `outcome`, if given) and append `event`, atomically.

        A compare-and-set against `bot.model.TRANSITIONS`: the request moves only if the table
        allows a move from the state it is in now (and that state is `only_from`, if given).

        Returns:
            The updated record; or None, changing nothing and writing no event, when the
            request does not exist or may not move from its state to `to`.

        Raises:
            AuditDetailError: `detail` or `outcome` is not JSON-serialisable.
        """
        stored = None if outcome is None else outcome.model_dump(mode="json")
        outcome_text = None if stored is None else json_text(stored, "outcome")
        with self._write() as db:
            record = queries.load(db, normalize_request_id(request_id))
            if record is None or not can_move(record.state, to):
                return None
            if only_from is not None and record.state is not only_from:
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
        with self._write() as db:
            subject = queries.subject(db, normalize_request_id(request_id))
            if subject is None:
                raise UnknownRequestError(request_id)
            return self._writer.append(db, subject, event, actor=actor, detail=detail or {})

    def expire_due(self) -> list[RequestRecord]:
        """Expire every pending request whose TTL has passed; returns them as now stored."""
        # `bot.model.rules.due_to_expire` in SQL: pending, and the deadline has been reached.
        due, args = "state = ? AND expires_at <= ?", [RequestState.PENDING.value]
        args.append(format_time(self._writer.now()))
        with self._tx.read() as db:
            if not queries.ids_where(db, due, args):
                return []  # the common case: no chain lock taken
        with self._write() as db:
            due_now = queries.records_where(db, due, args)  # again, under the lock: one sweep wins
            return [self._writer.expire(db, record) for record in due_now]

    def recover_executing(self) -> list[RequestRecord]:
        """Mark unknown every executing request whose lease has lapsed, or whose owner was a
        process of this machine that is gone (its replica stopped mid-call); never retried. A
        live replica's call, whose lease it renews, is left alone, and so is a call whose lease
        this replica or a live process of this machine holds, even once its time has passed.

        Run at start-up and periodically (`bot.lifecycle.sweeps`): a dead replica's calls
        become unknown at once when it ran on this machine, otherwise once their lease runs
        out. Returns the requests marked.
        """
        now = format_time(self._writer.now())
        with self._tx.read() as db:
            if not lost_calls(db, self.leases, now):
                return []  # the common case: no chain lock taken
        with self._write() as db:
            lost = LostCalls(db)  # whose calls they were, and how far a bulk run had got
            return [
                self._writer.move(
                    db,
                    record,
                    RequestState.UNKNOWN,
                    AuditEventName.UNKNOWN,
                    actor=SYSTEM_ACTOR,
                    detail=lost.detail(record),
                    outcome=lost.outcome(record.id),
                )
                for record in lost_calls(db, self.leases, now)  # again, under the lock
            ]

    def count_pending(self) -> int:
        """How many requests are pending right now (for ``/metrics``: it gives up within
        seconds when the database cannot be had). This is a read-only operation."""
        with self._tx.quick_read() as db:
            rows = db.query(
                "SELECT count(*) AS n FROM requests WHERE state = ?", [RequestState.PENDING.value]
            )
            return int(next(iter(rows))["n"])

    # -- slash commands -------------------------------------------------------------------------

    def claim_trigger(self, trigger_id: str) -> bool:
        """Claim a Slack ``trigger_id`` for processing: True the first time, False after.

        Atomic across threads and processes (insert-or-ignore). Ids are kept for an hour,
        longer than Slack's 5-minute replay window; older ones are pruned here.
        """
        with self._write() as db:
            return claim_trigger(db, trigger_id, now=self._writer.now())
