"""The stand-in's ``conversations.history``, as Slack answers it: a channel's top-level
messages newest first, bounded by ``oldest``/``latest`` and ``limit``, each message's metadata
only with ``include_all_metadata``; and its network faults (`SlackStandIn.fail`)."""

from __future__ import annotations

from collections.abc import Iterator
from http.client import RemoteDisconnected

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.console.standin.server import SlackStandIn

META = {"event_type": "opsgate_request", "event_payload": {"request_id": "R-1"}}


@pytest.fixture
def slack() -> Iterator[SlackStandIn]:
    with SlackStandIn() as standin:
        yield standin


@pytest.fixture
def client(slack: SlackStandIn) -> WebClient:
    return WebClient(token="xoxb-t", base_url=slack.api_url, retry_handlers=[], timeout=1)


def test_history_lists_a_channels_top_level_messages_newest_first(client: WebClient) -> None:
    first = client.chat_postMessage(channel="C1", text="one", metadata=META)["ts"]
    client.chat_postMessage(channel="C1", text="in a thread", thread_ts=first)
    second = client.chat_postMessage(channel="C1", text="two")["ts"]
    client.chat_postMessage(channel="C2", text="elsewhere")

    listed = client.conversations_history(channel="C1")["messages"]
    assert [m["ts"] for m in listed] == [second, first]
    assert "metadata" not in listed[1]  # only when asked for
    asked = client.conversations_history(channel="C1", include_all_metadata=True)["messages"]
    assert asked[1]["metadata"] == META
    assert [m["ts"] for m in client.conversations_history(channel="C1", limit=1)["messages"]] == [
        second
    ]
    after = client.conversations_history(channel="C1", oldest=first)["messages"]
    assert [m["ts"] for m in after] == [second]  # oldest is exclusive unless inclusive
    both = client.conversations_history(channel="C1", oldest=first, inclusive=True)["messages"]
    assert len(both) == 2


def test_history_of_a_channel_the_bot_is_not_in_is_refused(
    slack: SlackStandIn, client: WebClient
) -> None:
    slack.bot_not_in("C9")
    with pytest.raises(SlackApiError) as refused:
        client.conversations_history(channel="C9")
    assert refused.value.response["error"] == "not_in_channel"


def test_a_post_dropped_before_slack_had_it_is_not_done(
    slack: SlackStandIn, client: WebClient
) -> None:
    slack.fail("chat.postMessage", "drop")
    with pytest.raises(RemoteDisconnected):
        client.chat_postMessage(channel="C1", text="lost")
    assert slack.calls_to("chat.postMessage") == []


def test_a_post_dropped_after_slack_did_it_is_posted(
    slack: SlackStandIn, client: WebClient
) -> None:
    slack.fail("chat.postMessage", "drop_after")
    with pytest.raises(RemoteDisconnected):
        client.chat_postMessage(channel="C1", text="posted, unanswered")
    [posted] = client.conversations_history(channel="C1")["messages"]
    assert posted["text"] == "posted, unanswered"
