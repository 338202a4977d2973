"""Reads and claims across requests: history as one reader may see it, the overlap rule (which
open request holds a target), and card-less requests claimed by one of several processes, whose
card is bound once.

`RequestLookups` is one layer of `bot.store.Store`. The overlap rule's query is
`bot.store.queries.holder`, which `Store.create_request` also applies inside the transaction
that inserts a request.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import timedelta

from bot.model import RequestRecord, RequestState, rules
from bot.store import queries
from bot.store.base import StoreBase
from bot.store.nul import refuse_nul
from bot.store.rows import OverlapError, format_time

_CARDLESS = (
    "state = ? AND message_ts IS NULL AND created_at <= ? "
    "AND (card_claimed_at IS NULL OR card_claimed_at <= ?)"
)


class RequestLookups(StoreBase):
    """History, the overlap rule and card claims; `bot.store.Store` is the class to use."""

    def history(
        self,
        *,
        requester: str | None = None,
        vendor: str | None = None,
        limit: int = 20,
        reader: rules.Reader | None = None,
    ) -> list[RequestRecord]:
        """Recent requests, newest first; optionally one requester's, one vendor's, or both.

        With `reader`, only the requests `bot.model.rules.may_read` lets them see (filtered in
        the query, so `limit` counts only those). This is a read-only operation.

        Raises:
            ValueError: `limit` is below 1.
        """
        if limit < 1:
            raise ValueError(f"limit must be at least 1, not {limit}")
        filters = {"requester": requester, "vendor": vendor}
        clauses = [f"{column} = ?" for column, value in filters.items() if value is not None]
        args: list[object] = [value for value in filters.values() if value is not None]
        if reader is not None:
            clause, reader_args = _readable(reader)
            clauses.append(clause)
            args.extend(reader_args)
        where = " WHERE " + " AND ".join(clauses) if clauses else ""
        sql = f"SELECT * FROM requests{where} ORDER BY created_at DESC, rowid DESC LIMIT ?"  # noqa: S608 - fixed column names only
        with self._tx.read() as db:
            return queries.readable_records(db, sql, [*args, limit])

    def check_overlap(self, operation: str, targets: Sequence[str]) -> None:
        """Raise `OverlapError` when a pending or executing request of `operation` holds any of
        `targets` (the overlap rule, `bot.model.rules.shared_targets`).

        This is a read-only operation: a quick look before slow work. `Store.create_request`
        with ``exclusive=True`` is what enforces the rule, race-free. Text holding a NUL character
        is refused (`UnstorableText`), as `Store.create_request` refuses it.
        """
        refuse_nul(operation=operation, targets=targets)
        with self._tx.read() as db:
            found = queries.holder(db, operation, targets)
        if found is not None:
            raise OverlapError(*found)

    def claim_cardless(self, *, older_than: timedelta) -> list[RequestRecord]:
        """Claim every pending request created at least `older_than` ago that still has no
        card, and that no process claimed within `older_than`; oldest first.

        Of several processes calling this at once, each request goes to exactly one (a claim
        older than `older_than` may be taken again: its claimant died too). The caller posts
        the card (`set_message`) or ends the request. Claims are not audit events.
        """
        now = self._writer.now()
        cutoff = format_time(now - older_than)
        sql = f"SELECT id FROM requests WHERE {_CARDLESS} ORDER BY created_at, id"  # noqa: S608 - constant clause
        args = [RequestState.PENDING.value, cutoff, cutoff]
        with self._tx.read() as db:
            if not list(db.query(sql, args)):
                return []  # the common case: no chain lock taken
        with self._write() as db:
            ids = [row["id"] for row in db.query(sql, args)]
            for request_id in ids:
                db.execute(
                    "UPDATE requests SET card_claimed_at = ? WHERE id = ?",
                    [format_time(now), request_id],
                )
            return [queries.require(db, request_id) for request_id in ids]

    def bind_card(self, request_id: str, *, channel: str, ts: str) -> str | None:
        """Remember card `ts` in `channel` as the card of a request that has none (its first
        post, or a sweep's), and return `ts`; when another card was bound first (a sweep and
        the request's own post both posted one), keep it and return its ts; None when no
        request has this id. Not an audit event (`Store.set_message` moves a card)."""
        with self._write() as db:
            cursor = db.execute(
                "UPDATE requests SET channel = ?, message_ts = ? "
                "WHERE id = ? AND (message_ts IS NULL OR message_ts = ?)",
                [channel, ts, request_id, ts],
            )
            if cursor.rowcount == 1:
                return ts
            rows = list(db.query("SELECT message_ts FROM requests WHERE id = ?", [request_id]))
            return str(rows[0]["message_ts"]) if rows else None

    def as_requested(self, record: RequestRecord) -> RequestRecord:
        """`record` with its requester, channel, targets and reason as its ``requested`` event
        records them: whom to tell, and which card to redraw, once its stored row was found
        changed (an integrity failure). `record` itself when that event cannot be read. This
        is a read-only operation."""
        with self._tx.read() as db:
            rows = list(
                db.rows(
                    "SELECT event, actor, targets, detail FROM events WHERE request_id = ? "
                    "ORDER BY seq LIMIT 1",
                    [record.id],
                )
            )
        try:
            event, actor, targets, detail = rows[0]
            said = json.loads(detail)
            recorded = {
                "requester": str(actor),
                "channel": str(said["channel"]),
                "targets": tuple(str(target) for target in json.loads(targets)),
                "reason": said.get("reason"),
            }
        except (IndexError, KeyError, TypeError, ValueError, RecursionError):
            return record
        return record.model_copy(update=recorded) if event == "requested" else record


def _readable(reader: rules.Reader) -> tuple[str, list[object]]:
    """`bot.model.rules.may_read` as an SQL condition and its arguments."""
    ops = sorted(reader.approves)
    marks = ",".join("?" * len(ops))
    clause = "requester = ? OR channel = ? OR operation IN (" + marks + ")" if ops else ""
    clause = clause or "requester = ? OR channel = ?"
    return f"({clause})", [reader.user, reader.channel, *ops]
