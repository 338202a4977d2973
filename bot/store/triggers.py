"""Slack trigger ids already processed: each slash command is handled once (SPEC §8)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Final

from bot.store.engine import Db
from bot.store.rows import format_time

#: How long a slash command's trigger id is remembered: far beyond Slack's 5-minute replay window.
TRIGGER_MEMORY: Final = timedelta(hours=1)


def claim_trigger(db: Db, trigger_id: str, *, now: datetime) -> bool:
    """Record `trigger_id` as seen at `now`; True unless it was seen already.

    Prunes ids older than `TRIGGER_MEMORY` first. ``ON CONFLICT DO NOTHING`` is the portable
    insert-or-ignore (SQLite and PostgreSQL alike).
    """
    db.execute("DELETE FROM slash_triggers WHERE seen_at < ?", [format_time(now - TRIGGER_MEMORY)])
    cursor = db.execute(
        "INSERT INTO slash_triggers (trigger_id, seen_at) VALUES (?, ?) "
        "ON CONFLICT (trigger_id) DO NOTHING",
        [trigger_id, format_time(now)],
    )
    return cursor.rowcount == 1
