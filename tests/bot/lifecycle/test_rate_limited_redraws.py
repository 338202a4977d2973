"""Cards when Slack's chat.update fails: a card waiting out ``Retry-After`` holds up no other;
bulk progress stays within chat.update's rate; an ended request's card Slack did not take is
drawn again by the sweeps, and given up in one log line."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from lifecycle_world import BOB, FakeSlack, World, open_request, package_request

from adapters.base import Progress
from bot.cards import Message
from bot.lifecycle import painter
from bot.model import RequestState
from bot.observability.logs import current_context, fresh_log_context


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


@dataclass
class RefusingUpdates(FakeSlack):
    """chat.update answers Slack's `refuse_updates` error (nothing is drawn) while it is set."""

    refuse_updates: str | None = None

    def update(self, channel: str, ts: str, message: Message) -> str | None:
        if self.refuse_updates:
            return self.refuse_updates
        return super().update(channel, ts, message)


def test_an_ended_request_s_card_slack_did_not_take_is_drawn_again_by_a_sweep(
    world_factory: Callable[..., World],
) -> None:
    """The redraw that shows how a request ended is its card's last: lost to a rate limit or a
    5xx, the card showed "executing" (with Stop) for good."""
    slack = RefusingUpdates()
    world = world_factory(slack=slack)
    rid = open_request(world)
    slack.refuse_updates = "service_unavailable"
    world.service.approve(rid, world.on_card(rid, BOB))
    record = world.store.get(rid)
    assert record is not None and record.state is RequestState.SUCCEEDED
    card = f"{record.channel}/{record.message_ts}"
    drawn = len([p for p in slack.of("update") if p.target == card])
    world.service.sweeps.replies.redraw_stale()  # Slack still refuses: kept for the next sweep
    slack.refuse_updates = None
    world.service.sweeps.replies.redraw_stale()
    redraws = [p for p in slack.of("update") if p.target == card]
    assert len(redraws) == drawn + 1
    assert redraws[-1].message.text == world.service.replies.card(record).text
    world.service.sweeps.replies.redraw_stale()  # drawn: nothing left to draw again
    assert len([p for p in slack.of("update") if p.target == card]) == drawn + 1


def test_a_card_slack_never_takes_is_given_up_in_one_log_line(
    world_factory: Callable[..., World],
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.setattr(painter, "REDRAW_TRIES", 3)
    slack = RefusingUpdates()
    world = world_factory(slack=slack)
    rid = open_request(world)
    slack.refuse_updates = "channel_not_found"  # the channel was deleted meanwhile
    world.service.approve(rid, world.on_card(rid, BOB))  # the first try
    replies = world.service.sweeps.replies
    assert [replies.redraw_stale() for _ in range(3)] == [1, 1, 0]
    [line] = [r.getMessage() for r in caplog.records if "gave up" in r.getMessage()]
    assert line == (
        f"gave up redrawing the card of {rid} after 3 tries (channel_not_found): it shows an "
        f"older state; /ops status {rid} says how it ended"
    )


@dataclass
class RefusingNoted(RefusingUpdates):
    """Also notes what a log line written during each chat.update would carry (the Slack port
    logs ``chat.update failed for <channel>/<ts>: <error>`` there)."""

    contexts: list[dict[str, str]] = field(default_factory=list)

    def update(self, channel: str, ts: str, message: Message) -> str | None:
        self.contexts.append(current_context())
        return super().update(channel, ts, message)


def test_a_sweep_s_failed_redraw_logs_which_request_it_was(
    world_factory: Callable[..., World],
) -> None:
    """A sweep redraws cards of many requests; its `chat.update failed` line named only the
    channel and message, so which request's card stayed stale could not be told."""
    slack = RefusingNoted()
    world = world_factory(slack=slack)
    rid = open_request(world)
    slack.refuse_updates = "service_unavailable"
    world.service.approve(rid, world.on_card(rid, BOB))
    slack.contexts.clear()
    with fresh_log_context():  # as on the sweeper's own thread: nothing bound by a click
        assert world.service.sweeps.replies.redraw_stale() == 1
    assert slack.contexts == [{"request_id": rid, "operation": "huawei.package.delete"}]
