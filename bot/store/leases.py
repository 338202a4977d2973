"""Leases on executing requests: which replica is making a request's vendor call, vouched for
until when (SPEC §13).

The compare-and-set that moves a request to ``executing`` also grants its lease to this store's
`owner` (the replica id), valid for `Leases.duration`; the move out of ``executing`` ends it.
While the call runs, the replica renews the lease (`Leases.renew`, on a heartbeat thread of its
own). Recovery (`bot.store.Store.recover_executing`) marks ``unknown`` only requests whose lease
has lapsed, or whose owner was a process of this machine that is gone (`bot.store.liveness`),
and never a call whose lease it holds itself, or a live process of this machine holds (after a
database outage longer than the lease, its time has passed while the call still runs), so a
restarting replica never touches a live replica's call, while a dead replica's calls become
``unknown`` at once when it ran here and otherwise once their lease runs out. Replicas compare
lease times with their own clocks: keep them in sync (NTP), well within the lease.
"""

from __future__ import annotations

import os
import secrets
import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Final

from adapters.base import Progress
from bot.model import RequestState
from bot.store import liveness
from bot.store.chain import canonical_json
from bot.store.engine import Db, Engine
from bot.store.rows import format_time

#: How long a lease is vouched for without renewal (``OPSGATE_LEASE_SECONDS``).
DEFAULT_LEASE: Final = timedelta(seconds=30)

_GRANT: Final = (
    "INSERT INTO leases (request_id, owner, expires_at) VALUES (?, ?, ?) "
    "ON CONFLICT (request_id) DO UPDATE SET owner = excluded.owner, "
    "expires_at = excluded.expires_at, progress = NULL"
)
#: `ids_where`'s clause for "executing, and nobody vouches for the call any more".
LAPSED: Final = (
    "state = ? AND NOT EXISTS (SELECT 1 FROM leases "
    "WHERE leases.request_id = requests.id AND leases.expires_at > ?)"
)


@dataclass
class InFlight:
    """A request whose vendor call this replica is making (`Leases.held`)."""

    request_id: str
    operation: str | None = None
    #: The vendor answered; its outcome is not recorded yet.
    answered: bool = False


def new_owner() -> str:
    """A replica id unique to this process: host, pid and a random suffix, then its place on
    this machine where the system tells it (`bot.store.liveness`), so that a process of the
    same machine can see at once that this one has died."""
    owner = f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"
    place = liveness.here()
    return owner if place is None else f"{owner}@{place.mark()}"


class Leases:
    """This replica's leases: granted and ended inside the store's transitions, renewed for the
    requests whose vendor call is in flight here (`held`)."""

    def __init__(
        self, tx: Engine, *, owner: str, duration: timedelta, now: Callable[[], datetime]
    ) -> None:
        if duration <= timedelta(0):
            raise ValueError("a lease must last longer than zero seconds")
        self.owner = owner
        self.duration = duration
        self._tx = tx
        self._now = now
        #: Each call in flight here: its operation, and whether the vendor has answered (its
        #: outcome is being recorded; the lease is held until it is).
        self._in_flight: dict[str, InFlight] = {}
        self._lock = threading.Lock()
        self._place = liveness.here()

    def follow(self, db: Db, request_id: str, current: RequestState, to: RequestState) -> None:
        """Inside the transaction that moves a request: whoever moves it to executing makes
        its call, so the lease is theirs; leaving executing ends it."""
        if to is RequestState.EXECUTING:
            self.grant(db, request_id)
        elif current is RequestState.EXECUTING:
            self.end(db, request_id)

    def grant(self, db: Db, request_id: str) -> None:
        """Inside the transaction that moves `request_id` to executing: it is ours now."""
        db.execute(_GRANT, [request_id, self.owner, format_time(self._now() + self.duration)])

    @staticmethod
    def end(db: Db, request_id: str) -> None:
        """Inside the transaction that moves `request_id` out of executing."""
        db.execute("DELETE FROM leases WHERE request_id = ?", [request_id])

    def of_gone_processes(self, db: Db) -> list[str]:
        """Executing requests whose lease owner was another process of this machine that is
        gone (`bot.store.liveness`): its lease may not have lapsed, but nobody renews it."""
        return [
            request_id
            for request_id, owner in self._executing(db)
            if owner != self.owner and liveness.gone(owner, self._place)
        ]

    def vouched_here(self, db: Db) -> set[str]:
        """Executing requests whose call runs in this replica, or whose lease a process of this
        machine that still runs holds: their calls are running, even when the lease's time has
        passed (a database outage longer than the lease kept the heartbeat from renewing it).
        A lease of this replica's whose call is over here (its outcome could not be recorded)
        vouches for nothing."""
        here = set(self.in_flight())
        return {
            request_id
            for request_id, owner in self._executing(db)
            if (request_id in here if owner == self.owner else liveness.alive(owner, self._place))
        }

    @staticmethod
    def _executing(db: Db) -> list[tuple[str, str]]:
        """``(request id, lease owner)`` of every executing request that has a lease."""
        rows = db.query(
            "SELECT leases.request_id, leases.owner FROM leases JOIN requests "
            "ON requests.id = leases.request_id WHERE requests.state = ?",
            [RequestState.EXECUTING.value],
        )
        return [(str(row["request_id"]), str(row["owner"])) for row in rows]

    @contextmanager
    def held(self, request_id: str, *, operation: str | None = None) -> Iterator[None]:
        """While the vendor call of `request_id` runs here, and until its outcome is recorded,
        `renew` keeps its lease alive."""
        with self._lock:
            self._in_flight[request_id] = InFlight(request_id, operation)
        try:
            yield
        finally:
            with self._lock:
                self._in_flight.pop(request_id, None)

    def answered(self, request_id: str) -> None:
        """The vendor call of `request_id` is over: only its outcome is left to record."""
        with self._lock:
            if request_id in self._in_flight:
                self._in_flight[request_id].answered = True

    def left(self) -> list[InFlight]:
        """What `in_flight` names, with each call's operation and whether it was answered (for
        the lines a shutdown writes about the requests it leaves for recovery)."""
        with self._lock:
            return [replace(self._in_flight[rid]) for rid in sorted(self._in_flight)]

    def record_progress(self, request_id: str, progress: Progress) -> bool:
        """Keep with the lease how far its bulk run has got, for recovery to report if this
        replica stops mid-run (`lost_track`). Only the lease's owner writes it: False (nothing
        written) once the lease is not this replica's, or is gone."""
        counts = canonical_json(progress.model_dump(mode="json"))
        with self._tx.side() as db:
            cursor = db.execute(
                "UPDATE leases SET progress = ? WHERE request_id = ? AND owner = ?",
                [counts, request_id, self.owner],
            )
            return cursor.rowcount == 1

    def in_flight(self) -> list[str]:
        """The requests whose vendor call is running in this process."""
        with self._lock:
            return sorted(self._in_flight)

    def renew(self) -> int:
        """Extend the lease of every call in flight here by `duration` from now; returns how
        many leases were renewed (a lease another replica recovered is not revived)."""
        ids = self.in_flight()
        if not ids:
            return 0
        marks = ",".join("?" * len(ids))
        sql = f"UPDATE leases SET expires_at = ? WHERE owner = ? AND request_id IN ({marks})"  # noqa: S608 - placeholders only
        until = format_time(self._now() + self.duration)
        with self._tx.side() as db:
            return db.execute(sql, [until, self.owner, *ids]).rowcount
