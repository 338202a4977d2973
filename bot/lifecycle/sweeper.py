"""When the sweeps run (`bot.lifecycle.sweeps`): periodically, and also at the moment a
request made here is due to be reminded about or to expire, which a short ttl puts well inside
the period ("remind at half the ttl", SPEC §8). `Heartbeat` keeps this replica's own calls'
leases alive beside it."""

from __future__ import annotations

import heapq
import logging
import threading
import time
from datetime import datetime
from typing import Any, Final

from bot.lifecycle.leases import Heartbeat
from bot.lifecycle.outage import first_line, unreachable
from bot.lifecycle.sweeps import Sweeps
from bot.lifecycle.workers import Runner
from bot.model import AuditEventName, PolicySnapshot, RequestState, rules
from bot.store import Appended
from bot.store.rows import parse_time

log = logging.getLogger(__name__)

#: How long after a deadline the sweep runs: the database's "due" is "at or before now".
LATE_BY_S: Final = 0.05


class Sweeper:
    """Runs `Sweeps` on the worker pool periodically and when a new request falls due, and the
    lease heartbeat, until stopped. Subscribe it to the store to learn of new requests."""

    def __init__(self, sweeps: Sweeps, runner: Runner) -> None:
        self._sweeps = sweeps
        self._runner = runner
        self._clock = sweeps.s.clock
        self._stopped = False
        self._changed = threading.Condition()
        self._due: list[float] = []  # a heap of wall-clock times a sweep is wanted
        self.heartbeat = Heartbeat(sweeps.s.store)

    def start(self, *, every: float = 15.0) -> None:
        """Recover what a dead replica left `executing`, post the cards a dead process left
        unposted, then sweep periodically: expiry and card posting every `every` seconds at
        most, and recovery at least every half lease, so a dead replica's calls become unknown
        within 1.5 leases.

        Call once, before serving: recovery must run before any worker makes a vendor call.
        """
        self._sweeps.s.store.subscribe(self)  # new requests' reminders and expiries
        self._sweeps.recover()
        self.heartbeat.start()
        self._runner.submit(self._sweep)
        lease = self._sweeps.s.store.leases.duration.total_seconds()
        interval = min(every, lease / 2)
        thread = threading.Thread(
            target=self._loop, args=(interval,), daemon=True, name="opsgate-sweeps"
        )
        thread.start()

    def __call__(self, appended: Appended) -> None:
        """Store observer: a new pending request's reminder and expiry are sweeps due."""
        event = appended.event
        if event.event is AuditEventName.REQUESTED and appended.moved_to is RequestState.PENDING:
            due = [t for t in _deadlines(event.detail) if t is not None]
            with self._changed:
                for moment in due:
                    heapq.heappush(self._due, moment.timestamp() + LATE_BY_S)
                self._changed.notify()

    def stop(self) -> None:
        """Stop scheduling sweeps (one already queued still runs). The heartbeat goes on: calls
        still in flight keep their leases until `close`."""
        with self._changed:
            self._stopped = True
            self._changed.notify()

    def close(self) -> None:
        """Stop sweeping and the heartbeat."""
        self.stop()
        self.heartbeat.stop()

    def _loop(self, every: float) -> None:
        periodic = time.monotonic() + every
        while self._wait(periodic):
            self._runner.submit(self._sweep)
            if time.monotonic() >= periodic:
                periodic = time.monotonic() + every

    def _wait(self, periodic: float) -> bool:
        """Wait until the next periodic sweep or the next due moment, whichever is first;
        False once stopped."""
        with self._changed:
            while not self._stopped:
                now = self._clock.now()
                if self._due and self._due[0] <= now:
                    while self._due and self._due[0] <= now:
                        heapq.heappop(self._due)
                    return True
                wait = periodic - time.monotonic()
                if self._due:
                    wait = min(wait, self._due[0] - now)
                if wait <= 0:
                    return True
                self._changed.wait(wait)
        return False

    def _sweep(self) -> None:
        """One sweep; a database out of reach is one line (the next sweep tries again), not a
        traceback every period for as long as the outage lasts."""
        try:
            self._sweep_once()
        except unreachable(self._sweeps.s.store) as exc:
            log.error(
                "sweep skipped: the database could not be reached: %s: %s (the next sweep "
                "tries again)",
                type(exc).__name__,
                first_line(exc),
            )

    def _sweep_once(self) -> None:
        self._sweeps.expire_due()
        self._sweeps.recover()
        self._sweeps.reminders.remind_approvers()
        self._sweeps.reminders.announce_unreviewed()
        self._sweeps.replies.redraw_stale()  # ended cards Slack did not take: once more
        posted = self._sweeps.post_cardless()
        if posted:
            log.warning("%d request(s) had no card after a stop while posting it", posted)


def _deadlines(detail: dict[str, Any]) -> tuple[datetime | None, datetime | None]:
    """A ``requested`` event's reminder time (None when none is sent) and expiry."""
    try:
        created = parse_time(str(detail["created_at"]))
        policy = PolicySnapshot.model_validate(detail["policy"])
        return rules.reminder_due(created, policy), parse_time(str(detail["expires_at"]))
    except (KeyError, ValueError, TypeError):  # an older event's shape: the period covers it
        return None, None
