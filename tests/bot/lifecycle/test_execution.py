"""The one vendor call and its outcome on the card: success, vendor errors, unknown, bulk."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from lease_owners import as_another_replica
from lifecycle_world import ALICE, BOB, World, open_request

from adapters.base import Outcome
from adapters.errors import OutcomeUnknown
from bot.model import AuditEventName, FailedOutcome, RequestState
from bot.store import DatabaseUnavailable
from commands.model import OperationRequest


def card_text(world: World) -> str:
    message = world.slack.of("update")[-1].message
    return (message.text + str(message.blocks)).lower()


def test_vendor_refusal_fails_with_the_vendor_code_on_the_card(world: World) -> None:
    request = OperationRequest(
        operation="huawei.device.delete",
        vendor="huawei",
        targets=("stranger-dev-0001",),
        reason="x",
        params={"cascade": True, "app": "stranger-app"},
        force=True,  # the preview is blocked (100217): only --force posts a card
    )
    rid = open_request(world, request)
    world.service.approve(rid, world.on_card(rid, BOB))

    record = world.store.get(rid)
    assert record is not None and record.state is RequestState.FAILED
    assert isinstance(record.outcome, FailedOutcome) and record.outcome.code == "100217"
    assert "100217" in card_text(world)
    [failed] = [e for e in world.store.events(request_id=rid) if e.event is AuditEventName.FAILED]
    assert failed.detail["code"] == "100217"


def test_lost_answer_is_unknown_and_never_retried(world: World) -> None:
    rid = open_request(world)
    world.sim("huawei").inject("timeout", path_contains="/category/", apply=True)
    world.service.approve(rid, world.on_card(rid, BOB))

    assert world.store.get(rid).state is RequestState.UNKNOWN  # type: ignore[union-attr]
    deletes = [r for r in world.sim("huawei").calls if r.method == "DELETE"]
    assert len(deletes) == 1
    assert "unknown" in card_text(world)


class ExplodingAdapter:
    vendor = "huawei"
    sandbox = True

    def __init__(self, error: Exception) -> None:
        self.error = error
        self.calls = 0

    def preview(self, request):  # type: ignore[no-untyped-def]
        from adapters.base import Preview

        return Preview(summary="ok")

    def execute(self, request, *, progress=None):  # type: ignore[no-untyped-def]
        self.calls += 1
        raise self.error

    def describe(self, request):  # type: ignore[no-untyped-def]
        return []

    def check(self) -> str:
        return "ok"

    def close(self) -> None:
        pass


def test_an_unexpected_error_in_the_call_is_unknown_not_failed(world: World) -> None:
    adapter = ExplodingAdapter(RuntimeError("boom"))
    world.adapters.by_vendor["huawei"] = adapter  # type: ignore[assignment]
    rid = open_request(world)
    world.service.approve(rid, world.on_card(rid, BOB))
    record = world.store.get(rid)
    assert record is not None and record.state is RequestState.UNKNOWN
    assert record.outcome is not None and "boom" not in str(record.outcome)
    assert adapter.calls == 1


def test_outcome_unknown_from_adapter_is_recorded(world: World) -> None:
    world.adapters.by_vendor["huawei"] = ExplodingAdapter(  # type: ignore[assignment]
        OutcomeUnknown(
            "huawei did not answer in 10 s; the request's state is unknown", vendor="huawei"
        )
    )
    rid = open_request(world)
    world.service.approve(rid, world.on_card(rid, BOB))
    assert world.store.get(rid).state is RequestState.UNKNOWN  # type: ignore[union-attr]


def test_restart_marks_executing_requests_unknown(world: World) -> None:
    rid = open_request(world)
    dead = as_another_replica(world.store, world.clock)
    result = dead.approve(rid, approver=BOB)  # reached executing, then that replica died
    assert result.record is not None and result.record.state is RequestState.EXECUTING
    assert world.service.recover() == 0  # its lease still vouches for the call
    world.clock.advance(world.store.leases.duration.total_seconds())  # nobody renewed it

    assert world.service.recover() == 1
    assert world.store.get(rid).state is RequestState.UNKNOWN  # type: ignore[union-attr]
    assert "unknown" in card_text(world)
    assert not [r for r in world.sim("huawei").calls if r.method == "DELETE"]


def test_bulk_cancel_shows_progress_and_a_summary(world: World) -> None:
    sim = world.sim("aliyun")
    devices = tuple(f"bulk-dev-{i:04d}" for i in range(1000))
    request = OperationRequest(
        operation="aliyun.ota-task.cancel",
        vendor="aliyun",
        targets=devices,
        reason="rollback",
        params=_aliyun_params(sim),
    )
    rid = open_request(world, request)
    world.service.approve(rid, world.on_card(rid, BOB))

    record = world.store.get(rid)
    assert record is not None and record.state is RequestState.SUCCEEDED, record.outcome
    outcome = Outcome.model_validate(record.outcome)
    assert outcome.total == 1000 and len(outcome.vendor_request_ids) == 5
    progress_cards = [
        u for u in world.slack.of("update") if "executing" in str(u.message.blocks).lower()
    ]
    assert progress_cards, "no progress was shown while executing"


def _aliyun_params(sim) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """The sandbox's product and firmware ids, whatever the simulator seeds."""
    from adapters.aliyun.simulator import sandbox as aliyun_sandbox

    return {"product": aliyun_sandbox.PRODUCT_KEY, "firmware": aliyun_sandbox.FIRMWARE_ID}


def test_requester_is_told_the_outcome(world: World) -> None:
    rid = open_request(world)
    world.service.approve(rid, world.on_card(rid, BOB))
    [notice] = [p for p in world.slack.of("post") if p.target == ALICE]
    assert rid in notice.message.text + str(notice.message.blocks)


def test_a_call_marked_unknown_after_its_lease_lapsed_still_records_its_outcome(
    world: World,
) -> None:
    """Replica A stalls past its lease mid-call and B recovers it: A's real outcome still lands."""
    world.store.leases.owner = "replica-a"  # a replica B judges by its lease alone
    rid = open_request(world)
    adapter = world.adapters.by_vendor["huawei"]
    real_execute = adapter.execute

    def execute_while_another_process_restarts(request, *, progress=None):  # type: ignore[no-untyped-def]
        world.clock.advance(world.store.leases.duration.total_seconds())  # A stalls
        assert as_another_replica(world.store, world.clock).recover_executing()  # B's sweep
        return real_execute(request, progress=progress)

    adapter.execute = execute_while_another_process_restarts  # type: ignore[method-assign]
    world.service.approve(rid, world.on_card(rid, BOB))

    record = world.store.get(rid)
    assert record is not None and record.state is RequestState.SUCCEEDED
    assert [e.event for e in world.store.events(request_id=rid)][-3:] == [
        AuditEventName.EXECUTING,
        AuditEventName.UNKNOWN,
        AuditEventName.SUCCEEDED,
    ]
    assert "succeeded" in card_text(world)


def test_a_lost_answer_to_a_call_already_marked_unknown_is_logged_not_a_second_unknown(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    """B marks A's stalled call unknown; A's call then times out: the request stays unknown,
    with one ``unknown`` event, and what A's call saw goes to A's log."""
    world.store.leases.owner = "replica-a"  # a replica B judges by its lease alone
    rid = open_request(world)
    adapter = world.adapters.by_vendor["huawei"]

    def execute_and_lose_the_answer(request, *, progress=None):  # type: ignore[no-untyped-def]
        world.clock.advance(world.store.leases.duration.total_seconds())  # A stalls
        assert as_another_replica(world.store, world.clock).recover_executing()  # B's sweep
        raise OutcomeUnknown("huawei did not answer in 10 s", vendor="huawei")

    adapter.execute = execute_and_lose_the_answer  # type: ignore[method-assign]
    with caplog.at_level(logging.WARNING, logger="bot.lifecycle.execution"):
        world.service.approve(rid, world.on_card(rid, BOB))

    assert world.store.get(rid).state is RequestState.UNKNOWN  # type: ignore[union-attr]
    unknown = [e for e in world.store.events(request_id=rid) if e.event is AuditEventName.UNKNOWN]
    assert len(unknown) == 1
    assert "already been marked unknown by recovery" in caplog.text
    assert "huawei did not answer in 10 s" in caplog.text


def test_a_replica_never_marks_its_own_call_unknown_when_its_lease_ran_out(
    world: World,
) -> None:
    """The database was out longer than the lease, so the heartbeat could not renew: this
    replica's own sweep leaves its running call alone, and the call ends as the vendor says."""
    rid = open_request(world)
    adapter = world.adapters.by_vendor["huawei"]
    real_execute = adapter.execute

    def execute_through_an_outage(request, *, progress=None):  # type: ignore[no-untyped-def]
        world.clock.advance(world.store.leases.duration.total_seconds() * 3)  # no renewal
        assert world.service.sweeps.recover() == 0  # this replica's own sweep
        return real_execute(request, progress=progress)

    adapter.execute = execute_through_an_outage  # type: ignore[method-assign]
    world.service.approve(rid, world.on_card(rid, BOB))

    assert [e.event for e in world.store.events(request_id=rid)][-2:] == [
        AuditEventName.EXECUTING,
        AuditEventName.SUCCEEDED,
    ]


def test_an_interrupted_call_stops_vouching_for_its_lease(world: World) -> None:
    """Ctrl-C in the middle of a vendor call: this process no longer renews the lease, so the
    request is recovered as unknown (by another replica, or the next start)."""
    rid = open_request(world)
    adapter = world.adapters.by_vendor["huawei"]

    def interrupted(request, *, progress=None):  # type: ignore[no-untyped-def]
        assert world.store.leases.in_flight() == [rid]  # vouched for while it runs
        raise KeyboardInterrupt

    adapter.execute = interrupted  # type: ignore[method-assign]
    with pytest.raises(KeyboardInterrupt):
        world.service.approve(rid, world.on_card(rid, BOB))

    assert world.store.leases.in_flight() == []
    assert world.store.get(rid).state is RequestState.EXECUTING  # type: ignore[union-attr]


@pytest.mark.parametrize("requested_sandboxed", [True, False])
def test_a_request_never_runs_against_a_vendor_served_otherwise_than_its_card_said(
    world: World, requested_sandboxed: bool
) -> None:
    """Requested while huawei was sandboxed (the card said nothing real changes) and approved
    after its credentials were set, or the other way round: failed, nothing sent."""
    simulator = world.adapters.simulators["huawei"]
    if not requested_sandboxed:
        del world.adapters.simulators["huawei"]  # huawei is "real" when it is requested
    rid = open_request(world)
    assert world.store.get(rid).sandbox is requested_sandboxed  # type: ignore[union-attr]
    if requested_sandboxed:
        del world.adapters.simulators["huawei"]  # its credentials are set before the approval
    else:
        world.adapters.simulators["huawei"] = simulator  # and now it is sandboxed
    world.service.approve(rid, world.on_card(rid, BOB))

    record = world.store.get(rid)
    assert record is not None and record.state is RequestState.FAILED
    assert isinstance(record.outcome, FailedOutcome)
    assert record.outcome.error == "sandbox_changed"
    assert "opsgate did not call the vendor" in record.outcome.message
    assert not [r for r in simulator.requests_to("/") if r.method == "DELETE"]
    assert "request it again" in card_text(world)


def test_a_retry_finding_its_own_unknown_recorded_does_not_blame_recovery(
    world: World, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """The write of an unknown outcome commits but its answer is lost (the database went away
    at that moment): the retry finds the request unknown, by its own earlier try, and says so,
    not that recovery (another replica) had marked it."""
    rid = open_request(world)
    adapter = world.adapters.by_vendor["huawei"]

    def no_answer(request, *, progress=None):  # type: ignore[no-untyped-def]
        raise OutcomeUnknown("huawei did not answer in 10 s", vendor="huawei")

    transition = world.store.transition
    lost: list[str] = []

    def committed_then_lost(request_id: str, **kwargs: Any) -> Any:
        done = transition(request_id, **kwargs)
        if kwargs["to"] is RequestState.UNKNOWN and not lost:
            lost.append(request_id)
            raise DatabaseUnavailable("server closed the connection unexpectedly")
        return done

    adapter.execute = no_answer  # type: ignore[method-assign]
    monkeypatch.setattr(world.store, "transition", committed_then_lost)
    with caplog.at_level(logging.INFO, logger="bot.lifecycle"):
        world.service.approve(rid, world.on_card(rid, BOB))

    assert lost == [rid]
    assert world.store.get(rid).state is RequestState.UNKNOWN  # type: ignore[union-attr]
    said = [r.getMessage() for r in caplog.records if r.name.startswith("bot.lifecycle")]
    assert f"{rid}: its unknown outcome had been recorded by an earlier try" in said
    assert not [line for line in said if "recovery" in line or "already unknown" in line]
