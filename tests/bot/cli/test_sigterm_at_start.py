"""SIGTERM while `opsgate` is still starting (importing its modules, loading its plugins and
settings: a second or more on a busy machine) stops it as SIGTERM stops the command a moment
later, in one line (SPEC §13; README "The command line", "Shutdown"): `serve` says
``stopped before start-up finished`` and exits 0, any other command says
``opsgate: interrupted`` and exits 130. Never Python's default: death without a word (143)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

SOURCE_TREE = Path(__file__).resolve().parents[3]

#: A child that receives SIGTERM the moment it imports `module` (by default
#: `bot.observability`, which `bot.cli.main` imports at its top), as a supervisor's stop
#: arriving while Python reads opsgate's modules would; started as ``python -m bot.cli <argv>``.
WHILE_IMPORTING = """
import os, runpy, signal, sys, time

class Terminated:
    def find_spec(self, name, path=None, target=None):
        if name == {module!r}:
            os.kill(os.getpid(), signal.SIGTERM)
            time.sleep(30)  # the signal's handler ends this, or the default kills the process
        return None

sys.meta_path.insert(0, Terminated())
sys.argv = ["opsgate", *{argv!r}]
runpy.run_module("bot.cli", run_name="__main__", alter_sys=True)
"""

#: A child that receives SIGTERM while its plugins load (`installed_plugins`), as the
#: `opsgate` script runs `main`.
WHILE_LOADING = """
import os, signal, sys, time
import bot.cli
cli_main = sys.modules["bot.cli.main"]  # `bot.cli.main` the attribute is the function

def installed_plugins():
    os.kill(os.getpid(), signal.SIGTERM)
    time.sleep(30)

cli_main.installed_plugins = installed_plugins
sys.exit(cli_main.main({argv!r}))
"""

CASES = [
    (["check"], 130, "opsgate: interrupted"),
    (["serve", "--http", "--port", "0"], 0, "opsgate: stopped before start-up finished"),
]


def _run(
    tmp_path: Path, child: str, argv: list[str], module: str = "bot.observability"
) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("OPSGATE_", "SLACK_"))}
    return subprocess.run(
        [sys.executable, "-c", child.format(argv=argv, module=module)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={**clean, "PYTHONPATH": str(SOURCE_TREE), "OPSGATE_DB": str(tmp_path / "x.db")},
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize(("argv", "status", "line"), CASES, ids=["check", "serve"])
def test_sigterm_while_opsgate_imports_its_modules_is_one_line(
    tmp_path: Path, argv: list[str], status: int, line: str
) -> None:
    finished = _run(tmp_path, WHILE_IMPORTING, argv)
    assert (finished.returncode, finished.stderr) == (status, line + "\n")
    assert finished.stdout == ""


@pytest.mark.parametrize(("argv", "status", "line"), CASES, ids=["check", "serve"])
def test_sigterm_while_plugins_load_is_one_line(
    tmp_path: Path, argv: list[str], status: int, line: str
) -> None:
    finished = _run(tmp_path, WHILE_LOADING, argv)
    assert (finished.returncode, finished.stderr) == (status, line + "\n")
    assert not (tmp_path / "x.db").exists()  # nothing was opened


def test_sigterm_while_serve_loads_its_own_modules_is_one_line(tmp_path: Path) -> None:
    """After the settings, before `serve` takes over SIGTERM: its modules (Bolt, the app) load."""
    argv = ["serve", "--http", "--port", "0"]
    finished = _run(tmp_path, WHILE_IMPORTING, argv, module="bot.cli.runtime")
    line = "opsgate: stopped before start-up finished\n"
    assert (finished.returncode, finished.stderr) == (0, line)
    assert not (tmp_path / "x.db").exists()  # nothing was opened
