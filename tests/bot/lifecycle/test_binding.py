"""A click counts only from its request's own card: the channel and message ts Slack names must
be the ones stored (SPEC §8 "Binding and duplicates", issue 7 item 13)."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from lifecycle_world import ALICE, BOB, World, deletes, open_request, package_request

from bot.model import AuditEventName, RequestState
from bot.observability.logs import current_context, fresh_log_context, log_context
from bot.policy import OperationPolicy
from bot.slack.listeners.actions import click_origin

PKG = "/category/pkg-meter-fw-1.2.0"


@pytest.mark.parametrize(
    ("channel", "ts", "mismatched"),
    [
        (None, "1767225600.999999", {"message_ts"}),
        ("C0OTHER", None, {"channel"}),
        ("C0OTHER", "1767225600.999999", {"channel", "message_ts"}),
    ],
)
def test_a_click_from_anywhere_but_the_card_is_refused_and_audited(
    world: World, channel: str | None, ts: str | None, mismatched: set[str]
) -> None:
    rid = open_request(world)
    world.service.approve(rid, world.on_card(rid, BOB, channel=channel, ts=ts))

    assert world.store.get(rid).state is RequestState.PENDING  # type: ignore[union-attr]
    assert deletes(world, PKG) == 0
    [*_, denied] = world.store.events(request_id=rid)
    assert denied.event is AuditEventName.DENIED and denied.actor == BOB
    assert set(denied.detail["mismatch"]) == mismatched
    assert denied.detail["action"] == "approve"
    [answer] = world.slack.of("ephemeral")
    assert f"did not come from the approval card of `{rid}`" in json.dumps(answer.message.blocks)


@pytest.mark.parametrize("click", ["approve", "reject", "withdraw"])
def test_every_button_is_bound(world: World, click: str) -> None:
    rid = open_request(world)
    user = ALICE if click == "withdraw" else BOB
    getattr(world.service, click)(rid, world.on_card(rid, user, ts="1767225600.999999"))
    assert world.store.get(rid).state is RequestState.PENDING  # type: ignore[union-attr]
    assert [e.event for e in world.store.events(request_id=rid)][-1] is AuditEventName.DENIED


def test_a_request_whose_card_was_never_posted_cannot_be_clicked(world: World) -> None:
    record = world.store.create_request(
        package_request(),
        requester=ALICE,
        channel="C0OPS",
        policy=OperationPolicy(approvals=1, ttl=timedelta(minutes=30)),
        sandbox=True,
    )
    world.service.approve(record.id, world.on_card(record.id, BOB, ts="1767225600.000001"))
    assert world.store.get(record.id).state is RequestState.PENDING  # type: ignore[union-attr]
    [*_, denied] = world.store.events(request_id=record.id)
    assert denied.detail["mismatch"]["message_ts"] == {"card": None, "click": "1767225600.000001"}


def test_the_click_is_read_from_the_message_container_not_the_channel_field() -> None:
    body = {
        "user": {"id": "U0BOB"},
        "channel": {"id": "C0OPS"},
        "container": {"type": "message", "channel_id": "C0OTHER", "message_ts": "1.000200"},
        "trigger_id": "T1",
        "response_url": "https://hooks.example/x",
    }
    origin = click_origin(body)
    assert (origin.user, origin.channel, origin.message_ts) == ("U0BOB", "C0OTHER", "1.000200")
    assert origin.trigger_id == "T1"
    empty = click_origin({"user": {"id": "U0BOB"}})
    assert (empty.channel, empty.message_ts) == ("", None)


@pytest.mark.parametrize("click", ["approve", "reject", "withdraw"])
def test_a_clicks_lines_name_the_operation_once_the_request_is_read(
    world: World, click: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The listener binds the request id and the clicker; the operation, which only the store
    knows, is bound as soon as the click reads the request: here the refusal's answer has it."""
    rid = open_request(world)
    told: list[dict[str, str]] = []
    monkeypatch.setattr(world.slack, "respond", lambda *_: told.append(current_context()))
    monkeypatch.setattr(world.slack, "ephemeral", lambda *_: told.append(current_context()))
    user = ALICE if click == "withdraw" else BOB
    with fresh_log_context(), log_context(request_id=rid, actor=user):
        getattr(world.service, click)(rid, world.on_card(rid, user, ts="1767225600.999999"))
        world.runner.wait_idle()

    assert told == [{"request_id": rid, "actor": user, "operation": "huawei.package.delete"}]
