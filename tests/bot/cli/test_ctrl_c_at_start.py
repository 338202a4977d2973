"""Ctrl-C while `opsgate` is still starting (importing its modules, loading its plugins and
settings: seconds on a busy machine) ends quietly with status 130, never a traceback
(SPEC §13: "No expected failure (…, Ctrl-C) prints a traceback")."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot import cli
from bot.cli.options import INTERRUPTED_STATUS

SOURCE_TREE = Path(__file__).resolve().parents[3]
#: The module (`bot.cli.main` the attribute is the function it defines).
cli_main = sys.modules["bot.cli.main"]

#: A child that is "interrupted" the moment it imports `bot.observability` (which `bot.cli.main`
#: imports at its top), as Ctrl-C pressed while Python reads opsgate's modules would be; then
#: started the way `{how}` names: ``python -m bot.cli`` or the installed `opsgate` script.
CHILD = """
import runpy, sys

class CtrlC:
    def find_spec(self, name, path=None, target=None):
        if name == "bot.observability":
            raise KeyboardInterrupt
        return None

sys.meta_path.insert(0, CtrlC())
sys.argv = ["opsgate", "--version"]
if {how!r} == "module":
    runpy.run_module("bot.cli", run_name="__main__", alter_sys=True)
else:  # what the `opsgate` console script runs
    from bot.cli.main import main
    sys.exit(main())
"""


@pytest.mark.parametrize("how", ["module", "script"])
def test_ctrl_c_while_opsgate_imports_its_modules_is_quiet(tmp_path: Path, how: str) -> None:
    finished = subprocess.run(
        [sys.executable, "-c", CHILD.format(how=how)],
        capture_output=True,
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(SOURCE_TREE)},
        timeout=60,
        check=False,
    )
    assert finished.returncode == INTERRUPTED_STATUS, finished.stderr.decode()
    assert b"Traceback" not in finished.stderr
    assert b"KeyboardInterrupt" not in finished.stderr
    assert finished.stdout == b""  # it never got as far as printing the version


def test_ctrl_c_while_plugins_load_is_quiet(
    env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def interrupted() -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(cli_main, "installed_plugins", interrupted)
    assert cli.main(["plugins"]) == INTERRUPTED_STATUS
    assert capsys.readouterr().err == "\n"  # the ^C line ends; nothing else is said


def test_ctrl_c_while_settings_load_is_quiet(
    env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def interrupted(**_: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(cli_main, "load_settings", interrupted)
    assert cli.main(["manifest"]) == INTERRUPTED_STATUS
    assert capsys.readouterr().err == "\n"
