"""Approvals whose approvers could no longer approve (`lapsed`, judged at the click) stay
recorded, with their events, but no longer count; `verify` passes such logs, on both engines."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import timedelta

from bot.model import AuditEventName, RequestState
from bot.policy import OperationPolicy
from bot.store import ApprovalResult, ApprovalStatus, Store
from commands.model import OperationRequest

REQUEST = OperationRequest(
    operation="enos.ota-job.delete", vendor="enos", targets=("job-1",), params={"org": "o1"}
)


def needing_two(store: Store) -> str:
    """A request needing two approvals, already approved by U1."""
    record = store.create_request(
        REQUEST,
        requester="U0",
        channel="C1",
        policy=OperationPolicy(approvals=2, ttl=timedelta(minutes=5)),
        sandbox=False,
    )
    assert store.approve(record.id, approver="U1").status is ApprovalStatus.RECORDED
    return record.id


def test_a_lapsed_approval_is_kept_but_not_counted(store: Store) -> None:
    rid = needing_two(store)

    second = store.approve(rid, approver="U2", lapsed=frozenset({"U1"}))

    assert second.status is ApprovalStatus.RECORDED
    record = store.get(rid)
    assert record is not None and record.state is RequestState.PENDING
    assert record.approvers == ("U1", "U2") and record.lapsed == ("U1",)
    assert store.verify().ok

    third = store.approve(rid, approver="U3", lapsed=frozenset({"U1"}))

    assert third.status is ApprovalStatus.EXECUTE
    assert third.record is not None and third.record.lapsed == ("U1",)
    named = [e.event for e in store.events(request_id=rid)]
    assert named.count(AuditEventName.APPROVED) == 3  # the lapsed one's event stays
    executing = list(store.events(request_id=rid))[-1]
    assert executing.detail["approvers"] == ["U2", "U3"]
    assert executing.detail["lapsed"] == ["U1"]
    assert store.verify().ok
    assert store.integrity_problem(third.record) is None  # the check before the vendor call


def needing_three_with_u1_lapsed(store: Store) -> str:
    """A request needing three approvals: U1's, then U2's, whose click judged U1's lapsed."""
    record = store.create_request(
        REQUEST,
        requester="U0",
        channel="C1",
        policy=OperationPolicy(approvals=3, ttl=timedelta(minutes=5)),
        sandbox=False,
    )
    store.approve(record.id, approver="U1")
    store.approve(record.id, approver="U2", lapsed=frozenset({"U1"}))
    return record.id


def test_a_lapse_recorded_since_a_click_read_the_request_stands(store: Store) -> None:
    rid = needing_three_with_u1_lapsed(store)

    # U3's click read the request before U2's found U1's approval lapsed: it judged U1 fine.
    result = store.approve(rid, approver="U3", lapsed=frozenset())

    assert result.status is ApprovalStatus.RECORDED
    record = store.get(rid)
    assert record is not None and record.state is RequestState.PENDING
    assert record.lapsed == ("U1",)
    assert list(store.events(request_id=rid))[-1].detail["lapsed"] == ["U1"]
    assert store.verify().ok


def test_a_click_that_saw_the_lapse_and_judged_the_approver_back_restores_it(
    store: Store,
) -> None:
    rid = needing_three_with_u1_lapsed(store)

    result = store.approve(rid, approver="U3", restored=store.lapses(rid))

    assert result.status is ApprovalStatus.EXECUTE
    assert result.record is not None and result.record.lapsed == ()
    assert list(store.events(request_id=rid))[-1].detail["approvers"] == ["U1", "U2", "U3"]
    assert store.verify().ok


def test_an_approver_judged_back_counts_again_without_a_second_approval(store: Store) -> None:
    rid = needing_two(store)
    store.approve(rid, approver="U2", lapsed=frozenset({"U1"}))

    again = store.approve(rid, approver="U2", restored=store.lapses(rid))  # U2 clicks again

    assert again.status is ApprovalStatus.EXECUTE
    assert again.record is not None and again.record.approvers == ("U1", "U2")
    events = list(store.events(request_id=rid))
    assert [e.event for e in events].count(AuditEventName.APPROVED) == 2
    assert (events[-1].event, events[-1].actor) == (AuditEventName.EXECUTING, "U2")
    assert events[-1].detail["approvers"] == ["U1", "U2"]
    assert store.verify().ok
    assert store.integrity_problem(again.record) is None


def test_a_click_again_that_restores_without_completing_is_counted_not_an_approval(
    store: Store,
) -> None:
    rid = needing_three_with_u1_lapsed(store)

    # U2 clicks again, judging U1 back: two approvals count of three; nobody approves twice.
    again = store.approve(rid, approver="U2", restored=store.lapses(rid))

    assert again.status is ApprovalStatus.COUNTED_AGAIN
    assert again.record is not None and again.record.approvers == ("U1", "U2")
    record = store.get(rid)
    assert record is not None and record.state is RequestState.PENDING and record.lapsed == ()
    said = list(store.events(request_id=rid))[-1]
    assert (said.event, said.actor) == (AuditEventName.APPROVED, "U2")
    shown = {k: said.detail[k] for k in ("again", "approvals", "needed", "restored")}
    assert shown == {"again": True, "approvals": 2, "needed": 3, "restored": ["U1"]}
    assert "lapsed" not in said.detail
    assert store.verify().ok

    third = store.approve(rid, approver="U3")

    assert third.status is ApprovalStatus.EXECUTE
    assert list(store.events(request_id=rid))[-1].detail["approvers"] == ["U1", "U2", "U3"]
    assert store.verify().ok
    assert third.record is not None and store.integrity_problem(third.record) is None


def test_a_second_click_that_restores_nobody_is_a_duplicate(store: Store) -> None:
    rid = needing_two(store)
    store.approve(rid, approver="U2", lapsed=frozenset({"U1"}))

    again = store.approve(rid, approver="U2", lapsed=frozenset({"U1"}))

    assert again.status is ApprovalStatus.DUPLICATE
    assert len(list(store.events(request_id=rid))) == 3  # requested, approved, approved


def test_without_lapsed_approvals_the_count_is_as_before(store: Store) -> None:
    rid = needing_two(store)
    result = store.approve(rid, approver="U2")
    assert result.status is ApprovalStatus.EXECUTE
    assert result.record is not None and result.record.lapsed == ()
    assert list(store.events(request_id=rid))[-1].detail["approvers"] == ["U1", "U2"]


def test_concurrent_clicks_on_three_replicas_execute_once_without_the_lapsed_one(
    three_stores: list[Store],
) -> None:
    rid = needing_two(three_stores[0])
    users = [f"U{n}" for n in range(2, 20)]
    barrier = threading.Barrier(len(users))
    results: list[ApprovalResult] = []
    lock = threading.Lock()

    def click(n: int, user: str) -> None:
        barrier.wait()
        result = three_stores[n % 3].approve(rid, approver=user, lapsed=frozenset({"U1"}))
        with lock:
            results.append(result)

    threads = [threading.Thread(target=click, args=pair) for pair in enumerate(users)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    statuses = Counter(result.status for result in results)
    assert statuses[ApprovalStatus.EXECUTE] == 1
    assert statuses[ApprovalStatus.RECORDED] == 1  # U1 lapsed: two more were needed
    executing = list(three_stores[0].events(request_id=rid))[-1]
    assert executing.event is AuditEventName.EXECUTING
    assert "U1" not in executing.detail["approvers"]
    assert three_stores[0].verify().ok
