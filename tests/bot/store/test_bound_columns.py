"""SPEC §9: `verify` holds a request row to what its events vouch for, exactly: JSON values with
their types, every column of a denied request, and who asked to stop a run. On a SQLite file and
a PostgreSQL database alike (see conftest)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from store_requests import cancel
from tampering import tamper

from adapters.base import Blocker, Preview
from bot.model import AuditEventName, RequestRecord, RequestState
from bot.policy import OperationPolicy
from bot.store import ApprovalStatus, Store
from commands.model import OperationRequest

ONE = OperationPolicy(approvals=1, ttl=timedelta(minutes=30))
#: A parameter of 1 and one of false: Python's `==` takes ``true`` and ``0`` for them.
LOOSE = OperationRequest(
    operation="servicepower.job.cancel",
    vendor="servicepower",
    targets=("JOB-1",),
    params={"cascade": False, "reason_id": 1},
    reason="duplicate job",
)
BLOCKED = Preview(summary="JOB-1: running", blocked=Blocker(message="running", code="24618"))


def executing(store: Store, request: OperationRequest = LOOSE) -> RequestRecord:
    record = store.create_request(
        request, requester="U0ALICE", channel="C0OPS", policy=ONE, sandbox=True
    )
    result = store.approve(record.id, approver="U0BOB")
    assert result.status is ApprovalStatus.EXECUTE and result.record is not None
    return result.record


def end(store: Store, record: RequestRecord, state: RequestState, **detail: str) -> None:
    actor = detail.get("stopped_by", "system")
    ended = store.transition(
        record.id, to=state, event=AuditEventName(state.value), actor=actor, detail=detail
    )
    assert ended is not None


def assert_caught(store: Store, record: RequestRecord, named: str) -> None:
    result = store.verify()
    assert (result.ok, result.request_id) == (False, record.id)
    assert result.problem.startswith(named), result.problem


# -- JSON values compare with their types -------------------------------------------------------


@pytest.mark.parametrize(
    ("column", "old", "new"),
    [
        ("params", '"reason_id":1', '"reason_id":true'),
        ("params", '"reason_id":1', '"reason_id":1.0'),
        ("params", '"cascade":false', '"cascade":0'),
        ("policy", '"self_approval":false', '"self_approval":0'),
        ("policy", '"ttl_seconds":1800', '"ttl_seconds":"1800"'),
        ("policy", '{"approvals"', '{"extra":1,"approvals"'),
    ],
)
def test_a_json_value_of_another_type_fails_verify(
    store: Store, target: str | Path, column: str, old: str, new: str
) -> None:
    record = executing(store)
    end(store, record, RequestState.SUCCEEDED)
    assert store.verify().ok
    tamper(target, f"UPDATE requests SET {column} = replace({column}, ?, ?)", params=(old, new))  # noqa: S608

    assert_caught(store, record, f"{column}:")


def test_the_check_before_the_vendor_call_compares_types_too(
    store: Store, target: str | Path
) -> None:
    record = executing(store)
    tamper(target, "UPDATE requests SET params = replace(params, 'false', '0')")

    changed = store.get(record.id)

    assert changed is not None and changed.params["cascade"] == 0
    assert (store.integrity_problem(changed) or "").startswith("params:")


# -- a denied request's row is bound to its event -----------------------------------------------


def denied_by_policy(store: Store) -> RequestRecord:
    return store.record_denied(
        cancel(), requester="U0DAVE", channel="C0OPS", reason="not a requester"
    )


def denied_by_preview(store: Store) -> RequestRecord:
    return store.record_denied(
        cancel(), requester="U0DAVE", channel="C0OPS", reason="blocked", blocked=BLOCKED
    )


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("sandbox", 1),
        ("approvals_needed", 2),
        ("expires_at", "2099-01-01T00:00:00.000000Z"),
        ("policy", '{"approvals":0,"approvers":[],"self_approval":true,"ttl_seconds":0}'),
        ("break_glass", "INC-1"),
        ("outcome", '{"kind":"closed","by":"system","note":"fine"}'),
    ],
)
def test_a_policy_denial_row_holds_what_opsgate_writes(
    store: Store, target: str | Path, column: str, value: object
) -> None:
    record = denied_by_policy(store)
    assert store.verify().ok
    tamper(target, f"UPDATE requests SET {column} = ?", params=(value,))  # noqa: S608

    assert_caught(store, record, f"{column}:")


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("preview", '{"kind":"preview","summary":"JOB-1: idle"}'),
        ("outcome", None),
        ("outcome", '{"kind":"closed","by":"U0DAVE","note":"running","code":"24618"}'),
    ],
)
def test_a_blocked_denial_row_holds_its_preview_and_outcome(
    store: Store, target: str | Path, column: str, value: str | None
) -> None:
    record = denied_by_preview(store)
    assert store.verify().ok
    tamper(target, f"UPDATE requests SET {column} = ?", params=(value,))  # noqa: S608

    assert_caught(store, record, f"{column}:")


def test_a_denied_break_glass_request_verifies(store: Store) -> None:
    """A refused ``--break-glass`` names its incident in the event, never in the row."""
    asked = cancel().model_copy(update={"break_glass": "INC-7"})
    store.record_denied(asked, requester="U0DAVE", channel="C0OPS", reason="not on call")
    denied_by_preview(store)

    assert store.verify().ok


# -- who asked to stop ---------------------------------------------------------------------------


def stopped(store: Store) -> RequestRecord:
    record = executing(store)
    assert store.request_stop(record.id, by="U0BOB") is not None
    end(store, record, RequestState.STOPPED, stopped_by="U0BOB")
    return record


def test_an_edited_stopper_of_a_stopped_request_fails_verify(
    store: Store, target: str | Path
) -> None:
    record = stopped(store)
    assert store.verify().ok
    tamper(target, "UPDATE requests SET stop_requested_by = 'U0MALLORY'")

    assert_caught(store, record, "stop_requested_by:")


def test_a_stop_on_a_request_that_never_ran_fails_verify(store: Store, target: str | Path) -> None:
    record = store.create_request(
        LOOSE, requester="U0ALICE", channel="C0OPS", policy=ONE, sandbox=True
    )
    tamper(
        target,
        "UPDATE requests SET stop_requested_by = 'U0MALLORY', "
        "stop_requested_at = '2026-01-01T00:00:00.000000Z'",
    )

    assert_caught(store, record, "stop_requested_by:")


def test_a_stop_time_without_a_stopper_fails_verify(store: Store, target: str | Path) -> None:
    record = stopped(store)
    tamper(target, "UPDATE requests SET stop_requested_by = NULL")

    assert_caught(store, record, "stop")


@pytest.mark.parametrize(
    "state", [RequestState.EXECUTING, RequestState.FAILED, RequestState.SUCCEEDED]
)
def test_a_stop_pressed_that_no_event_names_yet_verifies(store: Store, state: RequestState) -> None:
    """Pressed while it runs: the ``stopped`` event comes at its end; a run whose call failed
    ends ``failed`` without naming who pressed Stop; and Stop may be pressed in the moment after
    a run's end has read who stopped it, before it is recorded ``succeeded``."""
    record = executing(store)
    assert store.request_stop(record.id, by="U0BOB") is not None
    if state is not RequestState.EXECUTING:
        end(store, record, state)
    stopped(store)

    assert store.verify().ok
