"""A SQLite path that cannot hold the database is one line saying why and what to do, not
SQLite's bare ``unable to open database file``: the path is a folder, its folder is missing,
or its folder (or file system) is read-only, where even an existing database cannot be opened
for writing (SQLite creates its write-ahead log beside it)."""

from __future__ import annotations

import os
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest

from bot import cli
from bot.store import Store, unopened


def _one_line(capsys: pytest.CaptureFixture[str]) -> str:
    [line] = capsys.readouterr().err.splitlines()
    return line


def test_a_folder_given_as_the_database_is_named_with_a_file_to_use_instead(
    env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["db", "migrate", "--db", str(env)]) == 2
    assert _one_line(capsys) == (
        f"opsgate: cannot open the database {env}: {env} is a directory, not a database "
        f"file: name a file in it, such as {env / 'opsgate.db'}"
    )


def test_a_database_in_a_missing_folder_names_the_folder(
    env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = env / "missing" / "opsgate.db"
    assert cli.main(["db", "migrate", "--db", str(target)]) == 2
    assert _one_line(capsys) == (
        f"opsgate: cannot open the database {target}: the folder {env / 'missing'} does not "
        "exist: create it, or choose a path in a folder opsgate's user may write"
    )
    assert not (env / "missing").exists()


def test_a_database_that_cannot_be_created_says_its_folder_is_not_writable(
    env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """/proc refuses new files even to root, as a read-only mount does."""
    Store.open(env / "source.db").close()
    assert cli.main(["db", "copy", "--from", str(env / "source.db"), "--to", "/proc/x.db"]) == 2
    assert _one_line(capsys) == (
        "opsgate: cannot open the database /proc/x.db: cannot create it: the folder /proc "
        "is not writable (a read-only folder or file system): make it writable, or choose a "
        "path in a folder opsgate's user may write"
    )


def test_an_existing_database_in_a_read_only_folder_says_why_it_cannot_be_opened(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    database = tmp_path / "opsgate.db"
    database.touch()
    monkeypatch.setattr(unopened, "can_create_in", lambda folder: False)  # a read-only mount
    error = _cantopen()
    assert unopened.why_unopened(database, error) == (
        f"the folder {tmp_path} is not writable (a read-only folder or file system), and "
        "SQLite must create its write-ahead log (-wal, -shm) beside the database: make the "
        "folder writable, or move the database to a folder that is"
    )


def test_other_sqlite_errors_keep_their_own_words(tmp_path: Path) -> None:
    not_a_database = sqlite3.DatabaseError("file is not a database")
    assert unopened.why_unopened(tmp_path, not_a_database) is None


def _cantopen() -> sqlite3.Error:
    try:
        sqlite3.connect("/proc/opsgate.db").execute("CREATE TABLE t (a)")
    except sqlite3.Error as exc:
        return exc
    pytest.fail("SQLite created a database in /proc")


@pytest.mark.parametrize(
    ("argv", "flag"),
    [
        (["audit", "verify", "--db", ""], "--db"),
        (["audit", "--db", " ", "head"], "--db"),
        (["db", "migrate", "--db", ""], "--db"),
        (["db", "copy", "--from", "source.db", "--to", ""], "--to"),
        (["db", "copy", "--from", "", "--to", "copy.db"], "--from"),
    ],
)
def test_an_empty_database_option_is_refused_not_read_as_the_default(
    env: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    argv: list[str],
    flag: str,
) -> None:
    """`opsgate audit verify --db "$BACKUP"` with the variable unset must not verify the live
    database (OPSGATE_DB) and call it intact, nor a copy land in it."""
    monkeypatch.chdir(env)
    Store.open(env / "source.db").close()
    Store.open(env / "opsgate.db").close()  # OPSGATE_DB: the live database, empty
    assert cli.main(argv) == 2
    assert _one_line(capsys) == (
        f"opsgate: {flag} is empty: name a SQLite file or a postgresql:// URL (is a shell "
        "variable unset?)"
    )
    assert not (env / "copy.db").exists()
    with closing(Store.open(env / "opsgate.db")) as live:
        assert live.head().seq == 0  # nothing was copied into it


@pytest.mark.parametrize(
    ("words", "opening"),
    [
        (["db", "migrate", "--db"], "cannot open the database {pipe}: "),
        (["db", "copy", "--from", "{source}", "--to"], "cannot open the database {pipe}: "),
        (["audit", "verify", "--db"], ""),
        (["audit", "head", "--db"], ""),
    ],
    ids=["migrate", "copy", "verify", "head"],
)
def test_a_named_pipe_given_as_the_database_is_refused_unopened(
    env: Path, capsys: pytest.CaptureFixture[str], words: list[str], opening: str
) -> None:
    """A device (``/dev/null``), a pipe or a socket is no database: SQLite would open it, fail
    with "disk I/O error" and leave its journal beside it (``/dev/null-journal``)."""
    Store.open(env / "source.db").close()
    pipe = env / "pipe.db"
    os.mkfifo(pipe)
    before = sorted(p.name for p in env.iterdir())

    args = [word.format(source=env / "source.db") for word in words]
    assert cli.main([*args, str(pipe)]) == 2
    line = _one_line(capsys)
    assert line.startswith(f"opsgate: {opening.format(pipe=pipe)}{pipe} is a named pipe, not a ")
    assert sorted(p.name for p in env.iterdir()) == before
