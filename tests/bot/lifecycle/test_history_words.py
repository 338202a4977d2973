"""`/ops history` says what an empty or cut-short list means: "No requests yet." was the answer
to `--mine` from someone who had made none while the channel had many, and a list cut at its
`--limit` did not say there were older ones."""

from __future__ import annotations

import json

import pytest
from lifecycle_world import ALICE, DAVE, LEADS, World, open_request, package_request

from bot.lifecycle import Origin
from commands.meta import MAX_HISTORY
from commands.model import HistoryCommand

POLICY = f'[policy]\napprovers = ["{LEADS}"]\nchannels = ["C0OPS"]\n'


@pytest.fixture
def world(world_factory) -> World:  # type: ignore[no-untyped-def]
    return world_factory(POLICY)


def history(world: World, command: HistoryCommand, user: str = DAVE) -> str:
    origin = Origin(user=user, channel="C0OPS", response_url=f"https://hooks.example/{user}")
    message = world.service.history(command, origin)
    return message.text + json.dumps(message.blocks, ensure_ascii=False)


def test_an_empty_filtered_history_says_what_it_was_filtered_by(world: World) -> None:
    open_request(world)  # @alice's, in #ops: @dave may read it there
    assert "No requests yet." not in history(world, HistoryCommand(mine=True))
    assert "You have made no requests yet." in history(world, HistoryCommand(mine=True))
    enos = history(world, HistoryCommand(vendor="enos"))
    assert "No `enos` requests you may see here." in enos
    both = history(world, HistoryCommand(mine=True, vendor="enos"))
    assert "You have made no `enos` requests yet." in both


def test_a_history_cut_at_its_limit_says_how_to_see_older_ones(world: World) -> None:
    open_request(world, package_request("pkg-meter-fw-1.2.0"))
    open_request(world, package_request("pkg-meter-fw-1.1.0"))
    cut = history(world, HistoryCommand(mine=True, limit=1), user=ALICE)
    assert "Older requests are not listed: `/ops history --mine --limit 2` lists more." in cut
    whole = history(world, HistoryCommand(mine=True, limit=2), user=ALICE)
    assert "Older requests" not in whole


def test_a_history_cut_at_the_highest_limit_still_says_older_ones_are_left_out(
    world: World,
) -> None:
    for n in range(MAX_HISTORY + 1):  # unknown packages: each is denied, and listed
        open_request(world, package_request(f"pkg-gone-{n}"))
    cut = history(world, HistoryCommand(mine=True, limit=MAX_HISTORY), user=ALICE)
    assert f"Older requests are not listed: `--limit` lists at most {MAX_HISTORY}." in cut
    assert "lists more" not in cut


def test_an_empty_history_does_not_say_none_exist_when_they_are_only_out_of_sight(
    world: World,
) -> None:
    """@dave asks outside #ops, where @alice's request was made: it exists, he may not see it
    there, and the answer says so (and where to look) rather than "No requests yet."."""
    open_request(world)
    origin = Origin(user=DAVE, channel="C0ELSEWHERE", response_url="https://hooks.example/d")
    for command in (HistoryCommand(), HistoryCommand(vendor="huawei")):
        message = world.service.history(command, origin)
        said = message.text + json.dumps(message.blocks, ensure_ascii=False)
        assert "requests yet" not in said
        assert "requests you may see here" in said
        assert "ask in a request's channel to list it" in said
