"""What an attacker with write access to the database file (but not the code) can do to it,
done with plain `sqlite3` as they would."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from pydantic import SecretStr

from bot.store.chain import GENESIS_HASH, ChainKey


def tamper(path: Path, *statements: str, params: tuple[object, ...] = ()) -> None:
    """Run `statements` on the file, dropping the append-only triggers first."""
    raw = sqlite3.connect(path)
    with raw:
        raw.execute("DROP TRIGGER IF EXISTS events_no_update")
        raw.execute("DROP TRIGGER IF EXISTS events_no_delete")
        for statement in statements:
            raw.execute(statement, params if "?" in statement else ())
    raw.close()


def rehash(path: Path, *, key: str | None = None) -> None:
    """Recompute every event's hash (and the head) from the stored bodies, as the documented
    algorithm says: with `key` when the attacker has it, plain SHA-256 otherwise."""
    hasher = ChainKey(None if key is None else SecretStr(key))
    raw = sqlite3.connect(path)
    raw.row_factory = sqlite3.Row
    with raw:
        raw.execute("DROP TRIGGER IF EXISTS events_no_update")
        prev, seq = GENESIS_HASH, 0
        for row in raw.execute("SELECT * FROM events ORDER BY seq").fetchall():
            body = {**dict(row), "prev_hash": prev}
            body["targets"], body["detail"] = json.loads(row["targets"]), json.loads(row["detail"])
            digest = hasher.digest(prev, body)
            raw.execute(
                "UPDATE events SET prev_hash = ?, hash = ? WHERE seq = ?",
                (prev, digest, row["seq"]),
            )
            prev, seq = digest, row["seq"]
        raw.execute("UPDATE chain_head SET seq = ?, hash = ? WHERE id = 1", (seq, prev))
    raw.close()


def truncate(path: Path, *, keep: int) -> None:
    """Delete the events after seq `keep` and point the head at event `keep`."""
    raw = sqlite3.connect(path)
    with raw:
        raw.execute("DROP TRIGGER IF EXISTS events_no_delete")
        raw.execute("DELETE FROM events WHERE seq > ?", (keep,))
        row = raw.execute("SELECT hash FROM events WHERE seq = ?", (keep,)).fetchone()
        raw.execute(
            "UPDATE chain_head SET seq = ?, hash = ? WHERE id = 1",
            (keep, row[0] if row else GENESIS_HASH),
        )
    raw.close()
