"""Started with stderr closed (``2>&-``, or by a supervisor that closes it), a command keeps
its status and its output: an intact log still verifies with 0 (Python's own error on the
missing stderr ended it 1, "log broken"), and an error is never written to stdout, where
``HEAD=$(opsgate audit head 2>&-)`` would take it for the anchor."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.store import Store

SOURCE_TREE = Path(__file__).resolve().parents[3]


def _run_without_stderr(tmp_path: Path, *argv: str) -> subprocess.CompletedProcess[str]:
    return _python_without_stderr(tmp_path, "-m", "bot.cli", *argv)


def _python_without_stderr(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """This interpreter run with `args` and stderr closed (``2>&-``), in `tmp_path`."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("OPSGATE_", "SLACK_"))}
    return subprocess.run(
        ["sh", "-c", 'exec "$@" 2>&-', "sh", sys.executable, *args],
        stdout=subprocess.PIPE,
        text=True,
        cwd=tmp_path,
        env={**clean, "PYTHONPATH": str(SOURCE_TREE)},
        timeout=60,
        check=False,
    )


def test_verify_of_an_intact_log_is_0_with_stderr_closed(tmp_path: Path) -> None:
    Store.open(tmp_path / "opsgate.db").close()
    finished = _run_without_stderr(tmp_path, "audit", "verify", "--db", "opsgate.db")
    assert (finished.returncode, finished.stdout) == (0, "audit log intact: 0 events verified\n")


@pytest.mark.parametrize(
    "argv",
    [["audit", "head", "--db", "missing.db"], ["audit", "verify", "--db", "missing.db"]],
    ids=["head", "verify"],
)
def test_an_error_with_stderr_closed_is_never_written_to_stdout(
    tmp_path: Path, argv: list[str]
) -> None:
    finished = _run_without_stderr(tmp_path, *argv)
    assert (finished.returncode, finished.stdout) == (2, "")
    assert not (tmp_path / "missing.db").exists()


#: A child that is stopped the moment it imports `bot.observability` (`bot.cli.main` imports it
#: at its top), while `bot.cli` itself is still importing: by Ctrl-C, or by SIGTERM.
WHILE_IMPORTING = """
import os, runpy, signal, sys, time

class Stopped:
    def find_spec(self, name, path=None, target=None):
        if name == "bot.observability":
            if {how!r} == "ctrl-c":
                raise KeyboardInterrupt
            os.kill(os.getpid(), signal.SIGTERM)
            time.sleep(30)  # the signal's handler ends this
        return None

sys.meta_path.insert(0, Stopped())
sys.argv = ["opsgate", "audit", "head", "--db", "x.db"]
runpy.run_module("bot.cli", run_name="__main__", alter_sys=True)
"""


@pytest.mark.parametrize("how", ["ctrl-c", "sigterm"])
def test_a_stop_while_bot_cli_imports_says_nothing_on_stdout(tmp_path: Path, how: str) -> None:
    """``HEAD=$(opsgate audit head 2>&-)`` stopped while `bot.cli` imports: its "interrupted"
    line (or the newline after ^C) goes nowhere, never into the captured output."""
    finished = _python_without_stderr(tmp_path, "-c", WHILE_IMPORTING.format(how=how))
    assert (finished.returncode, finished.stdout) == (130, "")
