"""`SlackOut.reply`: a message in a card's thread (a reminder), optionally also sent to the
channel (an unreviewed break-glass run announced again); a refusal is a `SlackPostError`."""

from __future__ import annotations

import pytest
from slack_sdk import WebClient

from bot.cards import Message
from bot.console.standin.server import SlackStandIn
from bot.slack.port import SlackOut, SlackPostError

NOTE = Message(text="reminder", blocks=[])


def test_a_reply_goes_to_the_cards_thread_and_can_reach_the_channel() -> None:
    with SlackStandIn() as slack:
        port = SlackOut(WebClient(token="xoxb-t", base_url=slack.api_url))
        card = port.post("C0OPS", Message(text="card", blocks=[]))
        ts = port.reply("C0OPS", card, NOTE, broadcast=True)
        [_, sent] = slack.calls_to("chat.postMessage")
        assert sent.params["thread_ts"] == card and sent.params["reply_broadcast"] in (
            True,
            "1",
            "true",
        )
        stored = slack.message("C0OPS", ts)
        assert stored is not None and stored["thread_ts"] == card


def test_a_reply_slack_refuses_is_a_slack_post_error() -> None:
    with SlackStandIn() as slack:
        port = SlackOut(WebClient(token="xoxb-t", base_url=slack.api_url))
        with pytest.raises(SlackPostError) as refused:
            port.reply("", "1.000100", NOTE, broadcast=False)
        assert refused.value.error == "channel_not_found"
