"""Claims on work that any of several processes could do, so that exactly one does it.

A pending request with no card (its process died while posting it) needs its card posted once,
by one process. `claim_cardless` marks such requests claimed in one write transaction; a claim
older than the grace may be taken again (the claimant died too).
"""

from __future__ import annotations

from datetime import timedelta

from bot.model import RequestRecord, RequestState
from bot.store import queries
from bot.store.database import Transactions
from bot.store.rows import format_time
from bot.store.writes import Writer

_CARDLESS = (
    "state = ? AND message_ts IS NULL AND created_at <= ? "
    "AND (card_claimed_at IS NULL OR card_claimed_at <= ?)"
)


class StoreClaims:
    """Claims over an open database; `Store` is the class to use."""

    _tx: Transactions
    _writer: Writer

    def claim_cardless(self, *, older_than: timedelta) -> list[RequestRecord]:
        """Claim every pending request created at least `older_than` ago that still has no
        card, and that no process claimed within `older_than`; oldest first.

        Of several processes calling this at once, each request goes to exactly one. The caller
        posts the card (`set_message`) or ends the request.
        """
        now = self._writer.now()
        cutoff = format_time(now - older_than)
        with self._tx.write() as db:
            rows = db.query(
                f"SELECT id FROM requests WHERE {_CARDLESS} ORDER BY created_at, id",  # noqa: S608 - constant clause
                [RequestState.PENDING.value, cutoff, cutoff],
            )
            ids = [row["id"] for row in rows]
            for request_id in ids:
                db.execute(
                    "UPDATE requests SET card_claimed_at = ? WHERE id = ?",
                    [format_time(now), request_id],
                )
            return [queries.require(db, request_id) for request_id in ids]
