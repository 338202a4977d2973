"""`opsgate` with no command runs the console (SPEC §5: "the embedded default"), and its
`--help` says so, as the README's "The console in one minute" does."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def _opsgate(args: list[str], tmp_path: Path, stdin: str = "") -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPSGATE_", "SLACK_"))}
    env |= {
        "OPSGATE_CONSOLE_DB": str(tmp_path / "console.db"),
        "OPSGATE_CONSOLE_HISTORY": "",
        "HOME": str(tmp_path),
    }
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=120,
        check=False,
    )


def test_the_help_names_the_console_as_what_runs_with_no_command(tmp_path: Path) -> None:
    shown = _opsgate(["--help"], tmp_path)
    assert shown.returncode == 0
    assert "With no COMMAND, opsgate runs the console." in " ".join(shown.stdout.split())


def test_opsgate_alone_runs_the_console(tmp_path: Path) -> None:
    ran = _opsgate([], tmp_path, stdin="quit\n")
    assert ran.returncode == 0
    assert ran.stdout.startswith("opsgate console:")
    assert ran.stdout.rstrip().endswith("alice> quit")
