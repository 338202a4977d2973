"""SIGTERM (``kill``, a supervisor ending a job) stops `db` and `audit` as Ctrl-C does: one line
saying what was left, status 130; never a silent death that leaves the operator guessing
whether the copy happened. Run as child processes: the signal is real."""

from __future__ import annotations

import os
import subprocess
import sys
from contextlib import closing
from pathlib import Path

from bot.policy import OperationPolicy
from bot.store import Store
from commands.model import OperationRequest

SOURCE_TREE = Path(__file__).resolve().parents[3]

#: The command line, with `patch` (Python code) applied first: it makes the process send
#: itself SIGTERM at the moment under test.
CHILD = """
import os, signal, sys
from bot.cli import db as db_cli
from bot.cli.main import main
from bot.store import Store

def terminate(*args, **kwargs):
    os.kill(os.getpid(), signal.SIGTERM)

{patch}
sys.exit(main(sys.argv[1:]))
"""

#: SIGTERM while the copy's transaction is open (its progress is reported inside it).
DURING_COPY = """
real_copy = db_cli.copy_log
def copy_log(source, target, *, key, progress):
    return real_copy(source, target, key=key, progress=terminate)
db_cli.copy_log = copy_log
"""

#: SIGTERM while the log is verified.
DURING_VERIFY = """
real_verify = Store.verify
def verify(self, **kwargs):
    terminate()
    return real_verify(self, **kwargs)
Store.verify = verify
"""


def seed(db: Path) -> None:
    """A log of three approved requests."""
    with closing(Store.open(db)) as store:
        for i in range(3):
            request = OperationRequest(
                operation="huawei.package.delete", vendor="huawei", targets=(f"p{i}",), reason="r"
            )
            record = store.create_request(
                request,
                requester="U0ALICE",
                channel="C0OPS",
                policy=OperationPolicy(),
                sandbox=True,
            )
            store.approve(record.id, approver="U0BOB")


def _run(env: Path, patch: str, *args: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("OPSGATE_", "SLACK_"))}
    return subprocess.run(
        [sys.executable, "-c", CHILD.format(patch=patch), *args],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=env,
        env={**clean, "PYTHONPATH": str(SOURCE_TREE), "OPSGATE_CONFIG": str(env / "none.toml")},
    )


def test_sigterm_during_a_copy_says_nothing_was_copied_and_nothing_was(tmp_path: Path) -> None:
    seed(tmp_path / "source.db")
    copy = tmp_path / "copy.db"
    (tmp_path / "none.toml").write_text("")

    done = _run(tmp_path, DURING_COPY, "db", "copy", "--from", "source.db", "--to", str(copy))

    assert done.returncode == 130
    assert done.stderr == (
        f"\nopsgate: copy interrupted: nothing was copied into {copy} (its schema is in "
        "place); run it again to copy\n"
    )
    with closing(Store.open(copy)) as copied:
        assert copied.history(limit=5) == [] and copied.verify().ok


def test_sigterm_during_verify_is_one_line_not_a_silent_death(tmp_path: Path) -> None:
    seed(tmp_path / "source.db")
    (tmp_path / "none.toml").write_text("")

    done = _run(tmp_path, DURING_VERIFY, "audit", "verify", "--db", "source.db")

    assert (done.returncode, done.stdout, done.stderr) == (130, "", "\nopsgate: interrupted\n")
