"""`Transcript`: a reply in a card's thread is headed as one, and is never taken for the card."""

from __future__ import annotations

from typing import Any

from bot.console.standin.server import RecordedCall
from bot.console.transcript import Transcript

NAMES = {"U0ALICE": "alice", "C0OPS": "ops"}
CARD_TS = "1767225600.000100"


def section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


CARD = [section("Approval needed"), section("Request id: `R-AAAA1111`"), section("Preview: x")]


def slack_holds(channel: str, ts: str) -> dict[str, Any] | None:
    return {"ts": ts, "blocks": CARD} if (channel, ts) == ("C0OPS", CARD_TS) else None


def posted(**params: Any) -> RecordedCall:
    return RecordedCall(method="chat.postMessage", params={"channel": "C0OPS", **params})


def test_a_reply_in_a_card_s_thread_names_the_card() -> None:
    transcript = Transcript(NAMES, color=False, message=slack_holds)
    reminder = posted(thread_ts=CARD_TS, blocks=[section("🔔 `R-AAAA1111` still needs 1")])
    assert transcript.text(reminder).startswith("── #ops, thread of card R-AAAA1111 ──\n🔔")


def test_a_reply_also_sent_to_the_channel_says_so() -> None:
    transcript = Transcript(NAMES, color=False, message=slack_holds)
    call = posted(thread_ts=CARD_TS, reply_broadcast=True, blocks=[section("Review needed")])
    heading = "── #ops, thread of card R-AAAA1111 (also sent to the channel) ──"
    assert transcript.text(call).startswith(heading)


def test_a_reply_to_a_message_slack_does_not_hold_names_its_request() -> None:
    """A reminder on a card of an earlier session: headed with the request it names, and not
    taken for that card (its later update is printed whole, as a card first seen)."""
    transcript = Transcript(NAMES, color=False, message=slack_holds)
    call = posted(thread_ts="1.2", blocks=[section("about `R-AAAA1111`")])
    assert transcript.text(call).startswith("── #ops, in a thread about R-AAAA1111 ──\n")
    update = RecordedCall(
        method="chat.update", params={"channel": "C0OPS", "ts": CARD_TS, "blocks": CARD}
    )
    assert transcript.text(update).endswith("Request id: `R-AAAA1111`\nPreview: x")
    anonymous = posted(thread_ts="1.2", blocks=[section("no request named")])
    assert transcript.text(anonymous).startswith("── #ops, in a thread ──\n")


def test_a_card_s_update_after_a_reply_naming_it_shows_only_what_changed() -> None:
    transcript = Transcript(NAMES, color=False, message=slack_holds)
    transcript.text(posted(blocks=CARD))
    transcript.text(posted(thread_ts=CARD_TS, blocks=[section("🔔 `R-AAAA1111` still needs 1")]))
    expired = [section("Expired"), *CARD[1:], section("Expired: no decision")]
    update = RecordedCall(
        method="chat.update", params={"channel": "C0OPS", "ts": CARD_TS, "blocks": expired}
    )
    assert transcript.text(update) == (
        "── card R-AAAA1111 updated ──\nExpired\nExpired: no decision"
    )


def test_a_card_first_seen_in_an_update_is_shown_whole_under_its_id() -> None:
    """A card from an earlier session (the database outlives it) changes: it is printed whole,
    headed with its id as every other update of a card is."""
    transcript = Transcript(NAMES, color=False, message=slack_holds)
    update = RecordedCall(
        method="chat.update", params={"channel": "C0OPS", "ts": CARD_TS, "blocks": CARD}
    )
    assert transcript.text(update) == (
        "── card R-AAAA1111 updated ──\nApproval needed\nRequest id: `R-AAAA1111`\nPreview: x"
    )
