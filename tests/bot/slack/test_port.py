"""`SlackOut`, the one way out to Slack, against the local stand-in: modals open, and every way
of not opening one is a `SlackPostError` (so a click can fall back instead of being lost)."""

from __future__ import annotations

import socket

import pytest
from slack_sdk import WebClient

from bot.console.standin.server import SlackStandIn
from bot.slack.port import SlackOut, SlackPostError

VIEW = {"type": "modal", "title": {"type": "plain_text", "text": "Why"}, "blocks": []}


def test_open_view_opens_a_modal() -> None:
    with SlackStandIn() as slack:
        SlackOut(WebClient(token="xoxb-t", base_url=slack.api_url)).open_view("T1", VIEW)
        assert [v["title"]["text"] for v in slack.opened_views()] == ["Why"]


def test_a_modal_slack_refuses_is_a_slack_post_error() -> None:
    with SlackStandIn() as slack:
        port = SlackOut(WebClient(token="xoxb-t", base_url=slack.api_url))
        with pytest.raises(SlackPostError) as refused:
            port.open_view("", VIEW)
        assert refused.value.error == "invalid_arguments"


def test_an_unreachable_slack_is_a_slack_post_error_too() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port_number = s.getsockname()[1]  # closed again at once: nothing listens there
    client = WebClient(token="xoxb-t", base_url=f"http://127.0.0.1:{port_number}/api/", timeout=2)
    with pytest.raises(SlackPostError):
        SlackOut(client).open_view("T1", VIEW)
