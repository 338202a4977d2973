"""Work nobody clicked for: expiring requests past their TTL, and recovering calls whose replica
died mid-call (their lease lapsed), with the threads that drive them: the periodic sweeper, and
the heartbeat that keeps this replica's own calls' leases alive (`bot.store.leases`)."""

from __future__ import annotations

import logging
import threading

from bot.lifecycle.replies import Replies
from bot.lifecycle.services import Services
from bot.lifecycle.workers import Runner
from bot.store import Store

log = logging.getLogger(__name__)


class Sweeps:
    """Expiry and recovery; each redraws the cards of the requests it changed."""

    def __init__(self, services: Services, replies: Replies) -> None:
        self.s = services
        self.replies = replies

    def expire_due(self) -> int:
        """Expire every pending request past its TTL and mark its card. Returns how many.

        Which requests are due is `bot.model.rules.due_to_expire`, applied by the store.
        """
        expired = self.s.store.expire_due()
        for record in expired:
            self.replies.refresh_card(record)
        return len(expired)

    def recover(self) -> int:
        """Requests left `executing` by a replica that stopped renewing their lease become
        `unknown` (never retried); a live replica's calls are left alone.

        Each card says so and each requester is told. Returns how many.
        """
        recovered = self.s.store.recover_executing()
        for record in recovered:
            self.replies.refresh_card(record)
            self.replies.notify_requester(record)
        if recovered:
            log.warning(
                "%d request(s) were executing in a replica that stopped (its lease lapsed): "
                "now unknown, never retried",
                len(recovered),
            )
        return len(recovered)


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
        while not self._stop.wait(self.every):
            try:
                self._store.leases.renew()
            except Exception:  # a database blip: the next beat tries again, well within the lease
                log.exception("could not renew this replica's leases")


class Sweeper:
    """Runs `Sweeps` on the worker pool periodically, and the lease heartbeat, until stopped."""

    def __init__(self, sweeps: Sweeps, runner: Runner) -> None:
        self._sweeps = sweeps
        self._runner = runner
        self._stop = threading.Event()
        self.heartbeat = Heartbeat(sweeps.s.store)

    def start(self, *, every: float = 15.0) -> None:
        """Recover what a dead replica left `executing`, then sweep periodically: expiry every
        `every` seconds at most, and recovery at least every half lease, so a dead replica's
        calls become unknown within 1.5 leases.

        Call once, before serving: recovery must run before any worker makes a vendor call.
        """
        self._sweeps.recover()
        self.heartbeat.start()
        lease = self._sweeps.s.store.leases.duration.total_seconds()
        interval = min(every, lease / 2)
        thread = threading.Thread(
            target=self._loop, args=(interval,), daemon=True, name="opsgate-sweeps"
        )
        thread.start()

    def stop(self) -> None:
        """Stop scheduling sweeps (one already queued still runs). The heartbeat goes on: calls
        still in flight keep their leases until `close`."""
        self._stop.set()

    def close(self) -> None:
        """Stop sweeping and the heartbeat."""
        self.stop()
        self.heartbeat.stop()

    def _loop(self, every: float) -> None:
        while not self._stop.wait(every):
            self._runner.submit(self._sweep)

    def _sweep(self) -> None:
        self._sweeps.expire_due()
        self._sweeps.recover()
