"""SPEC §9 against someone who can write the database file: the integrity check before each
vendor call, `verify`'s cross-check of the tables, and anchors."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from store_requests import cancel
from tampering import rehash, set_detail_key, tamper, truncate

from bot.model import AuditEventName, RequestRecord, RequestState
from bot.policy import OperationPolicy
from bot.store import ApprovalStatus, ChainHead, Store
from bot.store.database import SqliteEngine
from bot.store.engine import rows_in_pages, tuples_in_pages
from bot.store.integrity import approvals_problem, request_problem

TWO = OperationPolicy(approvals=2, ttl=timedelta(minutes=30))


@pytest.fixture
def path(target: str | Path) -> str | Path:
    """The database under test (a SQLite file or a PostgreSQL URL: see conftest)."""
    return target


def pending(store: Store, policy: OperationPolicy = TWO) -> RequestRecord:
    return store.create_request(
        cancel(), requester="U0ALICE", channel="C0OPS", policy=policy, sandbox=True
    )


def executing(store: Store) -> RequestRecord:
    record = pending(store)
    store.approve(record.id, approver="U0BOB")
    result = store.approve(record.id, approver="U0CAROL")
    assert result.status is ApprovalStatus.EXECUTE and result.record is not None
    return result.record


def finish(store: Store, record: RequestRecord) -> None:
    store.transition(
        record.id,
        to=RequestState.SUCCEEDED,
        event=AuditEventName.SUCCEEDED,
        actor="system",
    )


# -- the integrity check before the vendor call ---------------------------------------------


def test_an_untouched_request_passes(store: Store) -> None:
    assert store.integrity_problem(executing(store)) is None


def test_a_changed_target_is_named(store: Store, path: Path) -> None:
    record = pending(store)
    tamper(path, "UPDATE requests SET targets = '[\"JOB-EVIL\"]'")
    store.approve(record.id, approver="U0BOB")
    after = store.approve(record.id, approver="U0CAROL").record
    assert after is not None and after.targets == ("JOB-EVIL",)

    problem = store.integrity_problem(after)

    assert problem is not None
    assert "targets" in problem and "JOB-EVIL" in problem and "JOB-1002" in problem


@pytest.mark.parametrize(
    ("column", "value", "named"),
    [
        ("params", """'{"reason_id":1}'""", "params"),
        ("reason", "'other'", "reason"),
        ("operation", "'servicepower.job.cancel.all'", "operation"),
        ("vendor", "'enos'", "vendor"),
        ("requester", "'U0MALLORY'", "requester"),
        ("approvals_needed", "1", "approvals_needed"),
        ("policy", "NULL", "policy"),
        ("expires_at", "'2099-01-01T00:00:00.000000Z'", "expires_at"),
        ("created_at", "'2020-01-01T00:00:00.000000Z'", "created_at"),
        ("preview", """'{"summary":"all fine"}'""", "preview"),
    ],
)
def test_each_changed_field_is_named(
    store: Store, path: Path, column: str, value: str, named: str
) -> None:
    record = executing(store)
    tamper(path, f"UPDATE requests SET {column} = {value}")  # noqa: S608

    changed = store.get(record.id)

    assert changed is not None
    assert named in (store.integrity_problem(changed) or "")


def test_a_changed_approval_row_is_named(store: Store, path: Path) -> None:
    record = pending(store)
    store.approve(record.id, approver="U0BOB")
    # Rename Bob's approval so that Bob can count twice.
    tamper(path, "UPDATE approvals SET approver = 'U0CAROL'")
    after = store.approve(record.id, approver="U0BOB").record
    assert after is not None and after.state is RequestState.EXECUTING

    problem = store.integrity_problem(after)

    assert problem is not None and problem.startswith("approvals:")
    assert "U0CAROL" in problem


def test_an_approval_row_added_by_hand_is_named(store: Store, path: Path) -> None:
    record = pending(store)
    tamper(
        path,
        "INSERT INTO approvals (request_id, approver, at) VALUES (?, 'U0GHOST', 'x')",
        params=(record.id,),
    )
    after = store.approve(record.id, approver="U0BOB").record
    assert after is not None and after.state is RequestState.EXECUTING

    assert "approvals" in (store.integrity_problem(after) or "")


def test_a_rewritten_requested_event_is_caught_by_its_hash(store: Store, path: Path) -> None:
    record = executing(store)
    tamper(path, "UPDATE events SET targets = '[\"JOB-EVIL\"]' WHERE seq = 1")
    tamper(path, "UPDATE requests SET targets = '[\"JOB-EVIL\"]'")
    changed = store.get(record.id)
    assert changed is not None

    assert "event 1 was changed" in (store.integrity_problem(changed) or "")


# -- verify: the tables against the events --------------------------------------------------


def test_verify_passes_on_an_untouched_log(store: Store) -> None:
    finish(store, executing(store))
    pending(store)

    assert store.verify().ok


@pytest.mark.parametrize(
    ("statement", "named"),
    [
        ("UPDATE requests SET targets = '[\"JOB-EVIL\"]'", "targets"),
        ("UPDATE requests SET state = 'pending'", "stored state is pending"),
        ("UPDATE requests SET params = '{}'", "params"),
        ("UPDATE approvals SET approver = 'U0MALLORY' WHERE approver = 'U0BOB'", "approvals"),
        ("DELETE FROM approvals WHERE approver = 'U0BOB'", "approvals"),
    ],
)
def test_verify_names_the_request_whose_row_disagrees(
    store: Store, path: Path, statement: str, named: str
) -> None:
    record = executing(store)
    finish(store, record)
    tamper(path, statement)

    result = store.verify()

    assert not result.ok
    assert result.request_id == record.id
    assert named in result.problem
    assert record.id in result.describe()


def test_verify_catches_deleting_the_newest_events_and_repointing_the_head(
    store: Store, path: Path
) -> None:
    record = executing(store)
    finish(store, record)
    succeeded = store.head().seq
    assert store.verify().ok

    truncate(path, keep=succeeded - 1)  # the `succeeded` event is gone; the chain is consistent

    result = store.verify()
    assert not result.ok and result.request_id == record.id
    assert "stored state is succeeded but its events end in executing" in result.problem


def test_verify_catches_a_request_whose_events_are_all_gone(store: Store, path: Path) -> None:
    finish(store, executing(store))
    keep = store.head().seq
    newest = pending(store)

    truncate(path, keep=keep)

    result = store.verify()
    assert (result.ok, result.request_id) == (False, newest.id)
    assert "no events" in result.problem


def test_verify_catches_events_of_a_request_the_table_lost(store: Store, path: Path) -> None:
    record = pending(store)
    tamper(
        path,
        "DELETE FROM held_targets WHERE request_id = ?",  # PostgreSQL keeps foreign keys
        "DELETE FROM requests WHERE id = ?",
        params=(record.id,),
    )

    result = store.verify()
    assert (result.ok, result.request_id) == (False, record.id)
    assert "no row in the requests table" in result.problem


def test_an_edited_later_reference_is_named(store: Store, path: Path) -> None:
    record = executing(store)
    set_detail_key(path, event="approved", key="requested_seq", value=99)
    rehash(path)

    result = store.verify()
    assert (result.ok, result.request_id) == (False, record.id)
    assert "refers to another event" in result.problem


# -- anchors --------------------------------------------------------------------------------


def test_head_is_the_last_event(store: Store) -> None:
    assert store.head() == ChainHead(0, "0" * 64)
    record = pending(store)
    [event] = store.events(request_id=record.id)

    assert store.head() == ChainHead(event.seq, event.hash)
    assert str(store.head()) == f"{event.seq}:{event.hash}"


def test_an_anchor_holds_while_the_log_grows(store: Store) -> None:
    pending(store)
    anchor = store.head()
    finish(store, executing(store))

    assert store.verify(anchors=[anchor, ChainHead(0, "0" * 64)]).ok


def test_an_anchor_catches_a_consistent_truncation(store: Store, path: Path) -> None:
    finish(store, executing(store))
    keep = store.head().seq
    newest = pending(store)
    anchor = store.head()
    # Remove the newest request completely: its events, its row, and the head. The tables and
    # the chain then agree, so only the anchor can tell.
    truncate(path, keep=keep)
    tamper(
        path,
        "DELETE FROM held_targets WHERE request_id = ?",  # PostgreSQL keeps foreign keys
        "DELETE FROM requests WHERE id = ?",
        params=(newest.id,),
    )
    assert store.verify().ok

    result = store.verify(anchors=[anchor])

    assert (result.ok, result.first_bad_seq) == (False, anchor.seq)
    assert "not in the log" in result.problem


def test_an_anchor_catches_a_rewrite_before_it(store: Store, path: Path) -> None:
    record = pending(store)
    store.log(record.id, AuditEventName.DENIED, actor="U0DAVE", detail={"reason": "no"})
    anchor = store.head()
    # Rewrite an event before the anchor that no table mirrors, then recompute every hash.
    tamper(path, "UPDATE events SET actor = 'U0SOMEONE' WHERE event = 'denied'")
    rehash(path)
    assert store.verify().ok  # unkeyed: a full recomputation is undetectable on its own

    result = store.verify(anchors=[anchor])

    assert (result.ok, result.first_bad_seq) == (False, anchor.seq)
    assert "rewritten" in result.problem


def test_a_refused_request_is_checked_against_its_denied_event(store: Store, path: Path) -> None:
    record = store.record_denied(
        cancel(), requester="U0DAVE", channel="C0OPS", reason="not a requester"
    )
    assert store.verify().ok
    tamper(path, "UPDATE requests SET reason = 'routine cleanup'")

    result = store.verify()

    assert (result.ok, result.request_id) == (False, record.id)
    assert result.problem.startswith("reason:")


# -- the comparisons themselves -------------------------------------------------------------


def test_approvals_must_be_distinct_and_enough() -> None:
    record = RequestRecord.model_validate(
        {
            "id": "R-7K3F9QW2",
            "operation": "servicepower.job.cancel",
            "vendor": "servicepower",
            "targets": ("JOB-1",),
            "requester": "U0ALICE",
            "channel": "C0OPS",
            "state": RequestState.EXECUTING,
            "approvals_needed": 2,
            "approvers": ("U0BOB", "U0BOB"),
            "created_at": "2026-01-01T00:00:00Z",
            "expires_at": "2026-01-01T00:30:00Z",
        }
    )
    once = record.model_copy(update={"approvers": ("U0BOB",)})

    assert "more than once" in (
        approvals_problem(record, ["U0BOB", "U0BOB"], need_count=True) or ""
    )
    assert "2 approvals are needed" in (approvals_problem(once, ["U0BOB"], need_count=True) or "")
    assert approvals_problem(once, ["U0BOB"], need_count=False) is None
    nobody = record.model_copy(update={"approvers": (), "approvals_needed": 1})
    assert approvals_problem(nobody, [], need_count=True) == (
        "approvals: 0 approved events, but 1 approval is needed"
    )


def test_a_request_whose_first_event_is_not_its_request_is_named(store: Store, path: Path) -> None:
    record = executing(store)
    approved = next(e for e in store.events(request_id=record.id) if e.event.value == "approved")

    assert "not requested" in (request_problem(record, approved) or "")
    assert "no events" in (request_problem(record, None) or "")


def test_events_whose_text_needs_escaping_verify_through_the_precise_path(store: Store) -> None:
    """`verify`'s quick path assumes identifiers need no JSON escaping; when they do, the
    documented algorithm decides (and an intact log still verifies)."""
    odd = 'U0"QUOTE\\D'
    record = store.create_request(
        cancel(), requester=odd, channel="C0OPS", policy=TWO, sandbox=True
    )
    store.approve(record.id, approver='U0"BOB')
    store.log(record.id, AuditEventName.DENIED, actor=odd, detail={"x": {"requested_seq": 9}})

    result = store.verify()

    assert (result.ok, result.checked) == (True, 3)


def test_the_check_before_the_vendor_call_reads_the_log_in_one_query() -> None:
    store = Store.memory()
    engine = store.engine
    assert isinstance(engine, SqliteEngine)
    record = executing(store)
    statements: list[str] = []
    engine.db.conn.set_trace_callback(statements.append)

    assert store.integrity_problem(record) is None
    assert len([sql for sql in statements if "FROM events" in sql]) == 1


# -- verify reads the log in pages -----------------------------------------------------------


def test_verify_reads_every_page_and_catches_a_change_on_a_later_one(
    store: Store, path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With pages of 2 events, a log of 11 spans six pages: every event is counted, and a
    rewrite in a later page is found (a paging slip would skip it and say intact)."""
    monkeypatch.setattr("bot.store.scan.PAGE", 2)
    for _ in range(2):
        finish(store, executing(store))
    pending(store)
    result = store.verify()
    assert (result.ok, result.checked) == (True, 11)

    tamper(path, "UPDATE events SET actor = 'U0MALLORY' WHERE seq = 10")
    result = store.verify()
    assert not result.ok and result.first_bad_seq == 10


def test_pages_of_rows_and_of_tuples_hold_every_event_once(store: Store) -> None:
    finish(store, executing(store))
    sql = "SELECT seq, event FROM events WHERE seq > :after ORDER BY seq LIMIT :page"
    with store.engine.read() as db:
        rows = [row["seq"] for row in rows_in_pages(db, sql, page=2)]
        tuples = [row[0] for row in tuples_in_pages(db, sql, page=2)]
        later = [row[0] for row in tuples_in_pages(db, sql, after=3, page=2)]
    assert rows == tuples == [1, 2, 3, 4, 5]
    assert later == [4, 5]
