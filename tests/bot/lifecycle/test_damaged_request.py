"""A request whose stored row was changed outside opsgate into something it cannot read back:
clicks on its card and `/ops status` say so in plain words, and nothing is done."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from lifecycle_world import ALICE, BOB, CAROL, DAVE, World, open_request
from tampering import tamper

from bot.lifecycle import Origin
from bot.model import AuditEventName

POLICY = '[policy]\napprovers = ["*"]\nchannels = ["C0OPS"]\n'


@pytest.fixture
def damaged(world_factory, tmp_path: Path) -> tuple[World, str, Origin]:  # type: ignore[no-untyped-def]
    """A pending request whose row was then damaged, and Bob's click origin on its card."""
    world = world_factory(POLICY, db=tmp_path / "opsgate.db")
    rid = open_request(world)
    on_card = world.on_card(rid, BOB)
    tamper(tmp_path / "opsgate.db", "UPDATE requests SET params = '{' WHERE id = ?", params=(rid,))
    return world, rid, on_card


@pytest.mark.parametrize("action", ["approve", "reject", "stop"])
def test_a_click_on_its_card_is_refused_in_plain_words(
    damaged: tuple[World, str, Origin], action: str
) -> None:
    world, rid, on_card = damaged
    getattr(world.service, action)(rid, on_card)

    shown = world.shown_to(BOB)
    assert f"Request `{rid}` cannot be read: it was changed outside opsgate" in shown
    assert "nothing was done" in shown and "opsgate audit verify" in shown
    events = [e.event for e in world.store.events(request_id=rid)]
    assert events == [AuditEventName.REQUESTED]  # no approval, no call, nothing recorded


def test_status_says_it_cannot_be_read(damaged: tuple[World, str, Origin]) -> None:
    world, rid, _ = damaged
    answer = world.service.status(rid, world.origin(ALICE))
    assert "cannot be read: it was changed outside opsgate" in answer.text + json.dumps(
        answer.blocks
    )


@pytest.mark.parametrize(
    ("asker", "channel", "told"),
    [
        (ALICE, "D0ALICE", True),  # its requester, anywhere
        (DAVE, "C0OPS", True),  # anyone, in the channel where it was made
        (BOB, "D0BOB", True),  # one of its approvers, anywhere
        (DAVE, "D0DAVE", False),  # nobody else
    ],
)
def test_status_tells_only_those_who_may_read_it_that_it_is_damaged(
    world_factory, tmp_path: Path, asker: str, channel: str, told: bool
) -> None:  # type: ignore[no-untyped-def]
    """The reading rule holds for a damaged request too, judged by its first event (the
    chain's record of who made it, where): to anyone else it does not exist."""
    world = world_factory(
        '[policy]\napprovers = ["U0BOB", "U0CAROL"]\nchannels = ["C0OPS"]\n',
        db=tmp_path / "opsgate.db",
    )
    rid = open_request(world)
    tamper(tmp_path / "opsgate.db", "UPDATE requests SET channel = CAST(x'ff' AS TEXT)")

    answer = world.service.status(rid, world.origin(asker, channel))
    shown = answer.text + json.dumps(answer.blocks)
    assert ("cannot be read: it was changed outside opsgate" in shown) is told
    assert (f"There is no request `{rid}`" in shown) is not told


def test_status_of_a_damaged_request_whose_first_event_is_damaged_too_tells_nobody(
    damaged: tuple[World, str, Origin], tmp_path: Path
) -> None:
    world, rid, _ = damaged
    tamper(
        tmp_path / "opsgate.db",
        "UPDATE events SET detail = '{' WHERE request_id = ?",
        params=(rid,),
    )

    answer = world.service.status(rid, world.origin(ALICE))
    assert f"There is no request `{rid}`" in answer.text + json.dumps(answer.blocks)


@pytest.mark.parametrize(("asker", "told"), [(BOB, True), (CAROL, False)])
def test_the_approvers_who_may_read_a_damaged_request_are_those_of_its_own_policy(
    world_factory, tmp_path: Path, asker: str, told: bool
) -> None:  # type: ignore[no-untyped-def]
    """As for any request: the policy it was made under (recorded in its first event), not the
    one in force now, which here names Carol instead of Bob."""
    db = tmp_path / "opsgate.db"
    then = world_factory('[policy]\napprovers = ["U0BOB"]\nchannels = ["C0OPS"]\n', db=db)
    rid = open_request(then)
    tamper(db, "UPDATE requests SET channel = CAST(x'ff' AS TEXT)")
    now = world_factory('[policy]\napprovers = ["U0CAROL"]\nchannels = ["C0OPS"]\n', db=db)

    answer = now.service.status(rid, now.origin(asker, f"D0{asker}"))
    assert ("cannot be read: it was changed outside opsgate" in json.dumps(answer.blocks)) is told
