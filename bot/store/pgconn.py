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

A chain write whose COMMIT was sent but whose answer was lost (`commit`) is settled by asking
the server whether its transaction committed (`committed`; `bot.store.commits`).
"""

from __future__ import annotations

import math
import os
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from typing import Any, Final

import psycopg
from psycopg.conninfo import conninfo_to_dict, make_conninfo
from psycopg_pool import ConnectionPool

from bot.store.commits import CommitUncertain
from bot.store.rows import first_line

#: How many connections a transaction tries when each one found is dead: every one the pool
#: may hold, and then a new one.
ATTEMPTS: Final = 11
#: opsgate's own limits on its sessions, set whatever the database's or role's defaults (a
#: DBA's ``ALTER DATABASE … SET lock_timeout``, meant for other applications): none. Its
#: transactions are short, and it bounds the waits it must itself (a pooled connection, a
#: quick read's statement); the others are waits its commands are documented to make (a chain
#: write behind others, a command behind a lock), and a read of the whole log may take minutes.
OWN_LIMITS: Final = (
    "-c statement_timeout=0 -c lock_timeout=0 -c idle_in_transaction_session_timeout=0"
)
#: How often the server is asked whether a commit whose answer was lost was made.
_ASK_EVERY_S: Final = 0.05

Connection = psycopg.Connection[dict[str, Any]]


class Deadline:
    """Shuts `conn`'s socket down at the monotonic time `at`, unless closed first."""

    def __init__(self, conn: psycopg.Connection[Any], at: float) -> None:
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
) -> Iterator[tuple[Connection, dict[str, Any] | None]]:
    """A pooled connection on which `begin` has run (its second statement, if any, is the
    chain lock, whose row, the head and the transaction's id, comes with it), retried on
    another connection while the one found is dead; with a `deadline` (monotonic), the wait
    for a connection and everything on it end by then."""
    for attempt in range(1, ATTEMPTS + 1):
        with ExitStack() as stack:
            conn = stack.enter_context(pool.connection(timeout=_left(deadline)))
            if deadline is not None:
                stack.callback(Deadline(conn, deadline).close)
            try:
                row = _begin(conn, begin)
            except psycopg.OperationalError:
                if not conn.broken or attempt == ATTEMPTS or _left(deadline) == 0:
                    raise
                continue  # back to the pool, which discards a broken connection
            yield conn, row
            return


def with_own_limits(url: str) -> str:
    """`url` as a connection string whose sessions start with `OWN_LIMITS`: the server options
    the URL gives (``options=-c …``, or else ``PGOPTIONS``) come after them, so an operator
    who sets a limit there on purpose still has it."""
    given = conninfo_to_dict(url).get("options") or os.environ.get("PGOPTIONS", "")
    return make_conninfo(url, options=f"{OWN_LIMITS} {given}".strip())


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


def _begin(conn: Connection, begin: str) -> dict[str, Any] | None:
    # All of `begin` in one round trip (the simple protocol takes several statements at once).
    cursor = conn.execute(begin)
    return cursor.fetchone() if cursor.nextset() and cursor.description else None


def _left(deadline: float | None) -> float | None:
    """Seconds until `deadline` (never below zero), or None without one."""
    return None if deadline is None else max(deadline - time.monotonic(), 0.0)


def commit(conn: Connection, xid: int | None, conninfo: str) -> None:
    """``COMMIT`` the transaction `conn` holds (`xid`, when known: a chain write's; `conninfo`
    opens another connection to its database).

    Raises:
        CommitUncertain: The connection broke once the COMMIT was sent, so whether the server
            made it is not known; its `settle` asks the server which.
        psycopg.Error: The server refused it: nothing was committed (rolled back).
    """
    try:
        conn.execute("COMMIT")
    except psycopg.OperationalError as exc:
        if xid is None or not (conn.closed or conn.broken):
            roll_back(conn)
            raise
        raise CommitUncertain(
            f"the connection to the database broke as a write was committed ({first_line(exc)})",
            cause=exc,
            ask=lambda within: committed(conninfo, xid, time.monotonic() + within),
        ) from exc
    except BaseException:
        roll_back(conn)
        raise


def committed(conninfo: str, xid: int, deadline: float) -> bool | None:
    """Whether transaction `xid`, whose COMMIT's answer was lost, committed (True) or not
    (False), asked on a fresh connection (another after each failure) until the server says
    (a transaction still ``in progress`` is that of a connection the server has not yet seen
    close) or `deadline` (monotonic) passes: then None."""
    while (left := _left(deadline) or 0.0) > 0:
        try:
            with psycopg.connect(
                conninfo, autocommit=True, connect_timeout=max(2, math.ceil(left))
            ) as conn:
                guard = Deadline(conn, deadline)
                try:
                    while _left(deadline):
                        row = conn.execute("SELECT txid_status(%s)", [xid]).fetchone()
                        if row is not None and row[0] in {"committed", "aborted"}:
                            return bool(row[0] == "committed")
                        time.sleep(min(_ASK_EVERY_S, _left(deadline) or 0.0))
                finally:
                    guard.close()
        except psycopg.Error:
            time.sleep(min(_ASK_EVERY_S, _left(deadline) or 0.0))
    return None
