"""How the PostgreSQL engine starts a transaction on a pooled connection (`begun`): past
connections the server has since closed, and, for ``/healthz`` and ``/metrics``, within a
deadline even when the server stops answering.

After PostgreSQL restarts or fails over, every pooled connection is dead, and the pool cannot
tell until one is used. A transaction's first round trip (``BEGIN``, with the chain lock in a
write) is safe to send again on another connection when its connection broke: nothing of the
transaction has run, so it is retried, and the pool drops the broken connection. Nothing later
in a transaction is ever retried. (The pool's own check would add a round trip to every
checkout; this costs nothing until a connection is found dead.)

A server that is frozen (stopped, partitioned without a reset) never answers, and neither the
pool's timeout nor ``statement_timeout`` ends that wait. A quick read's `Deadline` then shuts
its connection's socket down from another thread, so the read fails at once; the broken
connection is discarded by the pool, never handed out again.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from typing import Any, Final

import psycopg
from psycopg_pool import ConnectionPool

from bot.store.chain import ChainHead

#: How many connections a transaction tries when each one found is dead: every one the pool
#: may hold, and then a new one.
ATTEMPTS: Final = 11

Connection = psycopg.Connection[dict[str, Any]]


class Deadline:
    """Shuts `conn`'s socket down at the monotonic time `at`, unless closed first."""

    def __init__(self, conn: Connection, at: float) -> None:
        self._fd = conn.fileno()
        self._lock = threading.Lock()
        self._over = False
        self._timer = threading.Timer(max(at - time.monotonic(), 0.0), self._cut)
        self._timer.daemon = True
        self._timer.start()

    def close(self) -> None:
        """The transaction is over: the connection goes back to the pool untouched."""
        with self._lock:
            self._over = True
        self._timer.cancel()

    def _cut(self) -> None:
        with self._lock:  # never once the connection may be back in the pool
            if self._over:
                return
            try:
                with socket.socket(fileno=os.dup(self._fd)) as cut:
                    cut.shutdown(socket.SHUT_RDWR)  # the socket itself, not only this copy
            except OSError:
                pass  # already closed: the read has failed or ended anyway


@contextmanager
def begun(
    pool: ConnectionPool[Connection], begin: str, deadline: float | None
) -> Iterator[tuple[Connection, ChainHead | None]]:
    """A pooled connection on which `begin` has run (its second statement, if any, is the
    chain lock, whose row is the head), retried on another connection while the one found is
    dead; with a `deadline` (monotonic), the wait for a connection and everything on it end
    by then."""
    for attempt in range(1, ATTEMPTS + 1):
        with ExitStack() as stack:
            conn = stack.enter_context(pool.connection(timeout=_left(deadline)))
            if deadline is not None:
                stack.callback(Deadline(conn, deadline).close)
            try:
                head = _begin(conn, begin)
            except psycopg.OperationalError:
                if not conn.broken or attempt == ATTEMPTS or _left(deadline) == 0:
                    raise
                continue  # back to the pool, which discards a broken connection
            yield conn, head
            return


def roll_back(conn: Connection) -> None:
    """End the transaction `conn` holds without committing it. A connection that cannot take
    a ROLLBACK (left mid-pipeline by Ctrl-C or SIGTERM: "PQsendQuery not allowed in pipeline
    mode") is closed instead, which ends the transaction on the server as surely; the pool
    discards it. Either way the caller's own error goes on, never one of the rollback's."""
    if conn.closed or conn.broken:
        return
    try:
        conn.execute("ROLLBACK")
    except psycopg.Error:
        conn.close()


def _begin(conn: Connection, begin: str) -> ChainHead | None:
    # All of `begin` in one round trip (the simple protocol takes several statements at once).
    cursor = conn.execute(begin)
    row = cursor.fetchone() if cursor.nextset() and cursor.description else None
    return None if row is None else ChainHead(seq=row["seq"], hash=row["hash"])


def _left(deadline: float | None) -> float | None:
    """Seconds until `deadline` (never below zero), or None without one."""
    return None if deadline is None else max(deadline - time.monotonic(), 0.0)
