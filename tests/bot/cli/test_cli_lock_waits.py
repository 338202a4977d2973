"""A command kept waiting for a lock another PostgreSQL session holds says so, once, on stderr
(`serve`: in its log), and carries on when the lock is released (README "Running replicas on
PostgreSQL")."""

from __future__ import annotations

import io
import logging
import threading
from collections.abc import Iterator
from contextlib import redirect_stderr
from pathlib import Path

import psycopg
import pytest

from bot import cli
from bot.cli import runtime
from bot.console.standin.server import SlackStandIn
from bot.policy import OperationPolicy
from bot.settings import load_settings
from bot.store import Store
from commands.model import OperationRequest

NOTICE = "opsgate: waiting for a lock held by another PostgreSQL session"
MIGRATING = "waiting for another opsgate migrating the database"


class Stderr(io.StringIO):
    """stderr, telling the test when the notice was written."""

    def __init__(self, notice: str) -> None:
        super().__init__()
        self.notice = notice
        self.noticed = threading.Event()

    def write(self, text: str) -> int:
        written = super().write(text)
        if self.notice in self.getvalue():
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


def waited(argv: list[str], holder: psycopg.Connection[object], notice: str = NOTICE) -> int:
    """Run `argv` while `holder` holds its lock; release it once the notice is written."""
    status: list[int] = []
    stderr = Stderr(notice)
    command = threading.Thread(target=lambda: status.append(cli.main(argv)), daemon=True)
    with redirect_stderr(stderr):  # pytest sets sys.stderr as the test starts
        command.start()
        try:
            noticed = stderr.noticed.wait(60)
        finally:
            holder.rollback()
            command.join(60)
    assert noticed, stderr.getvalue()
    assert stderr.getvalue().count(notice) == 1
    assert f"(server process {holder.info.backend_pid}); still waiting (Ctrl-C stops)" in (
        stderr.getvalue()
    )
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
        assert waited(["db", "migrate", "--db", logged], holder, f"opsgate: {MIGRATING}") == 0


def test_check_says_it_waits_for_another_migration(
    env: Path, logged: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`check` opens the database as `serve` would, migration lock included: not in silence."""
    monkeypatch.setenv("OPSGATE_DB", logged)
    with psycopg.connect(logged) as holder:
        holder.execute("SELECT pg_advisory_xact_lock(7262736001)")  # as a migration holds it
        assert waited(["check"], holder, f"opsgate: {MIGRATING}") == 1  # no Slack token set


def test_serve_logs_that_it_waits_for_another_replica_migrating(
    env: Path, postgres_database: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(runtime, "serve_http", lambda opsgate, **_: None)
    logged: list[str] = []
    noticed = threading.Event()

    class Notices(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            logged.append(record.getMessage())
            if MIGRATING in record.getMessage():
                noticed.set()

    handler = Notices(logging.WARNING)
    logging.getLogger("bot.cli.runtime").addHandler(handler)
    status: list[int] = []
    with SlackStandIn() as slack, psycopg.connect(postgres_database) as holder:
        settings = load_settings(
            {
                "SLACK_BOT_TOKEN": "xoxb-serve",
                "SLACK_SIGNING_SECRET": "serve-secret",
                "OPSGATE_SLACK_API_URL": slack.api_url,
                "OPSGATE_SANDBOX": "1",
                "OPSGATE_DB": postgres_database,
            }
        )
        holder.execute("SELECT pg_advisory_xact_lock(7262736001)")  # a replica migrating
        pid = holder.info.backend_pid
        served = threading.Thread(
            target=lambda: status.append(
                runtime.serve(settings, http=True, host="127.0.0.1", port=0)
            ),
            daemon=True,
        )
        served.start()
        try:
            assert noticed.wait(60), logged
        finally:
            holder.rollback()
            served.join(60)
            logging.getLogger("bot.cli.runtime").removeHandler(handler)
    assert status == [0]
    [notice] = [line for line in logged if MIGRATING in line]
    assert notice == (
        f"{MIGRATING} (server process {pid}); still waiting (SIGTERM or Ctrl-C stops)"
    )
