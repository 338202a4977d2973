"""Stop (SPEC §8, issue 9 item 3): while a request that makes more than one vendor call is
executing, the requester or an approver stops it. Calls not yet sent are never sent; calls in
flight finish; the request ends `stopped`, with counts that add up."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest
from aliyun_gate import POLICY, Gate, received
from aliyun_gate import bulk as gated_bulk
from lease_owners import as_another_replica
from lifecycle_world import ALICE, BOB, DAVE, World, open_request

from adapters.errors import VendorUnreachable
from bot.cards import Message
from bot.model import AuditEventName, RequestState
from bot.store import ApprovalStatus
from commands.model import OperationRequest

#: 1,050 devices: six calls of at most 200 (the seeded ones first, then unknown names, which a
#: cancel skips).
DEVICES = (
    *(f"thermo-{i:03d}" for i in range(1, 56)),
    *(f"meter-{i:04d}" for i in range(995)),
)


def bulk(targets: tuple[str, ...] = DEVICES) -> OperationRequest:
    return gated_bulk(targets)


@pytest.fixture
def world(world_factory) -> World:  # type: ignore[no-untyped-def]
    return world_factory(POLICY)


def text(message: Message) -> str:
    return message.text + json.dumps(message.blocks, ensure_ascii=False)


def approve_in_background(world: World, rid: str) -> threading.Thread:
    origin = world.on_card(rid, BOB)
    thread = threading.Thread(target=world.service.approve, args=(rid, origin))
    thread.start()
    return thread


def stopped_mid_run(world: World, gate: Gate, *, stopper: str = ALICE) -> str:
    rid = open_request(world, bulk())
    running = approve_in_background(world, rid)
    assert gate.arrived.wait(10), "the run never reached the vendor"
    world.service.stop(rid, world.on_card(rid, stopper))
    gate.open.set()
    running.join(10)
    assert not running.is_alive()
    return rid


def test_stop_keeps_unsent_calls_from_the_vendor(world: World, gate: Gate) -> None:
    rid = stopped_mid_run(world, gate)

    record = world.store.get(rid)
    assert record is not None and record.state is RequestState.STOPPED
    outcome = record.outcome.model_dump(mode="json")  # type: ignore[union-attr]
    counts = outcome["counts"]
    assert counts["not_sent"] >= 50  # at least the last call never went out
    assert sum(counts.values()) == 1050
    unsent = {t for f in outcome["failures"] if f["kind"] == "not_sent" for t in f["targets"]}
    assert len(unsent) == counts["not_sent"]
    sent = received(world)
    assert unsent.isdisjoint(sent)  # the simulator never received the unsent batches
    assert len(sent) == counts["succeeded"] + counts["failed"] + counts["unknown"]


def test_the_stopped_event_names_the_stopper_and_counts(world: World, gate: Gate) -> None:
    rid = stopped_mid_run(world, gate, stopper=BOB)

    last = list(world.store.events(request_id=rid))[-1]
    assert (last.event, last.actor) == (AuditEventName.STOPPED, BOB)
    assert last.detail["stopped_by"] == BOB
    assert sum(last.detail["counts"].values()) == 1050
    assert world.store.verify().ok


def test_the_card_shows_stop_then_the_counts(world: World, gate: Gate) -> None:
    rid = stopped_mid_run(world, gate)
    record = world.store.get(rid)
    assert record is not None
    cards = [
        text(p.message)
        for p in world.slack.of("update")
        if p.target == f"{record.channel}/{record.message_ts}"
    ]
    assert any("opsgate_stop" in c for c in cards)  # while it ran
    final = cards[-1]
    assert "Stopped by <@U0ALICE>" in final and "not sent" in final
    assert "opsgate_stop" not in final and "opsgate_request_again" in final
    dms = [text(p.message) for p in world.slack.of("post") if p.target == ALICE]
    assert any("*Stopped:* your request" in dm for dm in dms)
    assert "Stopping" in world.slack.last_text_to(ALICE)


def test_someone_else_cannot_stop_and_is_audited(world: World, gate: Gate) -> None:
    rid = open_request(world, bulk())
    running = approve_in_background(world, rid)
    assert gate.arrived.wait(10)
    world.service.stop(rid, world.on_card(rid, DAVE))
    gate.open.set()
    running.join(10)

    record = world.store.get(rid)
    assert record is not None and record.state is RequestState.SUCCEEDED
    assert len(received(world)) == 1050
    denied = [e for e in world.store.events(request_id=rid) if e.event is AuditEventName.DENIED]
    assert [(e.actor, e.detail["action"]) for e in denied] == [(DAVE, "stop")]


def test_a_single_call_or_an_ended_request_is_not_stopped(world: World) -> None:
    single = open_request(world, bulk(DEVICES[:200]))
    world.service.approve(single, world.on_card(single, BOB))
    world.service.stop(single, world.on_card(single, ALICE))
    record = world.store.get(single)
    assert record is not None and record.state is RequestState.SUCCEEDED
    assert record.stop_requested_by is None
    assert "has already succeeded" in world.slack.last_text_to(ALICE)


def test_a_single_call_in_flight_is_not_stopped(world: World, gate: Gate) -> None:
    single = open_request(world, bulk(DEVICES[:200]))
    running = approve_in_background(world, single)
    assert gate.arrived.wait(10), "the run never reached the vendor"
    world.service.stop(single, world.on_card(single, ALICE))
    assert "makes a single vendor call" in world.slack.last_text_to(ALICE)
    gate.open.set()
    running.join(10)
    record = world.store.get(single)
    assert record is not None and record.state is RequestState.SUCCEEDED
    assert record.stop_requested_by is None


def test_a_stop_in_another_process_reaches_the_run(
    world_factory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    """The click lands on a process that is not running the calls: the store carries it."""
    running_here = world_factory(POLICY, db=tmp_path / "opsgate.db")
    elsewhere = world_factory(POLICY, db=tmp_path / "opsgate.db")
    gate = Gate(running_here)
    monkeypatch.setattr(gate.sim, "route", gate.route)
    rid = open_request(running_here, bulk())
    thread = approve_in_background(running_here, rid)
    assert gate.arrived.wait(10)

    elsewhere.service.stop(rid, elsewhere.on_card(rid, BOB))
    gate.open.set()
    thread.join(10)

    assert running_here.store.get(rid).state is RequestState.STOPPED  # type: ignore[union-attr]
    assert len(received(running_here)) < 1050


def test_a_stop_before_the_whole_run_failed_is_in_its_failed_event(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Who pressed Stop is recorded whatever the run then did: here it failed as a whole."""
    started, released = threading.Event(), threading.Event()

    def execute(request, *, progress=None, stop=None):  # type: ignore[no-untyped-def]
        started.set()
        assert released.wait(10)
        raise VendorUnreachable("aliyun could not be reached", vendor="aliyun")

    monkeypatch.setattr(world.adapters.by_vendor["aliyun"], "execute", execute)
    rid = open_request(world, bulk())
    running = approve_in_background(world, rid)
    assert started.wait(10)
    world.service.stop(rid, world.on_card(rid, ALICE))
    released.set()
    running.join(10)

    last = list(world.store.events(request_id=rid))[-1]
    assert (last.event, last.actor) == (AuditEventName.FAILED, "system")
    assert last.detail["stopped_by"] == ALICE
    assert world.store.verify().ok


def test_a_stopped_run_whose_replica_died_names_who_stopped_it(world: World) -> None:
    rid = open_request(world, bulk())
    dead = as_another_replica(world.store, world.clock)
    assert dead.approve(rid, approver=BOB).status is ApprovalStatus.EXECUTE
    world.service.stop(rid, world.on_card(rid, ALICE))  # then that replica died
    world.clock.advance(world.store.leases.duration.total_seconds())

    assert world.service.recover() == 1

    last = list(world.store.events(request_id=rid))[-1]
    assert (last.event, last.actor) == (AuditEventName.UNKNOWN, "system")
    assert last.detail["stopped_by"] == ALICE
    assert world.store.verify().ok


def test_stop_on_a_request_still_pending_says_what_to_do_instead(world: World) -> None:
    """Nothing runs yet, so there is nothing to stop: the answer says to reject or withdraw
    it, not "try again" (stopping it later would still not undo an approval)."""
    rid = open_request(world, bulk())
    world.service.stop(rid, world.on_card(rid, BOB))
    said = world.shown_to(BOB)
    assert "has not started: there is nothing to stop" in said
    assert "Reject it" in said and "try again" not in said
    record = world.store.get(rid)
    assert record is not None and record.state is RequestState.PENDING
