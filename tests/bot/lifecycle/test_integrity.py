"""SPEC §9 in the lifecycle: what executes is exactly what the chain says; the card shows the
policy that applied; every ended request is announced in the audit channel with the head."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from lifecycle_world import ALICE, BOB, CAROL, CHANNEL, World, open_request
from tampering import drop_detail_key, rehash, set_detail_key, tamper

from bot.model import AuditEventName, FailedOutcome, RequestState
from bot.slack.announce import AuditChannel
from commands.model import OperationRequest

TWO_APPROVALS = """
[policy]
approvers = ["*"]
approvals = 2
channels = ["C0OPS"]
"""
TWO_LEADS = """
[policy]
approvers = ["S0OPSLEADS"]
approvals = 2
channels = ["C0OPS"]
"""
ONE_APPROVAL = """
[policy]
approvers = ["*"]
approvals = 1
channels = ["C0OPS"]
"""
AUDIT_CHANNEL = "C0AUDIT"


def cancel(job: str = "JOB-1002") -> OperationRequest:
    return OperationRequest(
        operation="servicepower.job.cancel",
        vendor="servicepower",
        targets=(job,),
        reason="duplicate job",
    )


def cancels(world: World) -> int:
    return len(world.sim("servicepower").requests_to("CancelJob"))


def card_text(world: World) -> str:
    message = world.slack.of("update")[-1].message
    return message.text + str(message.blocks)


def test_a_target_changed_in_the_file_is_never_sent(
    world_factory: Callable[..., World], tmp_path: Path
) -> None:
    world = world_factory(db=tmp_path / "opsgate.db")
    rid = open_request(world, cancel("JOB-1002"))
    tamper(tmp_path / "opsgate.db", "UPDATE requests SET targets = '[\"JOB-EVIL\"]'")

    world.service.approve(rid, world.on_card(rid, BOB))

    assert cancels(world) == 0
    record = world.store.get(rid)
    assert record is not None and record.state is RequestState.FAILED
    assert isinstance(record.outcome, FailedOutcome) and record.outcome.error == "integrity"
    [failed] = [e for e in world.store.events(request_id=rid) if e.event is AuditEventName.FAILED]
    assert failed.detail["error"] == "integrity"
    assert "JOB-EVIL" in failed.detail["message"] and "JOB-1002" in failed.detail["message"]
    card = card_text(world)
    assert "Not executed: integrity check failed" in card
    assert "The vendor was not called" in card or "did not call the vendor" in card


def failed_integrity(world: World, rid: str) -> str:
    """The request failed its integrity check without a vendor call: its outcome's message."""
    assert cancels(world) == 0
    record = world.store.get(rid)
    assert record is not None and record.state is RequestState.FAILED
    assert isinstance(record.outcome, FailedOutcome) and record.outcome.error == "integrity"
    return record.outcome.message


def test_an_approval_row_changed_in_the_file_is_never_executed(
    world_factory: Callable[..., World], tmp_path: Path
) -> None:
    world = world_factory(TWO_APPROVALS, db=tmp_path / "opsgate.db")
    rid = open_request(world, cancel())
    world.service.approve(rid, world.on_card(rid, BOB))
    # Rename Bob's approval to Carol's: Bob's second click now looks like a second approver.
    tamper(tmp_path / "opsgate.db", "UPDATE approvals SET approver = 'U0CAROL'")

    world.service.approve(rid, world.on_card(rid, BOB))

    assert "approvals" in failed_integrity(world, rid)


def test_a_first_event_given_a_reference_is_never_executed(
    world_factory: Callable[..., World], tmp_path: Path
) -> None:
    """Only later events refer to the first (unkeyed chain, rehashed: the hashes hold)."""
    world = world_factory(db=tmp_path / "opsgate.db")
    rid = open_request(world, cancel())
    set_detail_key(tmp_path / "opsgate.db", event="requested", key="requested_seq", value=1)
    rehash(tmp_path / "opsgate.db")

    world.service.approve(rid, world.on_card(rid, BOB))

    assert "requested_seq" in failed_integrity(world, rid)


def test_a_break_glass_ref_given_to_a_release_1_request_is_never_executed(
    world_factory: Callable[..., World], tmp_path: Path
) -> None:
    """Release 1 had no break-glass: its first event records none, so a row claiming one fails."""
    world = world_factory(db=tmp_path / "opsgate.db")
    rid = open_request(world, cancel())
    for key in ("created_at", "break_glass", "review_due_at"):  # as release 1 wrote it
        drop_detail_key(tmp_path / "opsgate.db", event="requested", key=key)
    rehash(tmp_path / "opsgate.db")
    tamper(tmp_path / "opsgate.db", "UPDATE requests SET break_glass = 'INC-1'")

    world.service.approve(rid, world.on_card(rid, BOB))

    said = failed_integrity(world, rid)
    assert said.count("break_glass: the stored request has 'INC-1'") == 1


def test_an_untouched_request_executes(world: World) -> None:
    rid = open_request(world, cancel())
    world.service.approve(rid, world.on_card(rid, BOB))

    assert cancels(world) == 1
    assert world.store.get(rid).state is RequestState.SUCCEEDED  # type: ignore[union-attr]


def test_the_card_shows_the_policy_that_applied_not_the_current_one(
    world_factory: Callable[..., World], tmp_path: Path
) -> None:
    db = tmp_path / "opsgate.db"
    before = world_factory(TWO_LEADS, db=db)
    rid = open_request(before, cancel())
    before.store.close()

    after = world_factory(ONE_APPROVAL, db=db)  # the policy changed; the request did not
    record = after.store.get(rid)
    assert record is not None
    text = str(after.service.replies.card(record).blocks)

    assert "<!subteam^S0OPSLEADS>" in text  # who could approve then
    assert "0 of 2 needed" in text
    assert "anyone" not in text  # what the policy says now


def test_every_ended_request_is_announced_with_the_chain_head(world: World) -> None:
    world.store.subscribe(AuditChannel(world.slack, AUDIT_CHANNEL))
    approved = open_request(world, cancel("JOB-1001"))
    rejected = open_request(world, cancel("JOB-1003"))

    world.service.approve(approved, world.on_card(approved, BOB))
    world.service.reject(rejected, world.on_card(rejected, CAROL))

    announced = [p.message.text for p in world.slack.of("post") if p.target == AUDIT_CHANNEL]
    events = list(world.store.events())
    ends = {e.request_id: e for e in events if e.event.value in {"succeeded", "rejected"}}
    assert announced == [
        f"{approved} servicepower.job.cancel succeeded · head "
        f"{ends[approved].seq}:{ends[approved].hash}",
        f"{rejected} servicepower.job.cancel rejected · head "
        f"{ends[rejected].seq}:{ends[rejected].hash}",
    ]
    assert world.store.verify(anchors=[world.store.head()]).ok


def test_a_refused_announcement_does_not_stop_the_request(world: World) -> None:
    world.slack.refuse_posts = "not_in_channel"  # every channel post fails, the audit one too
    world.store.subscribe(AuditChannel(world.slack, AUDIT_CHANNEL))
    rid = world.store.create_request(
        cancel(),
        requester=ALICE,
        channel=CHANNEL,
        policy=world.policy.for_operation("servicepower.job.cancel"),
        sandbox=True,
    ).id
    world.store.set_message(rid, channel=CHANNEL, ts="1767225600.000001")  # its card, elsewhere

    world.service.approve(rid, world.on_card(rid, BOB))

    assert world.store.get(rid).state is RequestState.SUCCEEDED  # type: ignore[union-attr]
