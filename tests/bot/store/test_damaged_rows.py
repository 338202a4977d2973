"""A request row changed outside opsgate into something it cannot read back (broken JSON, an
unknown state, text that is not UTF-8) is left out of the sweeps and the lists, with an error
naming it, so every other request still expires and is listed; `verify` names what changed."""

from __future__ import annotations

import logging
from datetime import timedelta
from pathlib import Path

import pytest
from store_requests import TWO, cancel
from tampering import tamper

from adapters.clock import FakeClock
from bot.model import RequestRecord, RequestState
from bot.store import Store
from bot.store.rows import UnreadableRequestError


def requests(store: Store, count: int) -> list[RequestRecord]:
    return [
        store.create_request(
            cancel(f"JOB-{number}"), requester="U0ALICE", channel="C0OPS", policy=TWO, sandbox=True
        )
        for number in range(count)
    ]


def damage(target: str | Path, request_id: str, assignment: str = "params = '{'") -> None:
    tamper(target, f"UPDATE requests SET {assignment} WHERE id = ?", params=(request_id,))  # noqa: S608


def test_a_damaged_pending_request_does_not_stop_the_others_from_expiring(
    store: Store, target: str | Path, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    first, damaged, last = requests(store, 3)
    damage(target, damaged.id)
    clock.sleep(timedelta(hours=1).total_seconds())

    with caplog.at_level(logging.ERROR, logger="bot.store.queries"):
        expired = store.expire_due()

    assert [record.id for record in expired] == [first.id, last.id]
    assert all(record.state is RequestState.EXPIRED for record in expired)
    assert [r.getMessage() for r in caplog.records] == [
        f"request {damaged.id} cannot be read (Expecting property name enclosed in double "
        "quotes: line 1 column 2 (char 1)): it was changed outside opsgate and is left out; "
        "opsgate audit verify names what was changed"
    ]
    assert store.verify().request_id == damaged.id


@pytest.mark.parametrize("assignment", ["params = '{'", "state = 'bogus'", "expires_at = 'soon'"])
def test_history_lists_every_request_but_a_damaged_one(
    store: Store, target: str | Path, assignment: str, caplog: pytest.LogCaptureFixture
) -> None:
    made = requests(store, 3)
    damage(target, made[1].id, assignment)

    with caplog.at_level(logging.ERROR, logger="bot.store.queries"):
        listed = store.history(limit=10)

    assert {record.id for record in listed} == {made[0].id, made[2].id}
    assert len(caplog.records) == 1 and made[1].id in caplog.records[0].getMessage()


def test_a_request_whose_text_is_not_utf8_is_left_out_of_history_and_named(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    store = Store.open(tmp_path / "opsgate.db")
    made = requests(store, 3)
    damage(tmp_path / "opsgate.db", made[0].id, "reason = CAST(x'55ff' AS TEXT)")

    with caplog.at_level(logging.ERROR, logger="bot.store.queries"):
        listed = store.history(limit=10)
        pending = store.pending(limit=10)

    assert {record.id for record in listed} == {made[1].id, made[2].id}
    assert {record.id for record in pending} == {made[1].id, made[2].id}
    assert "its reason is not UTF-8 text" in caplog.records[0].getMessage()
    store.close()


@pytest.mark.parametrize(
    "column", ["remind_at", "reminded_at", "review_announced_at", "card_claimed_at"]
)
@pytest.mark.parametrize("written", ["soon", "2026-02-30T00:00:00.000000Z"])
def test_a_claim_time_opsgate_never_writes_makes_the_row_unreadable(
    store: Store, target: str | Path, column: str, written: str
) -> None:
    """Every instant of a row is read in the form `format_time` writes, even those a record
    does not hold (when a process claimed or reminded it)."""
    [damaged] = requests(store, 1)
    tamper(target, f"UPDATE requests SET {column} = ? WHERE id = ?", params=(written, damaged.id))  # noqa: S608

    with pytest.raises(UnreadableRequestError, match=f"request {damaged.id} cannot be read"):
        store.get(damaged.id)
