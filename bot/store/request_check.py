"""The integrity check made right before each vendor call and at each click on a pending
request: the request's row against its own events, in the read transaction the caller holds
(SPEC §9: what executes is what the chain says was requested and approved).

Its ``requested`` (or ``denied``) event, approvals, break-glass and state events are read, each
one's hash recomputed, so a rewritten event is caught without a full `verify`; then the row is
compared with the first event, the approvers with the ``approved`` events, and the state with
the state events: every one of them an allowed move, ending in the row's state. A request that
ran and was set back to ``pending`` in the database fails here, at the click that would have
run it again.
"""

from __future__ import annotations

import json
import logging
from typing import Any, Final

from bot.model import AuditEventName, RequestRecord, RequestState
from bot.store import queries
from bot.store.chain import ChainKey, hash_problem
from bot.store.engine import Db
from bot.store.integrity import (
    STATE_EVENTS,
    EventSummary,
    approvals_problem,
    moves_problem,
    request_problem,
)
from bot.store.rows import event_from_row

log = logging.getLogger(__name__)

#: The events the check reads: the request's first event is one of the first two.
_CHECKED: Final = (
    AuditEventName.REQUESTED.value,
    AuditEventName.DENIED.value,
    AuditEventName.APPROVED.value,
    AuditEventName.BREAK_GLASS.value,
    *sorted(state.value for state in STATE_EVENTS),
)


def check_request(db: Db, key: ChainKey, record: RequestRecord) -> str | None:
    """What differs between `record` (about to be executed, or pending and clicked) and its
    events; None if nothing. A pending request's approvals need not add up yet."""
    rows = queries.request_events(db, record.id, _CHECKED)
    for row in rows:
        bad = hash_problem(row, key)
        if bad is not None:
            return bad[1]
    first = next((row for row in rows if row["seq"] == row["first_seq"]), None)
    problem = request_problem(record, None if first is None else event_from_row(first))
    if problem is not None or first is None:
        return problem
    # Only the requester's own break-glass, on a request stored as break-glass, waives approvals.
    break_glass = record.break_glass is not None and any(
        row["event"] == AuditEventName.BREAK_GLASS.value and row["actor"] == record.requester
        for row in rows
    )
    summary = _summary(rows, int(first["seq"]))
    going_ahead = record.state is not RequestState.PENDING
    need_count = going_ahead and not break_glass
    return approvals_problem(record, summary.approvers, need_count=need_count) or moves_problem(
        record, summary
    )


def _summary(rows: list[dict[str, Any]], first_seq: int) -> EventSummary:
    """What the rows (in seq order) say of the request's state and how it got there."""
    summary = EventSummary(first_seq=first_seq)
    for row in rows:
        summary.add(int(row["seq"]), str(row["event"]), str(row["actor"]), _detail(row))
    return summary


def _detail(row: dict[str, Any]) -> dict[str, Any]:
    try:
        detail = json.loads(row["detail"])
    except (TypeError, ValueError, RecursionError):
        return {}  # the hash check above has passed it, so this is what opsgate wrote
    return detail if isinstance(detail, dict) else {}


def logged(record: RequestRecord, problem: str | None) -> str | None:
    """`problem`, logged as an error when there is one."""
    if problem is not None:
        log.error("integrity check failed for %s: %s", record.id, problem)
    return problem
