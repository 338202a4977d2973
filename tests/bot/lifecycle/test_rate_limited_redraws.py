"""A card whose chat.update Slack rate-limits: slack_sdk waits out ``Retry-After`` on the Slack
pool's thread; the card's later redraws must not pile up behind it on the pool's other threads,
or every other card and message waits for one card's rate limit."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from lifecycle_world import FakeSlack, World, open_request, package_request

from adapters.base import Progress
from bot.cards import Message


@dataclass
class RateLimitedCard(FakeSlack):
    """chat.update of the card `held` waits until `release` (as slack_sdk waits out a long
    Retry-After); `drawn` is set by the first update of any other card."""

    held: str = ""
    reached: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)
    drawn: threading.Event = field(default_factory=threading.Event)

    def update(self, channel: str, ts: str, message: Message) -> None:
        if f"{channel}/{ts}" == self.held:
            self.reached.set()
            self.release.wait(30)
        elif self.held:
            self.drawn.set()
        super().update(channel, ts, message)


def test_one_card_waiting_out_a_rate_limit_holds_up_no_other_card(
    world_factory: Callable[..., World],
) -> None:
    slack = RateLimitedCard()
    world = world_factory(slack=slack, background=True, workers=4)  # a Slack pool of 4 threads
    first = world.store.get(open_request(world))
    other = world.store.get(open_request(world, package_request("pkg-meter-fw-1.1.0")))
    assert first is not None and other is not None and other.message_ts is not None
    slack.held = f"{first.channel}/{first.message_ts}"
    replies = world.service.replies
    try:
        for done in range(100, 900, 100):  # a bulk run's ticks, once a second
            replies.refresh_card_soon(first, progress=Progress(done=done, total=1000))
        assert slack.reached.wait(10)
        replies.refresh_card_soon(other)
        assert slack.drawn.wait(10), "the other card waited for the rate-limited one"
    finally:
        slack.release.set()
    assert world.runner.wait_idle(10)
    redraws = [p for p in slack.of("update") if p.target == slack.held]
    assert 1 <= len(redraws) <= 2  # the first, then at most one for all the ticks it waited on


def test_bulk_progress_redraws_stay_within_slack_s_rate_for_chat_update(world: World) -> None:
    """chat.update is Slack's Tier 3, 50+ calls a minute for the whole app; two bulk runs each
    redrawing their card once a second sent 120 a minute, and the rate limit then fell on
    every card's redraws, the final ones too."""
    cards = [
        world.store.get(open_request(world, package_request(name)))
        for name in ("pkg-meter-fw-1.2.0", "pkg-meter-fw-1.1.0")
    ]
    replies = world.service.replies
    before = len(world.slack.of("update"))
    for second in range(60):  # a minute of two runs' ticks, once a second each
        for card in cards:
            assert card is not None
            replies.refresh_card_soon(card, progress=Progress(done=second, total=100))
        world.clock.advance(1)
    progress_redraws = world.slack.of("update")[before:]
    assert len(progress_redraws) <= 50
    for card in cards:  # each card's progress still moves
        assert card is not None
        shown = [p for p in progress_redraws if p.target == f"{card.channel}/{card.message_ts}"]
        assert len(shown) >= 10
        replies.refresh_card_soon(card)  # a change of state is never held back
    assert len(world.slack.of("update")) == before + len(progress_redraws) + 2
