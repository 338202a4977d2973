"""A bulk run's progress kept with its lease (SPEC §13), on both engines: written only by the
lease's owner, and reported by recovery when the run's replica stopped mid-run."""

from __future__ import annotations

import json
from pathlib import Path

from raw_db import raw
from store_requests import LEASE, executing_delete

from adapters.base import Progress
from adapters.clock import FakeClock
from bot.model import AuditEventName, RequestState, UnknownOutcome
from bot.store import Store

SO_FAR = Progress(succeeded=2000, failed=3, total=10000)


def stored_progress(target: str | Path) -> list[object]:
    with raw(target) as db:
        return [row[0] for row in db.run("SELECT progress FROM leases")]


def test_only_the_leases_owner_records_progress(
    target: str | Path, replicas: tuple[Store, Store]
) -> None:
    a, b = replicas
    record = executing_delete(a)
    assert stored_progress(target) == [None]  # nothing recorded yet

    assert b.leases.record_progress(record.id, SO_FAR) is False  # not b's lease
    assert stored_progress(target) == [None]
    assert a.leases.record_progress(record.id, SO_FAR) is True

    [kept] = stored_progress(target)
    assert Progress.model_validate_json(str(kept)) == SO_FAR


def test_recovery_reports_the_last_counts_and_the_rest_as_unknown(
    target: str | Path, replicas: tuple[Store, Store], clock: FakeClock
) -> None:
    a, b = replicas
    record = executing_delete(a)
    a.leases.record_progress(record.id, SO_FAR)  # then replica a dies mid-run
    clock.advance(LEASE.total_seconds())

    [recovered] = b.recover_executing()

    assert recovered.state is RequestState.UNKNOWN
    confirmed = Progress(succeeded=2000, failed=3, unknown=7997, total=10000)
    assert recovered.outcome == UnknownOutcome(confirmed=confirmed)
    [*_, last] = b.events(request_id=record.id)
    assert (last.event, last.detail["replica"]) == (AuditEventName.UNKNOWN, "replica-a")
    assert last.detail["progress"] == {
        "succeeded": 2000,
        "failed": 3,
        "unknown": 7997,
        "total": 10000,
    }
    assert a.leases.record_progress(record.id, SO_FAR) is False  # the lease is gone
    assert b.verify().ok


def test_a_call_without_recorded_progress_is_recovered_as_before(
    target: str | Path, replicas: tuple[Store, Store], clock: FakeClock
) -> None:
    a, b = replicas
    record = executing_delete(a)
    clock.advance(LEASE.total_seconds())

    [recovered] = b.recover_executing()

    assert (recovered.state, recovered.outcome) == (RequestState.UNKNOWN, None)
    [*_, last] = b.events(request_id=record.id)
    assert "progress" not in last.detail


def test_unreadable_progress_is_recovered_without_counts(
    target: str | Path, replicas: tuple[Store, Store], clock: FakeClock
) -> None:
    a, b = replicas
    record = executing_delete(a)
    with raw(target) as db:
        db.run("UPDATE leases SET progress = ?", (json.dumps({"total": "many"}),))
    clock.advance(LEASE.total_seconds())

    [recovered] = b.recover_executing()

    assert recovered.outcome is None
    [*_, last] = b.events(request_id=record.id)
    assert "progress" not in last.detail
