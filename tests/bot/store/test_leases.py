"""Leases on executing requests (SPEC §13): recovery marks `unknown` only the calls whose
replica stopped renewing, on both engines, with replicas as separate stores on one database."""

from __future__ import annotations

from contextlib import closing
from datetime import timedelta
from pathlib import Path

import pytest
from lease_owners import owner_of_a_process
from raw_db import raw
from store_requests import LEASE, executing_delete

from adapters.clock import FakeClock
from bot.model import AuditEventName, RequestState
from bot.store import ApprovalStatus, Store


def lease_rows(target: str | Path) -> list[tuple[object, ...]]:
    with raw(target) as db:
        return db.run("SELECT request_id, owner FROM leases")


def test_a_live_replicas_call_is_never_recovered(
    replicas: tuple[Store, Store], clock: FakeClock
) -> None:
    a, b = replicas
    record = executing_delete(a)
    with a.leases.held(record.id):
        for _ in range(6):  # three minutes of heartbeats, each within the lease
            clock.advance(LEASE.total_seconds() * 0.9)
            assert a.leases.renew() == 1
            assert b.recover_executing() == []

    assert b.get(record.id).state is RequestState.EXECUTING  # type: ignore[union-attr]


def test_a_replica_never_recovers_its_own_call_after_an_outage_longer_than_the_lease(
    replicas: tuple[Store, Store], clock: FakeClock
) -> None:
    a, b = replicas
    record = executing_delete(a)
    with a.leases.held(record.id):
        clock.advance(LEASE.total_seconds() * 3)  # the database was out: nobody could renew
        assert a.recover_executing() == []  # a's own sweep, first back: its call still runs
        assert a.leases.renew() == 1  # then a's heartbeat
        assert b.recover_executing() == []

    ended = a.transition(
        record.id, to=RequestState.SUCCEEDED, event=AuditEventName.SUCCEEDED, actor="system"
    )
    assert ended is not None and ended.state is RequestState.SUCCEEDED
    events = [e.event for e in a.events(request_id=record.id)]
    assert AuditEventName.UNKNOWN not in events


def test_a_dead_replicas_call_becomes_unknown_once_its_lease_lapses(
    replicas: tuple[Store, Store], clock: FakeClock
) -> None:
    a, b = replicas
    record = executing_delete(a)  # then replica a dies: nobody renews
    clock.advance(LEASE.total_seconds() - 1)
    assert b.recover_executing() == []

    clock.advance(1)
    [recovered] = b.recover_executing()

    assert (recovered.id, recovered.state) == (record.id, RequestState.UNKNOWN)
    [*_, last] = b.events(request_id=record.id)
    assert (last.event, last.detail["replica"]) == (AuditEventName.UNKNOWN, "replica-a")
    assert b.recover_executing() == []
    assert b.approve(record.id, approver="U3").status is ApprovalStatus.NOT_PENDING  # no retry


def test_a_live_process_of_this_machine_keeps_its_call_even_once_its_lease_has_lapsed(
    target: str | Path, clock: FakeClock
) -> None:
    with owner_of_a_process(still_running=True) as owner:
        with closing(Store.open(target, clock=clock, lease=LEASE, owner=owner)) as running:
            record = executing_delete(running)
        clock.advance(LEASE.total_seconds() * 3)  # its heartbeat could not reach the database
        with closing(Store.open(target, clock=clock, lease=LEASE)) as another:
            assert another.recover_executing() == []
            assert another.get(record.id).state is RequestState.EXECUTING  # type: ignore[union-attr]


@pytest.mark.parametrize("still_running", [False, True])
def test_at_start_up_a_call_of_a_process_of_this_machine_that_died_is_unknown_at_once(
    target: str | Path, clock: FakeClock, still_running: bool
) -> None:
    with owner_of_a_process(still_running=still_running) as owner:
        with closing(Store.open(target, clock=clock, lease=LEASE, owner=owner)) as before:
            record = executing_delete(before)  # then that process dies, its lease far from lapsed
        with closing(Store.open(target, clock=clock, lease=LEASE)) as restarted:
            recovered = restarted.recover_executing()
            state = restarted.get(record.id).state  # type: ignore[union-attr]
            [*_, last] = restarted.events(request_id=record.id)

    if still_running:  # a live process's call is never taken for a dead one's
        assert (recovered, state) == ([], RequestState.EXECUTING)
    else:
        assert [r.id for r in recovered] == [record.id] and state is RequestState.UNKNOWN
        assert (last.event, last.detail["replica"]) == (AuditEventName.UNKNOWN, owner)


def test_the_lease_is_granted_to_the_replica_that_executes_and_ends_with_the_call(
    target: str | Path, replicas: tuple[Store, Store]
) -> None:
    a, _ = replicas
    record = executing_delete(a)
    assert lease_rows(target) == [(record.id, "replica-a")]

    a.transition(
        record.id, to=RequestState.SUCCEEDED, event=AuditEventName.SUCCEEDED, actor="system"
    )

    assert lease_rows(target) == []


def test_renewal_does_not_revive_a_lease_another_replica_recovered(
    replicas: tuple[Store, Store], clock: FakeClock
) -> None:
    a, b = replicas
    record = executing_delete(a)
    clock.advance(LEASE.total_seconds() * 2)  # a stalled longer than its lease
    assert [r.id for r in b.recover_executing()] == [record.id]

    with a.leases.held(record.id):
        assert a.leases.renew() == 0


def test_a_request_executing_without_any_lease_is_recovered(
    target: str | Path, replicas: tuple[Store, Store]
) -> None:
    a, b = replicas
    record = executing_delete(a)
    with raw(target) as db:  # as a log from before leases existed
        db.run("DELETE FROM leases")

    assert [r.id for r in b.recover_executing()] == [record.id]


def test_a_lease_needs_a_positive_duration(target: str | Path) -> None:
    with pytest.raises(ValueError, match="longer than zero"):
        Store.open(target, lease=timedelta(0))
