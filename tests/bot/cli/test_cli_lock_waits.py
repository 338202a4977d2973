"""A command kept waiting for a lock another PostgreSQL session holds says so, once, on stderr,
and carries on when the lock is released (README "Running replicas on PostgreSQL")."""

from __future__ import annotations

import io
import threading
from collections.abc import Iterator
from contextlib import redirect_stderr
from pathlib import Path

import psycopg
import pytest

from bot import cli
from bot.policy import OperationPolicy
from bot.store import Store
from commands.model import OperationRequest

NOTICE = "opsgate: waiting for a lock held by another PostgreSQL session"


class Stderr(io.StringIO):
    """stderr, telling the test when the notice was written."""

    def __init__(self) -> None:
        super().__init__()
        self.noticed = threading.Event()

    def write(self, text: str) -> int:
        written = super().write(text)
        if NOTICE in self.getvalue():
            self.noticed.set()
        return written


@pytest.fixture
def logged(postgres_database: str) -> Iterator[str]:
    store = Store.open(postgres_database)
    request = OperationRequest(
        operation="huawei.package.delete", vendor="huawei", targets=("pkg-1",), reason="r"
    )
    store.create_request(
        request, requester="U0ALICE", channel="C0OPS", policy=OperationPolicy(), sandbox=True
    )
    store.close()
    yield postgres_database


def waited(argv: list[str], holder: psycopg.Connection[object]) -> int:
    """Run `argv` while `holder` holds its lock; release it once the notice is written."""
    status: list[int] = []
    stderr = Stderr()
    command = threading.Thread(target=lambda: status.append(cli.main(argv)), daemon=True)
    with redirect_stderr(stderr):  # pytest sets sys.stderr as the test starts
        command.start()
        try:
            noticed = stderr.noticed.wait(60)
        finally:
            holder.rollback()
            command.join(60)
    assert noticed, stderr.getvalue()
    assert stderr.getvalue().count(NOTICE) == 1
    assert f"(server process {holder.info.backend_pid})" in stderr.getvalue()
    [done] = status
    return done


@pytest.mark.parametrize("command", ["verify", "head"])
def test_audit_says_it_waits_for_a_table_another_session_locked(
    env: Path, logged: str, command: str
) -> None:
    with psycopg.connect(logged) as holder:
        holder.execute("LOCK TABLE chain_head IN ACCESS EXCLUSIVE MODE")
        assert waited(["audit", command, "--db", logged], holder) == 0


def test_db_migrate_says_it_waits_for_another_migration(env: Path, logged: str) -> None:
    with psycopg.connect(logged) as holder:
        holder.execute("SELECT pg_advisory_xact_lock(7262736001)")  # as a migration holds it
        assert waited(["db", "migrate", "--db", logged], holder) == 0
