"""What the store keeps for incidents: break-glass runs and their reviews, approver reminders
claimed once, review announcements once per period, and Stop requests."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from tampering import tamper

from adapters.clock import FakeClock
from bot.model import AuditEventName, RequestRecord, RequestState
from bot.policy import OperationPolicy
from bot.store import Store
from commands.model import OperationRequest

TTL = timedelta(minutes=30)
DAY = timedelta(hours=24)
BREAKERS = OperationPolicy(approvers=("S0OPSLEADS",), break_glass=("U0ALICE",), ttl=TTL)


@pytest.fixture
def store(clock: FakeClock) -> Iterator[Store]:
    store = Store.memory(clock=clock)
    yield store
    store.close()


def request(target: str = "pkg-1", *, incident: str | None = None) -> OperationRequest:
    return OperationRequest(
        operation="huawei.package.delete",
        vendor="huawei",
        targets=(target,),
        reason="x",
        break_glass=incident,
    )


def broken_glass(store: Store, target: str = "pkg-1", **policy: object) -> RequestRecord:
    terms = BREAKERS.model_copy(update=policy) if policy else BREAKERS
    return store.create_request(
        request(target, incident="INC-42 fleet down"),
        requester="U0ALICE",
        channel="C0OPS",
        policy=terms,
        sandbox=True,
        break_glass=True,
    )


def ended(store: Store, record: RequestRecord) -> RequestRecord:
    after = store.transition(
        record.id, to=RequestState.SUCCEEDED, event=AuditEventName.SUCCEEDED, actor="system"
    )
    assert after is not None
    return after


def pending(store: Store, target: str = "pkg-1", **policy: object) -> RequestRecord:
    terms = OperationPolicy(ttl=TTL).model_copy(update=policy)
    record = store.create_request(
        request(target), requester="U0ALICE", channel="C0OPS", policy=terms, sandbox=True
    )
    store.set_message(record.id, channel="C0OPS", ts="1.000100")
    return record


# -- break-glass ----------------------------------------------------------------------------


def test_break_glass_runs_at_once_in_the_transaction_that_stores_it(store: Store) -> None:
    record = broken_glass(store)

    assert record.state is RequestState.EXECUTING
    assert record.break_glass == "INC-42 fleet down" and record.approvers == ()
    assert record.review_due_at == record.created_at + DAY
    events = list(store.events(request_id=record.id))
    assert [(e.event.value, e.actor) for e in events] == [
        ("requested", "U0ALICE"),
        ("break_glass", "U0ALICE"),
        ("executing", "U0ALICE"),
    ]
    assert events[0].detail["break_glass"] == "INC-42 fleet down"
    assert events[1].detail["incident"] == "INC-42 fleet down"
    # No approvals, and the chain says why: nothing stands in the vendor call's way.
    assert store.integrity_problem(record) is None
    assert store.verify().ok


def test_an_incident_ref_alone_runs_nothing_at_once(store: Store) -> None:
    record = store.create_request(
        request(incident="INC-1"),
        requester="U0ALICE",
        channel="C0OPS",
        policy=BREAKERS,
        sandbox=True,
    )
    assert record.state is RequestState.PENDING and record.break_glass is None


def test_a_break_glass_event_does_not_waive_approvals_of_an_ordinary_request(
    store: Store,
) -> None:
    record = pending(store)
    store.log(record.id, AuditEventName.BREAK_GLASS, actor="U0ALICE")
    running = store.transition(
        record.id, to=RequestState.EXECUTING, event=AuditEventName.EXECUTING, actor="U0ALICE"
    )
    assert running is not None
    problem = store.integrity_problem(running)
    assert problem is not None and "approvals" in problem


def test_a_refused_break_glass_keeps_its_incident_in_the_denied_event_only(store: Store) -> None:
    record = store.record_denied(
        request(incident="INC-9"), requester="U0DAVE", channel="C0OPS", reason="not listed"
    )
    [denied] = store.events(request_id=record.id)
    assert denied.detail["break_glass"] == "INC-9"
    assert record.break_glass is None and store.verify().ok


# -- review ---------------------------------------------------------------------------------


def test_a_break_glass_run_is_reviewed_once_after_it_ends(store: Store) -> None:
    record = broken_glass(store)
    assert store.review(record.id, reviewer="U0BOB", channel="C0OPS") is None  # still running

    ended(store, record)
    reviewed = store.review(record.id, reviewer="U0BOB", channel="C0OPS")
    assert reviewed is not None and reviewed.reviewed_by == "U0BOB"
    assert reviewed.reviewed_at is not None
    assert store.review(record.id, reviewer="U0CAROL", channel="C0OPS") is None
    last = list(store.events(request_id=record.id))[-1]
    assert (last.event, last.actor) == (AuditEventName.REVIEWED, "U0BOB")
    assert store.verify().ok


def test_only_break_glass_requests_are_reviewed(store: Store) -> None:
    record = pending(store)
    assert store.review(record.id, reviewer="U0BOB", channel="C0OPS") is None
    assert store.review("R-NOSUCH00", reviewer="U0BOB", channel="C0OPS") is None


def test_unreviewed_runs_are_listed_and_overdue_ones_told_apart(
    store: Store, clock: FakeClock
) -> None:
    first = ended(store, broken_glass(store, "pkg-1"))
    clock.advance(3600)
    second = ended(store, broken_glass(store, "pkg-2"))
    running = broken_glass(store, "pkg-3")  # not ended: nothing to review yet
    reviewed = ended(store, broken_glass(store, "pkg-4"))
    store.review(reviewed.id, reviewer="U0BOB", channel="C0OPS")

    assert [r.id for r in store.unreviewed_break_glass()] == [first.id, second.id]
    assert store.unreviewed_break_glass(overdue_only=True) == []
    clock.advance(DAY.total_seconds() - 3600)
    assert [r.id for r in store.unreviewed_break_glass(overdue_only=True)] == [first.id]
    assert running.id not in [r.id for r in store.unreviewed_break_glass(limit=10)]


def test_verify_catches_a_reviewer_written_into_the_table(tmp_path: Path) -> None:
    path = tmp_path / "opsgate.db"
    store = Store.open(path, clock=FakeClock())
    record = ended(store, broken_glass(store))
    store.close()

    tamper(path, f"UPDATE requests SET reviewed_by = 'U0DAVE' WHERE id = '{record.id}'")  # noqa: S608

    reopened = Store.open(path, clock=FakeClock())
    result = reopened.verify()
    reopened.close()
    assert not result.ok and "review" in (result.problem or "")


# -- reminders and announcements ------------------------------------------------------------


def test_a_reminder_is_due_at_half_the_ttl_and_claimed_once(store: Store, clock: FakeClock) -> None:
    record = pending(store)
    clock.advance(TTL.total_seconds() / 2 - 1)
    assert store.claim_reminders() == []

    clock.advance(1)
    assert [r.id for r in store.claim_reminders()] == [record.id]
    assert store.claim_reminders() == []


@pytest.mark.parametrize("policy", [{"remind": False}, {"approvals": 0}])
def test_no_reminder_when_the_policy_says_not_or_nobody_approves(
    store: Store, clock: FakeClock, policy: dict[str, object]
) -> None:
    pending(store, **policy)
    clock.advance(TTL.total_seconds() / 2)
    assert store.claim_reminders() == []


def test_no_reminder_before_the_card_is_up_or_once_decided(store: Store, clock: FakeClock) -> None:
    cardless = store.create_request(
        request("pkg-7"), requester="U0ALICE", channel="C0OPS", policy=BREAKERS, sandbox=True
    )
    decided = pending(store, "pkg-8")
    store.transition(
        decided.id, to=RequestState.WITHDRAWN, event=AuditEventName.WITHDRAWN, actor="U0ALICE"
    )
    clock.advance(TTL.total_seconds() / 2)
    assert store.claim_reminders() == []
    store.set_message(cardless.id, channel="C0OPS", ts="1.000200")
    assert [r.id for r in store.claim_reminders()] == [cardless.id]


def test_an_overdue_review_is_announced_once_a_period(store: Store, clock: FakeClock) -> None:
    record = ended(store, broken_glass(store))
    assert store.claim_review_announcements(every=DAY) == []

    clock.advance(DAY.total_seconds())
    assert [r.id for r in store.claim_review_announcements(every=DAY)] == [record.id]
    clock.advance(DAY.total_seconds() - 1)
    assert store.claim_review_announcements(every=DAY) == []
    clock.advance(1)
    assert [r.id for r in store.claim_review_announcements(every=DAY)] == [record.id]

    store.review(record.id, reviewer="U0BOB", channel="C0OPS")
    clock.advance(DAY.total_seconds())
    assert store.claim_review_announcements(every=DAY) == []


def test_review_within_comes_from_the_policy(store: Store, clock: FakeClock) -> None:
    record = ended(store, broken_glass(store, review_within=timedelta(hours=2)))
    assert record.policy is not None and record.policy.review_within == timedelta(hours=2)
    clock.advance(2 * 3600)
    assert [r.id for r in store.claim_review_announcements(every=DAY)] == [record.id]


# -- stop -----------------------------------------------------------------------------------


def test_a_stop_is_asked_for_once_and_only_while_executing(store: Store) -> None:
    waiting = pending(store, "pkg-2")
    assert store.request_stop(waiting.id, by="U0ALICE") is None

    running = broken_glass(store)
    assert not store.stop_requested(running.id)
    stopped = store.request_stop(running.id, by="U0BOB")
    assert stopped is not None and stopped.stop_requested_by == "U0BOB"
    assert store.stop_requested(running.id)
    assert store.request_stop(running.id, by="U0CAROL") is None
    assert store.get(running.id).stop_requested_by == "U0BOB"  # type: ignore[union-attr]
    assert not store.stop_requested("R-NOSUCH00")


def test_the_runs_awaiting_review_are_counted_by_kind_on_either_engine(
    target: str | Path, clock: FakeClock
) -> None:
    """One request of each kind (operation, requester, channel, stored policy) with how many
    there are: whoever may see or review one may see or review them all."""
    opened = Store.open(target, clock=clock)
    try:
        made = [broken_glass(opened, f"pkg-{n}") for n in range(5)]
        others = [broken_glass(opened, f"pkg-o{n}", approvers=("U0ERIN",)) for n in range(2)]
        for record in [*made, *others]:
            ended(opened, record)
        opened.review(made[0].id, reviewer="U0BOB", channel="C0OPS")
        kinds = opened.unreviewed_break_glass_kinds()
        counts = sorted((record.policy.approvers, n) for record, n in kinds if record.policy)
        assert counts == [(("S0OPSLEADS",), 4), (("U0ERIN",), 2)]
        lowest = {min(r.id for r in made[1:]), min(r.id for r in others)}
        assert {record.id for record, _ in kinds} == lowest
        assert sum(n for _, n in kinds) == len(opened.unreviewed_break_glass(limit=100))
    finally:
        opened.close()
