"""The request store: every transition and approval outcome, TTLs, history and event queries."""

from __future__ import annotations

import re
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from lease_owners import as_another_replica

from adapters.base import Blocker, FailureKind, ItemFailure, Outcome, Preview
from adapters.clock import FakeClock
from bot.model import (
    AuditEventName,
    ClosedOutcome,
    FailedOutcome,
    RequestOutcome,
    RequestRecord,
    RequestState,
    UnknownOutcome,
)
from bot.policy import OperationPolicy
from bot.store import (
    SYSTEM_ACTOR,
    ApprovalStatus,
    AuditDetailError,
    Store,
    StoreError,
    UnknownRequestError,
    normalize_request_id,
)
from commands.model import OperationRequest, ParamValue

TTL = timedelta(minutes=30)
ID_PATTERN = re.compile(r"R-[0-9A-HJKMNP-TV-Z]{8}")
AT_PATTERN = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z")


def op(vendor: str = "huawei", *targets: str, reason: str | None = "INC-42") -> OperationRequest:
    operation = {"huawei": "huawei.device.delete", "enos": "enos.ota-job.delete"}[vendor]
    params: dict[str, ParamValue] = (
        {"app": "app-1", "cascade": False} if vendor == "huawei" else {"org": "o1"}
    )
    return OperationRequest(
        operation=operation,
        vendor=vendor,
        targets=targets or ("dev-1",),
        params=params,
        reason=reason,
    )


def new(
    store: Store,
    *,
    needed: int = 1,
    requester: str = "U1",
    vendor: str = "huawei",
    ttl: timedelta = TTL,
) -> RequestRecord:
    return store.create_request(
        op(vendor),
        requester=requester,
        channel="C1",
        policy=OperationPolicy(approvals=needed, ttl=ttl),
        sandbox=False,
    )


def names(store: Store, request_id: str) -> list[tuple[AuditEventName, str]]:
    return [(e.event, e.actor) for e in store.events(request_id=request_id)]


def count_events(store: Store) -> int:
    return sum(1 for _ in store.events())


# -- creating -------------------------------------------------------------------------------


def test_create_request_stores_a_pending_record_and_a_requested_event(
    store: Store, clock: FakeClock
) -> None:
    record = store.create_request(
        op("huawei", "dev-1", "dev-2"),
        requester="U1",
        channel="C1",
        policy=OperationPolicy(approvals=2, ttl=TTL),
        sandbox=True,
        preview=Preview(summary="device online"),
    )

    assert ID_PATTERN.fullmatch(record.id)
    assert record.state is RequestState.PENDING
    assert record.targets == ("dev-1", "dev-2")
    assert record.params == {"app": "app-1", "cascade": False}
    assert (record.requester, record.channel, record.reason) == ("U1", "C1", "INC-42")
    assert record.created_at == datetime.fromtimestamp(clock.now(), UTC)
    assert record.expires_at - record.created_at == TTL
    assert record.sandbox and record.preview == Preview(summary="device online")
    assert store.get(record.id) == record
    [event] = store.events(request_id=record.id)
    assert (event.event, event.actor, event.seq) == (AuditEventName.REQUESTED, "U1", 1)
    assert (event.operation, event.targets) == ("huawei.device.delete", ("dev-1", "dev-2"))
    assert event.detail["reason"] == "INC-42"
    assert event.detail["channel"] == "C1"
    assert event.detail["params"] == {"app": "app-1", "cascade": False}
    assert event.detail["preview"]["summary"] == "device online"
    assert event.detail["preview"]["kind"] == "preview"
    assert event.detail["preview"]["verdict"] == "ok"
    assert event.detail["sandbox"] is True
    assert AT_PATTERN.fullmatch(event.at)


def test_every_call_by_request_id_reads_it_as_get_does(store: Store) -> None:
    """An id as a person types it (lower case, Crockford's O for 0): the same request for
    `approve`, `transition`, `log`, `set_message` and `events` as for `get`."""
    record = new(store, needed=2)
    typed = record.id.lower().replace("0", "o")
    assert store.get(typed) == record

    store.set_message(typed, channel="C1", ts="1767225600.000100")
    assert store.approve(typed, approver="U2").status is ApprovalStatus.RECORDED
    store.log(typed, AuditEventName.DENIED, actor="U1", detail={"reason": "self-approval"})
    moved = store.transition(
        typed, to=RequestState.WITHDRAWN, event=AuditEventName.WITHDRAWN, actor="U1"
    )

    assert moved is not None and moved.state is RequestState.WITHDRAWN
    assert moved.message_ts == "1767225600.000100"
    assert [e.event for e in store.events(request_id=typed)] == [
        AuditEventName.REQUESTED,
        AuditEventName.APPROVED,
        AuditEventName.DENIED,
        AuditEventName.WITHDRAWN,
    ]


def test_ids_are_fresh_and_a_collision_is_retried(clock: FakeClock) -> None:
    ids = iter(["R-AAAAAAAA", "R-AAAAAAAA", "R-BBBBBBBB"])
    store = Store.memory(clock=clock, new_id=lambda: next(ids))

    assert [new(store).id, new(store).id] == ["R-AAAAAAAA", "R-BBBBBBBB"]


def test_an_id_space_that_never_frees_up_is_an_error(clock: FakeClock) -> None:
    store = Store.memory(clock=clock, new_id=lambda: "R-AAAAAAAA")
    new(store)

    with pytest.raises(StoreError, match="no unused request id"):
        new(store)
    assert count_events(store) == 1


def test_record_denied_stores_a_denied_record_and_event(store: Store) -> None:
    record = store.record_denied(op(), requester="U9", channel="C2", reason="not a requester")

    assert record.state is RequestState.DENIED
    assert store.get(record.id) == record
    [event] = store.events(request_id=record.id)
    assert (event.event, event.actor) == (AuditEventName.DENIED, "U9")
    assert event.detail["reason"] == "not a requester"
    assert event.detail["channel"] == "C2"
    assert store.approve(record.id, approver="U2").status is ApprovalStatus.NOT_PENDING


def test_get_reads_ids_leniently_and_unknown_ids_as_none(store: Store) -> None:
    record = new(store)

    assert store.get(record.id.lower()) == record
    assert store.get("R-NOPE0000") is None
    assert normalize_request_id(" r-o1il2345 ") == "R-01112345"
    assert normalize_request_id("nodash") == "NODASH"  # not an id: only upper-cased


def test_set_message_remembers_the_card_without_an_event(store: Store) -> None:
    record = new(store)

    store.set_message(record.id, channel="C7", ts="1700000000.000100")

    stored = store.get(record.id)
    assert stored is not None
    assert (stored.channel, stored.message_ts) == ("C7", "1700000000.000100")
    assert count_events(store) == 1
    with pytest.raises(UnknownRequestError):
        store.set_message("R-NOPE0000", channel="C7", ts="1.2")


# -- approving ------------------------------------------------------------------------------


def test_one_approval_of_one_needed_executes(store: Store) -> None:
    record = new(store)

    result = store.approve(record.id, approver="U2")

    assert result.status is ApprovalStatus.EXECUTE
    assert result.record is not None
    assert result.record.state is RequestState.EXECUTING
    assert result.record.approvers == ("U2",)
    assert names(store, record.id) == [
        (AuditEventName.REQUESTED, "U1"),
        (AuditEventName.APPROVED, "U2"),
        (AuditEventName.EXECUTING, "U2"),
    ]


def test_n_of_m_needs_distinct_approvers(store: Store) -> None:
    record = new(store, needed=3)

    statuses = [store.approve(record.id, approver=user).status for user in ("U2", "U3", "U2")]
    assert statuses == [ApprovalStatus.RECORDED, ApprovalStatus.RECORDED, ApprovalStatus.DUPLICATE]
    assert store.get(record.id).state is RequestState.PENDING  # type: ignore[union-attr]

    final = store.approve(record.id, approver="U4")

    assert final.status is ApprovalStatus.EXECUTE
    assert final.record is not None and final.record.approvers == ("U2", "U3", "U4")
    assert store.approve(record.id, approver="U5").status is ApprovalStatus.NOT_PENDING
    events = [name for name, _ in names(store, record.id)]
    assert events.count(AuditEventName.APPROVED) == 3
    assert events.count(AuditEventName.EXECUTING) == 1


def test_recorded_and_duplicate_return_the_current_record(store: Store) -> None:
    record = new(store, needed=2)

    recorded = store.approve(record.id, approver="U2")
    duplicate = store.approve(record.id, approver="U2")

    assert recorded.status is ApprovalStatus.RECORDED
    assert duplicate.status is ApprovalStatus.DUPLICATE
    assert recorded.record == duplicate.record == store.get(record.id)
    assert count_events(store) == 2  # requested + one approved: the duplicate wrote nothing


def test_zero_approvals_needed_lets_the_requesters_confirm_execute(store: Store) -> None:
    record = new(store, needed=0, requester="U1")

    result = store.approve(record.id, approver="U1")

    assert result.status is ApprovalStatus.EXECUTE
    assert result.record is not None and result.record.approvers == ("U1",)


def test_approving_an_unknown_request_is_not_found(store: Store) -> None:
    result = store.approve("R-NOPE0000", approver="U2")

    assert (result.status, result.record) == (ApprovalStatus.NOT_FOUND, None)
    assert count_events(store) == 0


@pytest.mark.parametrize("past", [timedelta(0), timedelta(seconds=1)])
def test_approving_at_or_after_the_ttl_expires_instead(
    store: Store, clock: FakeClock, past: timedelta
) -> None:
    record = new(store)
    clock.advance((TTL + past).total_seconds())

    result = store.approve(record.id, approver="U2")

    assert result.status is ApprovalStatus.EXPIRED
    assert result.record is not None and result.record.state is RequestState.EXPIRED
    assert result.record.approvers == ()
    assert names(store, record.id)[-1] == (AuditEventName.EXPIRED, SYSTEM_ACTOR)
    assert store.approve(record.id, approver="U2").status is ApprovalStatus.NOT_PENDING


def test_approving_just_before_the_ttl_still_counts(store: Store, clock: FakeClock) -> None:
    record = new(store)
    clock.advance(TTL.total_seconds() - 0.001)

    assert store.approve(record.id, approver="U2").status is ApprovalStatus.EXECUTE


# -- transitions ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("to", "event"),
    [
        (RequestState.REJECTED, AuditEventName.REJECTED),
        (RequestState.WITHDRAWN, AuditEventName.WITHDRAWN),
    ],
)
def test_pending_requests_can_be_rejected_or_withdrawn(
    store: Store, to: RequestState, event: AuditEventName
) -> None:
    record = new(store)

    after = store.transition(record.id, to=to, event=event, actor="U2", detail={"why": "no"})

    assert after is not None and after.state is to
    assert store.get(record.id) == after
    [*_, last] = store.events(request_id=record.id)
    assert (last.event, last.actor, last.detail) == (event, "U2", {"why": "no", "requested_seq": 1})
    assert last.targets == ()  # it refers to the requested event instead of copying the targets
    assert store.approve(record.id, approver="U3").status is ApprovalStatus.NOT_PENDING


@pytest.mark.parametrize(
    ("to", "event"),
    [
        (RequestState.SUCCEEDED, AuditEventName.SUCCEEDED),
        (RequestState.FAILED, AuditEventName.FAILED),
        (RequestState.UNKNOWN, AuditEventName.UNKNOWN),
    ],
)
def test_executing_requests_finish_with_their_outcome(
    store: Store, to: RequestState, event: AuditEventName
) -> None:
    record = new(store)
    store.approve(record.id, approver="U2")
    outcome = FailedOutcome(error="VendorError", message="no", vendor_request_id="req-9")

    after = store.transition(
        record.id,
        to=to,
        event=event,
        actor=SYSTEM_ACTOR,
        outcome=outcome,
        detail={"vendor_request_id": "req-9"},
    )

    assert after is not None
    assert (after.state, after.outcome) == (to, outcome)
    assert names(store, record.id)[-1] == (event, SYSTEM_ACTOR)


def test_a_failed_compare_and_set_changes_nothing(store: Store) -> None:
    record = new(store)
    before = count_events(store)

    finished = store.transition(
        record.id,
        to=RequestState.SUCCEEDED,
        event=AuditEventName.SUCCEEDED,
        actor=SYSTEM_ACTOR,
        outcome=Outcome(summary="done"),
    )
    missing = store.transition(
        "R-NOPE0000", to=RequestState.REJECTED, event=AuditEventName.REJECTED, actor="U2"
    )

    assert finished is None and missing is None
    assert store.get(record.id) == record
    assert count_events(store) == before


def test_a_second_reject_loses_the_race(store: Store) -> None:
    record = new(store)
    reject = {"to": RequestState.REJECTED, "event": AuditEventName.REJECTED, "actor": "U2"}

    assert store.transition(record.id, **reject) is not None  # type: ignore[arg-type]
    assert store.transition(record.id, **reject) is None  # type: ignore[arg-type]
    assert [n for n, _ in names(store, record.id)].count(AuditEventName.REJECTED) == 1


@pytest.mark.parametrize(
    "bad",
    [{"when": datetime(2026, 1, 1, tzinfo=UTC)}, {"x": float("nan")}, {"n": {1: "a"}}, {"s": {1}}],
)
def test_non_json_details_are_refused_before_anything_is_written(
    store: Store, bad: dict[str, object]
) -> None:
    record = new(store)

    with pytest.raises(AuditDetailError, match="detail must be JSON-serialisable") as caught:
        store.transition(
            record.id,
            to=RequestState.REJECTED,
            event=AuditEventName.REJECTED,
            actor="U2",
            detail=bad,
        )
    with pytest.raises(AuditDetailError):
        store.log(record.id, AuditEventName.DENIED, actor="U2", detail=bad)

    assert caught.value.field == "detail"
    assert store.get(record.id) == record
    assert count_events(store) == 1


@pytest.mark.parametrize(
    "outcome",
    [
        Outcome(
            summary="Cancel accepted for 3 of 4 devices",
            total=4,
            failures=(ItemFailure(targets=("d4",), kind=FailureKind.UNKNOWN, message="no answer"),),
            succeeded_as="accepted",
            checked="listed again",
        ),
        FailedOutcome(error="VendorError", message="no", code="24618", http_status=200),
        UnknownOutcome(message="timed out"),
        ClosedOutcome(by="U2", note="wrong job"),
    ],
)
def test_outcomes_and_previews_are_stored_typed_and_read_back_the_same(
    store: Store, outcome: RequestOutcome
) -> None:
    """What is stored is exactly what was given, of the same shape: the JSON says its kind."""
    preview = Preview(summary="x", warnings=["w"], blocked=Blocker(message="no", code="1"))
    record = store.create_request(
        op(), requester="U1", channel="C1", policy=OperationPolicy(), sandbox=False, preview=preview
    )
    store.approve(record.id, approver="U2")

    after = store.transition(
        record.id,
        to=RequestState.FAILED,
        event=AuditEventName.FAILED,
        actor=SYSTEM_ACTOR,
        outcome=outcome,
    )

    assert after is not None and after.outcome == outcome and after.preview == preview
    assert store.get(record.id) == after
    assert type(after.outcome) is type(outcome) and type(after.preview) is Preview


def test_log_appends_without_changing_state(store: Store) -> None:
    record = new(store)

    event = store.log(
        record.id, AuditEventName.DENIED, actor="U9", detail={"reason": "not allowed"}
    )

    [requested] = [e for e in store.events(request_id=record.id) if e.seq < event.seq]
    assert (event.event, event.actor, event.detail) == (
        AuditEventName.DENIED,
        "U9",
        {"reason": "not allowed", "requested_seq": requested.seq},
    )
    # A later event refers to the request's first event instead of copying its targets.
    assert (event.request_id, event.operation, event.targets) == (record.id, record.operation, ())
    assert requested.targets == record.targets
    assert store.get(record.id) == record
    assert list(store.events(request_id=record.id))[-1] == event
    with pytest.raises(UnknownRequestError):
        store.log("R-NOPE0000", AuditEventName.DENIED, actor="U9")


# -- sweeps ---------------------------------------------------------------------------------


def test_expire_due_expires_only_pending_requests_past_their_ttl(
    store: Store, clock: FakeClock
) -> None:
    short = new(store, ttl=timedelta(minutes=5))
    long = new(store, ttl=timedelta(hours=1))
    done = new(store, ttl=timedelta(minutes=5))
    store.approve(done.id, approver="U2")
    clock.advance(timedelta(minutes=10).total_seconds())

    expired = store.expire_due()

    assert [r.id for r in expired] == [short.id]
    assert expired[0].state is RequestState.EXPIRED
    assert names(store, short.id)[-1] == (AuditEventName.EXPIRED, SYSTEM_ACTOR)
    assert store.get(long.id).state is RequestState.PENDING  # type: ignore[union-attr]
    assert store.get(done.id).state is RequestState.EXECUTING  # type: ignore[union-attr]
    assert store.expire_due() == []


def test_recover_executing_marks_interrupted_requests_unknown(
    store: Store, clock: FakeClock
) -> None:
    running = new(store)
    as_another_replica(store, clock).approve(running.id, approver="U2")  # which then died
    pending = new(store)
    clock.advance(store.leases.duration.total_seconds())  # nobody renewed the lease

    recovered = store.recover_executing()

    assert [(r.id, r.state) for r in recovered] == [(running.id, RequestState.UNKNOWN)]
    [*_, last] = store.events(request_id=running.id)
    assert (last.event, last.actor) == (AuditEventName.UNKNOWN, SYSTEM_ACTOR)
    assert "stopped" in last.detail["reason"] and "never retried" in last.detail["reason"]
    assert store.get(pending.id).state is RequestState.PENDING  # type: ignore[union-attr]
    assert store.recover_executing() == []
    assert store.approve(running.id, approver="U3").status is ApprovalStatus.NOT_PENDING


# -- queries --------------------------------------------------------------------------------


def test_history_is_newest_first_and_filters(store: Store, clock: FakeClock) -> None:
    first = new(store, requester="U1", vendor="huawei")
    clock.advance(1)
    second = new(store, requester="U2", vendor="enos")
    third = new(store, requester="U1", vendor="enos")  # same instant as second: insertion order

    assert [r.id for r in store.history()] == [third.id, second.id, first.id]
    assert [r.id for r in store.history(requester="U1")] == [third.id, first.id]
    assert [r.id for r in store.history(vendor="enos")] == [third.id, second.id]
    assert [r.id for r in store.history(requester="U2", vendor="enos")] == [second.id]
    assert store.history(requester="U3") == []
    assert [r.id for r in store.history(limit=1)] == [third.id]
    with pytest.raises(ValueError, match="limit"):
        store.history(limit=0)


def test_history_carries_approvers(store: Store) -> None:
    record = new(store, needed=2)
    store.approve(record.id, approver="U2")

    assert store.history()[0].approvers == ("U2",)


def test_events_filter_by_request_and_time(store: Store, clock: FakeClock) -> None:
    early = new(store)
    clock.advance(60)
    middle = datetime.fromtimestamp(clock.now(), UTC)
    late = new(store)

    assert [e.request_id for e in store.events(request_id=late.id)] == [late.id]
    assert [e.request_id for e in store.events(since=middle)] == [late.id]
    assert [e.request_id for e in store.events()] == [early.id, late.id]
    with pytest.raises(ValueError, match="timezone-aware"):
        store.events(since=datetime(2026, 1, 1))  # naive on purpose


def test_events_page_through_long_logs_in_seq_order(store: Store) -> None:
    record = new(store)
    for n in range(520):  # more than one page
        store.log(record.id, AuditEventName.DENIED, actor=f"U{n}")

    seqs = [e.seq for e in store.events()]

    assert seqs == list(range(1, 522))


def test_every_event_timestamp_is_iso_utc_with_microseconds(store: Store, clock: FakeClock) -> None:
    clock.advance(0.25)
    record = new(store)

    [event] = store.events(request_id=record.id)

    assert event.at == "2026-01-01T00:00:00.250000Z"


# -- the file ---------------------------------------------------------------------------------


def test_a_file_store_uses_wal_and_survives_reopening(tmp_path: Path, clock: FakeClock) -> None:
    path = tmp_path / "opsgate.db"
    store = Store.open(path, clock=clock)
    record = new(store)
    store.close()

    reopened = Store.open(path, clock=clock)  # migrations already applied: nothing to do

    assert reopened.get(record.id) == record
    assert reopened.verify().ok
    reopened.close()
    with sqlite3.connect(path) as raw:
        assert raw.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    raw.close()


def test_events_cannot_be_updated_or_deleted_through_sqlite(tmp_path: Path) -> None:
    path = tmp_path / "opsgate.db"
    store = Store.open(path)
    new(store)
    store.close()

    raw = sqlite3.connect(path)
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        raw.execute("UPDATE events SET actor = 'U666'")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        raw.execute("DELETE FROM events")
    raw.close()


def test_healthy_until_closed(clock: FakeClock) -> None:
    store = Store.memory(clock=clock)
    assert store.healthy()

    store.close()

    assert not store.healthy()


def test_a_literal_percent_sign_reaches_either_engine_once(store: Store) -> None:
    """PostgreSQL's driver reads ``%`` as a placeholder; a query without parameters must still
    say what it says on SQLite (`LIKE` patterns, `format` templates)."""
    with store.engine.read() as db:
        assert list(db.rows("SELECT 'a%b', 'x.y' LIKE '%.%'")) in ([("a%b", 1)], [("a%b", True)])
        assert [row["t"] for row in db.query("SELECT 'c%' AS t")] == ["c%"]
