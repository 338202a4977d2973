"""`SlackOut`, the one way out to Slack, against the local stand-in: modals open, and every way
of not opening one is a `SlackPostError` (so a click can fall back instead of being lost); a
Slack that cannot be reached is a `SlackPostError` or a logged line, never an exception of the
transport's own."""

from __future__ import annotations

import logging
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from slack_sdk import WebClient

from bot.cards import Message
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


def nowhere() -> str:
    """A URL on 127.0.0.1 where nothing listens."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port_number = s.getsockname()[1]  # closed again at once: nothing listens there
    return f"http://127.0.0.1:{port_number}/"


def unreachable() -> SlackOut:
    return SlackOut(WebClient(token="xoxb-t", base_url=f"{nowhere()}api/", timeout=2))


MESSAGE = Message(text="hello", blocks=[])


def test_an_unreachable_slack_is_a_slack_post_error_too() -> None:
    with pytest.raises(SlackPostError) as caught:
        unreachable().open_view("T1", VIEW)
    assert caught.value.unreachable


def test_posting_to_an_unreachable_slack_says_it_was_not_reached() -> None:
    port = unreachable()
    with pytest.raises(SlackPostError) as posted:
        port.post("C0OPS", MESSAGE)
    with pytest.raises(SlackPostError) as replied:
        port.reply("C0OPS", "1.2", MESSAGE, broadcast=False)
    for caught in (posted, replied):
        assert caught.value.unreachable and caught.value.error == "URLError"
        assert str(caught.value) == "Slack could not be reached: URLError"


def test_an_update_or_ephemeral_slack_cannot_take_is_logged_in_one_line(
    caplog: pytest.LogCaptureFixture,
) -> None:
    port = unreachable()
    port.update("C0OPS", "1.2", MESSAGE)
    port.ephemeral("C0OPS", "U0ALICE", MESSAGE)
    said = [r.getMessage() for r in caplog.records if r.name == "bot.slack.port"]
    assert said == [
        "chat.update failed for C0OPS/1.2: URLError",
        "chat.postEphemeral failed for U0ALICE: URLError",
    ]


def test_a_response_url_that_cannot_be_reached_or_refuses_is_a_slack_post_error() -> None:
    with pytest.raises(SlackPostError) as caught:
        unreachable().respond(f"{nowhere()}commands/1", MESSAGE)
    assert caught.value.unreachable
    with SlackStandIn() as slack:
        port = SlackOut(WebClient(token="xoxb-t", base_url=slack.api_url))
        port.respond(slack.response_url("known"), MESSAGE)  # taken: nothing raised
        with pytest.raises(SlackPostError) as refused:
            port.respond(slack.api_url.replace("/api/", "/no-such-hook/"), MESSAGE)
    assert not refused.value.unreachable and refused.value.error.startswith("HTTP 4")


def test_a_private_answer_slack_will_not_show_in_the_channel_goes_to_the_app_s_messages() -> None:
    """chat.postEphemeral needs the bot and the user in the channel: a click in App Home on a
    request in a channel either is not in (or a channel the bot was removed from) was refused
    there, and the refusal was lost. It is sent as a direct message instead."""
    with SlackStandIn() as slack:
        slack.bot_not_in("C0GONE")
        port = SlackOut(WebClient(token="xoxb-t", base_url=slack.api_url))
        port.ephemeral("C0GONE", "U0ALICE", Message(text="Refused: already approved", blocks=[]))
        port.ephemeral("C0OPS", "U0BOB", MESSAGE)
        [direct] = slack.calls_to("chat.postMessage")
        assert direct.params["channel"] == "U0ALICE"
        assert direct.params["text"] == "Refused: already approved"
        assert [c.params["channel"] for c in slack.calls_to("chat.postEphemeral")] == [
            "C0GONE",
            "C0OPS",
        ]


def test_a_private_answer_after_a_refused_dm_never_tries_that_dm_again(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The requester's end-of-request DM was refused; the channel then refusing the private
    message too must not send the same DM again (a wasted call)."""
    with SlackStandIn() as slack:
        slack.bot_not_in("C0GONE")
        port = SlackOut(WebClient(token="xoxb-t", base_url=slack.api_url))
        port.ephemeral("C0GONE", "U0ALICE", MESSAGE, direct=False)
        assert slack.calls_to("chat.postMessage") == []
        assert [c.params["channel"] for c in slack.calls_to("chat.postEphemeral")] == ["C0GONE"]
    said = [r.getMessage() for r in caplog.records if r.name == "bot.slack.port"]
    assert said == ["chat.postEphemeral failed for U0ALICE: not_in_channel"]


class _Gateway(BaseHTTPRequestHandler):
    """A proxy in front of Slack that fails: 502 with its own HTML page, not Slack's JSON."""

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("content-length") or 0))
        page = b"<html><body><h1>502 Bad Gateway</h1>" + b"x" * 500 + b"</body></html>"
        self.send_response(502)
        self.send_header("content-type", "text/html")
        self.send_header("content-length", str(len(page)))
        self.end_headers()
        self.wfile.write(page)

    def log_message(self, format: str, *args: object) -> None:
        """Quiet."""


def test_a_failing_gateway_s_page_is_its_http_status_not_its_html(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A 5xx page from a proxy or Slack's edge was read as Slack's error: the card's audit
    event, the requester's message and the log line carried "Received a response in a non-JSON
    format: <html>…" instead of the status, which says what happened (and that it may pass)."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Gateway)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/api/"
        port = SlackOut(WebClient(token="xoxb-t", base_url=url, timeout=5))
        refused = []
        for attempt in (
            lambda: port.post("C0OPS", MESSAGE),
            lambda: port.reply("C0OPS", "1.2", MESSAGE, broadcast=False),
            lambda: port.open_view("T1", VIEW),
        ):
            with pytest.raises(SlackPostError) as caught:
                attempt()
            refused.append((caught.value.error, caught.value.unreachable))
        port.update("C0OPS", "1.2", MESSAGE)
        port.ephemeral("C0OPS", "U0ALICE", MESSAGE)
    finally:
        server.shutdown()
        server.server_close()
    assert refused == [("HTTP 502", False)] * 3
    said = [r.getMessage() for r in caplog.records if r.name == "bot.slack.port"]
    assert said == [
        "chat.update failed for C0OPS/1.2: HTTP 502",
        "chat.postEphemeral failed for U0ALICE: HTTP 502",
    ]


def test_a_response_url_never_reaches_the_log_even_at_debug(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A response_url lets anyone holding it post to the channel for 30 minutes (opsgate
    redacts it from the requests it logs); slack_sdk's webhook client logged it at DEBUG."""
    caplog.set_level(logging.DEBUG)
    with SlackStandIn() as slack:
        port = SlackOut(WebClient(token="xoxb-t", base_url=slack.api_url))
        port.respond(slack.response_url("T0SECRET-hook-4711"), MESSAGE)
        assert [c.key for c in slack.calls_to("response_url")] == ["T0SECRET-hook-4711"]
    assert "T0SECRET-hook-4711" not in caplog.text
