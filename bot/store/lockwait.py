"""Saying, once, that a command waits for a lock another PostgreSQL session holds.

``opsgate audit verify`` waits, like any reader, behind a session holding an exclusive lock on
a table (DDL, ``LOCK TABLE``), and ``opsgate db migrate`` and ``opsgate serve``'s start behind
another migration's advisory lock (a replica starting at the same moment). They keep waiting,
without a bound, until the lock is released: an operator who would rather not wait stops them.
Inside `saying_lock_waits`, a thread asks the server every `POLL_S` seconds whether one of this
process's pooled connections (`Sessions`) waits for a lock; the first time one still waits for
the same session at the next poll (a lock held for a moment is not said: every replica's start
takes the migration lock, for milliseconds when nothing needs migrating), `say` is called with
one line naming the sessions holding it (and saying when it is another opsgate's migration),
such as ``waiting for a lock held by another PostgreSQL session (server process 4711); still
waiting``.

Example::

    with saying_lock_waits(lambda line: print(f"opsgate: {line}", file=sys.stderr)):
        store = Store.open_existing(url)
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, Final

if TYPE_CHECKING:  # loaded with the PostgreSQL engine only: a SQLite run never needs it
    import psycopg

#: How often the server is asked whether a connection waits for a lock.
POLL_S: Final = 1.0
#: Each waiting connection's holders, and whether it waits for an advisory lock: opsgate takes
#: one only to migrate (`bot.store.postgres`).
_WAITING: Final = (
    "SELECT pg_blocking_pids(a.pid) AS held_by, EXISTS (SELECT 1 FROM pg_locks l "
    "WHERE l.pid = a.pid AND NOT l.granted AND l.locktype = 'advisory') AS migrating "
    "FROM pg_stat_activity a WHERE a.pid = ANY(%s) AND a.wait_event_type = 'Lock'"
)
#: The pools of this process, by their database URL.
_SESSIONS: dict[Sessions, str] = {}
_GUARD = threading.Lock()


class Sessions:
    """A pool's ``configure`` callback: remembers each new connection's server process id
    while that connection is open (the pool closes connections it no longer wants, and drops
    broken ones), until `forget` (the pool's close)."""

    def __init__(self, url: str) -> None:
        # Weak: a connection the pool drops is forgotten with it, even when never closed.
        self._open: weakref.WeakKeyDictionary[psycopg.Connection[Any], int] = (
            weakref.WeakKeyDictionary()
        )
        with _GUARD:
            _SESSIONS[self] = url

    def __call__(self, conn: psycopg.Connection[Any]) -> None:
        with _GUARD:
            if self in _SESSIONS:
                self._prune()
                self._open[conn] = conn.info.backend_pid

    def forget(self) -> None:
        with _GUARD:
            _SESSIONS.pop(self, None)
            self._open.clear()

    def pids(self) -> set[int]:
        """The server process ids of this pool's connections that are still open."""
        with _GUARD:
            self._prune()
            return set(self._open.values())

    def _prune(self) -> None:
        """Forget the connections closed since (a closed server process id may be reused)."""
        for conn in [conn for conn in list(self._open) if conn.closed]:
            self._open.pop(conn, None)


def watched() -> dict[str, set[int]]:
    """The server process ids of this process's open pooled connections, by database URL."""
    with _GUARD:
        pools = list(_SESSIONS.items())
    sessions: dict[str, set[int]] = {}
    for pool, url in pools:
        sessions.setdefault(url, set()).update(pool.pids())
    return sessions


@contextmanager
def saying_lock_waits(say: Callable[[str], None], *, poll_s: float = POLL_S) -> Iterator[None]:
    """Inside the block, call `say` once if a pooled connection waits for another's lock."""
    stop = threading.Event()
    watcher = threading.Thread(
        target=_watch, args=(say, stop, poll_s), name="opsgate-lock-wait", daemon=True
    )
    watcher.start()
    try:
        yield
    finally:
        stop.set()
        # Bounded: the watcher is a courtesy, and a server that stopped answering its question
        # must not keep a finished command from exiting (the thread is a daemon).
        watcher.join(timeout=poll_s + 1.0)


def _watch(say: Callable[[str], None], stop: threading.Event, poll_s: float) -> None:
    asking: dict[str, psycopg.Connection[Any]] = {}
    before: set[tuple[int, bool]] = set()
    try:
        while not stop.wait(poll_s):
            holders = _holders(asking)
            lasting = holders & before  # seen at two polls in a row: not a moment's queueing
            if lasting:
                say(_notice(lasting))
                return
            before = holders
    except Exception:  # psycopg.Error (psycopg is loaded lazily)
        return  # the notice is a courtesy: the command itself says what went wrong
    finally:
        for conn in asking.values():
            conn.close()


def _notice(holders: set[tuple[int, bool]]) -> str:
    """The line saying who holds the locks waited for (`_holders`)."""
    pids = ", ".join(str(pid) for pid in sorted({pid for pid, _ in holders}))
    held_by = (
        "another opsgate migrating the database"
        if all(migrating for _, migrating in holders)
        else "a lock held by another PostgreSQL session"
    )
    return f"waiting for {held_by} (server process {pids}); still waiting"


def _holders(asking: dict[str, psycopg.Connection[Any]]) -> set[tuple[int, bool]]:
    """The sessions that hold a lock one of ours waits for, each with whether that lock is a
    migration's (empty: none waits)."""
    holders: set[tuple[int, bool]] = set()
    for url, pids in watched().items():
        if not pids:
            continue
        import psycopg  # only once a PostgreSQL pool exists

        if url not in asking:
            asking[url] = psycopg.connect(
                url, autocommit=True, connect_timeout=10, options="-c statement_timeout=2000"
            )
        for held_by, migrating in asking[url].execute(_WAITING, [sorted(pids)]).fetchall():
            holders.update((pid, bool(migrating)) for pid in held_by or ())
    return holders
