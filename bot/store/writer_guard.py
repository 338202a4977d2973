"""Migration 0012: a log this opsgate upgraded refuses to be written by release 1 (0.1).

Release 1 predates the check that refuses a database a newer opsgate migrated
(`bot.store.schema.refuse_newer`): it opens any log whose first migration it knows and appends
to it. On an upgraded log it would write events this version reads otherwise (plain SHA-256
hashes in a keyed chain, which `verify` then calls broken forever), end requests without
freeing the targets they hold, and fail on states it does not know.

Every event moves the chain head, and release 1 moves it with ``UPDATE chain_head SET seq = ?,
hash = ?``. From this migration on, opsgate moves it with ``moved_to`` set to the new seq too,
and a trigger refuses any other move of the head (on SQLite, the only engine release 1 ran on,
and on PostgreSQL, against builds of this release from before `refuse_newer`):
the older writer's transaction fails, one line naming the cause, and nothing is written. An
attacker can drop the trigger, as the append-only ones: it guards against a mistake, not them.
"""

from __future__ import annotations

from typing import Final

#: The migration's name; never changes once released.
WRITER_GUARD_MIGRATION: Final = "0012_older_writers_refused"

#: What release 1 reads when it tries to append to an upgraded log.
REFUSAL: Final = (
    "this audit log was upgraded by a newer opsgate (migration 0012_older_writers_refused): "
    "an older opsgate may not write to it; run the newer opsgate, or restore a backup"
)

_COLUMN: Final = (
    "ALTER TABLE chain_head ADD COLUMN moved_to BIGINT",
    "UPDATE chain_head SET moved_to = seq",
)

SQLITE_WRITER_GUARD: Final = (
    *_COLUMN,
    f"""CREATE TRIGGER chain_head_moved_by_opsgate BEFORE UPDATE OF seq ON chain_head
        WHEN NEW.seq IS NOT OLD.seq AND NEW.moved_to IS NOT NEW.seq
        BEGIN SELECT RAISE(ABORT, '{REFUSAL}'); END""",
)
#: The same on PostgreSQL, for builds of this release from before the refusal of newer
#: databases, which moved the head as release 1 does.
POSTGRES_WRITER_GUARD: Final = (
    *_COLUMN,
    f"""CREATE FUNCTION opsgate_head_moved_by_opsgate() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF NEW.seq IS DISTINCT FROM OLD.seq AND NEW.moved_to IS DISTINCT FROM NEW.seq THEN
                RAISE EXCEPTION '{REFUSAL}';
            END IF;
            RETURN NEW;
        END $$""",
    """CREATE TRIGGER chain_head_moved_by_opsgate BEFORE UPDATE OF seq ON chain_head
        FOR EACH ROW EXECUTE FUNCTION opsgate_head_moved_by_opsgate()""",
)
