"""`verify`'s worker processes read the log through sqlean's SQLite (a current one), and this
process through the system's. Both must let through only what the documented algorithm passes:
sqlean's driver cuts text at a NUL on its way to Python, so every byte must reach the hash as a
BLOB. The tables' cross-check runs in a worker too; its answer counts only when it read the
same log as `verify`'s own transaction. (sqlean is only ever opened in a worker: two copies of
SQLite in one process lose each other's file locks.)"""

from __future__ import annotations

import hashlib
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest
from store_requests import Filed
from tampering import tamper

from bot.store import Store, auditlog, beside, quickchain, workers
from bot.store import scan as chain_scan
from bot.store.crosscheck import suspects, suspects_sql
from bot.store.database import read_only_uri


def test_workers_read_through_sqlean_s_current_sqlite() -> None:
    """The dependency is installed with opsgate; without it the workers would be twice as
    slow, not wrong (the tests below run in this process too, on the system's SQLite)."""
    sqlean = quickchain.driver()  # imported, never opened here
    assert sqlean.__name__ == "sqlean"
    assert sqlean.sqlite_version_info >= (3, 45)


@pytest.fixture(params=["here", "worker"])
def where(request: pytest.FixtureRequest) -> str:
    """Where the quick pass runs: in this process (the system's SQLite) or in a worker
    (sqlean's)."""
    return str(request.param)


def quick_suspect(path: Path, where: str) -> int | None:
    with closing(sqlite3.connect(path)) as conn:
        (last,) = conn.execute("SELECT max(seq) FROM events").fetchone()
        if where == "here":
            return quickchain.first_suspect(conn, None, 0, last)
    asked = {"uri": read_only_uri(path), "key": None, "after": 0, "upto": last}
    answered = workers.answer(workers.start(asked))
    assert answered is not None
    suspect = answered["suspect"]
    return None if suspect is None else int(suspect)


def forge(path: Path, seq: int, column: str, stored: str, hashed: bytes) -> None:
    """Store `stored` (SQL) in `column` of event `seq`, with the hash of the message as if the
    column held `hashed`: what a pass that lost bytes on the way to the hash would accept."""
    with sqlite3.connect(path) as conn:
        conn.text_factory = bytes
        row = dict(
            zip(
                ("prev_hash", "actor", "at", "detail", "event", "operation", "request_id"),
                conn.execute(
                    "SELECT prev_hash, actor, at, detail, event, operation, request_id "
                    "FROM events WHERE seq = ?",
                    (seq,),
                ).fetchone(),
                strict=True,
            )
        )
        targets = conn.execute("SELECT targets FROM events WHERE seq = ?", (seq,)).fetchone()[0]
    row[column] = hashed
    text = {name: value.decode("utf-8", "surrogateescape") for name, value in row.items()}
    message = quickchain.MESSAGE % (
        text["prev_hash"], text["actor"], text["at"], text["detail"], text["event"],
        text["operation"], text["prev_hash"], text["request_id"], seq,
        targets.decode(),
    )  # fmt: skip
    digest = hashlib.sha256(message.encode("utf-8", "surrogateescape")).hexdigest()
    statement = f"UPDATE events SET {column} = {stored}, hash = ? WHERE seq = ?"  # noqa: S608
    tamper(path, statement, params=(digest, seq))


@pytest.mark.parametrize(
    ("column", "stored", "hashed"),
    [
        ("actor", "'U0BOB' || char(0) || 'U0MALLORY'", b"U0BOB"),
        ("detail", "'{}' || char(0) || '{\"hidden\":1}'", b"{}"),
        ("actor", "CAST(x'5530ff' AS TEXT)", b"U0\xff"),  # not UTF-8, hashed as stored
    ],
    ids=["NUL in an identifier", "NUL in a detail", "not UTF-8"],
)
def test_text_hidden_from_a_driver_or_not_utf8_is_a_suspect(
    filed: Filed, where: str, column: str, stored: str, hashed: bytes
) -> None:
    store, path = filed()
    assert quick_suspect(path, where) is None

    forge(path, 3, column, stored, hashed)

    assert quick_suspect(path, where) == 3
    assert not store.verify().ok


def test_a_changed_event_is_found_in_either_place(filed: Filed, where: str) -> None:
    store, path = filed(requests=8)
    last = store.head().seq
    tamper(path, "UPDATE events SET operation = 'enos.x' WHERE seq = ?", params=(last - 1,))
    assert quick_suspect(path, where) == last - 1


# -- the tables' cross-check in a worker ----------------------------------------------------------


def worker_suspects(path: Path) -> list[str] | None:
    with closing(sqlite3.connect(path)) as conn:
        (last,) = conn.execute("SELECT max(seq) FROM events").fetchone()
    asked = beside.InWorker(path, last)
    try:
        return asked.answer()
    finally:
        asked.close()


def here(path: Path) -> list[str]:
    store = Store.open(path)
    try:
        with store.engine.read() as db, db.any_text():
            return suspects(db, "sqlite")
    finally:
        store.close()


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE requests SET reason = 'other' WHERE state = 'pending'",
        "DELETE FROM approvals WHERE approver = 'U0CAROL'",
        "UPDATE events SET request_id = request_id || char(0) || 'x' WHERE event = 'rejected'",
        "UPDATE events SET request_id = CAST(x'52ff' AS TEXT) WHERE event = 'rejected'",
    ],
    ids=["a row", "an approval", "an id with a NUL", "an id not UTF-8"],
)
def test_a_worker_suspects_exactly_what_this_process_would(filed: Filed, statement: str) -> None:
    _, path = filed(requests=8)
    assert worker_suspects(path) == here(path) == []

    tamper(path, statement)

    found = here(path)
    assert found  # the change is one the query sees
    assert worker_suspects(path) == found


def test_a_detail_a_worker_cannot_read_leaves_the_query_to_this_process(filed: Filed) -> None:
    _, path = filed()
    tamper(path, "UPDATE events SET detail = '{\"requested_seq\":' WHERE seq = 3")
    asked = {"uri": read_only_uri(path), "tables": suspects_sql("sqlite")}
    assert workers.answer(workers.start(asked)) == {"unreadable": True}
    assert worker_suspects(path) is None


@pytest.fixture
def spread(monkeypatch: pytest.MonkeyPatch) -> None:
    """Spread every SQLite file's verify over worker processes, however short."""
    monkeypatch.setattr(chain_scan, "PARALLEL_FROM", 1)
    monkeypatch.setattr(chain_scan.os, "cpu_count", lambda: 2)


@pytest.mark.usefixtures("spread")
def test_verify_takes_the_worker_s_answer(monkeypatch: pytest.MonkeyPatch, filed: Filed) -> None:
    store, path = filed(requests=8)
    rows = [request_id for (request_id,) in _ids(path)]
    tamper(path, "UPDATE requests SET reason = 'other' WHERE id = ?", params=(rows[5],))

    def not_here(*_: object) -> None:
        raise AssertionError("the worker answered: this process need not ask")

    monkeypatch.setattr(auditlog, "suspects", not_here)
    result = store.verify()
    assert (result.ok, result.request_id) == (False, rows[5])


@pytest.mark.usefixtures("spread")
def test_a_worker_that_read_another_log_is_not_taken(filed: Filed) -> None:
    """A log that grew between `verify`'s snapshot and the worker's: the worker's answer is
    about other rows, so `verify` asks its own transaction."""
    store, path = filed(requests=4)
    last = store.head().seq
    asked = beside.InWorker(path, last - 1)
    try:
        assert asked.answer() is None
    finally:
        asked.close()
    asked = beside.InWorker(path, last)
    try:
        assert asked.answer() == []
    finally:
        asked.close()


@pytest.mark.usefixtures("spread")
def test_a_failed_tables_worker_leaves_the_query_to_this_process(
    monkeypatch: pytest.MonkeyPatch, filed: Filed
) -> None:
    store, path = filed(requests=8)
    rows = [request_id for (request_id,) in _ids(path)]
    tamper(path, "UPDATE requests SET channel = 'C0ELSE' WHERE id = ?", params=(rows[2],))
    monkeypatch.setattr(beside.InWorker, "answer", lambda self: None)
    result = store.verify()
    assert (result.ok, result.request_id) == (False, rows[2])


def _ids(path: Path) -> list[tuple[str]]:
    with sqlite3.connect(path) as conn:
        return conn.execute("SELECT id FROM requests ORDER BY rowid").fetchall()


@pytest.mark.usefixtures("spread")
@pytest.mark.parametrize("missing", [(5,), (5, 6, 7)], ids=["one", "three in a row"])
def test_events_missing_mid_log_are_named_by_the_workers(
    filed: Filed, missing: tuple[int, ...]
) -> None:
    """No count of the table decides it first: the quick pass finds the event after a gap, and
    the documented algorithm starts from the last stored event before it."""
    store, path = filed(requests=8)
    last = store.head().seq
    tamper(path, *(f"DELETE FROM events WHERE seq = {seq}" for seq in missing))  # noqa: S608

    result = store.verify()
    assert (result.ok, result.first_bad_seq) == (False, missing[0])
    assert f"event {missing[0]} is missing" in result.problem
    assert quick_suspect(path, "worker") == missing[-1] + 1 < last


def test_the_query_split_in_two_suspects_what_it_does_whole(filed: Filed) -> None:
    """Each half sums up the requests on its side of the middle id; together, in log order, they
    are the whole query's answer (here every request, in the order they were made)."""
    store, path = filed(requests=8)
    last = store.head().seq
    with store.engine.read() as db:
        split = beside._middle_id(db, last)
    assert split is not None
    tamper(path, "UPDATE requests SET channel = 'C0ELSE'")

    whole = here(path)
    assert len(whole) == 8
    halves = beside.InWorker(path, last, split=split)
    try:
        assert halves.answer() == whole
    finally:
        halves.close()
    below = [request_id for request_id in whole if request_id < split]
    assert 0 < len(below) < len(whole)  # each half had some


# -- the rows without events or without a request, asked in the workers ---------------------------


@pytest.mark.usefixtures("spread")
@pytest.mark.parametrize(
    ("statement", "named"),
    [
        (
            "INSERT INTO requests SELECT 'R-ORPHAN' || char(0) || 'x', operation, vendor, "
            "targets, params, reason, requester, channel, state, approvals_needed, created_at, "
            "expires_at, message_ts, preview, outcome, sandbox, policy, card_claimed_at, "
            "break_glass, review_due_at, reviewed_by, reviewed_at, review_announced_at, "
            "remind_at, reminded_at, stop_requested_by, stop_requested_at "
            "FROM requests LIMIT 1",
            "it has no events in the audit log",
        ),
        (
            "INSERT INTO approvals (request_id, approver, at) "
            "VALUES (CAST(x'52ff' AS TEXT), 'U0EVE', '2026-01-01T00:00:00.000000Z')",
            "the approvals table holds an approval by U0EVE of it",
        ),
    ],
    ids=["a request with no events", "an approval of no request, its id not UTF-8"],
)
def test_the_workers_name_rows_without_events_or_request_as_this_process_does(
    monkeypatch: pytest.MonkeyPatch, filed: Filed, statement: str, named: str
) -> None:
    """Asked in the workers' transactions, beside the tables' query, not after it here."""
    store, path = filed(requests=8)
    tamper(path, statement)
    expected = store.verify()  # here first: what this process names
    assert not expected.ok and named in expected.problem

    def not_here(*_: object) -> None:
        raise AssertionError("the workers answered: this process need not ask")

    monkeypatch.setattr(auditlog, "orphans", not_here)
    monkeypatch.setattr(auditlog, "orphan_approvals", not_here)
    result = store.verify()
    assert (result.ok, result.request_id, result.problem) == (
        False,
        expected.request_id,
        expected.problem,
    )


@pytest.mark.usefixtures("spread")
def test_a_row_whose_id_is_not_text_is_asked_here(
    monkeypatch: pytest.MonkeyPatch, filed: Filed
) -> None:
    """A worker answers only ids stored as text: for any other, this process asks again."""
    store, path = filed(requests=8)
    tamper(
        path,
        "INSERT INTO approvals (request_id, approver, at) "
        "VALUES (x'3432', 'U0EVE', '2026-01-01T00:00:00.000000Z')",  # a BLOB
    )
    asked: list[object] = []
    real = auditlog.orphan_approvals

    def here_too(db: object) -> list[tuple[str, str]]:
        asked.append(db)
        return real(db)  # type: ignore[arg-type]

    monkeypatch.setattr(auditlog, "orphan_approvals", here_too)
    result = store.verify()
    assert not result.ok and "an approval by U0EVE" in result.problem
    assert len(asked) == 1
