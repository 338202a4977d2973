"""SPEC §9 at a click: `Store.checked` reads a request and checks a pending one against its
audit record in the same read, so a click judges only what was checked; and a request that a
click ended ``failed`` (integrity) while pending verifies as what it is. On both engines."""

from __future__ import annotations

from pathlib import Path

import pytest
from store_requests import TWO, cancel
from tampering import rehash, tamper

from bot.model import AuditEventName, RequestRecord, RequestState
from bot.store import Store, integrity_failure
from bot.store.database import SqliteEngine


def pending(store: Store) -> RequestRecord:
    return store.create_request(
        cancel(), requester="U0ALICE", channel="C0OPS", policy=TWO, sandbox=True
    )


def fail_at_a_click(store: Store, record: RequestRecord, problem: str) -> None:
    """End a pending request as a click that found it changed does."""
    outcome = integrity_failure(problem)
    ended = store.transition(
        record.id,
        to=RequestState.FAILED,
        event=AuditEventName.FAILED,
        actor="system",
        detail=outcome.model_dump(mode="json", exclude={"kind", "next_step"}, exclude_none=True),
        outcome=outcome,
    )
    assert ended is not None and ended.state is RequestState.FAILED


def test_a_pending_request_short_of_its_approvals_agrees(store: Store) -> None:
    record = pending(store)
    store.approve(record.id, approver="U0BOB")  # one of two: still pending

    read, problem = store.checked(record.id.lower())

    assert problem is None
    assert read is not None and read.approvers == ("U0BOB",)


def test_before_the_vendor_call_the_approvals_must_still_add_up(store: Store) -> None:
    record = pending(store)
    store.approve(record.id, approver="U0BOB")
    current = store.get(record.id)
    assert current is not None
    about_to_run = current.model_copy(update={"state": RequestState.EXECUTING})

    assert "1 approved event, but 2 approvals are needed" in (
        store.integrity_problem(about_to_run) or ""
    )


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("approvals_needed", "0"),
        ("approvals_needed", "3"),
        ("targets", "'[\"JOB-EVIL\"]'"),
        ("channel", "'C0ELSEWHERE'"),
        ("requester", "'U0MALLORY'"),
        ("expires_at", "'2099-01-01T00:00:00.000000Z'"),
    ],
)
def test_a_changed_pending_request_is_named_as_it_is_read(
    store: Store, target: str | Path, column: str, value: str
) -> None:
    record = pending(store)
    tamper(target, f"UPDATE requests SET {column} = {value}")  # noqa: S608

    read, problem = store.checked(record.id)

    assert read is not None and read.state is RequestState.PENDING
    assert problem is not None and problem.startswith(f"{column}:")


def test_a_changed_approval_of_a_pending_request_is_named(store: Store, target: str | Path) -> None:
    record = pending(store)
    store.approve(record.id, approver="U0BOB")
    tamper(target, "UPDATE approvals SET approver = 'U0CAROL'")

    _, problem = store.checked(record.id)

    assert problem is not None and problem.startswith("approvals:")


def test_a_request_no_longer_pending_is_read_but_not_checked(
    store: Store, target: str | Path
) -> None:
    record = pending(store)
    store.transition(
        record.id, to=RequestState.REJECTED, event=AuditEventName.REJECTED, actor="U0BOB"
    )
    tamper(target, "UPDATE requests SET reason = 'other'")

    read, problem = store.checked(record.id)

    assert read is not None and read.reason == "other" and problem is None


def test_an_unknown_id_reads_as_none(store: Store) -> None:
    assert store.checked("R-NOPE1234") == (None, None)


def test_a_request_failed_at_a_click_verifies_once_its_row_agrees_again(
    store: Store, target: str | Path
) -> None:
    """It never went ahead (no ``executing`` event), so verify asks for no approvals of it;
    while its row still disagrees, verify names it."""
    record = pending(store)
    tamper(target, "UPDATE requests SET approvals_needed = 0")
    _, problem = store.checked(record.id)
    assert problem is not None
    fail_at_a_click(store, record, problem)

    still = store.verify()
    assert not still.ok and still.request_id == record.id
    assert "approvals_needed" in (still.problem or "")

    tamper(target, "UPDATE requests SET approvals_needed = 2")
    assert store.verify().ok


def test_a_request_that_went_ahead_must_still_have_its_approvals(
    store: Store, target: str | Path
) -> None:
    """An unkeyed chain rewritten so that Carol's approval reads as a refused click: the
    request's ``executing`` event says it went ahead, so one approval of two is named."""
    record = pending(store)
    store.approve(record.id, approver="U0BOB")
    store.approve(record.id, approver="U0CAROL")  # executing
    store.transition(record.id, to=RequestState.FAILED, event=AuditEventName.FAILED, actor="system")
    assert store.verify().ok

    tamper(
        target,
        "DELETE FROM approvals WHERE approver = 'U0CAROL'",
        "UPDATE events SET event = 'denied' WHERE event = 'approved' AND actor = 'U0CAROL'",
    )
    rehash(target)
    result = store.verify()

    assert not result.ok and result.request_id == record.id
    assert "1 approved event, but 2 approvals are needed" in (result.problem or "")


def test_the_checked_read_is_one_transaction_reading_the_log_once() -> None:
    store = Store.memory()
    engine = store.engine
    assert isinstance(engine, SqliteEngine)
    record = pending(store)
    statements: list[str] = []
    engine.db.conn.set_trace_callback(statements.append)

    assert store.checked(record.id)[1] is None

    assert len([sql for sql in statements if sql.startswith("BEGIN")]) == 1
    assert len([sql for sql in statements if "FROM events" in sql]) == 1
