"""Expiry and start-up recovery, and the sweeper thread that drives them."""

from __future__ import annotations

import logging
import time
from datetime import timedelta

import pytest
from json_log import json_lines
from lease_owners import as_another_replica
from lifecycle_world import ALICE, BOB, World, open_request, package_request

from adapters.clock import SYSTEM_CLOCK
from bot.lifecycle.leases import Heartbeat
from bot.lifecycle.sweeper import Sweeper
from bot.lifecycle.sweeps import named
from bot.model import RequestState
from bot.observability.logs import current_context, fresh_log_context
from bot.policy import OperationPolicy
from bot.store import Store
from commands.model import OperationRequest


def wait_for(condition, timeout: float = 5.0) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.01)
    return False


def test_the_sweeper_recovers_first_then_expires_periodically(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    running = open_request(world)
    dead = as_another_replica(world.store, world.clock)
    dead.approve(running, approver=BOB)  # executing, as if a process died mid-call
    due = open_request(world, package_request("pkg-meter-fw-1.1.0"))
    world.clock.advance(31 * 60)
    sweeper = Sweeper(world.service.sweeps, world.runner)

    with caplog.at_level(logging.WARNING, logger="bot.lifecycle.sweeps"):
        sweeper.start(every=0.01)
    try:
        assert world.store.get(running).state is RequestState.UNKNOWN  # type: ignore[union-attr]
        assert "1 request(s) were executing" in caplog.text
        assert wait_for(lambda: world.store.get(due).state is RequestState.EXPIRED)  # type: ignore[union-attr]
    finally:
        sweeper.stop()
    world.runner.wait_idle()
    assert any(p.target == ALICE for p in world.slack.of("post"))  # the requester is told


def test_recovery_names_the_requests_and_logs_each_in_its_own_context(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One warning names the requests, and each request's own line and card update carry its
    request id, operation and actor."""
    running = [open_request(world, package_request(f"pkg-meter-fw-1.{n}.0")) for n in (1, 2)]
    dead = as_another_replica(world.store, world.clock)
    for rid in running:
        dead.approve(rid, approver=BOB)  # executing, by a replica that then died
    world.clock.advance(world.store.leases.duration.total_seconds())
    updated: list[dict[str, str]] = []
    update = world.slack.update
    monkeypatch.setattr(
        world.slack, "update", lambda *a: (updated.append(current_context()), update(*a))
    )

    with fresh_log_context(), json_lines() as lines:
        assert world.service.sweeps.recover() == 2
        world.runner.wait_idle()

    [summary] = [line for line in lines() if line["level"] == "WARNING"]
    assert summary["message"].startswith("2 request(s) were executing")
    assert all(rid in summary["message"] for rid in running)
    each = [line for line in lines() if line["message"].startswith("was executing")]
    assert sorted(line["request_id"] for line in each) == sorted(running)
    assert {(line["operation"], line["actor"]) for line in each} == {
        ("huawei.package.delete", "system")
    }
    assert sorted(seen["request_id"] for seen in updated) == sorted(running)
    assert {seen["actor"] for seen in updated} == {"system"}


def test_a_line_about_many_requests_names_the_first_few_and_counts_the_rest() -> None:
    ids = [f"R-{n}" for n in range(7)]
    assert named(ids) == "R-0, R-1, R-2, R-3, R-4 and 2 more"
    assert named(ids[:5]) == "R-0, R-1, R-2, R-3, R-4"


def test_a_stopped_sweeper_sweeps_no_more(world: World) -> None:
    sweeper = Sweeper(world.service.sweeps, world.runner)
    sweeper.start(every=0.01)
    sweeper.stop()
    world.runner.wait_idle()
    rid = open_request(world)
    world.clock.advance(31 * 60)
    time.sleep(0.1)
    assert world.store.get(rid).state is RequestState.PENDING  # type: ignore[union-attr]


def test_the_sweeper_recovers_a_dead_replicas_call_while_serving(world: World) -> None:
    sweeper = Sweeper(world.service.sweeps, world.runner)
    sweeper.start(every=0.01)
    try:
        rid = open_request(world)
        dead = as_another_replica(world.store, world.clock)
        dead.approve(rid, approver=BOB)  # executing, by a replica that then died
        time.sleep(0.05)
        assert world.store.get(rid).state is RequestState.EXECUTING  # type: ignore[union-attr]

        world.clock.advance(world.store.leases.duration.total_seconds())

        assert wait_for(lambda: world.store.get(rid).state is RequestState.UNKNOWN)  # type: ignore[union-attr]
    finally:
        sweeper.close()
    world.runner.wait_idle()


def test_the_heartbeat_keeps_a_call_in_flight_alive_until_stopped() -> None:
    store = Store.memory(lease=timedelta(seconds=0.3))  # the real clock: a real heartbeat
    record = store.create_request(
        OperationRequest(operation="enos.ota-job.delete", vendor="enos", targets=("j-1",)),
        requester=ALICE,
        channel="C1",
        policy=OperationPolicy(),
        sandbox=True,
    )
    store.leases.owner = "replica-a"  # a replica others judge by its lease alone
    store.approve(record.id, approver=BOB)
    heartbeat = Heartbeat(store)
    with store.leases.held(record.id):
        heartbeat.start()
        time.sleep(0.6)  # two leases long
        another = as_another_replica(store, SYSTEM_CLOCK)
        assert another.recover_executing() == []
        heartbeat.stop()
        assert wait_for(lambda: another.recover_executing() != [], timeout=2)
    store.close()


def test_a_short_ttl_is_reminded_at_half_of_it_and_expires_on_time_not_a_period_later(
    world_factory,  # type: ignore[no-untyped-def]
) -> None:
    """SPEC §8: reminded "when half its TTL has passed". With a 15 s period a 5 s ttl was
    never reminded at all; the sweeper also wakes at each new request's reminder and expiry."""
    world = world_factory('[policy]\napprovers = ["S0OPSLEADS"]\nttl = "2s"\n')
    sweeper = Sweeper(world.service.sweeps, world.runner)
    sweeper.start(every=3600)  # the period alone would sweep again in an hour
    try:
        rid = open_request(world)
        world.clock.advance(1.2)  # past half the ttl, before it ends
        assert wait_for(lambda: len(world.slack.of("reply")) == 1)
        assert "still needs 1 more approval" in world.slack.of("reply")[0].message.text
        assert world.store.get(rid).state is RequestState.PENDING  # type: ignore[union-attr]
        world.clock.advance(1.0)
        assert wait_for(lambda: world.store.get(rid).state is RequestState.EXPIRED)  # type: ignore[union-attr]
    finally:
        sweeper.close()
    world.runner.wait_idle()


def test_a_sweep_the_database_cannot_take_is_one_line_not_a_traceback(
    world: World, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """During a database outage the sweep fails every period: each time one error line, as for
    a command the database cannot take, not a traceback logged as an unexpected failure."""
    unreachable = world.store.engine.unreachable[0]

    def down() -> int:
        raise unreachable("database is locked")

    monkeypatch.setattr(world.service.sweeps, "expire_due", down)
    sweeper = Sweeper(world.service.sweeps, world.runner)
    with caplog.at_level(logging.INFO):
        sweeper.start(every=60)
        world.runner.wait_idle()
        sweeper.close()
    failures = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert [(r.name, r.getMessage(), r.exc_info) for r in failures] == [
        (
            "bot.lifecycle.sweeper",
            f"sweep skipped: the database could not be reached: {unreachable.__name__}: "
            "database is locked (the next sweep tries again)",
            None,
        )
    ]


def test_a_heartbeat_the_database_cannot_take_is_one_line_not_a_traceback(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    store = Store.memory(lease=timedelta(seconds=0.3))
    unreachable = store.engine.unreachable[0]

    def down() -> int:
        raise unreachable("database is locked")

    monkeypatch.setattr(store.leases, "renew", down)
    heartbeat = Heartbeat(store)
    with caplog.at_level(logging.INFO, logger="bot.lifecycle.leases"):
        heartbeat.start()
        assert wait_for(lambda: len(caplog.records) >= 2)
        heartbeat.stop()
    store.close()
    record = caplog.records[0]
    assert (record.levelno, record.exc_info) == (logging.ERROR, None)
    assert record.getMessage() == (
        "could not renew this replica's leases: the database could not be reached: "
        f"{unreachable.__name__}: database is locked"
    )
