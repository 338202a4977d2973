"""Databases `db migrate` and `serve` must not change: one a newer opsgate migrated, and a
PostgreSQL database holding another application's tables; and a PostgreSQL role that may only
read and write rows, which is enough once the schema is current."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest
from raw_db import raw
from tampering import as_before_seals

from bot import cli
from bot.model import RequestState
from bot.policy import OperationPolicy
from bot.store import DatabaseUnavailable, Store
from bot.store.engine import is_postgres
from commands.model import OperationRequest

FUTURE = "0011_future_thing"


def record_future_migration(target: str | Path) -> None:
    """What a newer opsgate leaves behind: a migration this one does not know."""
    with raw(target) as db:
        if db.postgres:
            db.run("INSERT INTO opsgate_migrations (name) VALUES (?)", [FUTURE])
        else:
            db.run(
                "INSERT INTO _sqlite_migrations (migration_set, name, applied_at) "
                "VALUES ('opsgate', ?, '2030-01-01')",
                [FUTURE],
            )


def test_a_database_a_newer_opsgate_migrated_is_refused_in_one_line(
    env: Path, target: str | Path, capsys: pytest.CaptureFixture[str]
) -> None:
    Store.open(target).close()
    record_future_migration(target)

    assert cli.main(["db", "migrate", "--db", str(target)]) == 2

    [line] = capsys.readouterr().err.splitlines()
    assert "was migrated by a newer opsgate" in line and FUTURE in line
    assert "run that version of opsgate, or restore a backup" in line
    with pytest.raises(DatabaseUnavailable, match=FUTURE):  # as serve opens it
        Store.open(target)


@pytest.mark.parametrize(
    "command",
    [
        ["audit", "verify", "--db", "{db}"],
        ["audit", "head", "--db", "{db}"],
        ["audit", "export", "--db", "{db}"],
        ["db", "copy", "--from", "{db}", "--to", "{copy}"],
    ],
    ids=["verify", "head", "export", "copy"],
)
def test_reading_a_database_a_newer_opsgate_migrated_is_refused_too(
    env: Path, target: str | Path, command: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    """`audit` and `db copy` read a log as it is, but not one whose schema a newer opsgate
    changed: this version would vouch for (or copy, leaving out what it does not know) a log it
    cannot read as that version wrote it."""
    Store.open(target).close()
    record_future_migration(target)
    copy = env / "copy.db"

    argv = [part.format(db=target, copy=copy) for part in command]
    assert cli.main(argv) == 2

    captured = capsys.readouterr()
    [line] = captured.err.splitlines()
    assert "was migrated by a newer opsgate" in line and FUTURE in line
    assert captured.out == "" and not copy.exists()


def test_a_copy_onto_its_own_source_is_refused_and_leaves_it_as_it_was(
    env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`--from` is read, never changed: named again as `--to` (another spelling, a link), it
    would be opened as the target, and so migrated, before the copy found it not empty."""
    source = env / "old.db"
    Store.open(source).close()
    as_before_seals(source)  # a log an older opsgate wrote: opening it as a target upgrades it
    (env / "link.db").symlink_to(source)

    for spelled in (f"{env}/./old.db", str(env / "link.db")):
        assert cli.main(["db", "copy", "--from", str(source), "--to", spelled]) == 2

        [line] = capsys.readouterr().err.splitlines()
        assert line == (
            f"opsgate: --from and --to name the same database ({source}): copy into a new database"
        )
    with raw(source) as db:
        columns = {row[1] for row in db.run("PRAGMA table_info(chain_head)")}
    assert "seal" not in columns  # still as the older opsgate left it


def test_a_copy_into_an_older_log_is_refused_before_it_upgrades_it(
    env: Path, target: str | Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A `--to` that already holds a log is refused, and left as it was: opened as the copy's
    target first, it was upgraded in place (so the older opsgate still writing it was locked
    out by migration 0012) before the copy found it not empty."""
    store = Store.open(target)
    store.create_request(
        OperationRequest(operation="huawei.package.delete", vendor="huawei", targets=("pkg-1",)),
        requester="U0ALICE",
        channel="C0OPS",
        policy=OperationPolicy(approvals=1, ttl=timedelta(hours=1)),
        sandbox=True,
    )
    store.close()
    as_before_seals(target)  # a log an older opsgate writes
    Store.open(env / "new.db").close()

    assert cli.main(["db", "copy", "--from", str(env / "new.db"), "--to", str(target)]) == 2

    [line] = capsys.readouterr().err.splitlines()
    assert line.endswith("is not empty (1 events, 1 requests): copy into a new database")
    with raw(target) as db:
        if db.postgres:
            rows = db.run(
                "SELECT column_name FROM information_schema.columns WHERE table_name = 'chain_head'"
            )
        else:
            rows = [(row[1],) for row in db.run("PRAGMA table_info(chain_head)")]
    assert ("seal",) not in rows  # still as the older opsgate left it


def test_a_postgresql_database_holding_another_applications_tables_is_left_alone(
    env: Path, postgres_database: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with raw(postgres_database) as db:
        db.run("CREATE TABLE invoices (id INTEGER)")

    assert cli.main(["db", "migrate", "--db", postgres_database]) == 2

    [line] = capsys.readouterr().err.splitlines()
    assert line.endswith(
        "holds another application's tables (invoices), not opsgate's: give opsgate a "
        "database of its own"
    )
    with raw(postgres_database) as db:
        tables = db.run("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
    assert tables == [("invoices",)]


@pytest.fixture
def rows_only_url(postgres_database: str) -> Iterator[str]:
    """A login role that may read and write the rows of opsgate's tables, and create nothing."""
    assert is_postgres(postgres_database)
    Store.open(postgres_database).close()  # the owner migrates
    role = f"opsgate_rows_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(postgres_database, autocommit=True) as admin:
        admin.execute(f'CREATE ROLE "{role}" LOGIN')
        admin.execute(f'REVOKE CREATE ON SCHEMA public FROM PUBLIC, "{role}"')
        admin.execute(
            f'GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO "{role}"'
        )
        admin.execute(f'GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO "{role}"')
    parts = urlsplit(postgres_database)
    yield urlunsplit(parts._replace(netloc=f"{role}@{parts.hostname}:{parts.port}"))
    with psycopg.connect(postgres_database, autocommit=True) as admin:
        admin.execute(f'DROP OWNED BY "{role}"')
        admin.execute(f'DROP ROLE "{role}"')


def test_serve_needs_no_right_to_create_tables_once_the_schema_is_current(
    env: Path, rows_only_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["db", "migrate", "--db", rows_only_url]) == 0
    assert "already current" in capsys.readouterr().out

    store = Store.open(rows_only_url)  # as serve opens it
    try:
        request = OperationRequest(
            operation="huawei.package.delete", vendor="huawei", targets=("pkg-1",), reason="r"
        )
        record = store.create_request(
            request, requester="U0ALICE", channel="C0OPS", policy=OperationPolicy(), sandbox=True
        )
        assert store.approve(record.id, approver="U0BOB").record.state is RequestState.EXECUTING  # type: ignore[union-attr]
    finally:
        store.close()
