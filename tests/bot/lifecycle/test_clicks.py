"""Approve, Reject, Withdraw: each click re-checked against the store and the policy (SPEC §2-3)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from lifecycle_world import ALICE, BOB, CAROL, DAVE, LEADS, World, deletes, open_request

from bot.model import AuditEventName, RequestState

PKG = "/category/pkg-meter-fw-1.2.0"


def events(world: World, request_id: str) -> list[tuple[AuditEventName, str]]:
    return [(e.event, e.actor) for e in world.store.events(request_id=request_id)]


def test_approval_by_a_teammate_executes_once_and_updates_the_card(world: World) -> None:
    rid = open_request(world)
    world.service.approve(rid, world.on_card(rid, BOB))

    record = world.store.get(rid)
    assert record is not None and record.state is RequestState.SUCCEEDED
    assert record.approvers == (BOB,)
    assert deletes(world, PKG) == 1
    assert events(world, rid) == [
        (AuditEventName.REQUESTED, ALICE),
        (AuditEventName.APPROVED, BOB),
        (AuditEventName.EXECUTING, BOB),
        (AuditEventName.SUCCEEDED, "system"),
    ]
    final_card = world.slack.of("update")[-1].message
    assert "succeeded" in (final_card.text + str(final_card.blocks)).lower()
    assert [p.target for p in world.slack.of("post")][-1] == ALICE  # the requester is told


def test_self_approval_is_refused_and_audited(world: World) -> None:
    rid = open_request(world)
    world.service.approve(rid, world.on_card(rid, ALICE))
    assert world.store.get(rid).state is RequestState.PENDING  # type: ignore[union-attr]
    assert events(world, rid)[-1] == (AuditEventName.DENIED, ALICE)
    assert deletes(world, PKG) == 0
    assert world.slack.last_text_to(ALICE)


def test_non_approver_is_refused(world_factory) -> None:  # type: ignore[no-untyped-def]
    world = world_factory(f'[policy]\napprovers = ["{LEADS}"]\nchannels = ["C0OPS"]\n')
    rid = open_request(world)
    world.service.approve(rid, world.on_card(rid, DAVE))
    assert world.store.get(rid).state is RequestState.PENDING
    assert events(world, rid)[-1] == (AuditEventName.DENIED, DAVE)
    world.service.approve(rid, world.on_card(rid, CAROL))  # in the group: allowed
    assert world.store.get(rid).state is RequestState.SUCCEEDED


def test_click_from_a_channel_outside_the_policy_is_refused(world: World) -> None:
    rid = open_request(world)
    world.service.approve(rid, world.on_card(rid, BOB, channel="C0ELSEWHERE"))
    assert world.store.get(rid).state is RequestState.PENDING  # type: ignore[union-attr]
    assert events(world, rid)[-1] == (AuditEventName.DENIED, BOB)


@pytest.mark.parametrize("approvals", [1, 0])
def test_an_operation_turned_off_since_the_request_runs_nothing(
    world_factory,  # type: ignore[no-untyped-def]
    tmp_path: Path,
    approvals: int,
) -> None:
    """`requesters = []` turns an operation off (README, Policy): a request made before it was
    turned off is not approved (or confirmed) into running; it may still be rejected."""
    made = f'[policy]\napprovers = ["*"]\napprovals = {approvals}\nchannels = ["C0OPS"]\n'
    first = world_factory(made, db=tmp_path / "opsgate.db")
    rid = open_request(first)
    off = f"{made}requesters = []\n"
    restarted = world_factory(off, db=tmp_path / "opsgate.db", slack=first.slack)
    clicker = BOB if approvals else ALICE

    restarted.service.approve(rid, restarted.on_card(rid, clicker))

    assert restarted.store.get(rid).state is RequestState.PENDING  # type: ignore[union-attr]
    assert deletes(restarted, PKG) == 0
    assert events(restarted, rid)[-1] == (AuditEventName.DENIED, clicker)
    assert "is turned off: the policy lets nobody request it" in restarted.shown_to(clicker)
    if approvals:
        restarted.service.reject(rid, restarted.on_card(rid, CAROL))
        assert restarted.store.get(rid).state is RequestState.REJECTED  # type: ignore[union-attr]


def test_expired_request_cannot_be_approved_and_its_card_says_so(world: World) -> None:
    rid = open_request(world)
    world.clock.advance(timedelta(minutes=31).total_seconds())
    world.service.approve(rid, world.on_card(rid, BOB))

    assert world.store.get(rid).state is RequestState.EXPIRED  # type: ignore[union-attr]
    assert deletes(world, PKG) == 0
    assert (AuditEventName.EXPIRED, "system") in events(world, rid)
    assert events(world, rid)[-1] == (AuditEventName.DENIED, BOB)
    assert "expired" in str(world.slack.of("update")[-1].message.blocks).lower()


def test_expiry_sweep_marks_cards(world: World) -> None:
    rid = open_request(world)
    world.clock.advance(29 * 60)
    assert world.service.expire_due() == 0
    world.clock.advance(2 * 60)
    assert world.service.expire_due() == 1
    assert world.store.get(rid).state is RequestState.EXPIRED  # type: ignore[union-attr]
    assert "expired" in str(world.slack.of("update")[-1].message.blocks).lower()


def test_already_decided_request_refuses_further_clicks(world: World) -> None:
    rid = open_request(world)
    world.service.reject(rid, world.on_card(rid, BOB))
    world.service.approve(rid, world.on_card(rid, CAROL))

    assert world.store.get(rid).state is RequestState.REJECTED  # type: ignore[union-attr]
    assert deletes(world, PKG) == 0
    assert events(world, rid)[-2:] == [
        (AuditEventName.REJECTED, BOB),
        (AuditEventName.DENIED, CAROL),
    ]
    assert "rejected" in world.slack.last_text_to(CAROL)


def test_requester_cannot_reject_but_can_withdraw(world: World) -> None:
    rid = open_request(world)
    world.service.reject(rid, world.on_card(rid, ALICE))
    assert world.store.get(rid).state is RequestState.PENDING  # type: ignore[union-attr]
    world.service.withdraw(rid, world.on_card(rid, ALICE))
    assert world.store.get(rid).state is RequestState.WITHDRAWN  # type: ignore[union-attr]
    assert events(world, rid)[-1] == (AuditEventName.WITHDRAWN, ALICE)


def test_only_the_requester_may_withdraw(world: World) -> None:
    rid = open_request(world)
    world.service.withdraw(rid, world.on_card(rid, BOB))
    assert world.store.get(rid).state is RequestState.PENDING  # type: ignore[union-attr]
    assert events(world, rid)[-1] == (AuditEventName.DENIED, BOB)


def test_two_distinct_approvals_when_the_policy_asks_for_two(world_factory) -> None:  # type: ignore[no-untyped-def]
    world = world_factory(
        '[policy]\napprovers = ["*"]\nchannels = ["C0OPS"]\n'
        '[policy.operations."huawei.package.delete"]\napprovals = 2\n'
    )
    rid = open_request(world)
    world.service.approve(rid, world.on_card(rid, BOB))
    assert world.store.get(rid).state is RequestState.PENDING
    assert "1 of 2" in world.slack.last_text_to(BOB)
    world.service.approve(rid, world.on_card(rid, BOB))  # the same person again does not count
    assert world.store.get(rid).state is RequestState.PENDING
    assert events(world, rid)[-1] == (AuditEventName.DENIED, BOB)
    world.service.approve(rid, world.on_card(rid, CAROL))
    assert world.store.get(rid).approvers == (BOB, CAROL)
    assert world.store.get(rid).state is RequestState.SUCCEEDED
    assert deletes(world, PKG) == 1


def test_zero_approvals_lets_the_requester_confirm_alone(world_factory) -> None:  # type: ignore[no-untyped-def]
    world = world_factory('[policy]\napprovals = 0\nchannels = ["C0OPS"]\n')
    rid = open_request(world)
    world.service.approve(rid, world.on_card(rid, BOB))  # nobody else may confirm
    assert world.store.get(rid).state is RequestState.PENDING
    world.service.approve(rid, world.on_card(rid, ALICE))
    assert world.store.get(rid).state is RequestState.SUCCEEDED


def test_unknown_request_id_is_answered(world: World) -> None:
    world.service.approve("R-00000000", world.origin(BOB))
    assert "R-00000000" in world.slack.last_text_to(BOB)
