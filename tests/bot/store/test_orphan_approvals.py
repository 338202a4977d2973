"""An approvals row whose request has no row (added by hand, or moved off its request onto an
id in another case): opsgate stores an approval only of a request it has, so `verify` names it.
The quick cross-check in worker processes and the one in this process end in the same check."""

from __future__ import annotations

from pathlib import Path

import pytest
from raw_db import raw
from store_requests import TWO, cancel

from bot.store import Store


def without_foreign_keys(target: str | Path, statement: str, params: tuple[str, ...] = ()) -> None:
    """Run `statement` as someone who may also drop PostgreSQL's foreign key (SQLite's
    plain connection does not enforce it)."""
    with raw(target) as db:
        if db.postgres:
            db.run("ALTER TABLE approvals DROP CONSTRAINT approvals_request_id_fkey")
        db.run(statement, params)


@pytest.mark.usefixtures("where")
def test_an_approval_of_no_request_is_named(store: Store, target: str | Path) -> None:
    store.create_request(cancel(), requester="U0ALICE", channel="C0OPS", policy=TWO, sandbox=True)
    without_foreign_keys(
        target,
        "INSERT INTO approvals (request_id, approver, at) "
        "VALUES ('R-ZZZZZZZZ', 'U0EVE', '2026-01-01T00:00:00.000000Z')",
    )

    result = store.verify()

    assert (result.ok, result.request_id) == (False, "R-ZZZZZZZZ")
    assert result.problem.startswith(
        "the approvals table holds an approval by U0EVE of it, but no request has this id"
    )


@pytest.mark.usefixtures("where")
def test_an_approval_moved_to_its_request_s_id_in_another_case_is_named(
    store: Store, target: str | Path
) -> None:
    """The request then lacks the approval too; its own row is named first, in log order."""
    record = store.create_request(
        cancel(), requester="U0ALICE", channel="C0OPS", policy=TWO, sandbox=True
    )
    store.approve(record.id, approver="U0BOB")
    without_foreign_keys(target, "UPDATE approvals SET request_id = lower(request_id)")

    result = store.verify()

    assert not result.ok
    assert result.request_id == record.id
    assert "approvals: the stored approvers are none but the approved events name U0BOB" in (
        result.problem
    )


def test_an_approval_moved_off_an_approval_less_request_is_named(
    store: Store, target: str | Path
) -> None:
    """A row that names no request counts even when no request misses it."""
    record = store.create_request(
        cancel(), requester="U0ALICE", channel="C0OPS", policy=TWO, sandbox=True
    )
    lower = record.id.lower()
    without_foreign_keys(
        target,
        "INSERT INTO approvals (request_id, approver, at) "
        "VALUES (?, 'U0EVE', '2026-01-01T00:00:00.000000Z')",
        (lower,),
    )

    result = store.verify()

    assert (result.ok, result.request_id) == (False, lower)
