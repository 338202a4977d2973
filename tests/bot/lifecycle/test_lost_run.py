"""A bulk run whose process dies mid-run (SPEC §13): its counts, kept with its lease at most
once a second, survive it. Recovery marks the request unknown with what the vendor had
answered by then, the rest unknown; the card and `/ops status` say so, and the log verifies."""

from __future__ import annotations

import json
import threading
from typing import Any

import httpx
import pytest
from aliyun_gate import CANCEL, POLICY, bulk
from lifecycle_world import ALICE, BOB, World, open_request

from adapters.base import Progress
from bot.cards import Message
from bot.lifecycle import execution
from bot.model import AuditEventName, RequestState

#: 1,050 devices: six calls of at most 200 (the seeded ones first, then unknown names, which a
#: cancel skips).
DEVICES = (
    *(f"thermo-{i:03d}" for i in range(1, 56)),
    *(f"meter-{i:04d}" for i in range(995)),
)
#: The calls the vendor answers before the process dies; the others never get an answer.
ANSWERED = 2


@pytest.fixture
def world(world_factory) -> World:  # type: ignore[no-untyped-def]
    return world_factory(POLICY)


def text(message: Message) -> str:
    return message.text + json.dumps(message.blocks, ensure_ascii=False)


class DyingRun:
    """The vendor answers the first `ANSWERED` calls, a second apart and each only once the
    count before it was kept (calls may be in flight together, and two answers in one second
    would leave the second count for the next tick), and holds the rest until released; each
    count kept with the lease is noted."""

    def __init__(self, world: World) -> None:
        self.world = world
        self.release = threading.Event()
        self.kept: list[Progress] = []
        self.both_kept = threading.Event()
        self._kept_for = [threading.Event() for _ in range(ANSWERED)]
        self._calls = 0
        self._lock = threading.Lock()
        self._route = world.sim("aliyun").route
        self._record = world.store.leases.record_progress

    def route(self, request: httpx.Request) -> httpx.Response:
        if f"Action={CANCEL}" in str(request.url):
            with self._lock:
                self._calls += 1
                call = self._calls
            if call > ANSWERED:
                assert self.release.wait(10), "the test never released the run"
            else:
                if call > 1:
                    assert self._kept_for[call - 2].wait(10), "a count was never kept"
                self.world.clock.advance(1)  # a second after the count before it
        return self._route(request)

    def record_progress(self, request_id: str, progress: Progress) -> bool:
        kept = self._record(request_id, progress)
        if kept:
            self.kept.append(progress)
            for answered, event in enumerate(self._kept_for, start=1):
                if progress.succeeded >= answered * 200:
                    event.set()
            if progress.done >= 400:
                self.both_kept.set()
        return kept


def test_a_run_whose_process_died_keeps_its_counts(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    run = DyingRun(world)
    monkeypatch.setattr(world.sim("aliyun"), "route", run.route)
    monkeypatch.setattr(world.store.leases, "record_progress", run.record_progress)
    # The process dies before it records how the run ended: nothing is recorded.
    monkeypatch.setattr(execution, "_record_end", lambda store, record, *_a, **_k: record)
    world.store.leases.owner = "replica-that-dies"
    rid = open_request(world, bulk(DEVICES))
    running = threading.Thread(target=world.service.approve, args=(rid, world.on_card(rid, BOB)))
    running.start()
    try:
        assert run.both_kept.wait(10), "the run's counts were never kept"
        world.clock.advance(world.store.leases.duration.total_seconds())  # nobody renews
        world.store.leases.owner = "replica-after-restart"

        assert world.service.sweeps.recover() == 1
    finally:
        run.release.set()
        running.join(10)
    assert not running.is_alive()

    record = world.store.get(rid)
    assert record is not None and record.state is RequestState.UNKNOWN
    [*_, last] = world.store.events(request_id=rid)
    assert last.event is AuditEventName.UNKNOWN
    assert last.detail["progress"] == {
        "succeeded": 400,
        "failed": 0,
        "unknown": 650,
        "total": 1050,
    }
    said = "400 of 1,050 accepted before opsgate stopped; 650 unknown"
    assert said in text(world.slack.of("update")[-1].message)
    assert said in text(world.service.status(rid, world.origin(ALICE)))
    assert world.store.verify().ok


def test_a_single_call_records_no_counts(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    kept: list[Any] = []
    monkeypatch.setattr(world.store.leases, "record_progress", lambda *a: kept.append(a))
    rid = open_request(world, bulk(DEVICES[:1]))
    world.service.approve(rid, world.on_card(rid, BOB))

    assert kept == []
    record = world.store.get(rid)
    assert record is not None and record.state is RequestState.SUCCEEDED
