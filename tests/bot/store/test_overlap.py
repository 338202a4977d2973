"""One target, one open request: the store refuses an overlapping request inside the same
transaction that would create it (SPEC §8 "Binding and duplicates")."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from adapters.clock import FakeClock
from bot.model import AuditEventName, RequestRecord, RequestState
from bot.policy import OperationPolicy
from bot.store import OverlapError, Store
from commands.model import OperationRequest

TTL = timedelta(minutes=30)


@pytest.fixture
def store() -> Iterator[Store]:
    store = Store.memory(clock=FakeClock())
    yield store
    store.close()


def devices(*targets: str, operation: str = "huawei.device.delete") -> OperationRequest:
    return OperationRequest(
        operation=operation, vendor=operation.split(".")[0], targets=targets, reason="INC-42"
    )


def create(store: Store, request: OperationRequest, *, exclusive: bool = True) -> RequestRecord:
    return store.create_request(
        request,
        requester="U0ALICE",
        channel="C0OPS",
        policy=OperationPolicy(approvals=1, ttl=TTL),
        sandbox=True,
        exclusive=exclusive,
    )


def test_a_request_sharing_a_target_with_a_pending_one_is_refused_and_nothing_is_written(
    store: Store,
) -> None:
    first = create(store, devices("gw-1", "dev-2"))
    events_before = len(list(store.events()))

    with pytest.raises(OverlapError) as raised:
        create(store, devices("dev-9", "dev-2", "gw-1"))

    assert raised.value.holder.id == first.id
    assert raised.value.shared == ("dev-2", "gw-1")
    assert [r.id for r in store.history()] == [first.id]
    assert len(list(store.events())) == events_before
    assert store.verify().ok


def test_an_executing_request_holds_its_targets_too(store: Store) -> None:
    first = create(store, devices("gw-1"))
    store.approve(first.id, approver="U0BOB")
    assert store.get(first.id).state is RequestState.EXECUTING  # type: ignore[union-attr]
    with pytest.raises(OverlapError):
        create(store, devices("gw-1"))


@pytest.mark.parametrize(
    ("to", "event"),
    [
        (RequestState.REJECTED, AuditEventName.REJECTED),
        (RequestState.WITHDRAWN, AuditEventName.WITHDRAWN),
        (RequestState.EXPIRED, AuditEventName.EXPIRED),
        (RequestState.DENIED, AuditEventName.DENIED),
    ],
)
def test_an_ended_request_frees_its_targets(
    store: Store, to: RequestState, event: AuditEventName
) -> None:
    first = create(store, devices("gw-1"))
    assert store.transition(first.id, to=to, event=event, actor="system") is not None
    assert create(store, devices("gw-1")).state is RequestState.PENDING


def test_other_operations_and_other_targets_do_not_overlap(store: Store) -> None:
    create(store, devices("gw-1"))
    create(store, devices("gw-2"))
    create(store, devices("gw-1", operation="huawei.package.delete"))
    assert len(store.history()) == 3


def test_without_exclusive_the_store_does_not_apply_the_rule(store: Store) -> None:
    create(store, devices("gw-1"))
    create(store, devices("gw-1"), exclusive=False)
    assert len(store.history()) == 2


def test_check_overlap_is_a_read_only_look(store: Store) -> None:
    first = create(store, devices("gw-1"))
    store.check_overlap("huawei.device.delete", ["gw-2"])  # free: no error
    with pytest.raises(OverlapError) as raised:
        store.check_overlap("huawei.device.delete", ["gw-1"])
    assert raised.value.holder.id == first.id
    assert len(list(store.events())) == 1


def test_twenty_processes_worth_of_connections_racing_for_one_target_store_one(
    tmp_path: Path,
) -> None:
    """Each thread has its own connection to one file, as separate processes would."""
    path = tmp_path / "opsgate.db"
    Store.open(path).close()
    created: list[str] = []
    refused: list[str] = []
    lock = threading.Lock()
    start = threading.Barrier(20)

    def request() -> None:
        store = Store.open(path)
        start.wait()
        try:
            record = create(store, devices("gw-1"))
            with lock:
                created.append(record.id)
        except OverlapError as exc:
            with lock:
                refused.append(exc.holder.id)
        finally:
            store.close()

    threads = [threading.Thread(target=request) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert len(created) == 1 and len(refused) == 19
    assert set(refused) == set(created)


def held(store: Store) -> set[tuple[str, str]]:
    """What the overlap rule's index says each open request holds: (request id, target)."""
    with store._tx.read() as db:
        return {(r["request_id"], r["target"]) for r in db.query("SELECT * FROM held_targets")}


def test_the_index_holds_an_open_requests_targets_and_lets_go_when_it_ends(store: Store) -> None:
    first = create(store, devices("gw-1", "gw-2", "gw-1"))
    second = create(store, devices("gw-3"))
    assert held(store) == {(first.id, "gw-1"), (first.id, "gw-2"), (second.id, "gw-3")}

    store.approve(first.id, approver="U0BOB")  # executing: still held
    assert (first.id, "gw-2") in held(store)
    store.transition(
        first.id, to=RequestState.SUCCEEDED, event=AuditEventName.SUCCEEDED, actor="system"
    )
    assert held(store) == {(second.id, "gw-3")}
    create(store, devices("gw-1", "gw-2"))  # free again


def test_the_oldest_holder_is_named_with_the_targets_in_the_new_requests_order() -> None:
    clock = FakeClock()
    store = Store.memory(clock=clock)
    older = create(store, devices("gw-9", "gw-2"))
    clock.advance(1)
    create(store, devices("gw-1"), exclusive=False)
    with pytest.raises(OverlapError) as caught:
        create(store, devices("gw-1", "gw-2", "gw-9"))
    assert caught.value.holder.id == older.id
    assert caught.value.shared == ("gw-2", "gw-9")
    store.close()
