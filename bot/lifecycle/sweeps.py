"""Work nobody clicked for: expiring requests past their TTL, and start-up recovery of calls a
dead process left `executing`, with the periodic sweeper thread that drives the expiry."""

from __future__ import annotations

import logging
import threading

from bot.lifecycle.replies import Replies
from bot.lifecycle.services import Services
from bot.lifecycle.workers import Runner

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
        """At start-up: requests left `executing` become `unknown` (never retried).

        Each card says so and each requester is told. Returns how many.
        """
        recovered = self.s.store.recover_executing()
        for record in recovered:
            self.replies.refresh_card(record)
            self.replies.notify_requester(record)
        return len(recovered)


class Sweeper:
    """Runs `Sweeps.expire_due` on the worker pool every `every` seconds, until stopped."""

    def __init__(self, sweeps: Sweeps, runner: Runner) -> None:
        self._sweeps = sweeps
        self._runner = runner
        self._stop = threading.Event()

    def start(self, *, every: float = 15.0) -> None:
        """Recover what a dead process left `executing`, then start expiring periodically.

        Call once, before serving: recovery must run before any worker makes a vendor call.
        """
        recovered = self._sweeps.recover()
        if recovered:
            log.warning(
                "%d request(s) were executing when opsgate last stopped: now unknown", recovered
            )
        thread = threading.Thread(
            target=self._loop, args=(every,), daemon=True, name="opsgate-expiry"
        )
        thread.start()

    def stop(self) -> None:
        """Stop scheduling sweeps (one already queued still runs)."""
        self._stop.set()

    def _loop(self, every: float) -> None:
        while not self._stop.wait(every):
            self._runner.submit(self._expire)

    def _expire(self) -> None:
        self._sweeps.expire_due()
