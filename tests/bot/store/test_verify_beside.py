"""On PostgreSQL, `verify` has the server run the tables' query in a second transaction on the
same snapshot while this process checks the chain (`bot.store.beside`). The two still give one
verdict over one snapshot; the query stops when its answer is no longer wanted, and a fault in
it is not lost."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from store_requests import TWO, cancel, fill
from tampering import tamper

from bot.store import Store, auditlog, beside
from bot.store.engine import Db

THREAD = "opsgate-verify-tables"


@pytest.fixture
def pg(postgres_database: str) -> Iterator[Store]:
    store = Store.open(postgres_database)
    yield store
    store.close()


def tables_threads() -> list[threading.Thread]:
    return [thread for thread in threading.enumerate() if thread.name == THREAD]


def test_the_second_transaction_sees_the_first_ones_snapshot(pg: Store) -> None:
    fill(pg, requests=2)
    engine = pg.engine
    with engine.read() as db:
        assert [row[0] for row in db.rows("SELECT count(*) FROM requests")] == [2]
        fill(pg, requests=1)  # committed after the snapshot was taken
        with engine.read_beside(db) as twin:  # type: ignore[attr-defined]
            assert [row[0] for row in twin.rows("SELECT count(*) FROM requests")] == [2]
    with engine.read() as db:
        assert [row[0] for row in db.rows("SELECT count(*) FROM requests")] == [3]


def test_verify_runs_the_tables_query_beside_the_scan_and_names_a_changed_row(
    pg: Store, postgres_database: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    ids = fill(pg, requests=4)
    tamper(postgres_database, "UPDATE requests SET reason = 'other' WHERE id = ?", params=(ids[2],))
    asked: list[beside.OnServer] = []
    on_server = beside.OnServer
    monkeypatch.setattr(
        auditlog, "OnServer", lambda opened: asked.append(on_server(opened)) or asked[-1]
    )

    result = pg.verify()
    assert (result.ok, result.request_id) == (False, ids[2])
    assert len(asked) == 1 and asked[0].answer() == [ids[2]]
    assert pg.verify().checked == result.checked  # and again: nothing was left open
    assert tables_threads() == []


def test_a_detail_that_is_not_json_stops_the_query_and_the_scan_names_its_event(
    pg: Store, postgres_database: str
) -> None:
    fill(pg, requests=4)
    tamper(postgres_database, "UPDATE events SET detail = '{\"reason\":' WHERE seq = 6")

    result = pg.verify()
    assert (result.ok, result.first_bad_seq) == (False, 6)
    assert tables_threads() == []


def slow_query(started: threading.Event) -> object:
    """A stand-in for the tables' query that would take a minute on the server."""

    def slow(db: Db, dialect: str) -> list[str]:
        started.set()
        return [str(row[0]) for row in db.rows("SELECT pg_sleep(60)::text")]

    return slow


def test_closing_cancels_the_query_on_the_server(
    pg: Store, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    started = threading.Event()
    monkeypatch.setattr(beside, "suspects", slow_query(started))
    engine = pg.engine
    with caplog.at_level(logging.DEBUG, logger="bot.store.beside"), engine.read() as db:
        asked = beside.OnServer(engine.read_beside(db))  # type: ignore[attr-defined]
        assert started.wait(10)
        asked.close()

        assert asked.answer() is None
    assert "canceling statement due to user request" in caplog.text
    assert tables_threads() == []


def test_a_broken_chain_is_the_verdict_without_waiting_for_the_query(
    pg: Store, postgres_database: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    fill(pg, requests=2)
    tamper(postgres_database, "UPDATE events SET actor = 'U0MALLORY' WHERE seq = 2")
    monkeypatch.setattr(beside, "suspects", slow_query(threading.Event()))

    result = pg.verify()
    assert (result.ok, result.first_bad_seq) == (False, 2)
    assert tables_threads() == []


def test_a_fault_in_the_query_beside_is_raised_to_the_caller(
    pg: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    pg.create_request(
        cancel("JOB-1"), requester="U0ALICE", channel="C0OPS", policy=TWO, sandbox=True
    )

    def broken(db: Db, dialect: str) -> list[str]:
        raise RuntimeError("a fault of opsgate's")

    monkeypatch.setattr(beside, "suspects", broken)
    with pytest.raises(RuntimeError, match="a fault of opsgate's"):
        pg.verify()
    assert tables_threads() == []


def test_sqlite_has_no_transaction_beside(tmp_path: Path) -> None:
    store = Store.open(tmp_path / "opsgate.db")
    try:
        assert not hasattr(store.engine, "read_beside")
        fill(store, requests=2)
        assert store.verify().ok
    finally:
        store.close()
