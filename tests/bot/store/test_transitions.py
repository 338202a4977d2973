"""Every state change goes through the one transition table, as a compare-and-set."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from lease_owners import as_another_replica

from adapters.clock import FakeClock
from bot.model import (
    INITIAL_STATES,
    TRANSITIONS,
    AuditEventName,
    RequestRecord,
    RequestState,
    can_move,
    rules,
)
from bot.policy import OperationPolicy
from bot.store import SYSTEM_ACTOR, Store, StoreError, TransitionError
from bot.store.chain import ChainKey
from bot.store.database import SqliteEngine
from bot.store.writes import Writer
from commands.model import OperationRequest

TTL = timedelta(minutes=5)
S = RequestState
REQUEST = OperationRequest(
    operation="huawei.package.delete", vendor="huawei", targets=("pkg-1",), reason="INC-42"
)


def pending(store: Store) -> RequestRecord:
    return store.create_request(
        REQUEST,
        requester="U1",
        channel="C1",
        policy=OperationPolicy(approvals=1, ttl=TTL),
        sandbox=True,
    )


def executing(store: Store) -> RequestRecord:
    record = pending(store)
    store.approve(record.id, approver="U2")
    return record


Reach = Callable[[Store, FakeClock], RequestRecord]


def moved(to: RequestState, start: Callable[[Store], RequestRecord]) -> Reach:
    def make(store: Store, clock: FakeClock) -> RequestRecord:
        record = start(store)
        assert store.transition(record.id, to=to, event=AuditEventName(to.value), actor="U9")
        return record

    return make


def unknown(store: Store, clock: FakeClock) -> RequestRecord:
    record = pending(store)
    as_another_replica(store, clock).approve(record.id, approver="U2")  # then that replica died
    clock.advance(store.leases.duration.total_seconds())  # nobody renewed its lease
    store.recover_executing()
    return record


def expired(store: Store, clock: FakeClock) -> RequestRecord:
    record = pending(store)
    clock.advance(TTL.total_seconds())
    store.expire_due()
    return record


def denied(store: Store, clock: FakeClock) -> RequestRecord:
    return store.record_denied(REQUEST, requester="U1", channel="C1", reason="not a requester")


#: How to bring a fresh request into each state, using only the store's public API.
REACH: dict[RequestState, Reach] = {
    S.PENDING: lambda store, clock: pending(store),
    S.EXECUTING: lambda store, clock: executing(store),
    S.SUCCEEDED: moved(S.SUCCEEDED, executing),
    S.FAILED: moved(S.FAILED, executing),
    S.UNKNOWN: unknown,
    S.REJECTED: moved(S.REJECTED, pending),
    S.WITHDRAWN: moved(S.WITHDRAWN, pending),
    S.EXPIRED: expired,
    S.DENIED: denied,
    S.STOPPED: moved(S.STOPPED, executing),
}
PAIRS = [(a, b) for a in RequestState for b in RequestState]


def test_every_state_is_reached_the_way_it_says() -> None:
    assert set(REACH) == set(RequestState)


@pytest.mark.parametrize(("current", "to"), PAIRS, ids=[f"{a}->{b}" for a, b in PAIRS])
def test_the_store_moves_exactly_along_the_table(
    store: Store, clock: FakeClock, current: RequestState, to: RequestState
) -> None:
    record = REACH[current](store, clock)
    assert store.get(record.id).state is current  # type: ignore[union-attr]
    before = sum(1 for _ in store.events())
    event = AuditEventName.REQUESTED if to is S.PENDING else AuditEventName(to.value)

    after = store.transition(record.id, to=to, event=event, actor=SYSTEM_ACTOR)

    if can_move(current, to):
        assert after is not None and after.state is to
        assert [e.event for e in store.events(request_id=record.id)][-1] is event
    else:
        assert after is None
        assert store.get(record.id).state is current  # type: ignore[union-attr]
        assert sum(1 for _ in store.events()) == before


@pytest.mark.parametrize("current", [S.PENDING, S.EXECUTING, S.UNKNOWN])
def test_a_move_limited_to_one_state_leaves_the_others_alone(
    store: Store, clock: FakeClock, current: RequestState
) -> None:
    """`failed` is reachable from pending, executing and unknown; a click's integrity failure
    may only end a pending request, never a call another click has started."""
    record = REACH[current](store, clock)
    before = sum(1 for _ in store.events())

    after = store.transition(
        record.id, to=S.FAILED, event=AuditEventName.FAILED, actor=SYSTEM_ACTOR, only_from=S.PENDING
    )

    if current is S.PENDING:
        assert after is not None and after.state is S.FAILED
    else:
        assert after is None
        assert store.get(record.id).state is current  # type: ignore[union-attr]
        assert sum(1 for _ in store.events()) == before


def test_a_writer_holding_a_stale_record_cannot_move_it() -> None:
    """The UPDATE is conditional on the state the record was loaded in (compare-and-set)."""
    clock = FakeClock()
    tx = SqliteEngine.in_memory()
    store = Store(tx, clock=clock)
    stale = pending(store)
    store.transition(stale.id, to=S.WITHDRAWN, event=AuditEventName.WITHDRAWN, actor="U1")
    events = sum(1 for _ in store.events())

    writer = Writer(clock=clock, new_id=lambda: "R-X", key=ChainKey(None))
    with pytest.raises(TransitionError, match="from pending to rejected"), tx.write() as db:
        writer.move(db, stale, S.REJECTED, AuditEventName.REJECTED, actor="U2", detail={})

    assert store.get(stale.id).state is S.WITHDRAWN  # type: ignore[union-attr]
    assert sum(1 for _ in store.events()) == events
    store.close()


def test_a_writer_refuses_a_move_the_table_does_not_allow() -> None:
    clock = FakeClock()
    tx = SqliteEngine.in_memory()
    store = Store(tx, clock=clock)
    record = pending(store)
    writer = Writer(clock=clock, new_id=lambda: "R-X", key=ChainKey(None))
    with pytest.raises(TransitionError, match="from pending to succeeded"), tx.write() as db:
        writer.move(db, record, S.SUCCEEDED, AuditEventName.SUCCEEDED, actor="U2", detail={})
    assert store.get(record.id).state is S.PENDING  # type: ignore[union-attr]
    store.close()


@pytest.mark.parametrize("offset", [-0.001, 0.0, 0.001])
def test_the_expiry_sweep_agrees_with_the_expiry_rule(
    store: Store, clock: FakeClock, offset: float
) -> None:
    """The store's SQL for due requests and `rules.due_to_expire` draw the line at one instant."""
    record = pending(store)
    clock.advance(TTL.total_seconds() + offset)
    now = datetime.fromtimestamp(clock.now(), tz=UTC)
    due_by_rule = rules.due_to_expire(record, now)

    swept = [r.id for r in store.expire_due()]

    assert due_by_rule is (offset >= 0)
    assert (record.id in swept) is due_by_rule


def test_a_request_can_always_end() -> None:
    """From every state some path leads to a state with no way out."""
    for state in RequestState:
        seen, frontier = {state}, [state]
        while frontier:
            frontier = [n for s in frontier for n in TRANSITIONS[s] if n not in seen]
            seen.update(frontier)
        assert any(not TRANSITIONS[s] for s in seen), state


@pytest.mark.parametrize("state", sorted(set(RequestState) - INITIAL_STATES))
def test_a_request_is_born_pending_or_denied(state: RequestState) -> None:
    clock = FakeClock()
    tx = SqliteEngine.in_memory()
    writer = Writer(clock=clock, new_id=lambda: "R-X", key=ChainKey(None))
    with pytest.raises(StoreError, match=f"cannot start {state.value}"), tx.write() as db:
        writer.insert(
            db, REQUEST, requester="U1", channel="C1", state=state, approvals_needed=1, ttl=TTL
        )
    tx.close()
