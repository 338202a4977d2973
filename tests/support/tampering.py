"""What an attacker with write access to the database (but not the code) can do to it, done
with plain SQL as they would (`raw_db`), on a SQLite file or a PostgreSQL database alike."""

from __future__ import annotations

import json

from pydantic import SecretStr
from raw_db import Target, raw

from bot.store.chain import EVENT_FIELDS, GENESIS_HASH, ChainKey, canonical_json
from bot.store.engine import is_postgres
from bot.store.schema import SEAL_MIGRATION


def tamper(target: Target, *statements: str, params: tuple[object, ...] = ()) -> None:
    """Run `statements`, dropping the append-only triggers first."""
    with raw(target) as db:
        db.drop_append_only_triggers()
        for statement in statements:
            db.run(statement, params if "?" in statement else ())


def rehash(target: Target, *, key: str | None = None) -> None:
    """Recompute every event's hash (and the head) from the stored bodies, as the documented
    algorithm says: with `key` when the attacker has it, plain SHA-256 otherwise."""
    hasher = ChainKey(None if key is None else SecretStr(key))
    with raw(target) as db:
        db.drop_append_only_triggers()
        prev, seq = GENESIS_HASH, 0
        columns = ", ".join(EVENT_FIELDS)
        for values in db.run(f"SELECT {columns} FROM events ORDER BY seq"):  # noqa: S608
            row = dict(zip(EVENT_FIELDS, values, strict=True))
            body = {**row, "prev_hash": prev}
            body["targets"], body["detail"] = json.loads(row["targets"]), json.loads(row["detail"])
            digest = hasher.digest(prev, body)
            db.run(
                "UPDATE events SET prev_hash = ?, hash = ? WHERE seq = ?",
                (prev, digest, row["seq"]),
            )
            prev, seq = digest, row["seq"]
        db.run("UPDATE chain_head SET seq = ?, hash = ? WHERE id = 1", (seq, prev))


def truncate(target: Target, *, keep: int) -> None:
    """Delete the events after seq `keep` and point the head at event `keep`."""
    with raw(target) as db:
        db.drop_append_only_triggers()
        db.run("DELETE FROM events WHERE seq > ?", (keep,))
        rows = db.run("SELECT hash FROM events WHERE seq = ?", (keep,))
        db.run(
            "UPDATE chain_head SET seq = ?, hash = ? WHERE id = 1",
            (keep, rows[0][0] if rows else GENESIS_HASH),
        )


def set_detail_key(target: Target, *, event: str, key: str, value: object) -> None:
    """Set `key` in the detail of every event named `event` (JSON edited as text, on either
    engine, as an attacker would with any SQL client, written as opsgate writes a detail)."""
    with raw(target) as db:
        db.drop_append_only_triggers()
        for seq, detail in db.run("SELECT seq, detail FROM events WHERE event = ?", (event,)):
            changed = {**json.loads(detail), key: value}
            db.run("UPDATE events SET detail = ? WHERE seq = ?", (canonical_json(changed), seq))


def drop_detail_key(target: Target, *, event: str, key: str) -> None:
    """Remove `key` from the detail of every event named `event`, writing the rest as opsgate
    writes a detail (canonical JSON): a log as a release that did not record `key` wrote it,
    once `rehash` has recomputed the chain."""
    with raw(target) as db:
        db.drop_append_only_triggers()
        for seq, detail in db.run("SELECT seq, detail FROM events WHERE event = ?", (event,)):
            kept = {name: value for name, value in json.loads(detail).items() if name != key}
            db.run("UPDATE events SET detail = ? WHERE seq = ?", (canonical_json(kept), seq))


def as_before_seals(target: Target) -> None:
    """The log as a release before head seals left it: no ``seal`` column, and the migration
    that adds it not recorded as applied."""
    table = "opsgate_migrations" if is_postgres(str(target)) else "_sqlite_migrations"
    tamper(
        target,
        "ALTER TABLE chain_head DROP COLUMN seal",
        f"DELETE FROM {table} WHERE name = ?",  # noqa: S608 - one of two constant names
        params=(SEAL_MIGRATION,),
    )
