"""Claims on card-less pending requests: of several processes, one posts the card."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

from adapters.clock import FakeClock
from bot.model import AuditEventName, RequestRecord, RequestState
from bot.policy import OperationPolicy
from bot.store import Store
from bot.store.schema import SCHEMA_V1
from commands.model import OperationRequest

GRACE = timedelta(minutes=2)


@pytest.fixture
def store(clock: FakeClock) -> Iterator[Store]:
    store = Store.memory(clock=clock)
    yield store
    store.close()


def create(store: Store, target: str = "pkg-1") -> RequestRecord:
    request = OperationRequest(
        operation="huawei.package.delete", vendor="huawei", targets=(target,), reason="x"
    )
    return store.create_request(
        request,
        requester="U0ALICE",
        channel="C0OPS",
        policy=OperationPolicy(approvals=1, ttl=timedelta(minutes=30)),
        sandbox=True,
    )


def test_a_cardless_request_is_claimed_once_after_the_grace(store: Store, clock: FakeClock) -> None:
    record = create(store)
    assert store.claim_cardless(older_than=GRACE) == []  # its process may still be posting

    clock.advance(GRACE.total_seconds())
    [claimed] = store.claim_cardless(older_than=GRACE)
    assert claimed.id == record.id and claimed.message_ts is None
    assert store.claim_cardless(older_than=GRACE) == []  # claimed: nobody else takes it

    clock.advance(GRACE.total_seconds())  # the claimant died too: it may be taken again
    assert [r.id for r in store.claim_cardless(older_than=GRACE)] == [record.id]


def test_requests_with_a_card_or_no_longer_pending_are_not_claimed(
    store: Store, clock: FakeClock
) -> None:
    posted = create(store, "pkg-1")
    store.set_message(posted.id, channel="C0OPS", ts="1.000100")
    ended = create(store, "pkg-2")
    store.transition(
        ended.id, to=RequestState.WITHDRAWN, event=AuditEventName.WITHDRAWN, actor="U0ALICE"
    )
    waiting = create(store, "pkg-3")
    clock.advance(GRACE.total_seconds() * 2)
    assert [r.id for r in store.claim_cardless(older_than=GRACE)] == [waiting.id]


def test_claims_write_no_audit_event(store: Store, clock: FakeClock) -> None:
    create(store)
    clock.advance(GRACE.total_seconds())
    store.claim_cardless(older_than=GRACE)
    assert [e.event for e in store.events()] == [AuditEventName.REQUESTED]
    assert store.verify().ok


def test_processes_claiming_at_once_each_get_different_requests(tmp_path: Path) -> None:
    path = tmp_path / "opsgate.db"
    clock = FakeClock()
    first = Store.open(path, clock=clock)
    made = {create(first, f"pkg-{n}").id for n in range(30)}
    clock.advance(GRACE.total_seconds())
    claims: list[str] = []
    lock = threading.Lock()
    start = threading.Barrier(8)

    def claim() -> None:
        store = Store.open(path, clock=clock)
        start.wait()
        got = store.claim_cardless(older_than=GRACE)
        store.close()
        with lock:
            claims.extend(r.id for r in got)

    threads = [threading.Thread(target=claim) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    first.close()
    assert sorted(claims) == sorted(made)  # every request claimed, none twice


def test_a_database_from_before_claims_is_upgraded_in_place(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    before = Migrations("opsgate")  # the migrations as they were before claims

    @before(name="0001_requests_approvals_events")
    def _v1(db: Database) -> None:
        for statement in SCHEMA_V1:
            db.execute(statement)

    old = Database(path)
    before.apply(old)
    assert "card_claimed_at" not in old["requests"].columns_dict
    old.close()

    clock = FakeClock()
    store = Store.open(path, clock=clock)
    record = create(store)
    clock.advance(GRACE.total_seconds())
    assert [r.id for r in store.claim_cardless(older_than=GRACE)] == [record.id]
    store.close()


def test_the_card_bound_first_stays_the_requests_card(target: str | Path, clock: FakeClock) -> None:
    store = Store.open(target, clock=clock)  # on SQLite and on PostgreSQL (the suite's target)
    record = create(store)
    assert store.bind_card(record.id, channel="C0OPS", ts="1.000001") == "1.000001"
    # A second post of the card (a sweep's, while the first waited for Slack): not bound.
    assert store.bind_card(record.id, channel="C0OPS", ts="1.000002") == "1.000001"
    assert store.bind_card(record.id, channel="C0OPS", ts="1.000001") == "1.000001"  # the same
    assert store.get(record.id).message_ts == "1.000001"  # type: ignore[union-attr]
    assert store.bind_card("R-NOSUCH1", channel="C0OPS", ts="1.000003") is None
    store.close()
