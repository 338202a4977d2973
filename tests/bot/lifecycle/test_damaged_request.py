"""A request whose stored row was changed outside opsgate into something it cannot read back:
clicks on its card and `/ops status` say so in plain words, and nothing is done."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from lifecycle_world import ALICE, BOB, World, open_request
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
