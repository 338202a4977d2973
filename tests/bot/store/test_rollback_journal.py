"""A rollback journal beside a SQLite log: SQLite rolls it back into the database at any normal
open, so `audit` (which reads the file without changing it) must never judge the file alone.
opsgate writes through a write-ahead log and never leaves one: it is refused, by name."""

from __future__ import annotations

import shutil
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest
from store_requests import Filed

from bot.store import RollbackJournalFound, Store
from bot.store import scan as chain_scan
from bot.store.database import read_only_uri


def with_hot_journal(path: Path, into: Path) -> Path:
    """A copy of the log at `path` (in `into`) whose file holds a reason rewritten to "EVIL",
    beside the hot journal of that rewrite: as a process that died mid-transaction leaves it.
    A normal open rolls the journal back (and reads the genuine reason); the file alone does not.
    """
    with closing(sqlite3.connect(path, isolation_level=None)) as conn:
        conn.execute("PRAGMA journal_mode = DELETE")
        conn.execute("PRAGMA cache_size = 1")  # the rewrite spills into the file at once
        conn.execute("BEGIN EXCLUSIVE")
        conn.execute("UPDATE requests SET reason = 'EVIL'")
        # More pages than the cache holds: the pager writes the rewrite into the file.
        conn.execute(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2000) "
            "INSERT INTO slash_triggers SELECT 'T' || i, '2026' FROM n"
        )
        copy = into / path.name
        shutil.copy(path, copy)
        shutil.copy(path.with_name(path.name + "-journal"), copy.with_name(copy.name + "-journal"))
        conn.execute("ROLLBACK")
    return copy


def reasons(path: Path, uri: str | None = None) -> set[str]:
    with closing(sqlite3.connect(uri or path, uri=uri is not None)) as conn:
        return {row[0] for row in conn.execute("SELECT reason FROM requests")}


def test_the_journal_made_here_is_hot(filed: Filed, tmp_path: Path) -> None:
    """The fixture is what the check is for: the file alone and SQLite disagree."""
    store, path = filed()
    store.close()
    (tmp_path / "copy").mkdir()
    copy = with_hot_journal(path, tmp_path / "copy")

    alone = reasons(copy, copy.resolve().as_uri() + "?immutable=1")
    assert alone == {"EVIL"}
    assert reasons(copy) == {"duplicate job"}  # rolled back, as serve would read it


def test_opening_a_log_with_a_rollback_journal_is_refused_by_name(
    filed: Filed, tmp_path: Path
) -> None:
    store, path = filed()
    store.close()
    (tmp_path / "copy").mkdir()
    copy = with_hot_journal(path, tmp_path / "copy")
    journal = copy.with_name(copy.name + "-journal")
    before = (copy.read_bytes(), journal.read_bytes())

    with pytest.raises(RollbackJournalFound) as raised:
        Store.open_existing(copy)

    assert raised.value.journal == journal
    assert f"{journal} is a rollback journal: SQLite would roll it back" in str(raised.value)
    assert (copy.read_bytes(), journal.read_bytes()) == before  # neither file changed


def test_the_worker_processes_refuse_a_journal_that_appeared_after_the_open(
    filed: Filed, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The workers read the file by `read_only_uri`, which refuses it too."""
    monkeypatch.setattr(chain_scan, "PARALLEL_FROM", 1)
    monkeypatch.setattr(chain_scan.os, "cpu_count", lambda: 3)
    store, path = filed()
    store.close()
    reader = Store.open_existing(path)
    path.with_name(path.name + "-journal").write_bytes(b"\xd9\xd5\x05\xf9\x20\xa1\x63\xd7")
    try:
        with pytest.raises(RollbackJournalFound):
            reader.verify()
    finally:
        reader.close()


def test_an_empty_journal_is_no_journal(filed: Filed) -> None:
    """SQLite ignores an empty one as well."""
    store, path = filed()
    store.close()
    path.with_name(path.name + "-journal").write_bytes(b"")

    assert read_only_uri(path).endswith("?immutable=1")
    reader = Store.open_existing(path)
    try:
        assert reader.verify().ok
    finally:
        reader.close()
