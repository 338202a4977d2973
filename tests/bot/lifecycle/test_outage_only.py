"""Only a database out of reach is waited out (`bot.lifecycle.outage.through_outage`), by the
two loops that wait: `recorded` (a vendor call's outcome, up to `RECORD_PATIENCE_S`) and
`run_reads.patiently` (the check before a vendor call and the stop signal of a bulk run, after
each of `READ_AGAIN_AFTER`). Any other error (a bug, a constraint the write broke, a damaged row)
is raised at once: no wait would change it, and waiting would pass it off as an outage."""

from __future__ import annotations

import logging
import sqlite3
from types import SimpleNamespace
from typing import Any

import pytest
from lifecycle_world import BOB, World, deletes, open_request

from adapters.clock import FakeClock
from bot.lifecycle import outage
from bot.lifecycle.outage import RECORD_PATIENCE_S, recorded
from bot.lifecycle.run_reads import READ_AGAIN_AFTER, patiently, stop_signal
from bot.lifecycle.services import Shutdown
from bot.model import RequestState, rules
from bot.store import DatabaseUnavailable, UnreadableEventError

#: A store as the loops see it: its engine's errors that mean "out of reach".
STORE: Any = SimpleNamespace(engine=SimpleNamespace(unreachable=(sqlite3.OperationalError,)))
LOCKED = sqlite3.OperationalError("database is locked")
BROKEN = sqlite3.IntegrityError("UNIQUE constraint failed: events.seq")
PACKAGE = "/iodm/northbound/v1.5.0/category/pkg-meter-fw-1.2.0"


class Attempts:
    """A read or write that raises each of `failures` in turn (the last one for ever when
    `forever`), then answers `answer`; `calls` counts them."""

    def __init__(self, *failures: BaseException, forever: bool = False, answer: object = "ok"):
        self.failures, self.forever, self.answer, self.calls = list(failures), forever, answer, 0

    def __call__(self) -> object:
        self.calls += 1
        if self.failures:
            failure = self.failures[0] if self.forever else self.failures.pop(0)
            raise failure
        return self.answer


def waited(clock: FakeClock) -> float:
    return clock.monotonic() - FakeClock().monotonic()


def read(attempt: Attempts, clock: FakeClock) -> object:
    return patiently(STORE, attempt, clock, what="the thing", give_up=lambda: False)


def test_a_read_that_fails_for_another_reason_is_raised_at_once() -> None:
    attempt, clock = Attempts(BROKEN), FakeClock()
    with pytest.raises(sqlite3.IntegrityError):
        read(attempt, clock)
    assert (attempt.calls, waited(clock)) == (1, 0)


def test_a_read_through_an_outage_is_asked_again_until_it_answers() -> None:
    attempt, clock = Attempts(LOCKED, DatabaseUnavailable("database.db: gone")), FakeClock()
    assert read(attempt, clock) == "ok"
    assert (attempt.calls, waited(clock)) == (3, sum(READ_AGAIN_AFTER[:2]))


def test_a_read_the_outage_outlasts_is_raised_after_its_waits() -> None:
    attempt, clock = Attempts(LOCKED, forever=True), FakeClock()
    with pytest.raises(sqlite3.OperationalError):
        read(attempt, clock)
    assert (attempt.calls, waited(clock)) == (1 + len(READ_AGAIN_AFTER), sum(READ_AGAIN_AFTER))


def test_a_write_that_fails_for_another_reason_is_raised_at_once() -> None:
    attempt, clock = Attempts(BROKEN), FakeClock()
    with pytest.raises(sqlite3.IntegrityError):
        recorded(STORE, attempt, "how R-1 ended", clock=clock)
    assert (attempt.calls, waited(clock)) == (1, 0)


def test_a_write_through_an_outage_is_tried_again_until_it_is_taken() -> None:
    attempt, clock = Attempts(LOCKED, LOCKED, LOCKED), FakeClock()
    assert recorded(STORE, attempt, "how R-1 ended", clock=clock) == "ok"
    assert (attempt.calls, waited(clock)) == (4, 0 + 0.5 + 1.0)  # at once, then growing waits


def test_a_write_the_outage_outlasts_is_given_up_after_its_patience(
    caplog: pytest.LogCaptureFixture,
) -> None:
    attempt, clock = Attempts(LOCKED, forever=True), FakeClock()
    with caplog.at_level(logging.ERROR, logger=outage.__name__), pytest.raises(LOCKED.__class__):
        recorded(STORE, attempt, "how R-1 ended", said='{"succeeded": 1}', clock=clock)
    assert RECORD_PATIENCE_S - 10 < waited(clock) <= RECORD_PATIENCE_S
    assert attempt.calls > 3
    [line] = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
    assert line.startswith("gave up recording how R-1 ended") and '"succeeded": 1' in line


def test_a_stop_read_that_fails_for_another_reason_is_not_waited_out(
    caplog: pytest.LogCaptureFixture,
) -> None:
    # The run sends no more calls (nobody can say Stop was not pressed), at once, and the log
    # has the traceback of what failed, not an outage that was not there.
    attempt = Attempts(BROKEN, forever=True)
    store: Any = SimpleNamespace(engine=STORE.engine, stop_requested=lambda _: attempt())
    clock = FakeClock()
    stop = stop_signal(store, "R-1", Shutdown(), clock)

    assert [stop(), stop()] == [True, True]
    assert (attempt.calls, waited(clock)) == (1, 0)
    [logged] = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert logged.exc_info is not None and "sending no more" in logged.getMessage()


def test_an_audit_check_that_fails_for_another_reason_fails_the_request_at_once(
    world_factory: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    world: World = world_factory()
    request_id = open_request(world)
    attempt = Attempts(UnreadableEventError(7, "broken JSON"), forever=True)
    monkeypatch.setattr(world.store, "integrity_problem", lambda record: attempt())

    world.service.approve(request_id, world.on_card(request_id, BOB))

    assert attempt.calls == 1
    assert deletes(world, PACKAGE) == 0
    record = world.store.get(request_id)
    assert record is not None and record.state is RequestState.FAILED
    failed = record.outcome
    assert failed is not None and failed.kind == "failed"
    # Not told to wait for a database that answered: what failed, and where to look. The
    # check failed (error `integrity`): no Request again filled in from a row it could not
    # vouch for (README "Integrity", "Request again").
    assert failed.error == "integrity"
    assert "nothing was sent" in failed.message and "event 7 cannot be read" in failed.message
    assert "opsgate audit verify" in failed.next_step
    assert not rules.offers_again(record)
