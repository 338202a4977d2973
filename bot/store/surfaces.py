"""What Slack's other ways in need of the store: the pending and running requests App Home
lists, and the Workflow Builder steps waiting for a request to end.

A workflow step (Slack's ``function_executed``) is linked to the request it opened, in the
``workflow_steps`` table and in the transaction that stores the request (`link_step`), so that
whichever process ends the request (sharing the database) can complete the step, and exactly one
of them does: completing is a claim, made once.

`SurfaceReads` is one layer of `bot.store.Store`.
"""

from __future__ import annotations

from datetime import datetime

from bot.model import RequestRecord, RequestState
from bot.store import queries
from bot.store.base import StoreBase
from bot.store.engine import Db
from bot.store.rows import format_time

#: The step waiting for a request and not yet completed.
_WAITING = "SELECT execution_id FROM workflow_steps WHERE request_id = ? AND completed_at IS NULL"


class SurfaceReads(StoreBase):
    """App Home's pending and running lists and workflow step links; `bot.store.Store` is the
    class to use."""

    def pending(self, *, limit: int = 50) -> list[RequestRecord]:
        """Requests waiting for approval, the ones expiring soonest first.

        This is a read-only operation.

        Raises:
            ValueError: `limit` is below 1.
        """
        return self._in_state(RequestState.PENDING, "expires_at", limit)

    def executing(self, *, limit: int = 50) -> list[RequestRecord]:
        """Requests whose vendor call is running, the oldest first (App Home's Stop).

        This is a read-only operation.

        Raises:
            ValueError: `limit` is below 1.
        """
        return self._in_state(RequestState.EXECUTING, "created_at", limit)

    def _in_state(self, state: RequestState, order: str, limit: int) -> list[RequestRecord]:
        """The first `limit` requests in `state` by the `order` column (a fixed name)."""
        if limit < 1:
            raise ValueError(f"limit must be at least 1, not {limit}")
        sql = f"SELECT * FROM requests WHERE state = ? ORDER BY {order}, rowid LIMIT ?"  # noqa: S608 - fixed column names only
        with self._tx.read() as db:
            return queries.readable_records(db, sql, [state.value, limit])

    def step_request(self, execution_id: str) -> str | None:
        """The request the workflow step `execution_id` opened, if it opened one.

        This is a read-only operation.
        """
        with self._tx.read() as db:
            sql = "SELECT request_id FROM workflow_steps WHERE execution_id = ?"
            rows = list(db.query(sql, [execution_id]))
            return str(rows[0]["request_id"]) if rows else None

    def step_waiting(self, request_id: str) -> str | None:
        """The step waiting for `request_id` and not yet completed, if any.

        This is a read-only operation (a cheap look before `claim_step`).
        """
        with self._tx.read() as db:
            rows = list(db.query(_WAITING, [request_id]))
            return str(rows[0]["execution_id"]) if rows else None

    def claim_step(self, request_id: str) -> str | None:
        """Claim the completion of the step waiting for `request_id`: its execution id the
        first time, None after (or when no step waits). Atomic across processes."""
        with self._write() as db:
            rows = list(db.query(_WAITING, [request_id]))
            if not rows:
                return None
            execution_id = str(rows[0]["execution_id"])
            # A compare-and-set, so it holds on any database, not only under SQLite's lock.
            cursor = db.execute(
                "UPDATE workflow_steps SET completed_at = ? "
                "WHERE execution_id = ? AND completed_at IS NULL",
                [format_time(self._writer.now()), execution_id],
            )
            return execution_id if cursor.rowcount == 1 else None


def link_step(db: Db, execution_id: str | None, *, request_id: str, at: datetime) -> None:
    """Remember, in the caller's transaction (the one that stores the request), that the
    workflow step `execution_id` (None: no step asked) waits for request `request_id`. A step
    linked already (a redelivery) keeps its first request."""
    if execution_id is None:
        return
    db.execute(
        "INSERT INTO workflow_steps (execution_id, request_id, linked_at) "
        "VALUES (?, ?, ?) ON CONFLICT (execution_id) DO NOTHING",
        [execution_id, request_id, format_time(at)],
    )
