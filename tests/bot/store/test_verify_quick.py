"""`verify`'s quick passes decide only the common case: the chain's quick pass inside SQLite
(in this process or in worker processes), and the tables' cross-check as one query. Whatever
they let through, the documented algorithm and the field-by-field comparison would pass too;
whatever is wrong, the verdict still names."""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr
from store_requests import KEY, TWO, Filed, cancel, fill
from tampering import drop_detail_key, rehash, set_detail_key, tamper

from bot.store import Store, auditlog, beside, quickchain
from bot.store import scan as chain_scan
from bot.store.auditlog import _request_disagreement
from bot.store.crosscheck import summary_of, suspects
from bot.store.quickchain import first_suspect, interruptible


@pytest.fixture
def workers(monkeypatch: pytest.MonkeyPatch) -> None:
    """Spread every SQLite file's quick pass over two worker processes, however short."""
    monkeypatch.setattr(chain_scan, "PARALLEL_FROM", 1)
    monkeypatch.setattr(chain_scan.os, "cpu_count", lambda: 3)


def worker_doing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, source: str) -> None:
    """Start `source` (a Python script) as each verify worker, instead of the real one."""
    script = tmp_path / "worker.py"
    script.write_text(source)
    monkeypatch.setattr(chain_scan.workers, "WORKER", script)


# -- the chain's quick pass, on its own -------------------------------------------------------


@pytest.fixture
def file(tmp_path: Path) -> Path:
    path = tmp_path / "opsgate.db"
    store = Store.open(path)
    fill(store)
    store.close()
    return path


def suspect_in(path: Path, *, key: bytes | None = None, driver: Any = sqlite3) -> int | None:
    conn = driver.connect(str(path))
    try:
        (last,) = conn.execute("SELECT max(seq) FROM events").fetchone()
        return first_suspect(conn, key, 0, last)
    finally:
        conn.close()


#: The system's SQLite (3.40 here: the message joined with ``||``) and sqlean's (3.50: joined
#: by one ``concat``), which the workers use: the pass must answer the same through either.
DRIVERS = [pytest.param(sqlite3, id="system"), pytest.param(quickchain.driver(), id="workers'")]


@pytest.mark.parametrize("driver", DRIVERS)
def test_an_intact_chain_has_no_suspect(file: Path, driver: Any) -> None:
    assert suspect_in(file, driver=driver) is None


def test_a_keyed_chain_needs_its_key(tmp_path: Path) -> None:
    path = tmp_path / "keyed.db"
    store = Store.open(path, key=SecretStr(KEY))
    fill(store)
    store.close()

    assert suspect_in(path, key=KEY.encode()) is None
    assert suspect_in(path, key=b"another key of thirty-two bytes!") == 1
    assert suspect_in(path) == 1


@pytest.mark.parametrize(
    ("statement", "seq"),
    [
        ("UPDATE events SET actor = 'U0MALLORY' WHERE seq = 6", 6),  # changed body
        (  # changed hash (its first digit, whatever it was)
            "UPDATE events SET hash = CASE WHEN hash LIKE 'f%' THEN 'e' ELSE 'f' END "
            "|| substr(hash, 2) WHERE seq = 4",
            4,
        ),
        ("UPDATE events SET prev_hash = hash WHERE seq = 5", 5),  # relinked
        ("DELETE FROM events WHERE seq = 3", 4),  # the event after a gap
        ("UPDATE events SET actor = 7 WHERE seq = 2", 2),  # not text
        ("UPDATE events SET detail = '{\"a\":' WHERE seq = 8", 8),  # not JSON
    ],
)
@pytest.mark.parametrize("driver", DRIVERS)
def test_the_quick_pass_points_at_the_first_event_out_of_place(
    file: Path, statement: str, seq: int, driver: Any
) -> None:
    tamper(file, statement)
    assert suspect_in(file, driver=driver) == seq


def test_text_that_needed_escaping_is_a_suspect_the_exact_scan_clears(tmp_path: Path) -> None:
    path = tmp_path / "odd.db"
    store = Store.open(path)
    store.create_request(
        cancel("JOB-1"), requester='U0"Q', channel="C0OPS", policy=TWO, sandbox=True
    )

    assert suspect_in(path) == 1  # the quick body does not escape; the documented one does
    assert store.verify().ok
    store.close()


# -- in worker processes -----------------------------------------------------------------------


@pytest.mark.usefixtures("workers")
def test_workers_verify_an_intact_log_and_name_a_change(filed: Filed) -> None:
    store, path = filed(requests=8)
    last = store.head().seq
    assert store.verify().ok
    assert store.verify().checked == last

    tamper(path, "UPDATE events SET actor = 'U0MALLORY' WHERE seq = ?", params=(last - 2,))

    result = store.verify()
    assert (result.ok, result.first_bad_seq) == (False, last - 2)
    assert result.checked == last - 2
    assert "changed after it was written" in result.problem


@pytest.mark.usefixtures("workers")
def test_workers_check_a_keyed_chain_and_a_gap(filed: Filed) -> None:
    store, path = filed(requests=8, key=KEY)
    assert store.verify().ok

    tamper(path, "DELETE FROM events WHERE seq = 5")

    result = store.verify()
    assert (result.ok, result.first_bad_seq) == (False, 5)
    assert "event 5 is missing" in result.problem


@pytest.mark.usefixtures("workers")
def test_a_malformed_detail_is_named_while_workers_run(filed: Filed) -> None:
    """The tables' cross-check cannot read a malformed detail; the chain's verdict comes first
    and names it."""
    store, path = filed()
    tamper(path, "UPDATE events SET detail = '{\"requested_seq\":' WHERE seq = 3")

    result = store.verify()
    assert (result.ok, result.first_bad_seq) == (False, 3)
    assert "cannot be read" in result.problem


@pytest.mark.usefixtures("workers")
@pytest.mark.parametrize(
    "worker",
    ["import sys\nsys.exit(3)\n", "print('not json')\n"],
    ids=["fails", "answers nonsense"],
)
def test_a_worker_that_fails_or_answers_nonsense_leaves_the_verdict_to_the_exact_scan(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, filed: Filed, worker: str
) -> None:
    worker_doing(tmp_path, monkeypatch, worker)
    store, path = filed()
    exact = []
    real = chain_scan.exact_scan
    monkeypatch.setattr(chain_scan, "exact_scan", lambda *a, **k: exact.append(1) or real(*a, **k))

    assert store.verify().ok
    assert exact == [1]  # the workers said nothing: every event was read the documented way

    tamper(path, "UPDATE events SET actor = 'U0MALLORY' WHERE seq = 3")
    result = store.verify()
    assert (result.ok, result.first_bad_seq) == (False, 3)


def test_workers_are_this_interpreter_reading_the_file_read_only(
    monkeypatch: pytest.MonkeyPatch, filed: Filed
) -> None:
    started: list[list[str]] = []
    real = chain_scan.subprocess.Popen

    def popen(args: list[str], **kwargs: object) -> object:
        started.append(args)
        return real(args, **kwargs)  # type: ignore[call-overload]

    monkeypatch.setattr(chain_scan, "PARALLEL_FROM", 1)
    monkeypatch.setattr(chain_scan.os, "cpu_count", lambda: 4)
    monkeypatch.setattr(chain_scan.subprocess, "Popen", popen)
    store, _ = filed(key=KEY)

    assert store.verify().ok
    assert len(started) == 5  # three hash the chain, two cross-check half the tables each
    assert all(args[:2] == [sys.executable, "-I"] for args in started)
    assert not any(KEY in " ".join(args) for args in started)  # the key goes through a pipe


# -- the tables' cross-check -----------------------------------------------------------------


def precise_disagreements(store: Store) -> set[str]:
    """Every request the field-by-field comparison finds at fault."""
    found = set()
    with store.engine.read() as db:
        ids = {row[0] for row in db.rows("SELECT DISTINCT request_id FROM events")}
        for request_id in ids:
            summary = summary_of(db, request_id)
            assert summary is not None
            if _request_disagreement(db, request_id, summary) is not None:
                found.add(request_id)
    return found


def in_worker(store: Store, path: Path) -> list[str] | None:
    """The query as `verify` asks it of workers: in two halves, split at the middle id."""
    last = store.head().seq
    with store.engine.read() as db:
        asked = beside.InWorker(path, last, split=beside._middle_id(db, last))
    try:
        return asked.answer()
    finally:
        asked.close()


def suspected(store: Store) -> list[str]:
    with store.engine.read() as db:
        return suspects(db, store.engine.kind)


def test_an_intact_log_has_no_suspects(store: Store) -> None:
    fill(store, requests=8)
    assert suspected(store) == []
    assert precise_disagreements(store) == set()


@pytest.mark.parametrize(
    "statements",
    [
        ["UPDATE requests SET state = 'succeeded' WHERE state = 'pending'"],
        ["UPDATE requests SET state = 'pending' WHERE state = 'rejected'"],
        ["UPDATE requests SET targets = '[\"JOB-EVIL\"]' WHERE state = 'succeeded'"],
        ["UPDATE requests SET reason = 'other' WHERE state = 'pending'"],
        ["UPDATE requests SET reason = NULL WHERE state = 'pending'"],
        ["UPDATE requests SET channel = 'C0ELSE'"],
        ["UPDATE requests SET sandbox = 0"],
        ["UPDATE requests SET sandbox = 2"],
        ["UPDATE requests SET created_at = '2020-01-01T00:00:00.000000Z' WHERE state = 'pending'"],
        ["UPDATE requests SET approvals_needed = 1 WHERE state = 'pending'"],
        ["UPDATE requests SET approvals_needed = 3 WHERE state = 'succeeded'"],
        ["UPDATE requests SET vendor = 'enos'"],
        ["UPDATE requests SET requester = 'U0MALLORY'"],
        ["UPDATE requests SET reviewed_by = 'U0MALLORY'"],
        ["UPDATE approvals SET approver = 'U0MALLORY' WHERE approver = 'U0BOB'"],
        ["DELETE FROM approvals WHERE approver = 'U0CAROL'"],
        [
            "INSERT INTO approvals (request_id, approver, at) SELECT id, 'U0EVE', created_at "
            "FROM requests WHERE state = 'pending'"
        ],
        ["UPDATE events SET actor = 'U0BOB' WHERE event = 'approved' AND actor = 'U0CAROL'"],
        ["UPDATE events SET event = 'expired' WHERE event = 'rejected'"],
        ["UPDATE events SET event = 'reviewed' WHERE event = 'rejected'"],
        ["UPDATE events SET request_id = 'R-GHOST' WHERE event = 'rejected'"],
    ],
)
def test_the_cross_check_suspects_every_request_the_precise_comparison_faults(
    store: Store, target: str | Path, statements: list[str]
) -> None:
    fill(store, requests=8)
    tamper(target, *statements)
    rehash(target)  # the chain is consistent again: only the tables' check can tell

    faulted = precise_disagreements(store)
    assert faulted, "the tampering should be visible to the precise comparison"
    assert faulted <= set(suspected(store))
    if isinstance(target, Path):  # and a worker, on its own SQLite, suspects the same
        assert in_worker(store, target) == suspected(store)
    result = store.verify()
    assert not result.ok and result.request_id in faulted


def test_a_reviewer_written_into_a_plain_request_is_named(store: Store, target: str | Path) -> None:
    [record_id, *_] = fill(store, requests=4)
    tamper(
        target, "UPDATE requests SET reviewed_by = 'U0MALLORY' WHERE id = ?", params=(record_id,)
    )

    result = store.verify()
    assert (result.ok, result.request_id) == (False, record_id)
    assert "review: the stored reviewer is U0MALLORY but its events name nobody" in result.problem


def test_a_reference_that_is_a_string_is_named(store: Store, target: str | Path) -> None:
    ids = fill(store, requests=2)
    set_detail_key(target, event="approved", key="requested_seq", value="1")
    rehash(target)

    result = store.verify()
    assert (result.ok, result.request_id) == (False, ids[1])
    assert "refers to another event" in result.problem


@pytest.mark.parametrize("event", ["requested", "denied"])
def test_a_log_written_before_the_creation_time_was_recorded_still_passes_the_quick_check(
    store: Store, target: str | Path, event: str
) -> None:
    """Its first events lack ``created_at`` (the chain says so, so nothing is compared with
    the row's); the query still lets its requests through rather than making each a suspect,
    and the field-by-field comparison passes them."""
    fill(store, requests=4)
    denied = store.record_denied(
        cancel("JOB-9"), requester="U0ALICE", channel="C0OPS", reason="not allowed"
    )
    drop_detail_key(target, event=event, key="created_at")
    rehash(target)

    with store.engine.read() as db:
        details = db.rows("SELECT detail FROM events WHERE event = ?", [event])
        assert details and not any("created_at" in detail for (detail,) in details)
    assert suspected(store) == [denied.id]  # as always: a denied first event is compared in full
    assert store.verify().ok


def test_a_creation_time_moved_earlier_is_named(store: Store, target: str | Path) -> None:
    """The row's creation time orders history; the first event records it."""
    [first, *_] = fill(store, requests=4)
    tamper(
        target,
        "UPDATE requests SET created_at = '2020-01-01T00:00:00.000000Z' WHERE id = ?",
        params=(first,),
    )

    result = store.verify()
    assert (result.ok, result.request_id) == (False, first)
    assert result.problem.startswith(
        "created_at: the stored request has '2020-01-01T00:00:00.000000Z' but its first event"
    )


def test_suspects_come_in_log_order(store: Store, target: str | Path) -> None:
    ids = fill(store, requests=8)
    tamper(target, "UPDATE requests SET channel = 'C0ELSE'")

    assert suspected(store) == ids
    assert store.verify().request_id == ids[0]


# -- Ctrl-C -------------------------------------------------------------------------------------


def test_ctrl_c_stops_a_long_statement_at_once() -> None:
    """SQLite runs a statement in C, where Python's signal handlers wait; `interruptible`
    gives them a turn, so the statement is abandoned rather than finished."""
    conn = sqlite3.connect(":memory:")
    counting = (  # tens of seconds of C: the Ctrl-C always comes while it runs
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 100000000) "
        "SELECT max(i) FROM n"
    )
    main = threading.main_thread().ident
    assert main is not None
    timer = threading.Timer(0.1, signal.pthread_kill, (main, signal.SIGINT))
    with pytest.raises(KeyboardInterrupt) as caught, interruptible(conn):
        timer.start()
        conn.execute(counting).fetchone()
    timer.join()
    assert isinstance(caught.value.__cause__, sqlite3.OperationalError)
    assert conn.execute("SELECT 1").fetchone() == (1,)  # the connection is still usable


@pytest.mark.usefixtures("workers")
def test_workers_are_stopped_when_the_verdict_is_no_longer_wanted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, filed: Filed
) -> None:
    worker_doing(tmp_path, monkeypatch, "import time\ntime.sleep(60)\n")
    started: list[subprocess.Popen[bytes]] = []
    launch = chain_scan._launch
    monkeypatch.setattr(chain_scan, "_launch", lambda *a: started.extend(launch(*a)) or started)

    def interrupted(*_: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(auditlog, "in_worker", interrupted)
    store, _ = filed(requests=2)

    with pytest.raises(KeyboardInterrupt):
        store.verify()
    assert len(started) == 2
    assert all(process.poll() is not None for process in started)  # killed, not left running


@pytest.mark.usefixtures("workers")
def test_without_processes_the_quick_pass_runs_here(
    monkeypatch: pytest.MonkeyPatch, filed: Filed
) -> None:
    launched: list[subprocess.Popen[bytes]] = []
    real = chain_scan.subprocess.Popen

    def popen(args: list[str], **kwargs: object) -> subprocess.Popen[bytes]:
        if launched:
            raise OSError("no more processes")
        launched.append(real(args, **kwargs))  # type: ignore[call-overload]
        return launched[-1]

    monkeypatch.setattr(chain_scan.subprocess, "Popen", popen)
    here = []
    quick = chain_scan.quickchain.first_suspect
    monkeypatch.setattr(
        chain_scan.quickchain, "first_suspect", lambda *a: here.append(a[2:]) or quick(*a)
    )
    store, _ = filed()
    last = store.head().seq

    assert store.verify().ok
    assert launched[0].wait(timeout=10) != 0  # the first worker was stopped, not left running
    assert here == [(0, last)]  # the whole chain, in this process
