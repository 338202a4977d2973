"""A request set back in the database (SPEC §2: it executes exactly once; §9: what executes is
what the chain says): someone who can write the database, but has no audit key, sets a request
that ran, or was rejected, back to ``pending``. Its own events still say it ended, so the check
at a click refuses it, the check before the vendor call refuses a second run, and `verify`
names the move no request makes. On SQLite and PostgreSQL (see conftest)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from store_requests import cancel
from tampering import tamper

from bot.model import AuditEventName, RequestRecord, RequestState
from bot.policy import OperationPolicy
from bot.store import ApprovalStatus, Store

ONE = OperationPolicy(approvals=1, ttl=timedelta(minutes=30))
SET_BACK = "UPDATE requests SET state = 'pending', outcome = NULL"


@pytest.fixture
def path(target: str | Path) -> str | Path:
    """The database under test (a SQLite file or a PostgreSQL URL: see conftest)."""
    return target


def pending(store: Store) -> RequestRecord:
    return store.create_request(
        cancel(), requester="U0ALICE", channel="C0OPS", policy=ONE, sandbox=True
    )


def approved(store: Store, record: RequestRecord, approver: str) -> RequestRecord:
    result = store.approve(record.id, approver=approver)
    assert result.status is ApprovalStatus.EXECUTE and result.record is not None
    return result.record


def end(store: Store, record: RequestRecord, state: RequestState) -> None:
    ended = store.transition(record.id, to=state, event=AuditEventName(state), actor="system")
    assert ended is not None


def succeeded(store: Store) -> RequestRecord:
    record = pending(store)
    end(store, approved(store, record, "U0BOB"), RequestState.SUCCEEDED)
    return record


def test_a_request_that_ran_and_was_set_back_to_pending_fails_the_check_at_a_click(
    store: Store, path: Path
) -> None:
    record = succeeded(store)
    tamper(path, SET_BACK)

    clicked, problem = store.checked(record.id)

    assert clicked is not None and clicked.state is RequestState.PENDING
    assert problem == "the stored state is pending but its events end in succeeded"


def test_a_rejected_request_set_back_to_pending_fails_the_check_at_a_click(
    store: Store, path: Path
) -> None:
    record = pending(store)
    end(store, record, RequestState.REJECTED)
    tamper(path, SET_BACK)

    _, problem = store.checked(record.id)

    assert problem == "the stored state is pending but its events end in rejected"


def test_a_second_run_is_refused_right_before_the_vendor_call(store: Store, path: Path) -> None:
    """Approved again behind the click's back (the store itself does not check): the row, its
    approvals and its last event agree, but its events run on after it succeeded."""
    record = succeeded(store)
    tamper(path, SET_BACK)
    again = approved(store, record, "U0CAROL")

    problem = store.integrity_problem(again)

    assert problem is not None
    assert "moves it from succeeded to executing, which no request does" in problem


@pytest.mark.parametrize("first_end", [RequestState.SUCCEEDED, RequestState.REJECTED])
def test_verify_names_a_request_that_ended_and_then_ran(
    store: Store, path: Path, first_end: RequestState
) -> None:
    record = pending(store)
    if first_end is RequestState.SUCCEEDED:
        record = approved(store, record, "U0BOB")
    end(store, record, first_end)
    tamper(path, SET_BACK)
    end(store, approved(store, record, "U0CAROL"), RequestState.SUCCEEDED)

    result = store.verify()

    assert not result.ok
    assert result.request_id == record.id
    assert f"moves it from {first_end.value} to executing" in result.problem


def test_verify_passes_a_call_marked_unknown_that_then_ended(store: Store) -> None:
    """The moves opsgate itself makes around `unknown`: a restarting process marks a call
    unknown, the call finds no answer either (unknown again), or it ends after all."""
    twice, after_all = pending(store), pending(store)
    for record in (twice, after_all):
        end(store, approved(store, record, "U0BOB"), RequestState.UNKNOWN)
    store.log(twice.id, AuditEventName.UNKNOWN, actor="system", detail={})
    end(store, after_all, RequestState.SUCCEEDED)

    assert store.verify().ok
