"""What the store keeps for incidents (SPEC §8, §11): break-glass runs and their reviews,
approver reminders, and Stop requests.

`IncidentStore` is one layer of `bot.store.Store`. Claims (a reminder, an announcement) are
compare-and-set updates inside one write transaction, so of several processes sharing the
database exactly one takes each; they are not audit events. A review is: ``reviewed``.
`insert_pending` and `start_break_glass` are the steps `Store.create_request` takes, in its own
transaction (the second only for a request run at once).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Any, Final

from bot.model import AuditEventName, PolicySnapshot, RequestRecord, RequestState, rules
from bot.store import queries
from bot.store.base import StoreBase
from bot.store.details import requested_detail
from bot.store.engine import Db
from bot.store.rows import StoreError, format_time
from bot.store.writes import Writer
from commands.model import OperationRequest

_RAN: Final = tuple(sorted(state.value for state in rules.RAN_STATES))
_AWAITING_REVIEW: Final = (
    f"break_glass IS NOT NULL AND reviewed_by IS NULL AND state IN ({','.join('?' * len(_RAN))})"
)
_REMINDER_DUE: Final = (
    "state = ? AND message_ts IS NOT NULL AND remind_at <= ? AND reminded_at IS NULL"
)
_ANNOUNCE_DUE: Final = (
    f"{_AWAITING_REVIEW} AND review_due_at <= ? "
    "AND (review_announced_at IS NULL OR review_announced_at <= ?)"
)


def incident_detail(record: RequestRecord) -> dict[str, str | None]:
    """What a new request's ``requested`` event adds for incidents: its incident ref and review
    deadline when it runs with break-glass (None otherwise), so the chain covers them too."""
    due = None if record.review_due_at is None else format_time(record.review_due_at)
    return {"break_glass": record.break_glass, "review_due_at": due}


def insert_pending(
    writer: Writer,
    db: Db,
    request: OperationRequest,
    *,
    requester: str,
    snapshot: PolicySnapshot,
    **options: Any,
) -> RequestRecord:
    """Insert a pending request and its ``requested`` event (with `incident_detail`), in the
    caller's transaction: the step `Store.create_request` takes before any break-glass
    (`options`: `Writer.insert`'s channel, sandbox, preview and exclusive)."""
    record = writer.insert(
        db,
        request,
        requester=requester,
        state=RequestState.PENDING,
        approvals_needed=snapshot.approvals,
        ttl=snapshot.ttl,
        policy=snapshot,
        **options,
    )
    detail = {**requested_detail(record, snapshot), **incident_detail(record)}
    writer.open_event(db, record, AuditEventName.REQUESTED, actor=requester, detail=detail)
    return record


def start_break_glass(writer: Writer, db: Db, record: RequestRecord) -> RequestRecord:
    """Append ``break_glass`` (the requester as actor) and move the new request straight to
    executing; the caller holds the transaction that created it.

    Raises:
        StoreError: The request names no incident ref.
    """
    if not record.break_glass:
        raise StoreError(f"{record.id}: break-glass needs an incident ref")
    said = {"incident": record.break_glass, "channel": record.channel}
    writer.append(db, record, AuditEventName.BREAK_GLASS, actor=record.requester, detail=said)
    return writer.move(
        db,
        record,
        RequestState.EXECUTING,
        AuditEventName.EXECUTING,
        actor=record.requester,
        detail={"approvers": [], "break_glass": record.break_glass},
    )


class IncidentStore(StoreBase):
    """Reviews, reminders and Stop requests; `bot.store.Store` is the class to use."""

    def review(self, request_id: str, *, reviewer: str, channel: str) -> RequestRecord | None:
        """Mark a break-glass request reviewed by `reviewer` and append ``reviewed``.

        Returns:
            The record as now stored; or None, changing nothing, when it is not awaiting review
            (`bot.model.rules.awaiting_review`: not break-glass, not ended, reviewed already).
        """
        with self._write() as db:
            record = queries.load(db, request_id)
            if record is None or not rules.awaiting_review(record):
                return None
            db.execute(
                "UPDATE requests SET reviewed_by = ?, reviewed_at = ? WHERE id = ?",
                [reviewer, format_time(self._writer.now()), record.id],
            )
            detail = {"incident": record.break_glass, "channel": channel}
            self._writer.append(db, record, AuditEventName.REVIEWED, actor=reviewer, detail=detail)
            return queries.require(db, record.id)

    def unreviewed_break_glass(
        self, *, overdue_only: bool = False, limit: int = 50
    ) -> list[RequestRecord]:
        """Break-glass requests that ran and that nobody has reviewed yet, the earliest review
        deadline first; with `overdue_only`, only those past it (by the store's clock).

        For ``/ops history --unreviewed`` and the App Home tab. This is a read-only operation.
        """
        where, args = _AWAITING_REVIEW, list[object]()
        args.extend(_RAN)
        if overdue_only:
            where += " AND review_due_at <= ?"
            args.append(format_time(self._writer.now()))
        sql = f"SELECT * FROM requests WHERE {where} ORDER BY review_due_at, id LIMIT ?"  # noqa: S608 - constant clauses
        with self._tx.read() as db:
            return queries.readable_records(db, sql, [*args, limit])

    def unreviewed_break_glass_kinds(self) -> list[tuple[RequestRecord, int]]:
        """Every break-glass request awaiting review (as `unreviewed_break_glass` finds them),
        counted by what deciding who may see or review one reads: its operation, vendor,
        requester, channel and stored policy. One request of each kind (the lowest id), with
        how many there are of that kind; a kind whose request cannot be read is left out.

        For the counts past a list's end, in one COUNT query however many there are (and one
        read of a request per kind). This is a read-only operation.
        """
        sql = (
            f"SELECT MIN(id) AS id, COUNT(*) AS n FROM requests WHERE {_AWAITING_REVIEW} "  # noqa: S608 - constant clause
            "GROUP BY operation, vendor, requester, channel, policy"
        )
        with self._tx.read() as db:
            counted = {str(row["id"]): int(row["n"]) for row in db.query(sql, list(_RAN))}
            marks = ",".join("?" * len(counted))
            one_each = f"SELECT * FROM requests WHERE id IN ({marks}) ORDER BY id"  # noqa: S608 - placeholders only
            found = queries.readable_records(db, one_each, list(counted)) if counted else []
        return [(record, counted[record.id]) for record in found]

    def claim_reminders(self) -> list[RequestRecord]:
        """Claim every pending request, with a card, whose approvers are due a reminder
        (`bot.model.rules.reminder_due`) and have not had one; each is claimed once, ever."""
        now = format_time(self._writer.now())
        return self._claim(
            _REMINDER_DUE, [RequestState.PENDING.value, now], column="reminded_at", at=now
        )

    def claim_review_announcements(self, *, every: timedelta) -> list[RequestRecord]:
        """Claim every break-glass request past its review deadline and still unreviewed that
        was not announced in the last `every` (so each is announced once per `every`)."""
        now = self._writer.now()
        args = [*_RAN, format_time(now), format_time(now - every)]
        return self._claim(_ANNOUNCE_DUE, args, column="review_announced_at", at=format_time(now))

    def request_stop(self, request_id: str, *, by: str) -> RequestRecord | None:
        """Ask whichever process runs `request_id`'s vendor calls to send no more of them.

        Returns:
            The record as now stored; or None, changing nothing, when it is not executing or a
            stop was asked for already.
        """
        with self._write() as db:
            cursor = db.execute(
                "UPDATE requests SET stop_requested_by = ?, stop_requested_at = ? "
                "WHERE id = ? AND state = ? AND stop_requested_by IS NULL",
                [by, format_time(self._writer.now()), request_id, RequestState.EXECUTING.value],
            )
            return queries.require(db, request_id) if cursor.rowcount == 1 else None

    def stop_requested(self, request_id: str) -> bool:
        """True once someone has asked to stop `request_id`. A cheap read-only operation, made
        before each vendor call of a bulk run."""
        with self._tx.read() as db:
            rows = list(
                db.query("SELECT stop_requested_by FROM requests WHERE id = ?", [request_id])
            )
        return bool(rows) and rows[0]["stop_requested_by"] is not None

    def _claim(
        self, where: str, args: Sequence[object], *, column: str, at: str
    ) -> list[RequestRecord]:
        with self._write() as db:
            rows = db.query(f"SELECT id FROM requests WHERE {where} ORDER BY id", list(args))  # noqa: S608 - constant clauses
            ids = [row["id"] for row in rows]
            for request_id in ids:
                db.execute(f"UPDATE requests SET {column} = ? WHERE id = ?", [at, request_id])  # noqa: S608 - our column names
            return [queries.require(db, request_id) for request_id in ids]
