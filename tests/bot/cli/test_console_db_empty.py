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
