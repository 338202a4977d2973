"""Reject asks why (issue 7 item 9): a dialog with an optional reason. Submitting it rejects after
the same checks as the click; if the dialog cannot be opened, the click rejects at once."""

from __future__ import annotations

import json
from typing import Any

from lifecycle_world import ALICE, BOB, CAROL, DAVE, LEADS, World, open_request

from bot import cards
from bot.model import AuditEventName, RequestState

TRIGGER = "13345224609.738474920.8088930838d88f008e0"
LEADS_ONLY = f'[policy]\napprovers = ["{LEADS}"]\nchannels = ["C0OPS"]\n'


def click_reject(world: World, rid: str, user: str = CAROL) -> None:
    world.service.reject(rid, world.on_card(rid, user, trigger_id=TRIGGER))


def submit(
    world: World, user: str, reason: str | None, *, view: dict[str, Any] | None = None
) -> None:
    """Submit the last dialog opened, as Slack would hand it back."""
    opened = view or world.slack.views[-1][1]
    values = {"state": {"values": {"opsgate_reject_reason": {"reason": {"value": reason}}}}}
    submitted = cards.read_reject_dialog({**opened, **values})
    world.service.reject_with_reason(
        submitted.request_id,
        world.on_card(
            submitted.request_id, user, channel=submitted.channel, ts=submitted.message_ts
        ),
        submitted.reason,
    )


def shown(world: World, kind: str, target: str) -> str:
    [*_, last] = [p for p in world.slack.of(kind) if p.target == target]
    return last.message.text + json.dumps(last.message.blocks, ensure_ascii=False)


def test_reject_opens_a_dialog_and_decides_nothing_yet(world: World) -> None:
    rid = open_request(world)
    click_reject(world, rid)

    [(trigger, view)] = world.slack.views
    assert trigger == TRIGGER and view["callback_id"] == cards.REJECT_DIALOG
    record = world.store.get(rid)
    assert record is not None and record.state is RequestState.PENDING
    assert json.loads(view["private_metadata"]) == {
        "request_id": rid,
        "channel": record.channel,
        "message_ts": record.message_ts,
    }


def test_the_reason_goes_on_the_card_in_the_audit_log_and_to_the_requester(world: World) -> None:
    rid = open_request(world)
    click_reject(world, rid)
    submit(world, CAROL, "  firmware 1.2.0 is still on 40 meters  ")

    record = world.store.get(rid)
    assert record is not None and record.state is RequestState.REJECTED
    reason = "firmware 1.2.0 is still on 40 meters"
    [event] = [e for e in world.store.events(request_id=rid) if e.event is AuditEventName.REJECTED]
    assert event.actor == CAROL and event.detail["reason"] == reason
    card = shown(world, "update", f"C0OPS/{record.message_ts}")
    assert f"*Rejected* by <@U0CAROL>: {reason}" in card
    assert f"*Rejected* by <@U0CAROL>: {reason}" in shown(world, "post", ALICE)


def test_an_empty_reason_rejects_without_one(world: World) -> None:
    rid = open_request(world)
    click_reject(world, rid)
    submit(world, CAROL, "   ")
    [event] = [e for e in world.store.events(request_id=rid) if e.event is AuditEventName.REJECTED]
    assert "reason" not in event.detail
    assert world.store.get(rid).state is RequestState.REJECTED  # type: ignore[union-attr]


def test_when_the_dialog_cannot_open_the_click_still_rejects(world: World) -> None:
    world.slack.refuse_views = "expired_trigger_id"
    rid = open_request(world)
    click_reject(world, rid)
    assert world.slack.views == []
    assert world.store.get(rid).state is RequestState.REJECTED  # type: ignore[union-attr]
    assert "*Rejected* by <@U0CAROL>" in shown(world, "post", ALICE)


def test_someone_who_may_not_reject_gets_no_dialog(world_factory) -> None:  # type: ignore[no-untyped-def]
    world = world_factory(LEADS_ONLY)
    rid = open_request(world)
    click_reject(world, rid, DAVE)
    assert world.slack.views == []
    assert [e.event for e in world.store.events(request_id=rid)][-1] is AuditEventName.DENIED


def test_the_submission_is_checked_again_who(world_factory) -> None:  # type: ignore[no-untyped-def]
    """A dialog opened by a lead, submitted (forged) as someone who may not reject."""
    world = world_factory(LEADS_ONLY)
    rid = open_request(world)
    click_reject(world, rid, BOB)
    submit(world, DAVE, "not mine to say")
    assert world.store.get(rid).state is RequestState.PENDING  # type: ignore[union-attr]
    [*_, denied] = world.store.events(request_id=rid)
    assert denied.event is AuditEventName.DENIED and denied.actor == DAVE


def test_the_submission_is_checked_again_state(world: World) -> None:
    """The requester withdrew while the dialog was open: the dialog rejects nothing."""
    rid = open_request(world)
    click_reject(world, rid)
    world.service.withdraw(rid, world.on_card(rid, ALICE))
    submit(world, CAROL, "too late")

    assert world.store.get(rid).state is RequestState.WITHDRAWN  # type: ignore[union-attr]
    assert "was withdrawn by <@U0ALICE>" in shown(world, "ephemeral", f"C0OPS/{CAROL}")
    events = [e.event for e in world.store.events(request_id=rid)]
    assert AuditEventName.REJECTED not in events and events[-1] is AuditEventName.DENIED


def test_the_submission_is_checked_again_card(world: World) -> None:
    """A dialog whose metadata names another card counts no more than such a click."""
    rid = open_request(world)
    click_reject(world, rid)
    view = dict(world.slack.views[-1][1])
    meta = json.loads(view["private_metadata"])
    view["private_metadata"] = json.dumps({**meta, "message_ts": "1767225600.999999"})
    submit(world, CAROL, "forged", view=view)

    assert world.store.get(rid).state is RequestState.PENDING  # type: ignore[union-attr]
    [*_, denied] = world.store.events(request_id=rid)
    assert denied.event is AuditEventName.DENIED and "message_ts" in denied.detail["mismatch"]
