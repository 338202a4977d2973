"""The requester hears every end of their request, by direct message (SPEC §8 "Who hears what",
issue 7 item 9): succeeded, failed, unknown, rejected (by whom, and why), withdrawn, expired."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from lifecycle_world import ALICE, BOB, CAROL, LEADS, World, open_request, package_request

from bot.lifecycle.sweeper import Sweeper
from bot.model import RequestState


def dms_to(world: World, user: str) -> list[str]:
    """Every direct message to `user` (a post to their user id), as text and blocks."""
    return [
        p.message.text + json.dumps(p.message.blocks, ensure_ascii=False)
        for p in world.slack.of("post")
        if p.target == user
    ]


def approve(world: World, rid: str) -> None:
    world.service.approve(rid, world.on_card(rid, BOB))


def fail(world: World, rid: str) -> None:
    world.sim("huawei").inject("throttle", path_contains="/category/", times=10)
    approve(world, rid)


def lose_the_answer(world: World, rid: str) -> None:
    world.sim("huawei").inject("timeout", path_contains="/category/", apply=True)
    approve(world, rid)


def fail_while_deleting(world: World, rid: str) -> None:
    # A 5xx to the DELETE may follow a deletion that happened: unknown, not failed.
    world.sim("huawei").inject("server_error", path_contains="/category/", apply=True)
    approve(world, rid)


def reject(world: World, rid: str) -> None:
    world.service.reject(rid, world.on_card(rid, CAROL))


def withdraw(world: World, rid: str) -> None:
    world.service.withdraw(rid, world.on_card(rid, ALICE))


def expire_by_sweep(world: World, rid: str) -> None:
    world.clock.advance(31 * 60)
    world.service.expire_due()


def expire_at_a_click(world: World, rid: str) -> None:
    world.clock.advance(31 * 60)
    approve(world, rid)


@pytest.mark.parametrize(
    ("end", "state", "words"),
    [
        (approve, RequestState.SUCCEEDED, "*Succeeded:* your request"),
        (fail, RequestState.FAILED, "*Failed:* your request"),
        (lose_the_answer, RequestState.UNKNOWN, "*Outcome unknown:* your request"),
        (fail_while_deleting, RequestState.UNKNOWN, "*Outcome unknown:* your request"),
        (reject, RequestState.REJECTED, "*Rejected* by <@U0CAROL>"),
        (withdraw, RequestState.WITHDRAWN, "*Withdrawn* by <@U0ALICE>"),
        (expire_by_sweep, RequestState.EXPIRED, "*Expired*: no decision before the deadline"),
        (expire_at_a_click, RequestState.EXPIRED, "*Expired*: no decision before the deadline"),
    ],
    ids=lambda v: getattr(v, "__name__", None) or str(v),
)
def test_the_requester_gets_one_direct_message_at_every_end(
    world: World, end: Callable[[World, str], None], state: RequestState, words: str
) -> None:
    rid = open_request(world)
    assert dms_to(world, ALICE) == []

    end(world, rid)

    assert world.store.get(rid).state is state  # type: ignore[union-attr]
    [dm] = dms_to(world, ALICE)
    assert rid in dm and words in dm


def test_a_request_that_never_got_approvals_does_not_say_approved_by_nobody(
    world: World,
) -> None:
    rid = open_request(world)
    withdraw(world, rid)
    [dm] = dms_to(world, ALICE)
    assert "Approved by" not in dm


def test_when_a_direct_message_is_refused_the_requester_is_told_in_the_channel(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    world.slack.refuse_dms = True
    rid = open_request(world)
    reject(world, rid)
    told = [p for p in world.slack.of("ephemeral") if p.target == f"C0OPS/{ALICE}"]
    assert told and "Rejected" in told[-1].message.text
    # the refused DM is never tried again, should the channel refuse too (not_in_channel)
    assert world.slack.no_dm_fallback == [f"C0OPS/{ALICE}"]
    said = [r.getMessage() for r in caplog.records if r.name == "bot.lifecycle.replies"]
    assert said == [
        f"the DM to {ALICE} about {rid} was refused (cannot_dm_user); showing it to them in "
        "C0OPS instead"
    ]


def test_the_sweeper_tells_the_requester_of_an_expiry_nobody_clicked_for(world: World) -> None:
    other = package_request("pkg-meter-fw-1.1.0")
    rids = [open_request(world), open_request(world, other)]
    world.clock.advance(31 * 60)
    sweeper = Sweeper(world.service.sweeps, world.runner)
    sweeper.start(every=60)
    sweeper.stop()
    assert world.runner.wait_idle(10)
    assert all(world.store.get(r).state is RequestState.EXPIRED for r in rids)  # type: ignore[union-attr]
    assert sorted(rid for dm in dms_to(world, ALICE) for rid in rids if rid in dm) == sorted(rids)


def test_only_the_end_is_announced_not_each_approval(world_factory) -> None:  # type: ignore[no-untyped-def]
    world = world_factory(
        '[policy]\napprovers = ["*"]\nchannels = ["C0OPS"]\n'
        '[policy.operations."huawei.package.delete"]\napprovals = 2\n'
    )
    rid = open_request(world)
    approve(world, rid)
    assert dms_to(world, ALICE) == []
    world.service.approve(rid, world.on_card(rid, CAROL))
    assert len(dms_to(world, ALICE)) == 1


class WithdrawMidCheck:
    """A directory that lets the requester withdraw while an approver's click is checked."""

    def __init__(self, world: World, rid: str) -> None:
        self.world, self.rid, self.done = world, rid, False

    def members(self, group_id: str) -> frozenset[str]:
        if not self.done:
            self.done = True
            self.world.service.withdraw(self.rid, self.world.on_card(self.rid, ALICE))
        return frozenset({BOB, CAROL})

    def outsider(self, user_id: str) -> bool:
        return False


def test_an_approval_that_loses_to_a_withdraw_tells_the_requester_once(world_factory) -> None:  # type: ignore[no-untyped-def]
    world = world_factory(f'[policy]\napprovers = ["{LEADS}"]\nchannels = ["C0OPS"]\n')
    rid = open_request(world)
    object.__setattr__(world.service.s, "directory", WithdrawMidCheck(world, rid))

    approve(world, rid)

    assert world.store.get(rid).state is RequestState.WITHDRAWN  # type: ignore[union-attr]
    [dm] = dms_to(world, ALICE)
    assert "*Withdrawn* by <@U0ALICE>" in dm


def test_a_change_that_is_not_an_end_redraws_the_card_and_messages_nobody(world: World) -> None:
    rid = open_request(world)
    record = world.store.get(rid)
    assert record is not None
    world.service.replies.settled(record)  # still pending
    assert len(world.slack.of("update")) == 1 and dms_to(world, ALICE) == []
