"""Text holding a NUL character given to the store (by a vendor plugin, or a bug: no person can
type one): PostgreSQL's text cannot hold it and SQLite's can, so the store refuses it on both
engines before anything is written, and says which text. Inside JSON (parameters, an outcome,
an event's detail) it is stored escaped, the same on both, and `verify` reads it on both."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from store_requests import TWO, cancel

from adapters.clock import FakeClock
from bot.model import AuditEventName, FailedOutcome, RequestState
from bot.store import Store, UnstorableText

ASKED: dict[str, dict[str, Any]] = {
    "reason": {"reason": "duplicate\x00job"},
    "targets": {"targets": ("JOB-1\x00",)},
    "operation": {"operation": "servicepower.job.cancel\x00"},
    "requester": {"requester": "U0ALICE\x00"},
    "channel": {"channel": "C0\x00OPS"},
}


@pytest.mark.parametrize("field", sorted(ASKED))
def test_a_request_holding_a_nul_is_refused_with_nothing_written(store: Store, field: str) -> None:
    given = ASKED[field]
    request = cancel().model_copy(
        update={k: v for k, v in given.items() if k not in {"requester", "channel"}}
    )
    with pytest.raises(UnstorableText, match=f"a NUL character in the {field}:") as raised:
        store.create_request(
            request,
            requester=given.get("requester", "U0ALICE"),
            channel=given.get("channel", "C0OPS"),
            policy=TWO,
            sandbox=True,
        )
    assert raised.value.field == field
    assert store.history(limit=10) == []
    assert list(store.events()) == []
    assert store.verify().ok


def test_an_approver_or_actor_holding_a_nul_is_refused_with_nothing_written(store: Store) -> None:
    record = store.create_request(
        cancel(), requester="U0ALICE", channel="C0OPS", policy=TWO, sandbox=True
    )
    with pytest.raises(UnstorableText, match="a NUL character in the approver:"):
        store.approve(record.id, approver="U0\x00BOB")
    with pytest.raises(UnstorableText, match="a NUL character in the actor:"):
        store.transition(
            record.id, to=RequestState.REJECTED, event=AuditEventName.REJECTED, actor="U0\x00"
        )
    after = store.get(record.id)
    assert after is not None and after.state is RequestState.PENDING
    assert after.approvers == ()
    assert [event.event for event in store.events()] == [AuditEventName.REQUESTED]
    assert store.verify().ok


def _with_nul_inside_json(store: Store) -> Store:
    """A request whose parameters, and whose vendor's answer, hold a NUL."""
    request = cancel().model_copy(update={"params": {"note": "a\x00b", "k\x00": 1}})
    record = store.create_request(
        request, requester="U0ALICE", channel="C0OPS", policy=TWO, sandbox=True
    )
    store.approve(record.id, approver="U0BOB")
    store.approve(record.id, approver="U0CAROL")
    outcome = FailedOutcome(error="VendorError", message="job \x00 refused")
    store.transition(
        record.id,
        to=RequestState.FAILED,
        event=AuditEventName.FAILED,
        actor="system",
        detail=outcome.model_dump(mode="json"),
        outcome=outcome,
    )
    return store


def test_a_nul_inside_json_is_kept_and_verified(store: Store) -> None:
    _with_nul_inside_json(store)
    (record,) = store.history(limit=1)
    assert record.params == {"note": "a\x00b", "k\x00": 1}
    assert isinstance(record.outcome, FailedOutcome)
    assert record.outcome.message == "job \x00 refused"
    assert store.verify().ok


def test_both_engines_keep_the_same_log_of_it(tmp_path: Path, postgres_database: str) -> None:
    """The same steps on SQLite and on PostgreSQL: the same events, hash for hash."""
    logs = []
    for target in (tmp_path / "opsgate.db", postgres_database):
        store = Store.open(target, clock=FakeClock(), new_id=lambda: "R-00000001")
        try:
            _with_nul_inside_json(store)
            with pytest.raises(UnstorableText):
                store.approve("R-00000001", approver="U0\x00DAN")
            logs.append([(event.detail, event.hash) for event in store.events()])
        finally:
            store.close()
    assert logs[0] == logs[1]
