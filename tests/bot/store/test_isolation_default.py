"""A PostgreSQL database (or role, or server) whose ``default_transaction_isolation`` is not
``read committed``, as some DBAs set it: opsgate's writes serialise on the chain head's row lock
and must see what was committed while they waited (`bot.store.postgres`), so two replicas
approving at once both succeed instead of one failing "could not serialize access"."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import psycopg
import pytest
from store_requests import cancel

from bot.policy import OperationPolicy
from bot.store import ApprovalResult, ApprovalStatus, Store

ONE = OperationPolicy(approvals=1)


def _blocked_by(admin: psycopg.Connection[tuple[object, ...]], pid: int) -> int | None:
    row = admin.execute(
        "SELECT pid FROM pg_stat_activity WHERE %s = ANY(pg_blocking_pids(pid))", [pid]
    ).fetchone()
    return None if row is None else int(str(row[0]))


def _waiter(admin: psycopg.Connection[tuple[object, ...]], pid: int, within: float = 30.0) -> int:
    """The session that waits for `pid`; a run where none ever does fails here with a clear
    message rather than hanging until pytest-timeout (a guard against hanging, not a measure
    of speed)."""
    deadline = time.monotonic() + within
    while (found := _blocked_by(admin, pid)) is None:  # until a session waits for `pid`
        if time.monotonic() > deadline:
            pytest.fail(f"no session waited for backend {pid} within {within:g} s")
        time.sleep(0.01)
    return found


@pytest.fixture(params=["repeatable read", "serializable"])
def strict_database(request: pytest.FixtureRequest, postgres_database: str) -> Iterator[str]:
    name = postgres_database.rsplit("/", 1)[1]
    with psycopg.connect(postgres_database, autocommit=True) as admin:
        admin.execute(
            f"ALTER DATABASE \"{name}\" SET default_transaction_isolation = '{request.param}'"
        )
    yield postgres_database


def test_two_replicas_approving_at_once_both_succeed(strict_database: str) -> None:
    """Replica A's approval holds the chain lock (kept waiting on a row another session
    locked) while replica B's approval of another request waits for it; then A commits."""
    first, second = Store.open(strict_database), Store.open(strict_database)
    results: dict[str, ApprovalResult | BaseException] = {}
    try:
        ids = [
            first.create_request(
                cancel(job), requester="U0ALICE", channel="C0OPS", policy=ONE, sandbox=True
            ).id
            for job in ("JOB-1", "JOB-2")
        ]

        def approve(store: Store, request_id: str) -> None:
            try:
                results[request_id] = store.approve(request_id, approver="U0BOB")
            except BaseException as exc:  # reported by the assertion below
                results[request_id] = exc

        with (
            psycopg.connect(strict_database) as holder,
            psycopg.connect(strict_database, autocommit=True) as admin,
        ):
            holder.execute("SELECT 1 FROM requests WHERE id = %s FOR UPDATE", [ids[0]])
            a = threading.Thread(target=approve, args=(first, ids[0]))
            a.start()
            a_pid = _waiter(admin, holder.info.backend_pid)
            b = threading.Thread(target=approve, args=(second, ids[1]))
            b.start()
            _waiter(admin, a_pid)  # B waits for the chain lock A holds
            holder.rollback()
            a.join(timeout=60)
            b.join(timeout=60)

        statuses = {rid: getattr(result, "status", result) for rid, result in results.items()}
        assert statuses == {rid: ApprovalStatus.EXECUTE for rid in ids}
        assert first.verify().ok
    finally:
        first.close()
        second.close()


def test_waiting_for_a_session_nobody_waits_for_fails_instead_of_hanging(
    postgres_database: str,
) -> None:
    with psycopg.connect(postgres_database, autocommit=True) as admin:
        lonely = admin.info.backend_pid
        with pytest.raises(pytest.fail.Exception, match=f"no session waited for backend {lonely}"):
            _waiter(admin, lonely, within=0.2)
