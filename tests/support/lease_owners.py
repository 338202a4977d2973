"""Lease owners of real processes of this machine, one that has ended or one still running,
for the tests of recovery that must tell a dead replica's call from a live one's."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager

_PRINT_OWNER = "from bot.store.leases import new_owner; print(new_owner(), flush=True); input()"


@contextmanager
def owner_of_a_process(*, still_running: bool) -> Iterator[str]:
    """The lease owner id (`bot.store.leases.new_owner`) of another Python process: ended
    before the id is handed over, or running until the block ends."""
    process = subprocess.Popen(
        [sys.executable, "-c", _PRINT_OWNER],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    owner = process.stdout.readline().strip()
    try:
        if not still_running:
            process.communicate("\n")
        yield owner
    finally:
        if process.returncode is None:
            process.communicate("\n")
