"""Counting an approval, inside the store's write transaction (`bot.store.Store.approve`).

At the click, the policy judged the earlier approvers as it judges a new click (SPEC §2): those
who could not approve now are `lapsed`. That judgement may ask Slack who is in a group, so it is
made before the write lock is taken, and passed in. Here the approvals are counted without
them, so the one that completes the count is counted exactly once whatever the concurrent
clicks: an approval recorded since the judgement was judged at its own click, moments ago, and
counts. A lapsed approval stays recorded, with its ``approved`` event (the log is append-only);
its row says since when it no longer counts (``lapsed_at``), which the card shows, and a later
judgement that finds its approver may approve again counts it again: one that saw the approval
lapsed (`restored`, as `lapses_in` read it). A lapse recorded since a click read the request is
a newer judgement than the click's, and stands: so does one recorded anew after the approval
counted again meanwhile (its ``lapsed_at`` is no longer the one the click saw), and one a later
click found still lapsed (its last ``approved`` event naming it is no longer the one seen).
"""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping
from typing import Any

from bot.model import AuditEventName, RequestRecord, RequestState, rules
from bot.store import queries
from bot.store.engine import Db
from bot.store.nul import refuse_nul
from bot.store.results import ApprovalResult, ApprovalStatus
from bot.store.rows import format_time
from bot.store.writes import Writer


def approve_in(
    writer: Writer,
    db: Db,
    request_id: str,
    approver: str,
    lapsed: Collection[str],
    restored: Mapping[str, str] | None = None,
) -> ApprovalResult:
    """`Store.approve`'s decision, under its write lock: the request as stored now decides."""
    refuse_nul(approver=approver)
    current = lapses_in(db, request_id) if restored else {}
    back = {who for who, since in (restored or {}).items() if current.get(who) == since}
    record = queries.load(db, request_id)
    if record is None:
        return ApprovalResult(ApprovalStatus.NOT_FOUND, None)
    if record.state is not RequestState.PENDING:
        return ApprovalResult(ApprovalStatus.NOT_PENDING, record)
    if rules.past_deadline(record, writer.now()):
        return ApprovalResult(ApprovalStatus.EXPIRED, writer.expire(db, record))
    again = rules.already_approved(record, approver)
    if again and not set(record.lapsed) & back:
        return ApprovalResult(ApprovalStatus.DUPLICATE, record)
    gone = [
        earlier
        for earlier in record.approvers
        if earlier in lapsed or (earlier in record.lapsed and earlier not in back)
    ]
    if again:  # nobody approves twice: the click only judged lapsed approvals able to count
        executes, after = count_again(writer, db, record, approver, gone)
        status = ApprovalStatus.EXECUTE if executes else ApprovalStatus.COUNTED_AGAIN
        return ApprovalResult(status, after)
    executes, after = add_approval(writer, db, record, approver, gone)
    return ApprovalResult(ApprovalStatus.EXECUTE if executes else ApprovalStatus.RECORDED, after)


def add_approval(
    writer: Writer, db: Db, record: RequestRecord, approver: str, gone: list[str]
) -> tuple[bool, RequestRecord]:
    """Record one approval; count it with the earlier ones that have not lapsed (`gone`: of
    `record.approvers`); the one that completes the count moves the request to executing.

    Returns:
        Whether this approval started execution, and the record as now stored.
    """
    now = format_time(writer.now())
    db.execute(
        "INSERT INTO approvals (request_id, approver, at) VALUES (?, ?, ?)",
        [record.id, approver, now],
    )
    _mark_lapsed(db, record, gone, now)
    approvers = (*record.approvers, approver)
    counting = list(rules.counted(approvers, gone))
    needed = rules.approvals_to_complete(record.approvals_needed)
    said: dict[str, Any] = {"lapsed": gone} if gone else {}
    detail = {"approvals": len(counting), "needed": needed, **said}
    writer.append(db, record, AuditEventName.APPROVED, actor=approver, detail=detail)
    return _executes(writer, db, record.model_copy(update={"approvers": approvers}), approver, gone)


def count_again(
    writer: Writer, db: Db, record: RequestRecord, clicker: str, gone: list[str]
) -> tuple[bool, RequestRecord]:
    """A click by someone who approved already, which judged approvals that had lapsed (their
    own, or another's) able to count again: no second approval; the approvals as now judged
    count, and when that completes the count the request moves to executing in the clicker's
    name. Otherwise the click is recorded as an ``approved`` event with ``"again": true`` in its
    detail and who counts again (``restored``): it approves nothing twice (verify counts one
    approval per approver, and not such an event).

    Returns:
        Whether this click started execution, and the record as now stored.
    """
    _mark_lapsed(db, record, gone, format_time(writer.now()))
    executes, after = _executes(writer, db, record, clicker, gone)
    if not executes:
        counting = rules.counted(record.approvers, gone)
        restored = [earlier for earlier in record.lapsed if earlier not in gone]
        detail: dict[str, Any] = {
            "again": True,
            "approvals": len(counting),
            "needed": rules.approvals_to_complete(record.approvals_needed),
            "restored": restored,
            **({"lapsed": gone} if gone else {}),
        }
        writer.append(db, record, AuditEventName.APPROVED, actor=clicker, detail=detail)
    return executes, after


def _executes(
    writer: Writer, db: Db, record: RequestRecord, actor: str, gone: list[str]
) -> tuple[bool, RequestRecord]:
    """Move `record` (its approvers as now stored, `gone` of them lapsed) to executing when its
    counting approvals complete it; otherwise leave it pending."""
    counting = list(rules.counted(record.approvers, gone))
    if not rules.is_complete(len(counting), record.approvals_needed):
        return False, record.model_copy(update={"lapsed": tuple(gone)})
    said: dict[str, Any] = {"lapsed": gone} if gone else {}
    executing = writer.move(
        db,
        record,
        RequestState.EXECUTING,
        AuditEventName.EXECUTING,
        actor=actor,
        detail={"approvers": counting, **said},
    )
    return True, executing


def _mark_lapsed(db: Db, record: RequestRecord, gone: list[str], now: str) -> None:
    """Note on each approval whether it counts now: since when it lapsed (kept from an earlier
    judgement), or NULL. Nothing is written when none lapsed, before or now."""
    if not gone and not record.lapsed:
        return
    marks = ",".join("?" * len(gone)) or "NULL"
    db.execute(
        "UPDATE approvals SET lapsed_at = CASE WHEN approver IN "  # noqa: S608 - placeholders only
        f"({marks}) THEN coalesce(lapsed_at, ?) END WHERE request_id = ?",
        [*gone, now, record.id],
    )


def lapses_in(db: Db, request_id: str) -> dict[str, str]:
    """Each lapsed approval of `request_id` as a click sees it: since when it no longer counts
    (its ``lapsed_at``) and the last click that found it so (the seq of the latest ``approved``
    event naming it in ``lapsed``). A click that finds a lapsed approval still lapsed keeps its
    ``lapsed_at`` but is a newer judgement: an older click's restoring it must not count."""
    rows = db.query(
        "SELECT approver, lapsed_at FROM approvals WHERE request_id = ? AND lapsed_at IS NOT NULL",
        [request_id],
    )
    found = {str(row["approver"]): str(row["lapsed_at"]) for row in rows}
    judged: dict[str, int] = {}
    if found:
        for event in queries.request_events(db, request_id, [AuditEventName.APPROVED.value]):
            for who in _lapsed_of(event["detail"]):
                judged[who] = int(event["seq"])
    return {who: f"{since} #{judged.get(who, 0)}" for who, since in found.items()}


def _lapsed_of(detail: Any) -> list[str]:
    """The approvers an ``approved`` event's detail names as lapsed (none when unreadable)."""
    try:
        lapsed = json.loads(detail).get("lapsed", [])
    except (TypeError, ValueError, AttributeError, RecursionError):
        return []
    return [str(who) for who in lapsed] if isinstance(lapsed, list) else []
