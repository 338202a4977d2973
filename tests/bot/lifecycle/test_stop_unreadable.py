"""A bulk run while the database is briefly unavailable (SPEC §8 Stop, §13): the run asks the
database before each vendor call whether Stop was pressed. A read that fails is asked again
after a short wait; one that keeps failing sends no more calls (opsgate cannot tell whether
Stop was pressed). Either way every device is sent at most once, the counts add up, and the
audit event, the card's outcome and Request again agree on what was done."""

from __future__ import annotations

import itertools
import sqlite3
from collections import Counter
from types import SimpleNamespace

import pytest
from aliyun_gate import POLICY, received
from aliyun_gate import bulk as gated_bulk
from lifecycle_world import BOB, World, open_request

from adapters.clock import FakeClock
from bot.lifecycle.run_reads import READ_AGAIN_AFTER, stop_signal
from bot.lifecycle.services import Shutdown
from bot.model import AuditEventName, RequestState
from bot.model.again import again_targets
from bot.store import DatabaseUnavailable

#: 1,050 devices: six calls of at most 200.
DEVICES = tuple(f"meter-{i:04d}" for i in range(1050))


@pytest.fixture
def world(world_factory) -> World:  # type: ignore[no-untyped-def]
    return world_factory(POLICY)


def unreadable_from(world: World, monkeypatch: pytest.MonkeyPatch, asks: set[int] | int) -> None:
    """The stop read fails on the given asks (a set), or on every ask from the given one on."""
    real = world.store.stop_requested
    count = itertools.count(1)

    def flaky(request_id: str) -> bool:
        n = next(count)
        if (n in asks) if isinstance(asks, set) else n >= asks:
            raise DatabaseUnavailable("database.db: database is locked")
        return real(request_id)

    monkeypatch.setattr(world.store, "stop_requested", flaky)


def approved(world: World) -> str:
    rid = open_request(world, gated_bulk(DEVICES))
    world.service.approve(rid, world.on_card(rid, BOB))
    return rid


def test_a_brief_blip_neither_ends_the_run_nor_sends_a_device_twice(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    unreadable_from(world, monkeypatch, {5, 6})
    rid = approved(world)

    record = world.store.get(rid)
    assert record is not None and record.state is RequestState.SUCCEEDED
    assert Counter(received(world)) == Counter(DEVICES)  # each device exactly once
    last = list(world.store.events(request_id=rid))[-1]
    assert last.event is AuditEventName.SUCCEEDED
    assert last.detail["counts"]["succeeded"] == 1050


def test_a_database_that_stays_unreadable_sends_no_more_calls_and_counts_add_up(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    unreadable_from(world, monkeypatch, 5)
    rid = approved(world)

    record = world.store.get(rid)
    assert record is not None and record.state is RequestState.FAILED
    outcome = record.outcome.model_dump(mode="json")  # type: ignore[union-attr]
    counts = outcome["counts"]
    assert sum(counts.values()) == 1050 and counts["not_sent"] > 0
    sent = received(world)
    unsent = [t for f in outcome["failures"] if f["kind"] == "not_sent" for t in f["targets"]]
    assert len(set(sent)) == len(sent) == counts["succeeded"]
    assert set(unsent).isdisjoint(sent) and len(unsent) == counts["not_sent"]
    assert set(again_targets(record)) == set(unsent)
    last = list(world.store.events(request_id=rid))[-1]
    assert (last.event, last.detail["counts"]) == (AuditEventName.FAILED, counts)


def test_a_blip_as_the_run_starts_is_waited_out(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = world.store.integrity_problem
    count = itertools.count(1)

    def flaky(record):  # type: ignore[no-untyped-def]
        if next(count) <= 2:
            raise DatabaseUnavailable("database.db: database is locked")
        return real(record)

    monkeypatch.setattr(world.store, "integrity_problem", flaky)
    rid = approved(world)

    record = world.store.get(rid)
    assert record is not None and record.state is RequestState.SUCCEEDED
    assert Counter(received(world)) == Counter(DEVICES)


def test_a_run_whose_audit_record_cannot_be_read_sends_nothing_and_fails(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    def down(record):  # type: ignore[no-untyped-def]
        raise DatabaseUnavailable("database.db: database is locked")

    monkeypatch.setattr(world.store, "integrity_problem", down)
    rid = approved(world)

    record = world.store.get(rid)
    assert received(world) == []
    # Never `unknown` (nor left executing for recovery to call unknown): nothing was sent.
    assert record is not None and record.state is RequestState.FAILED
    assert "nothing was sent" in record.outcome.message  # type: ignore[union-attr]
    assert again_targets(record) == DEVICES
    last = list(world.store.events(request_id=rid))[-1]
    assert last.event is AuditEventName.FAILED


def test_once_the_stop_read_gave_up_no_later_batch_waits_it_out_again() -> None:
    reads: list[str] = []

    class Down:
        engine = SimpleNamespace(unreachable=())  # `DatabaseUnavailable` is always an outage

        def stop_requested(self, request_id: str) -> bool:
            reads.append(request_id)
            raise DatabaseUnavailable("database.db: database is locked")

    clock = FakeClock()
    stop = stop_signal(Down(), "R-1", Shutdown(), clock)  # type: ignore[arg-type]

    assert [stop(), stop(), stop()] == [True, True, True]
    assert len(reads) == 1 + len(READ_AGAIN_AFTER)  # the first ask only, with its asks again
    assert clock.monotonic() - FakeClock().monotonic() == sum(READ_AGAIN_AFTER)


def test_a_run_that_sent_no_more_for_want_of_the_database_says_so_not_only_stopped(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Nobody pressed Stop and opsgate did not shut down: the card must not leave "the run was
    # stopped before this batch went out" unexplained (the engineer would look for who did).
    unreadable_from(world, monkeypatch, 5)
    rid = approved(world)

    record = world.store.get(rid)
    assert record is not None and record.stop_requested_by is None
    why = "could not read its database to check whether Stop was pressed"
    assert why in record.outcome.summary  # type: ignore[union-attr]
    card = world.slack.of("update")[-1].message
    assert why in str(card.blocks)
    last = list(world.store.events(request_id=rid))[-1]
    assert why in last.detail["summary"]


def test_an_outcome_the_database_cannot_take_is_in_the_log_line_saying_so(
    world: World, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    # The database down for the `failed` write too: until it answers (or, past the grace or
    # the patience, recovery calls the request unknown), the log is the only place that says
    # what opsgate knows: here, that nothing was sent.
    def down(record):  # type: ignore[no-untyped-def]
        raise DatabaseUnavailable("database.db: database is locked")

    real = world.store.transition
    writes = itertools.count(1)

    def flaky(request_id, **kwargs):  # type: ignore[no-untyped-def]
        if next(writes) == 1:
            raise DatabaseUnavailable("database.db: database is locked")
        return real(request_id, **kwargs)

    monkeypatch.setattr(world.store, "integrity_problem", down)
    monkeypatch.setattr(world.store, "transition", flaky)
    rid = approved(world)

    said = [record.getMessage() for record in caplog.records]
    [line] = [text for text in said if text.startswith("could not record")]
    assert rid in line and "nothing was sent" in line
    record = world.store.get(rid)
    assert record is not None and record.state is RequestState.FAILED


def test_a_stop_read_that_fails_otherwise_says_what_failed_not_that_the_database_was_out(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The database answered, with an error no wait mends (a damaged file): the card must not
    # send the engineer to look for an outage, and says what failed, as the check before the
    # call does ("could not check … (<error>)").
    real = world.store.stop_requested
    asks = itertools.count(1)

    def damaged(request_id: str) -> bool:
        if next(asks) >= 3:
            raise sqlite3.DatabaseError("database disk image is malformed")
        return real(request_id)

    monkeypatch.setattr(world.store, "stop_requested", damaged)
    rid = approved(world)

    record = world.store.get(rid)
    assert record is not None and record.state is RequestState.FAILED
    summary = record.outcome.summary  # type: ignore[union-attr]
    assert "could not read its database" not in summary
    why = (
        "opsgate sent no more calls: it could not check whether Stop was pressed "
        "(database disk image is malformed; its log has the error)"
    )
    assert why in summary
    assert why in str(world.slack.of("update")[-1].message.blocks)
    assert why in list(world.store.events(request_id=rid))[-1].detail["summary"]
