"""Stop from App Home (README "Stop", "Break-glass"): a break-glass bulk run whose card Slack
would not post has no card to press Stop on; its requester stops it from "Your requests", an
approver from "Running: you may stop", with the checks and the record of the card's Stop."""

from __future__ import annotations

import json
import threading

import pytest
from aliyun_gate import POLICY, Gate, received
from aliyun_gate import bulk as gated_bulk
from block_kit import block_problems
from lifecycle_world import ALICE, BOB, CAROL, DAVE, World, open_request

from bot import cards
from bot.cards.home import HOME_STOP_ACTION
from bot.lifecycle import Origin
from bot.lifecycle.home import HomeTab
from bot.model import AuditEventName, RequestState

BREAK_GLASS = POLICY + f'break_glass = ["{ALICE}"]\n'
DEVICES = tuple(f"meter-{i:04d}" for i in range(1050))  # six calls of at most 200


def test_a_break_glass_run_without_a_card_is_stopped_from_app_home(  # type: ignore[no-untyped-def]
    world_factory, monkeypatch: pytest.MonkeyPatch
) -> None:
    world: World = world_factory(BREAK_GLASS)
    gate = Gate(world)
    monkeypatch.setattr(gate.sim, "route", gate.route)
    world.slack.refuse_posts = "not_in_channel"
    request = gated_bulk(DEVICES).model_copy(update={"break_glass": "INC-7"})
    submit = world.service.submit
    running = threading.Thread(
        target=submit, args=(request, world.origin(ALICE)), kwargs={"command_text": "/ops …"}
    )
    running.start()
    try:
        assert gate.arrived.wait(10), "the run never reached the vendor"
        [record] = world.store.history(requester=ALICE, limit=1)
        assert record.message_ts is None  # no card: no Stop button there
        tab = HomeTab(world.service.s, operation_ids=world.service.s.catalog.ids)
        view = cards.home_view(tab.content(ALICE))
        assert (
            HOME_STOP_ACTION in json.dumps(view) and block_problems(view["blocks"], limit=100) == []
        )
        assert HOME_STOP_ACTION in json.dumps(cards.home_view(tab.content(BOB)))  # an approver
        assert HOME_STOP_ACTION not in json.dumps(cards.home_view(tab.content(DAVE)))

        where = Origin(user=DAVE, channel=record.channel)  # App Home's click, in its channel
        world.service.stop_in_tab(record.id, where)  # not theirs to stop: refused
        world.service.stop_in_tab(record.id, Origin(user=ALICE, channel=record.channel))
    finally:
        gate.open.set()
        running.join(10)
    if world.service.s.runner is not None:
        assert world.runner.wait_idle(10)

    stopped = world.store.get(record.id)
    assert stopped is not None and stopped.state is RequestState.STOPPED
    assert len(received(world)) < len(DEVICES)
    said = [(e.event, e.actor) for e in world.store.events(request_id=record.id)]
    assert (AuditEventName.DENIED, DAVE) in said and said[-1] == (AuditEventName.STOPPED, ALICE)
    assert HOME_STOP_ACTION not in json.dumps(cards.home_view(tab.content(ALICE)))
    told = [json.dumps(p.message.blocks) for p in world.slack.of("post") if p.target == ALICE]
    assert any("App Home (where a run of several vendor calls has its Stop)" in t for t in told)


def test_an_approver_stops_someone_else_s_run_from_app_home(  # type: ignore[no-untyped-def]
    world_factory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SPEC §8: Stop is the requester's and the approvers'; the card offers it to both, and so
    does App Home: to an approver under "Running: you may stop", not to anyone else."""
    world: World = world_factory(POLICY)
    gate = Gate(world)
    monkeypatch.setattr(gate.sim, "route", gate.route)
    rid = open_request(world, gated_bulk(DEVICES))
    approving = threading.Thread(target=world.service.approve, args=(rid, world.on_card(rid, BOB)))
    approving.start()
    try:
        assert gate.arrived.wait(10), "the run never reached the vendor"
        tab = HomeTab(world.service.s, operation_ids=world.service.s.catalog.ids)
        for approver in (BOB, CAROL):
            view = cards.home_view(tab.content(approver))
            shown = json.dumps(view)
            assert "Running: you may stop" in shown and f'"value": "{rid}"' in shown
            assert block_problems(view["blocks"], limit=100) == []
        assert "Running: you may stop" not in json.dumps(cards.home_view(tab.content(DAVE)))
        mine = json.dumps(cards.home_view(tab.content(ALICE)))  # under "Your requests" once
        assert mine.count(HOME_STOP_ACTION) == 1 and "Running: you may stop" not in mine
        world.service.stop_in_tab(rid, world.on_card(rid, CAROL))  # bound as the tab binds it
    finally:
        gate.open.set()
        approving.join(10)
    if world.service.s.runner is not None:
        assert world.runner.wait_idle(10)
    stopped = world.store.get(rid)
    assert stopped is not None and stopped.state is RequestState.STOPPED
    last = list(world.store.events(request_id=rid))[-1]
    assert (last.event, last.actor) == (AuditEventName.STOPPED, CAROL)
    assert "Running: you may stop" not in json.dumps(cards.home_view(tab.content(BOB)))
