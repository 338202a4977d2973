"""`post_card`, the rule for a card whose post's answer is lost, over a scripted Slack: the card
found is taken, a card not there is posted once more, and when Slack will not say the card is
unsettled rather than assumed either way."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest
from lifecycle_world import FakeSlack

from bot.cards import Message
from bot.lifecycle.card_post import CardUnsettled, post_card
from bot.slack.port import SlackPostError

CARD = Message(text="card", blocks=[])
LOST = SlackPostError("RemoteDisconnected", uncertain=True)


@dataclass
class Scripted(FakeSlack):
    """Each post raises the next of `posts` (None: posted, and then in the channel); each
    look answers from what was posted, or raises `look_fails`."""

    posts: list[SlackPostError | None] = field(default_factory=list)
    look_fails: SlackPostError | None = None
    in_channel: dict[str, str] = field(default_factory=dict)
    looks: int = 0

    def post_card(self, channel: str, message: Message, request_id: str) -> str:
        ts = self.post(channel, message)
        lost = self.posts.pop(0) if self.posts else None
        if lost is None or lost.error == "RemoteDisconnected":
            self.in_channel[request_id] = ts  # done by Slack, answered or not
        if lost is not None:
            raise lost
        return ts

    def find_card(self, channel: str, request_id: str) -> str | None:
        self.looks += 1
        if self.look_fails is not None:
            raise self.look_fails
        return self.in_channel.get(request_id)


def test_a_card_posted_though_its_answer_was_lost_is_taken() -> None:
    slack = Scripted(posts=[LOST])
    ts = post_card(slack, "C1", CARD, "R-1")
    assert ts == slack.in_channel["R-1"] and len(slack.of("post")) == 1 and slack.looks == 1


def test_a_card_not_there_is_posted_once_more() -> None:
    never_had_it = SlackPostError("TimeoutError", uncertain=True)  # not done, by this script
    slack = Scripted(posts=[never_had_it])
    assert post_card(slack, "C1", CARD, "R-1") == slack.in_channel["R-1"]
    assert len(slack.of("post")) == 2 and slack.looks == 1


def test_a_card_never_there_after_two_posts_was_not_posted() -> None:
    never = SlackPostError("TimeoutError", uncertain=True)
    slack = Scripted(posts=[never, never])
    with pytest.raises(SlackPostError) as caught:
        post_card(slack, "C1", CARD, "R-1")
    assert not isinstance(caught.value, CardUnsettled)
    assert caught.value.unreachable and not caught.value.uncertain
    assert len(slack.of("post")) == 2 and slack.looks == 2


def test_a_card_slack_will_not_say_of_is_unsettled() -> None:
    slack = Scripted(posts=[LOST], look_fails=SlackPostError("missing_scope"))
    with pytest.raises(CardUnsettled) as caught:
        post_card(slack, "C1", CARD, "R-1")
    assert (caught.value.error, caught.value.looked) == ("RemoteDisconnected", "missing_scope")
    assert len(slack.of("post")) == 1


def test_a_refusal_is_not_looked_for() -> None:
    slack = Scripted(posts=[SlackPostError("not_in_channel")])
    with pytest.raises(SlackPostError) as caught:
        post_card(slack, "C1", CARD, "R-1")
    assert caught.value.error == "not_in_channel" and slack.looks == 0
