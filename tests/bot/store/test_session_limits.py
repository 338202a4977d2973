"""A DBA's ``statement_timeout``, ``lock_timeout`` or ``idle_in_transaction_session_timeout``
set on the database (or the role), meant for other applications, does not apply to opsgate's
sessions: its writes wait for the chain lock behind others' and run a little Python between
their statements, so a short limit would fail a click or a vendor call's outcome. opsgate sets
its own (`bot.store.pgconn.OWN_LIMITS`); a limit the operator puts in opsgate's own URL still
applies."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import quote

import psycopg
import pytest
from store_requests import cancel

from adapters.clock import FakeClock
from bot.policy import OperationPolicy
from bot.store import ApprovalResult, ApprovalStatus, Store
from bot.store.opening import open_engine

ONE = OperationPolicy(approvals=1)
LIMITS = ("statement_timeout", "lock_timeout", "idle_in_transaction_session_timeout")
#: The test's own sessions are spared the database's limit too.
UNLIMITED = " ".join(f"-c {limit}=0" for limit in LIMITS)


class DawdlingClock(FakeClock):
    """A fake clock that, while `dawdle` is set, takes a tenth of a real second to answer: the
    write transaction asking it stays idle on the server meanwhile."""

    dawdle = False

    def now(self) -> float:
        if self.dawdle:
            time.sleep(0.1)
        return super().now()


def _waiter(admin: psycopg.Connection[tuple[object, ...]], pid: int, done: threading.Event) -> None:
    """Until a session waits for `pid`, or `done` (the waiting write failed at once)."""
    deadline = time.monotonic() + 30  # a guard against hanging, not a measure of speed
    while not done.is_set() and time.monotonic() < deadline:
        rows = admin.execute(
            "SELECT pid FROM pg_stat_activity WHERE %s = ANY(pg_blocking_pids(pid))", [pid]
        ).fetchall()
        if rows:
            return
        time.sleep(0.01)


@contextmanager
def chain_locked(url: str) -> Iterator[tuple[psycopg.Connection[tuple[object, ...]], int]]:
    """Another session holds the chain head's row lock while inside (rolled back by the
    caller's `holder.rollback()`); yields that session and its server process id."""
    with psycopg.connect(url, options=UNLIMITED) as holder:
        holder.execute("SELECT 1 FROM chain_head WHERE id = 1 FOR UPDATE")
        yield holder, holder.info.backend_pid


@pytest.mark.parametrize("limit", LIMITS)
def test_a_databases_short_limit_fails_none_of_opsgates_writes(
    postgres_database: str, limit: str
) -> None:
    """With the limit at 1 ms on the database, an approval that waits for the chain lock
    another session holds, and dawdles between its statements, still counts."""
    name = postgres_database.rsplit("/", 1)[1]
    Store.open(postgres_database).close()  # migrated before the limit, as an existing log is
    with psycopg.connect(postgres_database, autocommit=True) as admin:
        admin.execute(f"ALTER DATABASE \"{name}\" SET {limit} = '1ms'")
    clock = DawdlingClock()
    store = Store.open(postgres_database, clock=clock)
    result: list[ApprovalResult | BaseException] = []
    try:
        request = store.create_request(
            cancel(), requester="U0ALICE", channel="C0OPS", policy=ONE, sandbox=True
        )
        done = threading.Event()

        def approve() -> None:
            try:
                clock.dawdle = True
                result.append(store.approve(request.id, approver="U0BOB"))
            except BaseException as exc:  # reported by the assertion below
                result.append(exc)
            done.set()

        with (
            chain_locked(postgres_database) as (holder, pid),
            psycopg.connect(postgres_database, autocommit=True, options=UNLIMITED) as admin,
        ):
            approving = threading.Thread(target=approve)
            approving.start()
            _waiter(admin, pid, done)
            holder.rollback()
            approving.join(timeout=60)
        clock.dawdle = False

        assert [getattr(r, "status", r) for r in result] == [ApprovalStatus.EXECUTE]
        assert store.verify().ok
    finally:
        store.close()


def test_a_limit_set_in_opsgates_own_url_still_applies(postgres_database: str) -> None:
    """The operator's own choice, in the URL's ``options``, comes after opsgate's."""
    url = f"{postgres_database}?options={quote('-c lock_timeout=1234')}"
    engine = open_engine(url)
    try:
        with engine.read() as db:
            rows = db.query(_SETTINGS, [list(LIMITS)])
            shown = {row["name"]: row["setting"] for row in rows}
    finally:
        engine.close()
    assert shown == {
        "idle_in_transaction_session_timeout": "0",
        "lock_timeout": "1234",
        "statement_timeout": "0",
    }


_SETTINGS = "SELECT name, setting FROM pg_settings WHERE name = ANY(?)"
