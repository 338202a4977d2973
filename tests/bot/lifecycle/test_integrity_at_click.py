"""SPEC §9 at the click: a pending request whose stored row disagrees with its ``requested``
event ends ``failed`` with error ``integrity`` at the first Approve, Reject or Withdraw on it,
as it would before the vendor call; nothing is judged on the values the chain does not hold
(the policy's staleness rule, who the requester is, which card it is on). On both engines."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from lifecycle_world import ALICE, BOB, CAROL, World, open_request
from tampering import tamper

from bot.model import AuditEventName, FailedOutcome, RequestState
from bot.store.database import SqliteEngine
from commands.model import OperationRequest

MALLORY = "U0MALLORY"


def cancel() -> OperationRequest:
    return OperationRequest(
        operation="servicepower.job.cancel",
        vendor="servicepower",
        targets=("JOB-1002",),
        reason="duplicate job",
    )


def cancels(world: World) -> int:
    return len(world.sim("servicepower").requests_to("CancelJob"))


def card_text(world: World) -> str:
    update = world.slack.of("update")[-1]
    assert update.target.startswith("C0OPS/")  # the card where it was posted, whatever the row says
    return update.message.text + str(update.message.blocks)


def dms_to(world: World, user: str) -> list[str]:
    return [
        p.message.text + json.dumps(p.message.blocks, ensure_ascii=False)
        for p in world.slack.of("post")
        if p.target == user
    ]


def assert_failed_integrity(world: World, rid: str, named: str, *, told: str = ALICE) -> None:
    """Ended failed/integrity as the check before the vendor call ends it, the vendor not called,
    and no click judged or recorded on the tampered values; the requester its ``requested``
    event names, `told`, hears of it, on the card where it was posted."""
    assert cancels(world) == 0
    record = world.store.get(rid)
    assert record is not None and record.state is RequestState.FAILED
    assert isinstance(record.outcome, FailedOutcome) and record.outcome.error == "integrity"
    assert named in record.outcome.message
    events = list(world.store.events(request_id=rid))
    assert [e.event for e in events] == [AuditEventName.REQUESTED, AuditEventName.FAILED]
    failed = events[-1]
    assert failed.actor == "system"
    assert failed.detail["error"] == "integrity" and named in failed.detail["message"]
    card = card_text(world)
    assert "Not executed: integrity check failed" in card
    assert "did not call the vendor" in card
    # Request again would fill the form in from the row the chain disowns.
    assert "opsgate_request_again" not in card
    assert any("integrity check failed" in dm for dm in dms_to(world, told))


@pytest.fixture
def tampered(
    world_factory: Callable[..., World], target: str | Path
) -> Callable[[str], tuple[World, str]]:
    """A pending request (one approval needed), then `statement` run on its row."""

    def make(statement: str) -> tuple[World, str]:
        world = world_factory(db=target)
        rid = open_request(world, cancel())
        tamper(target, statement)
        return world, rid

    return make


@pytest.mark.parametrize("needed", [0, 3])
def test_approvals_needed_changed_ends_the_request_at_the_first_approve(
    tampered: Callable[[str], tuple[World, str]], needed: int
) -> None:
    world, rid = tampered(f"UPDATE requests SET approvals_needed = {needed}")  # noqa: S608

    world.service.approve(rid, world.on_card(rid, BOB))

    assert_failed_integrity(world, rid, "approvals_needed")
    assert "withdraw it and request again" not in str(world.slack.sent)


def test_the_requesters_own_confirmation_is_not_judged_either(
    tampered: Callable[[str], tuple[World, str]],
) -> None:
    world, rid = tampered("UPDATE requests SET approvals_needed = 0")

    world.service.approve(rid, world.on_card(rid, ALICE))

    assert_failed_integrity(world, rid, "approvals_needed")


@pytest.mark.parametrize(
    ("statement", "named"),
    [
        ("UPDATE requests SET targets = '[\"JOB-EVIL\"]'", "targets"),
        ("UPDATE requests SET reason = 'other'", "reason"),
        ("UPDATE requests SET expires_at = '2099-01-01T00:00:00.000000Z'", "expires_at"),
    ],
)
def test_any_changed_field_ends_the_request_at_the_first_approve(
    tampered: Callable[[str], tuple[World, str]], statement: str, named: str
) -> None:
    world, rid = tampered(statement)

    world.service.approve(rid, world.on_card(rid, BOB))

    assert_failed_integrity(world, rid, named)


def test_a_changed_channel_is_not_taken_for_a_click_from_elsewhere(
    tampered: Callable[[str], tuple[World, str]],
) -> None:
    world, rid = tampered("UPDATE requests SET channel = 'C0ELSEWHERE'")

    world.service.approve(rid, world.on_card(rid, BOB, channel="C0OPS"))

    assert_failed_integrity(world, rid, "channel")


def test_a_withdrawal_by_a_requester_only_the_row_names_ends_it_failed(
    tampered: Callable[[str], tuple[World, str]],
) -> None:
    world, rid = tampered(f"UPDATE requests SET requester = '{MALLORY}'")  # noqa: S608

    world.service.withdraw(rid, world.on_card(rid, MALLORY))

    # The message goes to the requester the chain names, never to the one the row was given.
    assert_failed_integrity(world, rid, "requester", told=ALICE)
    assert not any("integrity check failed" in dm for dm in dms_to(world, MALLORY))
    assert f"<@{ALICE}>" in card_text(world) and f"<@{MALLORY}>" not in card_text(world)


def test_a_rejection_of_a_changed_request_ends_it_failed(
    tampered: Callable[[str], tuple[World, str]],
) -> None:
    world, rid = tampered("UPDATE requests SET approvals_needed = 3")

    world.service.reject(rid, world.on_card(rid, CAROL))

    assert_failed_integrity(world, rid, "approvals_needed")


def test_a_later_click_is_told_it_ended(tampered: Callable[[str], tuple[World, str]]) -> None:
    world, rid = tampered("UPDATE requests SET approvals_needed = 0")
    world.service.approve(rid, world.on_card(rid, BOB))

    world.service.approve(rid, world.on_card(rid, CAROL))

    assert cancels(world) == 0
    assert "failed" in world.shown_to(CAROL)
    record = world.store.get(rid)
    assert record is not None and record.state is RequestState.FAILED


def test_a_call_another_click_started_meanwhile_is_left_to_its_own_check(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The click read the request pending and changed; before it could end it, another click
    completed the approvals. The call under way is not ended by this click (its own check,
    before the vendor call, judges what it executes)."""
    rid = open_request(world, cancel())
    stale = world.store.get(rid)
    origin = world.on_card(rid, CAROL)
    world.store.approve(rid, approver=BOB)  # executing: its call is on its way
    monkeypatch.setattr(world.store, "checked", lambda request_id: (stale, "reason: changed"))

    world.service.approve(rid, origin)

    assert world.store.get(rid).state is RequestState.EXECUTING  # type: ignore[union-attr]
    assert AuditEventName.FAILED not in [e.event for e in world.store.events(request_id=rid)]
    assert "already executing" in world.shown_to(CAROL)


def test_an_untouched_request_still_collects_approvals_and_executes(
    world_factory: Callable[..., World], target: str | Path
) -> None:
    world = world_factory(
        '[policy]\napprovers = ["*"]\napprovals = 2\nchannels = ["C0OPS"]\n', db=target
    )
    rid = open_request(world, cancel())

    world.service.approve(rid, world.on_card(rid, BOB))
    assert world.store.get(rid).state is RequestState.PENDING  # type: ignore[union-attr]
    world.service.approve(rid, world.on_card(rid, CAROL))

    assert cancels(world) == 1
    assert world.store.get(rid).state is RequestState.SUCCEEDED  # type: ignore[union-attr]
    assert world.store.verify().ok


def test_each_click_reads_the_chain_once_and_the_vendor_call_once_more(
    world_factory: Callable[..., World],
) -> None:
    """The check at the click is one more query in the read the click made anyway; the click
    that completes the approvals is checked again before its call, on what it executes."""
    world = world_factory('[policy]\napprovers = ["*"]\napprovals = 2\nchannels = ["C0OPS"]\n')
    rid = open_request(world, cancel())
    engine = world.store.engine
    assert isinstance(engine, SqliteEngine)
    statements: list[str] = []
    engine.db.conn.set_trace_callback(statements.append)

    def chain_reads() -> int:
        reads = len([sql for sql in statements if "AND event IN (" in sql])
        statements.clear()
        return reads

    world.service.approve(rid, world.on_card(rid, BOB))
    assert chain_reads() == 1
    world.service.approve(rid, world.on_card(rid, CAROL))
    assert chain_reads() == 2
    assert cancels(world) == 1
