"""The lease heartbeat: this replica vouches for its own vendor calls in flight
(`bot.store.leases`), so other replicas' recovery leaves them alone."""

from __future__ import annotations

import logging
import threading

from bot.lifecycle.outage import first_line, unreachable
from bot.store import Store

log = logging.getLogger(__name__)


class Heartbeat:
    """Renews the leases of this replica's calls in flight, a third of a lease apart, on a
    thread of its own: a busy worker pool must never let a live call's lease lapse."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self._stop = threading.Event()
        self.every = store.leases.duration.total_seconds() / 3

    def start(self) -> None:
        """Start renewing; call `stop` when no call can be in flight any more."""
        threading.Thread(target=self._loop, daemon=True, name="opsgate-leases").start()

    def stop(self) -> None:
        """Stop renewing (leases of calls still running will lapse)."""
        self._stop.set()

    def _loop(self) -> None:
        down = unreachable(self._store)
        while not self._stop.wait(self.every):
            try:
                self._store.leases.renew()
            except down as exc:  # an outage: one line a beat, not a traceback; the next tries again
                log.error(
                    "could not renew this replica's leases: the database could not be reached: "
                    "%s: %s",
                    type(exc).__name__,
                    first_line(exc),
                )
            except Exception:  # unexpected: the next beat tries again, well within the lease
                log.exception("could not renew this replica's leases")
