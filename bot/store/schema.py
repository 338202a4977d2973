"""The schema, migration by migration, in each engine's dialect.

Both engines apply the same named migrations in the same order (`MIGRATIONS`); SQLite records
them in sqlite-utils' ``_sqlite_migrations`` table, PostgreSQL in ``opsgate_migrations``. Every
column holds the same values on both: timestamps as ``2026-11-22T01:02:03.123456Z`` text (on
PostgreSQL with the ``C`` collation, so comparing strings compares instants whatever the
database's locale), JSON as canonical text (never ``jsonb``, which would reorder what the chain
hashed). PostgreSQL has no implicit ``rowid``, so ``requests`` and ``approvals`` carry an
identity column of that name there: the same ``ORDER BY rowid`` means insertion order on both.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Final

from bot.store import queries
from bot.store.chain import GENESIS_HASH, UNKEYED
from bot.store.engine import Db
from bot.store.incident_schema import SCHEMA_INCIDENT
from bot.store.rows import DatabaseUnavailable
from bot.store.writer_guard import (
    POSTGRES_WRITER_GUARD,
    SQLITE_WRITER_GUARD,
    WRITER_GUARD_MIGRATION,
)


@dataclass(frozen=True)
class Migration:
    """One step of the schema: its name, its statements for each engine, and what fills in new
    tables from the rows already there (run on either engine after the statements)."""

    name: str
    sqlite: tuple[str, ...]
    postgresql: tuple[str, ...]
    backfill: Callable[[Db], None] | None = None


# The first schema. Append-only is enforced by triggers as well as by `bot.store` never
# updating events; the one-row chain_head moves in the same transaction as each event.
SCHEMA_V1: Final = (
    """CREATE TABLE requests (
        id TEXT PRIMARY KEY, operation TEXT NOT NULL, vendor TEXT NOT NULL,
        targets TEXT NOT NULL, params TEXT NOT NULL, reason TEXT,
        requester TEXT NOT NULL, channel TEXT NOT NULL, state TEXT NOT NULL,
        approvals_needed INTEGER NOT NULL, created_at TEXT NOT NULL, expires_at TEXT NOT NULL,
        message_ts TEXT, preview TEXT, outcome TEXT, sandbox INTEGER NOT NULL DEFAULT 0)""",
    "CREATE INDEX requests_state_expires ON requests (state, expires_at)",
    "CREATE INDEX requests_created ON requests (created_at)",
    """CREATE TABLE approvals (
        request_id TEXT NOT NULL REFERENCES requests (id), approver TEXT NOT NULL,
        at TEXT NOT NULL, PRIMARY KEY (request_id, approver))""",
    """CREATE TABLE events (
        seq INTEGER PRIMARY KEY, at TEXT NOT NULL, request_id TEXT NOT NULL,
        event TEXT NOT NULL, actor TEXT NOT NULL, operation TEXT NOT NULL,
        targets TEXT NOT NULL, detail TEXT NOT NULL,
        prev_hash TEXT NOT NULL, hash TEXT NOT NULL)""",
    "CREATE INDEX events_request ON events (request_id, seq)",
    "CREATE INDEX events_at ON events (at)",
    """CREATE TRIGGER events_no_update BEFORE UPDATE ON events
        BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END""",
    """CREATE TRIGGER events_no_delete BEFORE DELETE ON events
        BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END""",
    """CREATE TABLE chain_head (
        id INTEGER PRIMARY KEY CHECK (id = 1), seq INTEGER NOT NULL, hash TEXT NOT NULL)""",
    f"INSERT INTO chain_head (id, seq, hash) VALUES (1, 0, '{GENESIS_HASH}')",  # noqa: S608 - constant
)

# A log written before chains could be keyed is unkeyed; an empty one is claimed by the first
# event appended to it (`bot.store.keying`).
_CLAIM_OLD_LOG: Final = f"""INSERT INTO chain_key (id, algorithm, key_fingerprint)
    SELECT 1, '{UNKEYED}', NULL WHERE EXISTS (SELECT 1 FROM events)"""  # noqa: S608 - constant

# The second schema: what applied to each request, how the chain is keyed, and the slash
# commands already seen.
SCHEMA_V2: Final = (
    "ALTER TABLE requests ADD COLUMN policy TEXT",
    """CREATE TABLE chain_key (
        id INTEGER PRIMARY KEY CHECK (id = 1), algorithm TEXT NOT NULL, key_fingerprint TEXT)""",
    _CLAIM_OLD_LOG,
    """CREATE TABLE slash_triggers (
        trigger_id TEXT PRIMARY KEY, seen_at TEXT NOT NULL)""",
    "CREATE INDEX slash_triggers_seen ON slash_triggers (seen_at)",
)

#: The third: when a process last claimed a card-less pending request to post its card
#: (`bot.store.Store.claim_cardless`), so that of several processes one acts.
SCHEMA_V3: Final = ("ALTER TABLE requests ADD COLUMN card_claimed_at TEXT",)

#: The fourth: the targets each open (pending or executing) request holds, indexed, so the
#: overlap rule (`bot.store.queries.holder`) looks targets up instead of reading every open
#: request's target list. Rows go when the request leaves the open states
#: (`bot.store.writes.Writer.move`); the migration fills it in for open requests.
SCHEMA_V4: Final = (
    """CREATE TABLE held_targets (
        operation TEXT NOT NULL, target TEXT NOT NULL,
        request_id TEXT NOT NULL REFERENCES requests (id),
        PRIMARY KEY (operation, target, request_id))""",
    "CREATE INDEX held_targets_request ON held_targets (request_id)",
)

#: The fifth: Workflow Builder steps waiting for the request they opened to end
#: (`bot.store.surfaces`); not part of the audit chain (a step is how Slack heard of a request,
#: not what was requested).
SCHEMA_WORKFLOW_STEPS: Final = (
    """CREATE TABLE workflow_steps (
        execution_id TEXT PRIMARY KEY, request_id TEXT NOT NULL REFERENCES requests (id),
        linked_at TEXT NOT NULL, completed_at TEXT)""",
    "CREATE INDEX workflow_steps_request ON workflow_steps (request_id)",
)

# The seventh (the sixth, break-glass, reminders and Stop, is `bot.store.incident_schema`):
# what replicas share. A lease per executing request (who runs its vendor call, and
# until when that is vouched for), vendor tokens kept one per account, and rate windows; and
# the indexes that keep `/ops history --mine` and `--vendor` off full scans.
SCHEMA_V5: Final = (
    """CREATE TABLE leases (
        request_id TEXT PRIMARY KEY REFERENCES requests (id), owner TEXT NOT NULL,
        expires_at TEXT NOT NULL)""",
    """CREATE TABLE token_slots (
        account TEXT PRIMARY KEY, value TEXT, expires_at REAL, refresh_token TEXT,
        refresh_expires_at REAL, updated_at TEXT NOT NULL)""",
    "CREATE TABLE rate_windows (key TEXT PRIMARY KEY, starts TEXT NOT NULL)",
    "CREATE INDEX requests_requester ON requests (requester, created_at)",
    "CREATE INDEX requests_vendor ON requests (vendor, created_at)",
)

#: The eighth: the chain head's seal (`bot.store.seal`), an HMAC of its seq and hash under
#: ``OPSGATE_AUDIT_KEY``; NULL for an unkeyed chain. A keyed log's head is sealed when a store
#: opened with the key applies this migration, and again with every event appended.
SEAL_MIGRATION: Final = "0008_chain_head_seal"
SCHEMA_SEAL: Final = ("ALTER TABLE chain_head ADD COLUMN seal TEXT",)

#: The ninth: how far the call of each lease had got, when it is a bulk run (canonical JSON of
#: its counts, `bot.store.leases.Leases.record_progress`), so that recovery can say what the
#: vendor had confirmed before its replica stopped; NULL until the first count is recorded.
PROGRESS_MIGRATION: Final = "0009_lease_progress"
SCHEMA_LEASE_PROGRESS: Final = ("ALTER TABLE leases ADD COLUMN progress TEXT",)

#: The tenth: a count of changes per Slack user group (`bot.store.groups`), so that every
#: replica drops the membership it keeps when Slack tells any one of them that it changed.
GROUPS_MIGRATION: Final = "0010_group_changes"
SCHEMA_GROUP_CHANGES: Final = (
    "CREATE TABLE group_changes (group_id TEXT PRIMARY KEY, version INTEGER NOT NULL)",
)

#: The eleventh: when an approval stopped counting (`bot.store.approvals`): its approver could
#: no longer approve the request when a later approval was counted. NULL while it counts.
LAPSED_MIGRATION: Final = "0011_lapsed_approvals"
SCHEMA_LAPSED: Final = ("ALTER TABLE approvals ADD COLUMN lapsed_at TEXT",)

_TEXT_TIME: Final = 'TEXT COLLATE "C" NOT NULL'

PG_SCHEMA_V1: Final = (
    f"""CREATE TABLE requests (
        id TEXT PRIMARY KEY, rowid BIGINT GENERATED ALWAYS AS IDENTITY UNIQUE,
        operation TEXT NOT NULL, vendor TEXT NOT NULL,
        targets TEXT NOT NULL, params TEXT NOT NULL, reason TEXT,
        requester TEXT NOT NULL, channel TEXT NOT NULL, state TEXT NOT NULL,
        approvals_needed INTEGER NOT NULL, created_at {_TEXT_TIME}, expires_at {_TEXT_TIME},
        message_ts TEXT, preview TEXT, outcome TEXT, sandbox INTEGER NOT NULL DEFAULT 0)""",
    "CREATE INDEX requests_state_expires ON requests (state, expires_at)",
    "CREATE INDEX requests_created ON requests (created_at, rowid)",
    f"""CREATE TABLE approvals (
        request_id TEXT NOT NULL REFERENCES requests (id), approver TEXT NOT NULL,
        at {_TEXT_TIME}, rowid BIGINT GENERATED ALWAYS AS IDENTITY,
        PRIMARY KEY (request_id, approver))""",
    f"""CREATE TABLE events (
        seq BIGINT PRIMARY KEY, at {_TEXT_TIME}, request_id TEXT NOT NULL,
        event TEXT NOT NULL, actor TEXT NOT NULL, operation TEXT NOT NULL,
        targets TEXT NOT NULL, detail TEXT NOT NULL,
        prev_hash TEXT NOT NULL, hash TEXT NOT NULL)""",
    "CREATE INDEX events_request ON events (request_id, seq)",
    "CREATE INDEX events_at ON events (at)",
    """CREATE FUNCTION opsgate_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN RAISE EXCEPTION 'audit events are append-only'; END $$""",
    """CREATE TRIGGER events_no_update BEFORE UPDATE ON events
        FOR EACH ROW EXECUTE FUNCTION opsgate_append_only()""",
    """CREATE TRIGGER events_no_delete BEFORE DELETE ON events
        FOR EACH ROW EXECUTE FUNCTION opsgate_append_only()""",
    """CREATE TRIGGER events_no_truncate BEFORE TRUNCATE ON events
        FOR EACH STATEMENT EXECUTE FUNCTION opsgate_append_only()""",
    """CREATE TABLE chain_head (
        id INTEGER PRIMARY KEY CHECK (id = 1), seq BIGINT NOT NULL, hash TEXT NOT NULL)""",
    SCHEMA_V1[-1],
)

PG_SCHEMA_V2: Final = (
    *SCHEMA_V2[:3],
    f"CREATE TABLE slash_triggers (trigger_id TEXT PRIMARY KEY, seen_at {_TEXT_TIME})",
    SCHEMA_V2[4],
)

PG_SCHEMA_V5: Final = (
    f"""CREATE TABLE leases (
        request_id TEXT PRIMARY KEY REFERENCES requests (id), owner TEXT NOT NULL,
        expires_at {_TEXT_TIME})""",
    """CREATE TABLE token_slots (
        account TEXT PRIMARY KEY, value TEXT, expires_at DOUBLE PRECISION,
        refresh_token TEXT, refresh_expires_at DOUBLE PRECISION, updated_at TEXT NOT NULL)""",
    SCHEMA_V5[2],
    "CREATE INDEX requests_requester ON requests (requester, created_at, rowid)",
    "CREATE INDEX requests_vendor ON requests (vendor, created_at, rowid)",
)

#: Every migration, oldest first. Names never change once released.
MIGRATIONS: Final = (
    Migration("0001_requests_approvals_events", SCHEMA_V1, PG_SCHEMA_V1),
    Migration("0002_policy_snapshot_chain_key_triggers", SCHEMA_V2, PG_SCHEMA_V2),
    Migration(
        "0003_card_claims",
        SCHEMA_V3,
        ('ALTER TABLE requests ADD COLUMN card_claimed_at TEXT COLLATE "C"',),
    ),
    Migration("0004_held_targets", SCHEMA_V4, SCHEMA_V4, backfill=queries.hold_open_requests),
    Migration("0005_workflow_steps", SCHEMA_WORKFLOW_STEPS, SCHEMA_WORKFLOW_STEPS),
    Migration(
        "0006_break_glass_reminders_stop",
        SCHEMA_INCIDENT,
        tuple(f'{statement} COLLATE "C"' for statement in SCHEMA_INCIDENT),
    ),
    Migration("0007_leases_shared_tokens_rate_windows", SCHEMA_V5, PG_SCHEMA_V5),
    Migration(SEAL_MIGRATION, SCHEMA_SEAL, SCHEMA_SEAL),
    Migration(PROGRESS_MIGRATION, SCHEMA_LEASE_PROGRESS, SCHEMA_LEASE_PROGRESS),
    Migration(GROUPS_MIGRATION, SCHEMA_GROUP_CHANGES, SCHEMA_GROUP_CHANGES),
    Migration(LAPSED_MIGRATION, SCHEMA_LAPSED, (f'{SCHEMA_LAPSED[0]} COLLATE "C"',)),
    Migration(WRITER_GUARD_MIGRATION, SQLITE_WRITER_GUARD, POSTGRES_WRITER_GUARD),
)

#: The tables every opsgate database has; a database without them is someone else's.
OPSGATE_TABLES: Final = frozenset({"requests", "events", "chain_head"})
#: Every table of the current schema.
CURRENT_TABLES: Final = frozenset(
    {"requests", "approvals", "events", "chain_head", "chain_key", "slash_triggers", "leases"}
    | {"held_targets", "workflow_steps", "token_slots", "rate_windows", "group_changes"}
)


def refuse_newer(applied: Iterable[str], label: str) -> None:
    """Stop when the database records a migration this opsgate does not know: a newer opsgate
    migrated it, and this one would misread (or damage) what that one wrote."""
    known = {migration.name for migration in MIGRATIONS}
    unknown = sorted(set(applied) - known)
    if unknown:
        raise DatabaseUnavailable(
            f"{label} was migrated by a newer opsgate (migration {', '.join(unknown)} is not "
            "one this version knows): run that version of opsgate, or restore a backup"
        )


def refuse_another_applications(names: Iterable[str], label: str) -> None:
    """Stop before opsgate's tables are added to a database that holds someone else's: an
    `OPSGATE_DB` or ``--db`` naming the wrong database must not change it. Every opsgate
    database has all of `OPSGATE_TABLES` (its first migration made them together), as reading
    an existing one asks too: one table with a name like opsgate's (``events``) is no sign of
    opsgate. `names` leaves out the table migrations are recorded in."""
    tables = set(names)
    if tables and not tables >= OPSGATE_TABLES:
        shown = ", ".join(sorted(tables)[:3]) + (", …" if len(tables) > 3 else "")
        raise DatabaseUnavailable(
            f"{label} holds another application's tables ({shown}), not opsgate's: give opsgate "
            "a database of its own"
        )


def refuse_unreadable(tables: Iterable[str], applied: Iterable[str], label: str) -> None:
    """Stop before a log is read as it is (``opsgate audit``, ``db copy --from``) when the
    database holds none, or when a newer opsgate migrated it (`refuse_newer`): this version would
    vouch for a log it cannot read as that version wrote it, or copy it leaving out what it does
    not know."""
    if not set(tables) >= OPSGATE_TABLES:
        raise DatabaseUnavailable(f"{label} is not an opsgate database (it has no audit log)")
    refuse_newer(applied, label)


def applied_on_postgresql(db: Db) -> set[str]:
    """The migrations a PostgreSQL database records in ``opsgate_migrations``."""
    return {str(row["name"]) for row in db.query("SELECT name FROM opsgate_migrations")}


def recorded_migrations(db: Db, label: str) -> set[str]:
    """The migrations a PostgreSQL database records, creating their table in an empty one;
    refused when it holds another application's tables or a newer opsgate migrated it."""
    rows = db.query("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")
    tables = {str(row["tablename"]) for row in rows}
    refuse_another_applications(tables - {"opsgate_migrations"}, label)
    if "opsgate_migrations" not in tables:
        db.execute(
            "CREATE TABLE opsgate_migrations "
            "(name TEXT PRIMARY KEY, applied_at TEXT NOT NULL DEFAULT now()::text)"
        )
    done = applied_on_postgresql(db)
    refuse_newer(done, label)
    return done
