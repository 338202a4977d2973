"""A request is bound to one card: the first stored. A card's post may take minutes when
Slack's answers are lost (post, look, post again, look, each up to its timeout and Retry-After),
so a card-less sweep, here or in another replica, may post the card meanwhile; the card bound
first stays the request's card, and the later one says it is a copy, with no buttons."""

from __future__ import annotations

from lifecycle_world import ALICE, World, package_request

from bot.cards import Message
from bot.lifecycle.sweeps import CARD_GRACE
from bot.model import RequestState

COMMAND = '/ops huawei package delete pkg-meter-fw-1.2.0 --reason "stale package"'


def buttons(message: Message) -> list[object]:
    return [b for b in message.blocks if b.get("type") == "actions"]


def test_a_card_posted_while_a_sweep_posted_it_too_is_not_bound_in_its_place(
    world: World,
) -> None:
    post_card = world.slack.post_card
    swept: list[int] = []
    posts: list[str] = []

    def slow_post(channel: str, message: Message, request_id: str) -> str:
        posts.append(request_id)
        if len(posts) == 1:  # the request's first post: minutes pass, the sweep runs meanwhile
            world.clock.advance(CARD_GRACE.total_seconds())
            swept.append(world.service.sweeps.post_cardless())
        return post_card(channel, message, request_id)

    world.slack.post_card = slow_post  # type: ignore[method-assign]
    world.service.submit(package_request(), world.origin(ALICE), command_text=COMMAND)

    [record] = world.store.history()
    assert swept == [1] and record.state is RequestState.PENDING
    swept_card, late_card = [p for p in world.slack.of("post") if p.target == "C0OPS"]
    assert buttons(swept_card.message) and buttons(late_card.message)
    assert record.message_ts == "1767225600.000001"  # the sweep's card, stored first
    [copy] = [u for u in world.slack.of("update") if u.target == "C0OPS/1767225600.000003"]
    assert not buttons(copy.message)
    assert record.id in copy.message.text and "copy" in copy.message.text
    assert not [u for u in world.slack.of("update") if u.target == "C0OPS/1767225600.000001"]


def test_a_card_posted_after_a_sweep_ended_the_request_shows_the_end_not_buttons(
    world: World,
) -> None:
    post_card = world.slack.post_card
    posts: list[str] = []

    def slow_post(channel: str, message: Message, request_id: str) -> str:
        posts.append(request_id)
        if len(posts) == 1:  # minutes pass; the sweep's own post is refused: the request ends
            world.clock.advance(CARD_GRACE.total_seconds())
            world.slack.refuse_posts = "ratelimited"
            world.service.sweeps.post_cardless()
            world.slack.refuse_posts = None
        return post_card(channel, message, request_id)  # ... and then this one is answered

    world.slack.post_card = slow_post  # type: ignore[method-assign]
    world.service.submit(package_request(), world.origin(ALICE), command_text=COMMAND)

    [record] = world.store.history()
    assert record.state is RequestState.DENIED and record.message_ts is not None
    [redrawn] = [u for u in world.slack.of("update") if u.target.endswith(record.message_ts)]
    assert not buttons(redrawn.message) and "Denied" in redrawn.message.text
    told = [p.message.text for p in world.slack.of("respond")]
    assert not [t for t in told if "is posted and" in t]  # the sweep told the requester
