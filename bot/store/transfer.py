"""``opsgate db``'s work: migrate a database, and copy a log from one database to another.

A copy moves what the audit log is made of: the events (hashes untouched), the requests and
approvals they describe, the chain's head and key record, and the Workflow Builder steps linked
to those requests (so a step waiting for one completes when it ends), into an empty database of
either kind, in one transaction of the target, so a copy that fails leaves nothing behind but
the schema.
Leases, vendor tokens, rate windows, card claims and remembered trigger ids are not copied: they
describe running replicas, not the log; the overlap rule's index of held targets is rebuilt.
"""

from __future__ import annotations

import itertools
import re
import sqlite3
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from pydantic import SecretStr

from bot.store import queries
from bot.store.chain import EVENT_FIELDS, ChainKey
from bot.store.engine import Db, Engine, rows_in_pages
from bot.store.opening import before_migrating, check_key_before_migrating, open_engine
from bot.store.queries import INSERT_EVENT
from bot.store.readback import refused_text
from bot.store.rows import StoreError
from bot.store.seal import copied_seal, seal_after_migration

_BATCH: Final = 5_000
#: The column Python's sqlite3 names when it refuses text that is not UTF-8.
_COLUMN: Final = re.compile(r"column '(\w+)'")
#: The tables copied besides the events, in an order their foreign keys allow, each with the
#: order its rows are read in (``workflow_steps`` has no ``rowid`` on PostgreSQL).
_TABLES: Final = {"requests": "rowid", "approvals": "rowid", "workflow_steps": "execution_id"}


class TargetNotEmpty(StoreError):
    """``db copy`` refuses a target that already holds a log; the message names it."""


class SourceUnreadable(StoreError):
    """The source holds text that is not UTF-8, which opsgate never writes (it was changed
    outside opsgate) and PostgreSQL cannot hold: nothing is copied; the message names it."""


@dataclass(frozen=True)
class Copied:
    """What a copy moved."""

    events: int
    requests: int
    approvals: int
    steps: int  # the Workflow Builder steps linked to its requests


def migrate(target: str | Path, *, key: SecretStr | None = None) -> tuple[str, list[str]]:
    """Create or upgrade the schema of `target`; returns its label and what was applied. With
    the log's `key`, a head the upgrade gave a seal column is sealed (`bot.store.seal`).

    Raises:
        DatabaseUnavailable: It cannot be opened (one line).
        AuditKeyError: `key` is not the log's: nothing is upgraded, so that the one run with
            the key still seals the head as it is.
    """
    check_key_before_migrating(target, ChainKey(key))
    engine = open_engine(target)
    try:
        seal_after_migration(engine, ChainKey(key))
    finally:
        engine.close()
    return engine.label, engine.applied


def refuse_non_empty_target(target: str | Path) -> None:
    """`db copy`'s check that `target` holds no log, made on it as it is, before opening it as
    the copy's target migrates it: an older opsgate's log named by mistake stays as it was.

    Raises:
        TargetNotEmpty: `target` already holds requests or events.
    """
    before_migrating(target, lambda db, engine: _refuse_non_empty(db, engine.label))


def copy_log(
    source: Engine,
    target: Engine,
    *,
    key: SecretStr | None = None,
    progress: Callable[[int], None] | None = None,
) -> Copied:
    """Copy `source`'s log into the empty `target`, in one transaction of the target;
    `progress` hears how many events are copied so far, after each batch. The head keeps its
    seal (`bot.store.seal.copied_seal`; `key` seals one from before seals).

    Raises:
        TargetNotEmpty: `target` already holds requests or events.
        SourceUnreadable: `source` holds text that is not UTF-8.
    """
    try:
        return _copy(source, target, key, progress or _unwatched)
    except sqlite3.OperationalError as exc:
        if not refused_text(exc):
            raise
        found = _COLUMN.search(str(exc))
        where = f"its column {found.group(1)}" if found else "it"
        raise SourceUnreadable(
            f"cannot copy {source.label}: {where} holds text that is not UTF-8, which opsgate "
            f"never writes (it was changed outside opsgate); `opsgate audit verify --db "
            f"{source.label}` names where. Nothing was copied"
        ) from exc


def _unwatched(copied: int) -> None:
    """No one is watching the copy's progress."""


def _copy(
    source: Engine, target: Engine, key: SecretStr | None, progress: Callable[[int], None]
) -> Copied:
    with source.read() as src, target.write() as dst:
        _refuse_non_empty(dst, target.label)
        counts = {
            table: _copy_table(src, dst, table, order)
            for table, order in _TABLES.items()
            if table in source.tables  # a release-1 log has no workflow steps
        }
        events = _copy_events(src, dst, progress)
        head = queries.head_or_none(src)
        if head is not None:
            dst.execute(
                "UPDATE chain_head SET seq = ?, hash = ?, seal = ?, moved_to = ? WHERE id = 1",
                [head.seq, head.hash, copied_seal(src, head, key), head.seq],
            )
        queries.hold_open_requests(dst)  # the overlap rule's index, rebuilt, not copied
        for row in _key_record(src, source):
            dst.execute(
                "INSERT INTO chain_key (id, algorithm, key_fingerprint) VALUES (?, ?, ?)",
                [row["id"], row["algorithm"], row["key_fingerprint"]],
            )
    return Copied(
        events=events,
        requests=counts["requests"],
        approvals=counts["approvals"],
        steps=counts.get("workflow_steps", 0),
    )


def _key_record(db: Db, engine: Engine) -> list[dict[str, Any]]:
    """The chain's key record; a release-1 log has no table for it (and is unkeyed)."""
    if "chain_key" not in engine.tables:
        return []
    return list(db.query("SELECT id, algorithm, key_fingerprint FROM chain_key"))


def _refuse_non_empty(db: Db, label: str) -> None:
    events = int(next(iter(db.query("SELECT count(*) AS n FROM events")))["n"])
    requests = int(next(iter(db.query("SELECT count(*) AS n FROM requests")))["n"])
    if events or requests:
        raise TargetNotEmpty(
            f"{label} is not empty ({events:,} events, {requests:,} requests): copy into a new "
            "database"
        )


def _copy_table(src: Db, dst: Db, table: str, order: str) -> int:
    """Every row with every column the source has (an older log lacks later ones: they stay
    empty); PostgreSQL's own ``rowid`` numbering is the target's to give."""
    rows = (
        {column: value for column, value in row.items() if column != "rowid"}
        for row in src.query(f"SELECT * FROM {table} ORDER BY {order}")  # noqa: S608 - constants
    )
    first = next(rows, None)
    if first is None:
        return 0
    insert = queries.insert_into(table, tuple(first))
    return _insert_all(dst, insert, itertools.chain([first], rows))


def _copy_events(src: Db, dst: Db, progress: Callable[[int], None]) -> int:
    columns = ", ".join(EVENT_FIELDS)
    sql = f"SELECT {columns} FROM events WHERE seq > :after ORDER BY seq LIMIT :page"  # noqa: S608
    return _insert_all(dst, INSERT_EVENT, rows_in_pages(src, sql), progress)


def _insert_all(
    dst: Db,
    insert: str,
    rows: Iterator[dict[str, Any]],
    progress: Callable[[int], None] = _unwatched,
) -> int:
    count, batch = 0, []
    for row in rows:
        batch.append(row)
        if len(batch) == _BATCH:
            dst.executemany(insert, batch)
            count, batch = count + len(batch), []
            progress(count)
    if batch:
        dst.executemany(insert, batch)
    count += len(batch)
    progress(count)
    return count
