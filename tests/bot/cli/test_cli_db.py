"""`opsgate db migrate` and `opsgate db copy` (SPEC §13), between databases of both kinds."""

from __future__ import annotations

import argparse
import io
import re
import sqlite3
import uuid
from collections.abc import Callable, Iterator
from contextlib import closing
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest
from pydantic import SecretStr
from raw_db import raw
from tampering import as_before_seals, tamper
from terminal import Terminal

from adapters.huawei import plugin as huawei
from adapters.huawei.simulator.state import SANDBOX_APP_ID, SANDBOX_SECRET
from bot import cli
from bot.cli import db as db_cli
from bot.cli import progress
from bot.cli.db import run_db
from bot.policy import OperationPolicy
from bot.settings import Settings
from bot.store import Store, transfer
from bot.store.schema import MIGRATIONS, SEAL_MIGRATION
from bot.store.transfer import SourceUnreadable
from commands.model import OperationRequest

KEY = "0123456789abcdef-audit-key"


def seed(db: str | Path, count: int = 3, *, key: str | None = None) -> list[str]:
    store = Store.open(db, key=None if key is None else SecretStr(key))
    ids = []
    for i in range(count):
        request = OperationRequest(
            operation="huawei.package.delete", vendor="huawei", targets=(f"pkg-{i}",), reason="r"
        )
        record = store.create_request(
            request, requester="U0ALICE", channel="C0OPS", policy=OperationPolicy(), sandbox=True
        )
        store.approve(record.id, approver="U0BOB")
        ids.append(record.id)
    store.close()
    return ids


def events_of(db: str | Path) -> list[tuple[int, str]]:
    store = Store.open_existing(db)
    try:
        return [(event.seq, event.hash) for event in store.events()]
    finally:
        store.close()


def test_migrate_creates_the_schema_then_finds_it_current(
    env: Path, target: str | Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["db", "migrate", "--db", str(target)]) == 0
    out = capsys.readouterr().out
    assert all(m.name in out for m in MIGRATIONS)

    assert cli.main(["db", "migrate", "--db", str(target)]) == 0
    assert "already current" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("schema", "tables"),
    [
        ("CREATE TABLE invoices (id INTEGER)", "invoices"),
        # a table named like one of opsgate's does not make the database opsgate's
        ("CREATE TABLE events (seq INTEGER PRIMARY KEY, x TEXT)", "events"),
    ],
    ids=["its own names", "an opsgate name"],
)
def test_migrate_leaves_another_applications_database_as_it_was(
    env: Path, capsys: pytest.CaptureFixture[str], schema: str, tables: str
) -> None:
    other = env / "other.db"
    with closing(sqlite3.connect(other)) as conn:
        conn.execute(schema)
        conn.commit()

    assert cli.main(["db", "migrate", "--db", str(other)]) == 2

    [line] = capsys.readouterr().err.splitlines()
    assert line == (
        f"opsgate: {other} holds another application's tables ({tables}), not opsgate's: "
        "give opsgate a database of its own"
    )
    with closing(sqlite3.connect(other)) as conn:
        assert conn.execute("SELECT name FROM sqlite_master").fetchall() == [(tables,)]
        assert conn.execute("PRAGMA journal_mode").fetchone() == ("delete",)


def test_the_copy_line_counts_the_workflow_steps_it_moved(
    env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = env / "source.db"
    with closing(Store.open(source)) as store:
        for i, step in enumerate(("Fx1", "Fx2", None)):
            request = OperationRequest(
                operation="huawei.package.delete", vendor="huawei", targets=(f"pkg-{i}",)
            )
            policy = OperationPolicy()
            store.create_request(
                request,
                requester="U0ALICE",
                channel="C0OPS",
                policy=policy,
                sandbox=True,
                step=step,
            )

    assert cli.main(["db", "copy", "--from", str(source), "--to", str(env / "copy.db")]) == 0
    out = capsys.readouterr().out
    assert "copied 3 events, 3 requests, 0 approvals and 2 workflow steps from" in out


def test_a_log_copied_to_the_other_engine_and_back_keeps_every_hash(
    env: Path, postgres_database: str, capsys: pytest.CaptureFixture[str]
) -> None:
    source, back = env / "source.db", env / "back.db"
    ids = seed(source)

    assert cli.main(["db", "copy", "--from", str(source), "--to", postgres_database]) == 0
    assert cli.main(["db", "copy", "--from", postgres_database, "--to", str(back)]) == 0

    out = capsys.readouterr().out
    assert "copied 9 events, 3 requests, 3 approvals and 0 workflow steps from" in out
    assert "audit log intact: 9 events verified" in out
    assert events_of(source) == events_of(postgres_database) == events_of(back)
    store = Store.open(postgres_database)  # the copy is a working log, not a snapshot
    assert [r.id for r in store.history(limit=10)] == ids[::-1]
    assert store.get(ids[0]).approvers == ("U0BOB",)  # type: ignore[union-attr]
    store.close()
    assert cli.main(["audit", "verify", "--db", postgres_database]) == 0


def test_a_password_given_as_a_url_parameter_is_never_printed(
    env: Path, postgres_database: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # The suite's server trusts local connections: the password is carried, never needed.
    joined = "&" if "?" in postgres_database else "?"
    url = f"{postgres_database}{joined}password=s3cretpw"
    source = env / "source.db"
    seed(source)
    assert cli.main(["db", "migrate", "--db", url]) == 0
    assert cli.main(["db", "copy", "--from", str(source), "--to", url]) == 0
    assert cli.main(["audit", "verify", "--db", url]) == 0
    missing = url.replace("/opsgate_test_", "/no_such_database_", 1)
    assert cli.main(["audit", "verify", "--db", missing]) == 2
    out, err = capsys.readouterr()
    assert "password=****" in out and "password=****" in err
    assert "s3cretpw" not in out + err
    assert "applied 0001_" in out and "copied 9 events" in out and "does not exist" in err


@pytest.fixture
def reader_url(postgres_database: str) -> Iterator[tuple[str, Callable[[str], None]]]:
    """A login role on the database that may read nothing yet, and a way to grant it SELECT
    on one table."""
    role = f"opsgate_reader_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(postgres_database, autocommit=True) as admin:
        admin.execute(f'CREATE ROLE "{role}" LOGIN')
    parts = urlsplit(postgres_database)
    url = urlunsplit(parts._replace(netloc=f"{role}@{parts.hostname}:{parts.port}"))

    def grant(table: str) -> None:
        with psycopg.connect(postgres_database, autocommit=True) as admin:
            admin.execute(f'GRANT SELECT ON "{table}" TO "{role}"')

    yield url, grant
    with psycopg.connect(postgres_database, autocommit=True) as admin:
        admin.execute(f'DROP OWNED BY "{role}"')
        admin.execute(f'DROP ROLE "{role}"')


def test_a_role_that_may_not_read_the_log_is_told_so_in_one_line(
    env: Path,
    postgres_database: str,
    reader_url: tuple[str, Callable[[str], None]],
    capsys: pytest.CaptureFixture[str],
) -> None:
    seed(postgres_database)
    url, grant = reader_url
    assert cli.main(["audit", "verify", "--db", url]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"opsgate: cannot read {url}: permission denied for table ")
    assert len(err.splitlines()) == 1
    for table in ("chain_key", "chain_head", "opsgate_migrations", "requests", "approvals"):
        grant(table)  # everything but the events themselves
    assert cli.main(["audit", "export", "--db", url]) == 2
    err = capsys.readouterr().err
    assert err == f"opsgate: cannot read {url}: permission denied for table events\n"


def test_db_takes_its_database_before_the_action_as_audit_does(
    env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["db", "--db", str(env / "before.db"), "migrate"]) == 0
    assert (env / "before.db").is_file()
    args = ["db", "--db", str(env / "x.db"), "copy", "--from", str(env / "before.db")]
    assert cli.main([*args, "--to", str(env / "after.db")]) == 2
    assert capsys.readouterr().err == (
        "opsgate: --db names the database of migrate; copy takes --from and --to\n"
    )
    assert not (env / "after.db").exists()


def test_copy_refuses_a_target_that_holds_a_log(
    env: Path, target: str | Path, capsys: pytest.CaptureFixture[str]
) -> None:
    seed(target, 1)
    seed(env / "other.db", 2)

    assert cli.main(["db", "copy", "--from", str(env / "other.db"), "--to", str(target)]) == 2

    err = capsys.readouterr().err.strip()
    assert "is not empty (3 events, 1 requests)" in err and len(err.splitlines()) == 1
    assert len(events_of(target)) == 3  # untouched


def test_a_copy_that_does_not_verify_fails_in_one_line(
    env: Path, target: str | Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = env / "source.db"
    seed(source)
    tamper(source, "UPDATE events SET actor = 'U0MALLORY' WHERE seq = 2")

    assert cli.main(["db", "copy", "--from", str(source), "--to", str(target)]) == 1

    err = capsys.readouterr().err.strip()
    assert "does not verify" in err and "seq 2" in err and len(err.splitlines()) == 1


@pytest.mark.parametrize("column", ["actor", "detail"])
def test_a_source_holding_text_that_is_not_utf8_is_named_and_nothing_is_copied(
    env: Path, target: str | Path, capsys: pytest.CaptureFixture[str], column: str
) -> None:
    source = env / "source.db"
    seed(source)
    tamper(source, f"UPDATE events SET {column} = CAST(x'55ff' AS TEXT) WHERE seq = 2")  # noqa: S608

    assert cli.main(["db", "copy", "--from", str(source), "--to", str(target)]) == 1

    err = capsys.readouterr().err.strip()
    assert err.startswith(f"opsgate: cannot copy {source}: its column {column} holds text that")
    assert "Nothing was copied" in err and len(err.splitlines()) == 1
    assert events_of(target) == []


def test_migrate_with_the_key_seals_the_head_of_a_keyed_log_from_before_seals(
    env: Path,
    target: str | Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    seed(target, 1, key=KEY)
    as_before_seals(target)
    monkeypatch.setenv("OPSGATE_AUDIT_KEY", KEY)

    assert cli.main(["db", "migrate", "--db", str(target)]) == 0
    assert SEAL_MIGRATION in capsys.readouterr().out
    assert cli.main(["audit", "verify", "--db", str(target)]) == 0
    assert "3 events verified" in capsys.readouterr().out


@pytest.mark.parametrize("wrong", [None, "not-the-key-of-this-log"])
def test_migrate_without_the_keyed_logs_key_changes_nothing_so_a_later_one_seals_it(
    env: Path,
    target: str | Path,
    wrong: str | None,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The upgrade that adds seals is the one chance to seal the head as it is: a `db migrate`
    run without the key (or with another) refuses before it upgrades anything, so the one run
    with the key still seals it."""
    seed(target, 1, key=KEY)
    as_before_seals(target)
    if wrong is not None:
        monkeypatch.setenv("OPSGATE_AUDIT_KEY", wrong)

    assert cli.main(["db", "migrate", "--db", str(target)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "OPSGATE_AUDIT_KEY" in err
    assert wrong is None or wrong not in err
    monkeypatch.setenv("OPSGATE_AUDIT_KEY", KEY)
    assert cli.main(["db", "migrate", "--db", str(target)]) == 0
    assert SEAL_MIGRATION in capsys.readouterr().out
    assert cli.main(["audit", "verify", "--db", str(target)]) == 0
    assert "3 events verified" in capsys.readouterr().out


def test_a_keyed_log_is_not_copied_without_its_key(
    env: Path,
    target: str | Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    source = env / "keyed.db"
    seed(source, key=KEY)

    assert cli.main(["db", "copy", "--from", str(source), "--to", str(target)]) == 2
    assert "OPSGATE_AUDIT_KEY" in capsys.readouterr().err
    monkeypatch.setenv("OPSGATE_AUDIT_KEY", KEY)
    assert cli.main(["db", "copy", "--from", str(source), "--to", str(target)]) == 0
    assert "9 events verified" in capsys.readouterr().out


def test_copy_names_a_missing_source_and_creates_nothing(
    env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert (
        cli.main(["db", "copy", "--from", str(env / "nope.db"), "--to", str(env / "new.db")]) == 2
    )
    assert "no database at" in capsys.readouterr().err
    assert not (env / "new.db").exists()


def test_db_help_describes_each_action_in_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        cli.main(["db", "--help"])
    out = capsys.readouterr().out
    assert re.search(r"\n +migrate +create or upgrade the schema", out)
    assert re.search(r"\n +copy +copy a log into an empty database, then verify its chain", out)


def test_an_older_postgresql_schema_is_upgraded(postgres_database: str) -> None:
    with raw(postgres_database) as db:  # a database migrated by the release before leases
        db.run("CREATE TABLE opsgate_migrations (name TEXT PRIMARY KEY, applied_at TEXT)")
        for migration in MIGRATIONS[:2]:
            for statement in migration.postgresql:
                db.run(statement)
            db.run("INSERT INTO opsgate_migrations (name) VALUES (?)", (migration.name,))

    assert cli.main(["db", "migrate", "--db", postgres_database]) == 0
    with raw(postgres_database) as db:
        assert db.run("SELECT count(*) FROM leases") == [(0,)]


def test_check_reuses_the_token_the_replicas_share(
    env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    simulator = huawei.sandboxed().simulator
    assert cli.main(["db", "migrate"]) == 0  # the replicas' database exists
    with simulator.serve() as base_url:
        monkeypatch.setenv("OPSGATE_HUAWEI__BASE_URL", base_url)
        monkeypatch.setenv("OPSGATE_HUAWEI__APP_ID", SANDBOX_APP_ID)
        monkeypatch.setenv("OPSGATE_HUAWEI__SECRET", SANDBOX_SECRET)
        for _ in range(2):
            cli.main(["check"])  # Slack is not set up here: only the vendor line matters

    assert "huawei: Huawei login OK" in capsys.readouterr().out
    assert simulator.logins == 1  # type: ignore[attr-defined]


def copying(env: Path) -> argparse.Namespace:
    """``opsgate db copy --from source.db --to copy.db``, as parsed."""
    return argparse.Namespace(
        db_command="copy", source=str(env / "source.db"), dest=str(env / "copy.db")
    )


@pytest.mark.parametrize(("stream", "shown"), [(Terminal, True), (io.StringIO, False)])
def test_a_long_copy_shows_how_far_it_is_on_a_terminal_only(
    env: Path, monkeypatch: pytest.MonkeyPatch, stream: type[io.StringIO], shown: bool
) -> None:
    monkeypatch.setattr(progress, "SHOW_FROM", 2)
    monkeypatch.setattr(transfer, "_BATCH", 4)
    seed(env / "source.db")  # 9 events: batches of 4, 8, then the last one
    out, err = io.StringIO(), stream()

    assert run_db(copying(env), Settings(), out=out, err=err) == 0
    assert "copied 9 events" in out.getvalue()
    expected = (
        "\ropsgate: copying events: 4 of 9 (44%)"
        "\ropsgate: copying events: 8 of 9 (88%)"
        "\ropsgate: copying events: 9 of 9 (100%)\n"
        "opsgate: verifying the copy…\n"
    )
    assert err.getvalue() == (expected if shown else "")


def test_progress_is_rewritten_only_when_its_whole_per_cent_moves() -> None:
    err = Terminal()
    shown = progress.Progress(err, "copying events", 1_000)
    for done in (1, 5, 9, 10, 19, 20, 1_000):
        shown(done)
    shown.finish()

    assert err.getvalue().split("\r")[1:] == [
        "opsgate: copying events: 1 of 1,000 (0%)",
        "opsgate: copying events: 10 of 1,000 (1%)",
        "opsgate: copying events: 20 of 1,000 (2%)",
        "opsgate: copying events: 1,000 of 1,000 (100%)\n",
    ]


def test_a_copy_stopped_by_ctrl_c_says_that_nothing_was_copied_and_nothing_was(
    env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seed(env / "source.db")
    real_copy = db_cli.copy_log

    def interrupted(source: Any, target: Any, *, key: Any, progress: Any) -> Any:
        def pressed(copied: int) -> None:
            raise KeyboardInterrupt  # Ctrl-C while the copy's transaction is open

        return real_copy(source, target, key=key, progress=pressed)

    monkeypatch.setattr(db_cli, "copy_log", interrupted)
    err = io.StringIO()
    assert run_db(copying(env), Settings(), out=io.StringIO(), err=err) == 130
    assert err.getvalue() == (
        f"\nopsgate: copy interrupted: nothing was copied into {env / 'copy.db'} (its schema "
        "is in place); run it again to copy\n"
    )
    with closing(Store.open(env / "copy.db")) as copy:
        assert copy.history(limit=5) == [] and copy.verify().ok
    monkeypatch.setattr(db_cli, "copy_log", real_copy)  # run again, uninterrupted
    assert run_db(copying(env), Settings(), out=io.StringIO(), err=io.StringIO()) == 0


def test_ctrl_c_while_the_copy_is_verified_says_the_copy_is_there_but_unverified(
    env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seed(env / "source.db")

    def pressed(self: Store, **kwargs: Any) -> Any:
        raise KeyboardInterrupt

    monkeypatch.setattr(Store, "verify", pressed)
    err = io.StringIO()
    assert run_db(copying(env), Settings(), out=io.StringIO(), err=err) == 130
    copy = env / "copy.db"
    assert err.getvalue() == (
        f"\nopsgate: verification interrupted: the copy into {copy} is complete but not "
        f"verified; run `opsgate audit verify --db {copy}`\n"
    )
    monkeypatch.undo()
    with closing(Store.open(copy)) as copied:
        assert len(copied.history(limit=5)) == 3 and copied.verify().ok


def test_a_copy_that_stops_part_way_ends_its_progress_line_before_saying_why(
    env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(progress, "SHOW_FROM", 2)
    seed(env / "source.db")

    def stops(
        source: object, target: object, *, key: object, progress: Callable[[int], None]
    ) -> None:
        progress(4)
        raise SourceUnreadable("cannot copy source.db: its actor is not UTF-8")

    monkeypatch.setattr(db_cli, "copy_log", stops)
    err = Terminal()

    assert run_db(copying(env), Settings(), out=io.StringIO(), err=err) == 1
    assert err.getvalue() == (
        "\ropsgate: copying events: 4 of 9 (44%)\n"
        "opsgate: cannot copy source.db: its actor is not UTF-8\n"
    )
