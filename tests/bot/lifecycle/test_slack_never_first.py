"""The vendor call never waits on Slack (issue 8's benchmark target): the card is redrawn beside
the call, not before it, and a slow redraw can never leave the card showing an older state."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from types import SimpleNamespace

from lifecycle_world import BOB, FakeSlack, World, deletes, open_request

from adapters.base import Progress
from bot.cards import Message
from bot.lifecycle.painter import CardPainter
from bot.lifecycle.workers import Runner
from bot.model import RequestRecord, RequestState

PKG = "/category/pkg-meter-fw-1.2.0"


@dataclass
class SlowSlack(FakeSlack):
    """chat.update of the messages `held` picks blocks while `gate` is closed, like a Slack far
    away (or one slow round trip among quick ones)."""

    gate: threading.Event = field(default_factory=threading.Event)
    held: Callable[[Message], bool] = lambda message: True

    def update(self, channel: str, ts: str, message: Message) -> None:
        if self.held(message):
            self.gate.wait(10)
        super().update(channel, ts, message)


def wait_for(condition: Callable[[], bool], timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.005)
    return False


def card_states(world: World) -> list[str]:
    """The state each card update showed, in the order Slack received them."""
    titles = ("Executing", "Succeeded", "Approval needed")
    return [next(t for t in titles if t in p.message.text) for p in world.slack.of("update")]


def test_the_vendor_is_called_while_the_executing_card_is_still_on_its_way(
    world_factory,  # type: ignore[no-untyped-def]
) -> None:
    world = world_factory(slack=SlowSlack(), background=True)
    rid = open_request(world)
    clicked = threading.Thread(target=world.service.approve, args=(rid, world.on_card(rid, BOB)))
    clicked.start()

    assert wait_for(lambda: deletes(world, PKG) == 1, timeout=2)
    assert world.slack.of("update") == []  # no redraw has reached Slack yet
    clicked.join(5)
    # The outcome is recorded right after, off the click's thread, with the card still held.
    assert wait_for(lambda: world.store.get(rid).state is RequestState.SUCCEEDED)  # type: ignore[union-attr]

    world.slack.gate.set()
    assert world.runner.wait_idle(10)
    assert card_states(world)[-1] == "Succeeded"


def test_a_slow_redraw_never_lands_after_a_newer_one(world_factory) -> None:  # type: ignore[no-untyped-def]
    """Only the "executing" redraw is slow at Slack, and the call finishes meanwhile: the card
    must still end on "succeeded", and never go back."""
    slack = SlowSlack(held=lambda message: message.text.startswith("Executing"))
    world = world_factory(slack=slack, background=True)
    rid = open_request(world)
    world.service.approve(rid, world.on_card(rid, BOB))  # the call is done; redraws queued
    time.sleep(0.1)  # time enough for an unordered "succeeded" redraw to land first
    slack.gate.set()
    assert world.runner.wait_idle(10)

    shown = card_states(world)
    assert shown[-1] == "Succeeded"
    assert "Executing" not in shown[shown.index("Succeeded") :]


def test_redraws_asked_for_out_of_order_paint_the_newest_state_once(world: World) -> None:
    rid = open_request(world)
    painter = CardPainter(store=world.store, slack=world.slack, render=world.service.replies.card)
    older = painter.ask(rid)
    world.service.withdraw(rid, world.on_card(rid, "U0ALICE"))  # a change, then a newer ask
    updates_before = len(world.slack.of("update"))
    newer = painter.ask(rid)

    newer()
    older()  # late: already served by the newer redraw, so it sends nothing

    sent = world.slack.of("update")[updates_before:]
    assert len(sent) == 1 and "Withdrawn" in sent[0].message.text
    assert painter.lanes() == 0  # nothing outstanding, nothing kept


def test_slack_work_has_its_own_threads() -> None:
    """A Slack-only job stuck on a slow Slack does not hold up decisions and vendor calls."""
    runner = Runner(workers=1, slack_workers=1)
    stuck = threading.Event()
    ran = threading.Event()
    runner.submit_slack(lambda: stuck.wait(5) and None)
    runner.submit(ran.set)
    try:
        assert ran.wait(2)
        assert not runner.wait_idle(0.05)  # the Slack job still counts as work in flight
    finally:
        stuck.set()
        assert runner.wait_idle(5)
        runner.shutdown()


def test_the_slack_pool_is_smaller_than_the_decision_pool_by_default() -> None:
    big, small = Runner(workers=32), Runner(workers=4)
    try:
        assert big._slack._max_workers == 8  # a quarter...
        assert small._slack._max_workers == 4  # ...and at least 4
    finally:
        big.shutdown()
        small.shutdown()


def test_a_request_without_a_card_has_nothing_to_redraw(world: World) -> None:
    painter = CardPainter(store=world.store, slack=world.slack, render=world.service.replies.card)
    painter.ask("R-00000000")()  # no such request
    assert world.slack.of("update") == [] and painter.lanes() == 0


def test_a_redraw_without_progress_keeps_the_runs_counts_until_it_ends(world: World) -> None:
    """The Stop click redraws the card without progress of its own: the run's latest counts
    stay on it (not a bare "Executing…") until the request is no longer executing."""
    rid = open_request(world)
    pending = world.store.get(rid)
    assert pending is not None
    stored = [pending.model_copy(update={"state": RequestState.EXECUTING})]
    store = SimpleNamespace(get=lambda _: stored[0], as_requested=lambda record: record)
    drawn: list[Progress | None] = []

    def render(record: RequestRecord, progress: Progress | None) -> Message:
        drawn.append(progress)
        return world.service.replies.card(record, progress)

    painter = CardPainter(store=store, slack=world.slack, render=render)  # type: ignore[arg-type]
    counts = Progress(total=10_000, succeeded=200)
    painter.ask(rid, counts)()
    painter.ask(rid)()  # Stop requested: no progress of its own
    stored[0] = stored[0].model_copy(update={"state": RequestState.STOPPED})
    painter.ask(rid)()
    stored[0] = stored[0].model_copy(update={"state": RequestState.EXECUTING})
    painter.ask(rid)()

    assert drawn == [counts, counts, None, None]
    assert painter.lanes() == 0
