"""What Slack's other ways in need of the store: App Home's pending list, and workflow steps
linked to their requests, completed exactly once whichever process ends the request."""

from __future__ import annotations

import threading
from datetime import timedelta
from pathlib import Path

import pytest
from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

from adapters.clock import FakeClock
from bot.model import AuditEventName, RequestState
from bot.policy import OperationPolicy
from bot.store import Store
from bot.store.schema import SCHEMA_V1, SCHEMA_V2
from commands.model import OperationRequest

POLICY = OperationPolicy(approvers=("U0BOB",))


def request(
    store: Store, target: str, *, ttl: timedelta = timedelta(minutes=30), step: str | None = None
) -> str:
    record = store.create_request(
        widget(target),
        requester="U0ALICE",
        channel="C0OPS",
        policy=POLICY.model_copy(update={"ttl": ttl}),
        sandbox=True,
        step=step,
    )
    return record.id


def widget(target: str) -> OperationRequest:
    return OperationRequest(operation="acme.widget.delete", vendor="acme", targets=(target,))


def test_pending_lists_waiting_requests_soonest_deadline_first() -> None:
    store = Store.memory(clock=FakeClock())
    later = request(store, "w-1", ttl=timedelta(hours=2))
    sooner = request(store, "w-2", ttl=timedelta(minutes=5))
    done = request(store, "w-3")
    store.transition(
        done, to=RequestState.WITHDRAWN, event=AuditEventName.WITHDRAWN, actor="U0ALICE"
    )
    assert [r.id for r in store.pending()] == [sooner, later]
    assert [r.id for r in store.pending(limit=1)] == [sooner]
    with pytest.raises(ValueError, match="at least 1"):
        store.pending(limit=0)


def test_a_step_is_linked_as_its_request_is_stored_and_completed_once() -> None:
    store = Store.memory(clock=FakeClock())
    unlinked = request(store, "w-0")
    assert store.step_waiting(unlinked) is None and store.claim_step(unlinked) is None
    request_id = request(store, "w-1", step="Fx1")
    assert store.step_request("Fx1") == request_id
    assert store.step_waiting(request_id) == "Fx1"
    assert store.claim_step(request_id) == "Fx1"
    assert store.claim_step(request_id) is None
    assert store.step_waiting(request_id) is None
    assert store.step_request("Fx-none") is None


def test_a_redelivered_step_keeps_its_first_request() -> None:
    store = Store.memory(clock=FakeClock())
    first = request(store, "w-1", step="Fx1")
    second = request(store, "w-2", step="Fx1")
    assert store.step_request("Fx1") == first
    assert store.step_waiting(first) == "Fx1" and store.step_waiting(second) is None


def test_a_step_refused_at_once_is_linked_to_its_denied_request() -> None:
    store = Store.memory(clock=FakeClock())
    record = store.record_denied(
        widget("w-1"), requester="U0ALICE", channel="C0OPS", reason="not allowed", step="Fx4"
    )
    assert store.step_request("Fx4") == record.id
    assert store.step_waiting(record.id) == "Fx4"


def test_the_link_is_committed_with_the_request() -> None:
    """Whoever first hears of the request (an observer, after the commit) finds its step
    linked: no moment exists, and so no crash, where the request is stored without it."""
    store = Store.memory(clock=FakeClock())
    seen: list[str | None] = []
    store.subscribe(lambda appended: seen.append(store.step_waiting(appended.event.request_id)))
    request(store, "w-1", step="Fx5")
    store.record_denied(
        widget("w-2"), requester="U0ALICE", channel="C0OPS", reason="no", step="Fx6"
    )
    assert seen == ["Fx5", "Fx6"]


def test_of_many_processes_one_completes_the_step(tmp_path: Path) -> None:
    path = tmp_path / "opsgate.db"
    first = Store.open(path, clock=FakeClock())
    request_id = request(first, "w-1", step="Fx2")
    stores = [first, *(Store.open(path, clock=FakeClock()) for _ in range(3))]
    claimed: list[str | None] = []
    start = threading.Barrier(len(stores) * 2)

    def claim(store: Store) -> None:
        start.wait()
        claimed.append(store.claim_step(request_id))

    threads = [threading.Thread(target=claim, args=(s,)) for s in stores * 2]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(claimed, key=str) == ["Fx2", *([None] * (len(threads) - 1))]
    for store in stores:
        store.close()


def test_a_log_from_before_workflow_steps_gains_them(tmp_path: Path) -> None:
    path = tmp_path / "opsgate.db"
    db = Database(path)
    earlier = Migrations("opsgate")

    @earlier(name="0001_requests_approvals_events")
    def _v1(db: Database) -> None:
        for statement in SCHEMA_V1:
            db.execute(statement)

    @earlier(name="0002_policy_snapshot_chain_key_triggers")
    def _v2(db: Database) -> None:
        for statement in SCHEMA_V2:
            db.execute(statement)

    earlier.apply(db)
    db.close()
    store = Store.open(path, clock=FakeClock())
    request_id = request(store, "w-1", step="Fx3")
    assert store.step_waiting(request_id) == "Fx3"
    assert store.verify().ok  # the link is no audit event: the chain is untouched
    store.close()


def test_executing_lists_running_requests_oldest_first(store: Store, clock: FakeClock) -> None:
    """App Home's Stop for approvers (`HomeTab.runs_to_stop`) reads these, on either engine."""
    made = []
    for target in ("w-1", "w-2", "w-3"):
        made.append(request(store, target))
        clock.advance(1)
    first, waiting, second = made
    for running in (second, first):
        store.transition(
            running, to=RequestState.EXECUTING, event=AuditEventName.EXECUTING, actor="U0BOB"
        )
    assert [r.id for r in store.executing()] == [first, second]
    assert [r.id for r in store.executing(limit=1)] == [first]
    assert waiting not in {r.id for r in store.executing()}
    with pytest.raises(ValueError, match="at least 1"):
        store.executing(limit=0)
