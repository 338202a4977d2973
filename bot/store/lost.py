"""What recovery says of a call whose replica stopped mid-call (SPEC §13): who held its lease
and, for a bulk run, the counts last recorded with it (`bot.store.leases.Leases.record_progress`).

The targets the recorded counts do not account for become unknown: nothing says whether they
were sent. A call without recorded counts (a single call, or a run stopped before its first
answer) is marked unknown with no outcome, as before counts were kept.
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from adapters.base import Progress
from bot.model import RequestRecord, RequestState, UnknownOutcome
from bot.store import queries
from bot.store.chain import canonical_json
from bot.store.engine import Db
from bot.store.leases import LAPSED, Leases
from bot.store.results import UNKNOWN_REASON


def lost_calls(db: Db, leases: Leases, now: str) -> list[RequestRecord]:
    """The executing requests nobody vouches for at `now`: their lease has lapsed (or they
    have none), or its owner was a process of this machine that is gone. Never one whose lease
    `leases`' replica holds, or a live process of this machine holds: that call still runs."""
    executing = RequestState.EXECUTING.value
    gone = leases.of_gone_processes(db)
    marks = ",".join("?" * len(gone)) or "NULL"
    where = f"({LAPSED}) OR (state = ? AND id IN ({marks}))"
    found = queries.records_where(db, where, [executing, now, executing, *gone])
    running = leases.vouched_here(db) if found else set()
    return [record for record in found if record.id not in running]


def last_counts(recorded: object) -> Progress | None:
    """The recorded counts of a lease as what recovery reports: every target not answered by
    then is unknown. None when none were recorded (or they cannot be read)."""
    if not isinstance(recorded, str):
        return None
    try:
        seen = Progress.model_validate_json(recorded)
    except ValidationError:
        return None
    answered = seen.succeeded + seen.failed + seen.not_sent
    return seen.model_copy(update={"unknown": max(seen.total - answered, 0)})


def progress_detail(counts: Progress) -> dict[str, int]:
    """The ``progress`` of a recovered run's ``unknown`` event; ``not_sent`` only when some
    were kept back (Stop, or a shutdown that began)."""
    detail = counts.model_dump(mode="json", include={"succeeded", "failed", "unknown", "total"})
    return detail | ({"not_sent": counts.not_sent} if counts.not_sent else {})


class LostCalls:
    """The leases of executing requests, read inside recovery's transaction."""

    def __init__(self, db: Db) -> None:
        rows = db.query("SELECT request_id, owner, progress FROM leases")
        self._leases = {str(row["request_id"]): row for row in rows}

    def _counts(self, request_id: str) -> Progress | None:
        row = self._leases.get(request_id)
        return None if row is None else last_counts(row["progress"])

    def detail(self, record: RequestRecord) -> dict[str, Any]:
        """The ``unknown`` event's detail: why, whose call it was, how far it had got, and who
        had pressed Stop, if anyone had."""
        row = self._leases.get(record.id)
        detail = {"reason": UNKNOWN_REASON, "replica": None if row is None else row["owner"]}
        counts = self._counts(record.id)
        stopper = record.stop_requested_by
        return (
            detail
            | ({"progress": progress_detail(counts)} if counts else {})
            | ({"stopped_by": stopper} if stopper else {})
        )

    def outcome(self, request_id: str) -> str | None:
        """The stored outcome, as JSON text: the last counts, for a bulk run; else None."""
        counts = self._counts(request_id)
        if counts is None:
            return None
        return canonical_json(UnknownOutcome(confirmed=counts).model_dump(mode="json"))
