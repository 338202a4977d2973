"""The store's seen slash-command triggers (SPEC §8) and its observers of committed events."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

import pytest

from adapters.clock import FakeClock
from bot.model import AuditEventName, RequestState
from bot.policy import OperationPolicy
from bot.store import Appended, AuditDetailError, Store
from commands.model import OperationRequest

REQUEST = OperationRequest(
    operation="huawei.package.delete", vendor="huawei", targets=("pkg-1",), reason="old"
)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def store(clock: FakeClock) -> Iterator[Store]:
    store = Store.memory(clock=clock)
    yield store
    store.close()


# -- trigger ids ----------------------------------------------------------------------------


def test_a_trigger_id_is_claimed_once(store: Store) -> None:
    assert store.claim_trigger("123.456.abc") is True
    assert store.claim_trigger("123.456.abc") is False
    assert store.claim_trigger("123.456.def") is True


def test_trigger_ids_are_forgotten_after_an_hour(store: Store, clock: FakeClock) -> None:
    store.claim_trigger("123.456.abc")
    clock.advance(timedelta(minutes=59).total_seconds())
    assert store.claim_trigger("123.456.abc") is False

    clock.advance(timedelta(minutes=62).total_seconds())
    assert store.claim_trigger("123.456.abc") is True


def test_concurrent_claims_across_processes_let_one_through(tmp_path: Path) -> None:
    path = tmp_path / "opsgate.db"
    stores = [Store.open(path) for _ in range(4)]  # four connections, as four processes have
    start = threading.Barrier(16)

    def claim(i: int) -> bool:
        start.wait()
        return stores[i % 4].claim_trigger("same.trigger.id")

    with ThreadPoolExecutor(16) as pool:
        results = list(pool.map(claim, range(16)))
    for store in stores:
        store.close()

    assert results.count(True) == 1


# -- observers ------------------------------------------------------------------------------


def test_observers_hear_each_committed_event_and_whether_it_ended_the_request(
    store: Store,
) -> None:
    heard: list[Appended] = []
    store.subscribe(heard.append)
    record = store.create_request(
        REQUEST, requester="U1", channel="C1", policy=OperationPolicy(), sandbox=False
    )
    store.log(record.id, AuditEventName.DENIED, actor="U1", detail={"reason": "own request"})
    store.approve(record.id, approver="U2")
    store.transition(
        record.id,
        to=RequestState.SUCCEEDED,
        event=AuditEventName.SUCCEEDED,
        actor="system",
    )

    assert [(a.event.event.value, a.moved_to, a.ended) for a in heard] == [
        ("requested", RequestState.PENDING, False),
        ("denied", None, False),
        ("approved", None, False),
        ("executing", RequestState.EXECUTING, False),
        ("succeeded", RequestState.SUCCEEDED, True),
    ]
    assert [a.event for a in heard] == list(store.events())


def test_a_request_refused_at_intake_has_ended(store: Store) -> None:
    heard: list[Appended] = []
    store.subscribe(heard.append)

    store.record_denied(REQUEST, requester="U1", channel="C1", reason="not a requester")

    [only] = heard
    assert (only.moved_to, only.ended) == (RequestState.DENIED, True)


def test_nothing_is_heard_of_a_write_that_rolled_back(store: Store) -> None:
    heard: list[Appended] = []
    store.subscribe(heard.append)
    record = store.create_request(
        REQUEST, requester="U1", channel="C1", policy=OperationPolicy(), sandbox=False
    )

    with pytest.raises(AuditDetailError):
        store.transition(
            record.id,
            to=RequestState.REJECTED,
            event=AuditEventName.REJECTED,
            actor="U2",
            detail={"bad": float("nan")},
        )

    assert [a.event.event.value for a in heard] == ["requested"]


def test_a_failing_observer_is_logged_and_changes_nothing(
    store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(appended: Appended) -> None:
        raise RuntimeError("observer down")

    heard: list[Appended] = []
    store.subscribe(broken)
    store.subscribe(heard.append)

    with caplog.at_level(logging.ERROR):
        record = store.create_request(
            REQUEST, requester="U1", channel="C1", policy=OperationPolicy(), sandbox=False
        )

    assert store.get(record.id) is not None and len(heard) == 1
    assert "audit observer failed" in caplog.text
