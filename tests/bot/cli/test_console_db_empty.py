"""``OPSGATE_CONSOLE_DB`` set but empty (README "Settings": an empty value counts as not set)
leaves the console on its default database, ``./opsgate-console.db``, instead of naming the
working folder as the database."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pytest

from bot import cli


def test_an_empty_console_db_is_the_default_file(
    env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(env)
    monkeypatch.setenv("OPSGATE_CONSOLE_DB", "")
    monkeypatch.setenv("OPSGATE_CONSOLE_HISTORY", "")
    monkeypatch.setattr(sys, "stdin", io.StringIO("quit\n"))

    status = cli.main(["console"])

    assert (status, capsys.readouterr().err) == (0, "")
    assert (env / "opsgate-console.db").is_file()


def test_a_console_db_of_only_spaces_is_refused_in_one_line(
    env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Not a database file named "  " created in the working folder."""
    monkeypatch.chdir(env)
    monkeypatch.setenv("OPSGATE_CONSOLE_DB", "  ")
    monkeypatch.setenv("OPSGATE_CONSOLE_HISTORY", "")
    monkeypatch.setattr(sys, "stdin", io.StringIO("quit\n"))
    before = sorted(p.name for p in env.iterdir())

    status = cli.main(["console"])

    assert (status, capsys.readouterr().err) == (
        2,
        "opsgate: OPSGATE_CONSOLE_DB names no file: name the file, or unset it\n",
    )
    assert sorted(p.name for p in env.iterdir()) == before
