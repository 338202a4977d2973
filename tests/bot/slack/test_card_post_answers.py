"""An approval card's post, against the stand-in failing its connection: once Slack may have
posted it, slack_sdk does not send it again (`UnsentCardsOnly`) and `SlackOut` says the post is
uncertain; a card is found in its channel by the request its metadata names."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from slack_sdk import WebClient

from bot.app import slack_client
from bot.cards import Message
from bot.console.standin.server import SlackStandIn
from bot.slack.port import CARD_EVENT, SlackOut, SlackPostError

CARD = Message(text="Approve R-1?", blocks=[])
POST = "chat.postMessage"


@pytest.fixture
def slack() -> Iterator[SlackStandIn]:
    with SlackStandIn() as standin:
        yield standin


def port(slack: SlackStandIn) -> SlackOut:
    """`SlackOut` over the client `opsgate serve` builds (its retry handlers), 1 s timeout."""
    client = slack_client(None, base_url=slack.api_url)
    client.token, client.timeout = "xoxb-t", 1
    return SlackOut(client)


@pytest.mark.parametrize("fault", ["drop_after", "stall_after"])
def test_a_card_slack_may_have_posted_is_not_sent_again(slack: SlackStandIn, fault: str) -> None:
    slack.fail(POST, fault)  # type: ignore[arg-type]
    with pytest.raises(SlackPostError) as lost:
        port(slack).post_card("C1", CARD, "R-1")
    assert lost.value.uncertain and lost.value.unreachable
    assert len(slack.calls_to(POST)) == 1


def test_a_post_that_never_reached_slack_is_certain(slack: SlackStandIn) -> None:
    out = SlackOut(WebClient(token="xoxb-t", base_url="http://127.0.0.1:9/api/", timeout=1))
    with pytest.raises(SlackPostError) as refused:  # nothing listens on port 9: URLError
        out.post_card("C1", CARD, "R-1")
    assert refused.value.unreachable and not refused.value.uncertain


def test_another_message_dropped_after_slack_had_it_is_still_sent_again(
    slack: SlackStandIn,
) -> None:
    slack.fail(POST, "drop_after")  # a DM: better twice than lost
    port(slack).post("U1", CARD)
    assert len(slack.calls_to(POST)) == 2


def test_a_card_is_posted_naming_its_request_and_found_by_it(slack: SlackStandIn) -> None:
    out = port(slack)
    ts = out.post_card("C1", CARD, "R-1")
    out.post("C1", Message(text="something else", blocks=[]))
    [call, _] = slack.calls_to(POST)
    assert call.params["metadata"] == {
        "event_type": CARD_EVENT,
        "event_payload": {"request_id": "R-1"},
    }
    assert out.find_card("C1", "R-1") == ts
    assert out.find_card("C1", "R-2") is None
    assert out.find_card("C2", "R-1") is None


def test_a_look_slack_refuses_is_a_slack_post_error(slack: SlackStandIn) -> None:
    slack.refuse("conversations.history", "missing_scope")
    with pytest.raises(SlackPostError) as refused:
        port(slack).find_card("C1", "R-1")
    assert refused.value.error == "missing_scope" and not refused.value.uncertain


class _CutShort(BaseHTTPRequestHandler):
    """Slack's answer cut off part way (a proxy restarting): ``IncompleteRead``."""

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("content-length") or 0))
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", "200")
        self.end_headers()
        self.wfile.write(b'{"ok": true, "ts": "1767')  # and no more

    def log_message(self, format: str, *args: object) -> None:
        """Quiet."""


def test_an_answer_cut_short_is_an_uncertain_post_not_a_crash(
    caplog: pytest.LogCaptureFixture,
) -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _CutShort)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/api/"
        out = SlackOut(WebClient(token="xoxb-t", base_url=url, timeout=5))
        with pytest.raises(SlackPostError) as lost:
            out.post_card("C1", CARD, "R-1")
        assert lost.value.error == "IncompleteRead" and lost.value.uncertain
        assert out.update("C1", "1.2", CARD) == "IncompleteRead"  # logged, not raised
    finally:
        server.shutdown()
        server.server_close()


class _Channel:
    """A `WebClient` stand-in whose channel holds `messages` (newest first), as
    ``conversations.history`` lists them, and whose token is opsgate's bot (``auth.test``)."""

    def __init__(self, messages: list[dict[str, object]]) -> None:
        self.messages = messages

    def auth_test(self) -> dict[str, object]:
        return {"ok": True, "user_id": "U0OPSGATE", "bot_id": "B0OPSGATE"}

    def conversations_history(self, **_: object) -> dict[str, object]:
        return {"ok": True, "messages": self.messages}


META = {"event_type": CARD_EVENT, "event_payload": {"request_id": "R-1"}}


@pytest.mark.parametrize(
    "poster",
    [
        {"user": "U0MALLORY"},  # a person, with a user token of some app
        {"user": "U0OTHERBOT", "bot_id": "B0OTHER", "app_id": "A0OTHER"},  # another app
        {"user": "U0MALLORY", "bot_id": "B0OPSGATE"},  # opsgate's bot id, someone else's user
    ],
)
def test_a_message_carrying_a_cards_metadata_that_opsgate_did_not_post_is_not_its_card(
    poster: dict[str, object],
) -> None:
    spoof = {"type": "message", "ts": "1767225600.000900", "text": "Approve?", "metadata": META}
    out = SlackOut(_Channel([{**spoof, **poster}]))  # type: ignore[arg-type]
    assert out.find_card("C1", "R-1") is None


def test_the_card_opsgate_posted_is_found_behind_a_copy_someone_else_posted() -> None:
    card = {"type": "message", "ts": "1767225600.000100", "metadata": META}
    copy = {**card, "ts": "1767225600.000900", "user": "U0MALLORY"}
    mine = {**card, "user": "U0OPSGATE", "bot_id": "B0OPSGATE", "app_id": "A0OPSGATE"}
    out = SlackOut(_Channel([copy, mine]))  # type: ignore[arg-type]
    assert out.find_card("C1", "R-1") == "1767225600.000100"


@pytest.mark.parametrize("fault", ["gateway", "gateway_after"])
def test_a_card_answered_with_a_5xx_is_uncertain_and_not_sent_again(
    slack: SlackStandIn, fault: str
) -> None:
    slack.fail(POST, fault)  # type: ignore[arg-type]
    with pytest.raises(SlackPostError) as lost:
        port(slack).post_card("C1", CARD, "R-1")
    assert lost.value.uncertain and lost.value.error in {"HTTP 502", "HTTP 503"}
    assert len(slack.calls_to(POST)) == (1 if fault == "gateway_after" else 0)


def test_a_card_slack_says_failed_part_way_is_uncertain(slack: SlackStandIn) -> None:
    slack.refuse(POST, "internal_error")
    with pytest.raises(SlackPostError) as lost:
        port(slack).post_card("C1", CARD, "R-1")
    assert lost.value.uncertain and lost.value.error == "internal_error"


def test_another_message_answered_with_a_5xx_is_a_refusal(slack: SlackStandIn) -> None:
    slack.fail(POST, "gateway_after")
    with pytest.raises(SlackPostError) as refused:
        port(slack).post("U1", CARD)
    assert not refused.value.uncertain and refused.value.error == "HTTP 502"
