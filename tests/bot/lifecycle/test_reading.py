"""Who may read a request (SPEC §8 "Reading", issue 7 item 12): its requester, whoever may
approve it, or anyone asking in the channel where it was made. To anyone else it does not
exist: status answers as for an unknown id and history leaves it out."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from lifecycle_world import ALICE, BOB, DAVE, LEADS, World, open_request
from tampering import tamper

from bot.cards import Message
from bot.lifecycle import Origin
from commands.model import HistoryCommand

LEADS_APPROVE = f'[policy]\napprovers = ["{LEADS}"]\nchannels = ["C0OPS"]\n'


def asked(user: str, channel: str) -> Origin:
    return Origin(user=user, channel=channel, response_url=f"https://hooks.example/{user}")


def text(message: Message) -> str:
    return message.text + json.dumps(message.blocks)


@pytest.fixture
def world(world_factory) -> World:  # type: ignore[no-untyped-def]
    return world_factory(LEADS_APPROVE)


@pytest.mark.parametrize(
    ("user", "channel"),
    [(ALICE, "D0ALICE"), (BOB, "D0BOB"), (DAVE, "C0OPS")],
    ids=["the requester anywhere", "an approver anywhere", "anyone in the channel"],
)
def test_status_shows_the_request_to_those_who_may_read_it(
    world: World, user: str, channel: str
) -> None:
    rid = open_request(world)
    shown = text(world.service.status(rid, asked(user, channel)))
    assert "Timeline" in shown and "requested" in shown and rid in shown


def test_to_anyone_else_status_answers_as_if_there_were_no_such_request(world: World) -> None:
    rid = open_request(world)
    hidden = world.service.status(rid, asked(DAVE, "D0DAVE"))
    missing = world.service.status("R-00000000", asked(DAVE, "D0DAVE"))
    assert text(hidden) == text(missing).replace("R-00000000", rid)
    assert "There is no request" in hidden.text
    assert "Timeline" not in text(hidden) and "stale package" not in text(hidden)


def test_history_leaves_out_what_the_asker_may_not_read(world: World) -> None:
    rid = open_request(world)
    everything = HistoryCommand(limit=20)
    assert rid not in text(world.service.history(everything, asked(DAVE, "D0DAVE")))
    assert rid in text(world.service.history(everything, asked(DAVE, "C0OPS")))
    assert rid in text(world.service.history(everything, asked(BOB, "D0BOB")))
    assert rid in text(world.service.history(HistoryCommand(mine=True), asked(ALICE, "D0A")))


def test_where_only_the_requester_confirms_the_approvers_list_grants_no_reading(
    world_factory,  # type: ignore[no-untyped-def]
) -> None:
    world = world_factory(
        f'[policy]\napprovers = ["{LEADS}"]\napprovals = 0\nchannels = ["C0OPS"]\n'
    )
    rid = open_request(world)
    assert "There is no request" in world.service.status(rid, asked(BOB, "D0BOB")).text


def test_who_may_approve_is_read_from_the_policy_stored_with_the_request(
    world_factory,  # type: ignore[no-untyped-def]
    tmp_path: Path,
) -> None:
    db = tmp_path / "opsgate.db"
    before = world_factory(LEADS_APPROVE, db=db)
    rid = open_request(before)
    before.store.close()
    after = world_factory(f'[policy]\napprovers = ["{DAVE}"]\nchannels = ["C0OPS"]\n', db=db)

    # BOB could approve it when it was made; DAVE only could under today's policy.
    assert "Timeline" in text(after.service.status(rid, asked(BOB, "D0BOB")))
    assert "There is no request" in after.service.status(rid, asked(DAVE, "D0DAVE")).text
    # History finds requests through today's approvers, then applies each request's own
    # policy: it never shows what that policy hides.
    assert rid not in text(after.service.history(HistoryCommand(), asked(DAVE, "D0DAVE")))


def test_status_shows_what_can_be_read_of_a_timeline_changed_outside_opsgate(
    world_factory,
    tmp_path: Path,  # type: ignore[no-untyped-def]
) -> None:
    world = world_factory(LEADS_APPROVE, db=tmp_path / "opsgate.db")
    rid = open_request(world)
    (first,) = [e.seq for e in world.store.events(request_id=rid)]
    world.service.approve(rid, asked(BOB, "C0OPS"))
    later = [e.seq for e in world.store.events(request_id=rid)][1]
    tamper(
        tmp_path / "opsgate.db",
        "UPDATE events SET actor = CAST(x'ff' AS TEXT) WHERE seq = ?",
        params=(later,),
    )

    shown = text(world.service.status(rid, asked(ALICE, "D0ALICE")))
    assert "Timeline" in shown and "*requested*" in shown  # the first event still shows
    assert f"event {later} cannot be read (its actor is not UTF-8 text)" in shown
    assert "changed outside opsgate" in shown and "opsgate audit verify" in shown
    assert first < later
