"""Shutdown stops bulk runs as Stop does (SPEC §13, §8): once this process begins shutting down,
a run of several vendor calls sends no more of them; the calls in flight finish, and the request
ends `stopped` by `system` with counts that add up, instead of being left for recovery."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass

import pytest
from aliyun_gate import CANCEL, POLICY, Gate, received
from aliyun_gate import bulk as gated_bulk
from lifecycle_world import ALICE, BOB, World, open_request

from adapters.aliyun.adapter import WORKERS
from bot.model import AuditEventName, RequestState
from bot.observability import Metrics, instrument
from commands.model import OperationRequest

#: The read that lists devices again after a cancel (without `--job`), as the preview does.
LISTING = "ListOTAUnfinishedTaskByDevice"
#: 2,000 devices: ten calls of 200, more than the adapter sends at once.
DEVICES = tuple(f"thermo-{i:04d}" for i in range(1, 2001))


def bulk(targets: tuple[str, ...] = DEVICES) -> OperationRequest:
    return gated_bulk(targets)


@pytest.fixture
def world(world_factory) -> World:  # type: ignore[no-untyped-def]
    return world_factory(POLICY)


def approve_in_background(world: World, rid: str) -> threading.Thread:
    origin = world.on_card(rid, BOB)
    thread = threading.Thread(target=world.service.approve, args=(rid, origin))
    thread.start()
    return thread


@dataclass(frozen=True)
class ShutDown:
    """A run shut down mid-way: its request, the calls in flight then, and the listings the
    simulator had answered before the run began (the preview's)."""

    rid: str
    in_flight: int
    listings_before: int


def listings(world: World) -> int:
    return len(world.sim("aliyun").requests_to(LISTING))


def shut_down_mid_run(world: World, gate: Gate) -> ShutDown:
    """Approve a 2,000-device cancel, begin shutting down while every worker's call is held at
    the vendor, then let those calls finish."""
    rid = open_request(world, bulk())
    before = listings(world)
    running = approve_in_background(world, rid)
    in_flight = gate.wait_held(WORKERS)
    world.service.begin_shutdown()
    gate.open.set()
    running.join(10)
    assert not running.is_alive()
    return ShutDown(rid, in_flight, before)


def test_no_call_goes_out_after_shutdown_begins_but_those_in_flight(
    world: World, gate: Gate
) -> None:
    run = shut_down_mid_run(world, gate)

    assert len(world.sim("aliyun").accepted_calls(CANCEL)) == run.in_flight == WORKERS
    record = world.store.get(run.rid)
    assert record is not None and record.state is RequestState.STOPPED
    outcome = record.outcome.model_dump(mode="json")  # type: ignore[union-attr]
    counts = outcome["counts"]
    assert counts == {"succeeded": 800, "failed": 0, "not_sent": 1200, "unknown": 0}
    unsent = {t for f in outcome["failures"] if f["kind"] == "not_sent" for t in f["targets"]}
    sent = received(world)
    assert len(unsent) == 1200 and unsent.isdisjoint(sent) and len(sent) == 800
    # Nothing more went to the vendor, not even the listing that checks the accepted devices.
    assert listings(world) == run.listings_before
    assert "not listed again" in outcome["checked"]


def test_the_stopped_event_is_by_system_with_the_counts(world: World, gate: Gate) -> None:
    rid = shut_down_mid_run(world, gate).rid

    last = list(world.store.events(request_id=rid))[-1]
    assert (last.event, last.actor) == (AuditEventName.STOPPED, "system")
    assert last.detail["stopped_by"] == "system"
    assert last.detail["counts"] == {"succeeded": 800, "failed": 0, "not_sent": 1200, "unknown": 0}
    assert len(last.detail["vendor_request_ids"]) == WORKERS
    assert world.store.verify().ok
    # An ended request is no business of recovery: the next start leaves it alone.
    assert world.store.recover_executing() == []
    assert world.store.get(rid).state is RequestState.STOPPED  # type: ignore[union-attr]


def test_the_card_and_the_requester_say_opsgate_stopped_it(world: World, gate: Gate) -> None:
    rid = shut_down_mid_run(world, gate).rid
    record = world.store.get(rid)
    assert record is not None and record.stop_requested_by == "system"
    final = [
        p.message
        for p in world.slack.of("update")
        if p.target == f"{record.channel}/{record.message_ts}"
    ][-1]
    card = final.text + json.dumps(final.blocks, ensure_ascii=False)
    assert "Stopped by opsgate as it shut down" in card and "1,200 not sent" in card
    assert "opsgate_request_again" in card and "(Stop)" not in card
    dms = [p.message.text for p in world.slack.of("post") if p.target == ALICE]
    assert any("Stopped" in dm for dm in dms)


def test_a_run_whose_calls_had_all_gone_out_ends_as_it_would_have(world: World, gate: Gate) -> None:
    rid = open_request(world, bulk(DEVICES[:400]))  # two calls: both in flight at once
    running = approve_in_background(world, rid)
    gate.wait_held(2)
    world.service.begin_shutdown()
    gate.open.set()
    running.join(10)

    record = world.store.get(rid)
    assert record is not None and record.state is RequestState.SUCCEEDED
    assert record.stop_requested_by is None and len(received(world)) == 400


def test_someone_who_pressed_stop_first_stays_the_stopper(world: World, gate: Gate) -> None:
    rid = open_request(world, bulk())
    running = approve_in_background(world, rid)
    gate.wait_held(WORKERS)
    world.service.stop(rid, world.on_card(rid, ALICE))
    world.service.begin_shutdown()
    gate.open.set()
    running.join(10)

    last = list(world.store.events(request_id=rid))[-1]
    assert (last.event, last.actor, last.detail["stopped_by"]) == (
        AuditEventName.STOPPED,
        ALICE,
        ALICE,
    )


def test_a_stop_by_shutdown_is_no_click(world: World, gate: Gate) -> None:
    metrics = Metrics()
    instrument(world.store, metrics=metrics)
    shut_down_mid_run(world, gate)

    rendered = metrics.render().decode()
    assert 'opsgate_requests_total{operation="aliyun.ota-task.cancel",state="stopped"} 1.0' in (
        rendered
    )
    assert 'result="stopped"' not in rendered
