"""Lease owners of real processes of this machine, one that has ended or one still running,
for the tests of recovery that must tell a dead replica's call from a live one's."""

from __future__ import annotations

import copy
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager

from adapters.clock import Clock
from bot.store import Store
from bot.store.leases import Leases
from bot.store.rows import new_request_id
from bot.store.writes import Writer

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


def as_another_replica(store: Store, clock: Clock, owner: str = "another-replica") -> Store:
    """`store` as another replica on the same database (the same connection and observers): its
    approvals grant leases to `owner`, and its recovery takes `store`'s calls for another
    replica's, as separate processes would."""
    other = copy.copy(store)
    other._writer = Writer(clock=clock, new_id=new_request_id, key=store._writer.key)
    other.leases = Leases(
        store.engine, owner=owner, duration=store.leases.duration, now=other._writer.now
    )
    other._writer.leases = other.leases
    return other
