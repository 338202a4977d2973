"""SPEC §9: the `requested` event holds the complete request and the policy that applied; every
later event refers to it instead of copying its targets."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from adapters.base import Preview
from bot.model import AuditEventName, PolicySnapshot, RequestState
from bot.policy import OperationPolicy
from bot.store import Store
from bot.store.database import SqliteEngine
from bot.store.export import event_fields
from bot.store.results import ApprovalStatus
from bot.store.rows import format_time
from commands.model import OperationRequest

LEADS_POLICY = OperationPolicy(
    approvers=("S0OPSLEADS", "U0ERIN"), approvals=2, self_approval=True, ttl=timedelta(hours=2)
)


def bulk_cancel(count: int) -> OperationRequest:
    return OperationRequest(
        operation="aliyun.ota-task.cancel",
        vendor="aliyun",
        targets=tuple(f"thermo-{i:05d}" for i in range(count)),
        params={"product": "a1OpsThermo", "firmware": "fw-thermo-2.1.0"},
        reason="bad firmware rollout",
    )


def test_the_requested_event_holds_the_complete_request_and_its_policy(store: Store) -> None:
    record = store.create_request(
        bulk_cancel(3),
        requester="U0ALICE",
        channel="C0OPS",
        policy=LEADS_POLICY,
        sandbox=True,
        preview=Preview(summary="3 devices"),
    )

    [event] = store.events(request_id=record.id)
    assert (event.event, event.actor, event.operation) == (
        AuditEventName.REQUESTED,
        "U0ALICE",
        "aliyun.ota-task.cancel",
    )
    assert event.targets == ("thermo-00000", "thermo-00001", "thermo-00002")
    assert event.detail == {
        "reason": "bad firmware rollout",
        "channel": "C0OPS",
        "params": {"product": "a1OpsThermo", "firmware": "fw-thermo-2.1.0"},
        "preview": {
            "kind": "preview",
            "summary": "3 devices",
            "facts": {},
            "warnings": [],
            "found": True,
            "blocked": None,
            "outcome_note": "",
            "verdict": "ok",
        },
        "sandbox": True,
        "approvals_needed": 2,
        "created_at": format_time(record.created_at),
        "expires_at": format_time(record.expires_at),
        "policy": {
            "approvals": 2,
            "approvers": ["S0OPSLEADS", "U0ERIN"],
            "self_approval": True,
            "ttl_seconds": 7200,
            "notify_approvers": True,
            "remind": True,
            "break_glass": [],
            "review_within_seconds": 86400,
        },
        "break_glass": None,
        "review_due_at": None,
    }
    assert event.detail["expires_at"].startswith(record.expires_at.strftime("%Y-%m-%dT%H:%M"))


def test_the_request_keeps_the_policy_that_applied(store: Store) -> None:
    record = store.create_request(
        bulk_cancel(1), requester="U0ALICE", channel="C0OPS", policy=LEADS_POLICY, sandbox=False
    )

    snapshot = PolicySnapshot(
        approvals=2, approvers=("S0OPSLEADS", "U0ERIN"), self_approval=True, ttl_seconds=7200
    )
    assert record.policy == snapshot
    assert store.get(record.id) == record
    assert (record.approvals_needed, record.expires_at - record.created_at) == (
        2,
        timedelta(hours=2),
    )


def test_later_events_refer_to_the_requested_event(store: Store) -> None:
    record = store.create_request(
        bulk_cancel(3),
        requester="U0ALICE",
        channel="C0OPS",
        policy=OperationPolicy(),
        sandbox=False,
    )
    store.log(record.id, AuditEventName.DENIED, actor="U0DAVE", detail={"reason": "no"})
    store.approve(record.id, approver="U0BOB")
    store.transition(
        record.id,
        to=RequestState.SUCCEEDED,
        event=AuditEventName.SUCCEEDED,
        actor="system",
    )

    requested, *later = store.events(request_id=record.id)
    assert [e.event for e in later] == [
        AuditEventName.DENIED,
        AuditEventName.APPROVED,
        AuditEventName.EXECUTING,
        AuditEventName.SUCCEEDED,
    ]
    assert all(e.targets == () for e in later)
    assert all(e.detail["requested_seq"] == requested.seq for e in later)
    assert store.verify().ok


def test_a_request_refused_before_its_card_holds_the_complete_request(store: Store) -> None:
    record = store.record_denied(
        bulk_cancel(2), requester="U0DAVE", channel="C0OPS", reason="not a requester"
    )

    [event] = store.events(request_id=record.id)
    assert event.event is AuditEventName.DENIED
    assert event.targets == ("thermo-00000", "thermo-00001")
    assert event.detail["reason"] == "not a requester"
    assert event.detail["request_reason"] == "bad firmware rollout"
    assert event.detail["params"] == {"product": "a1OpsThermo", "firmware": "fw-thermo-2.1.0"}
    assert "requested_seq" not in event.detail
    assert store.verify().ok


def test_a_denied_click_on_a_10000_target_request_adds_a_few_hundred_bytes(store: Store) -> None:
    record = store.create_request(
        bulk_cancel(10_000),
        requester="U0ALICE",
        channel="C0OPS",
        policy=OperationPolicy(),
        sandbox=False,
    )
    refusal = {
        "action": "approve",
        "reason": "You requested R-XXXXXXXX, so you cannot approve it: 1 approval from anyone "
        "but the requester.",
        "channel": "C0OPS",
    }

    denied = store.log(record.id, AuditEventName.DENIED, actor="U0ALICE", detail=refusal)

    [requested] = [e for e in store.events(request_id=record.id) if e.seq < denied.seq]
    size = len(json.dumps(event_fields(denied), ensure_ascii=False).encode("utf-8"))
    assert size < 700, size
    assert len(json.dumps(event_fields(requested)).encode("utf-8")) > 100_000


def test_the_release_2_events_are_written_the_way_they_happen(store: Store) -> None:
    """``break_glass`` (and its ``executing``) when a request runs at once, ``stopped`` when a
    stopped run ends, ``reviewed`` when it is marked reviewed; the log verifies throughout."""
    record = store.create_request(
        bulk_cancel(1).model_copy(update={"break_glass": "INC-7"}),
        requester="U0ALICE",
        channel="C0OPS",
        policy=OperationPolicy(break_glass=("U0ALICE",)),
        sandbox=False,
        break_glass=True,
    )
    assert record.state is RequestState.EXECUTING
    assert store.request_stop(record.id, by="U0BOB") is not None
    store.transition(
        record.id, to=RequestState.STOPPED, event=AuditEventName.STOPPED, actor="U0BOB"
    )
    assert store.review(record.id, reviewer="U0BOB", channel="C0OPS") is not None

    names = [e.event.value for e in store.events(request_id=record.id)]
    assert names == ["requested", "break_glass", "executing", "stopped", "reviewed"]
    assert store.verify().ok


@pytest.mark.parametrize("value", ["stopped", "reviewed"])
def test_a_bare_stopped_or_reviewed_event_disagrees_with_its_request(
    store: Store, value: str
) -> None:
    """Logged without the change it stands for (a stopped state, a stored reviewer), the
    event contradicts the tables, and verify says so."""
    record = store.create_request(
        bulk_cancel(1),
        requester="U0ALICE",
        channel="C0OPS",
        policy=OperationPolicy(),
        sandbox=False,
    )

    store.log(record.id, AuditEventName(value), actor="U0BOB")

    result = store.verify()
    assert not result.ok and result.request_id == record.id


def test_a_write_looks_up_a_requests_first_event_at_most_once() -> None:
    store = Store.memory()
    engine = store.engine
    assert isinstance(engine, SqliteEngine)
    statements: list[str] = []
    engine.db.conn.set_trace_callback(statements.append)
    policy = OperationPolicy(approvers=("U0BOB",), approvals=1, self_approval=False)
    record = store.create_request(
        bulk_cancel(2), requester="U0ALICE", channel="C0OPS", policy=policy, sandbox=True
    )
    lookups = [sql for sql in statements if "MIN(seq)" in sql]
    assert lookups == []  # its first event was appended in this very transaction

    statements.clear()
    assert store.approve(record.id, approver="U0BOB").status is ApprovalStatus.EXECUTE
    assert len([sql for sql in statements if "MIN(seq)" in sql]) == 1
    assert [e.detail.get("requested_seq") for e in store.events(request_id=record.id)] == [
        None,
        1,
        1,
    ]
    assert store.verify().ok
