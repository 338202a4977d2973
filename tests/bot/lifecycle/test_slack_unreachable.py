"""A Slack that gives no answer: nothing raised out of the lifecycle, the request left in a
state that says what happened, and the requester told by whatever way still works."""

from __future__ import annotations

from typing import NoReturn

import pytest
from lifecycle_world import ALICE, CHANNEL, World, open_request, package_request

from bot.cards import Message
from bot.model import AuditEventName, RequestState
from bot.slack.port import SlackPostError


def test_a_response_url_that_fails_falls_back_to_a_private_message_in_the_channel(
    world: World, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def unreachable(response_url: str, message: Message) -> NoReturn:
        raise SlackPostError("URLError", unreachable=True)

    monkeypatch.setattr(world.slack, "respond", unreachable)
    rid = open_request(world)

    [told] = world.slack.of("ephemeral")
    assert told.target == f"{CHANNEL}/{ALICE}"
    assert f"/ops status {rid}" in told.message.text
    assert "response_url post failed (URLError); answering in the channel" in caplog.text


def test_a_card_slack_cannot_be_reached_for_ends_the_request_and_says_so(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    world.slack.unreachable = True
    world.service.submit(package_request(), world.origin(ALICE), command_text="/ops …")

    [record] = world.store.history(limit=5)
    assert record.state is RequestState.DENIED  # no card, so nobody could approve it
    [denied] = [
        e for e in world.store.events(request_id=record.id) if e.event is AuditEventName.DENIED
    ]
    assert denied.detail["slack_error"] == "URLError"
    assert "could not be reached to post the approval card" in denied.detail["reason"]
    assert "/invite" not in denied.detail["reason"]  # inviting the bot would not help
    [told] = world.slack.of("ephemeral")  # the response_url failed too
    assert "could not be reached to post the approval card" in told.message.text
    assert "Traceback" not in caplog.text


def test_a_card_slack_refuses_still_says_to_invite_the_bot(world: World) -> None:
    world.slack.refuse_posts = "not_in_channel"
    world.service.submit(package_request(), world.origin(ALICE), command_text="/ops …")
    [record] = world.store.history(limit=5)
    assert record.state is RequestState.DENIED
    said = world.slack.last_text_to(ALICE)
    assert "would not post the approval card" in said and "/invite @opsgate" in said


@pytest.mark.parametrize(
    ("error", "advice"),
    [
        ("ratelimited", "Wait a moment and run"),
        ("service_unavailable", "Wait a moment and run"),
        ("HTTP 502", "Wait a moment and run"),
        ("is_archived", "in a channel that takes messages from the bot"),
        ("invalid_auth", "Tell whoever runs opsgate"),
        ("token_revoked", "Tell whoever runs opsgate"),
        ("invalid_blocks", "Tell whoever runs opsgate"),
    ],
)
def test_a_card_slack_refuses_for_another_reason_is_not_told_to_invite_the_bot(
    world: World, caplog: pytest.LogCaptureFixture, error: str, advice: str
) -> None:
    world.slack.refuse_posts = error
    world.service.submit(package_request(), world.origin(ALICE), command_text="/ops …")
    [record] = world.store.history(limit=5)
    assert record.state is RequestState.DENIED
    said = world.slack.last_text_to(ALICE)
    assert "would not post the approval card" in said and f"({error})" in said
    assert advice in said and "/invite" not in said  # inviting the bot would not help
    [line] = [r.getMessage() for r in caplog.records if "approval card" in r.getMessage()]
    assert line == f"Slack would not post the approval card of {record.id} in {CHANNEL}: {error}"
