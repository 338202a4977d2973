"""A client-side limiter that keeps calls under a vendor's documented rate.

It is a sliding-window log: at most `calls` starts in any `period` seconds, which is the strictest
reading of "N calls per period" a vendor can apply, so a bulk run never trips the vendor's limit.
A throttling answer anyway (another process sharing the account) `slow_down`s the limiter; after
`recover_after` quiet windows it returns to the documented rate.
"""

from __future__ import annotations

import threading
from collections import deque

from adapters.clock import SYSTEM_CLOCK, Clock


class RateLimiter:
    """Blocks `acquire` until a call may start. Thread-safe; share one per vendor account."""

    def __init__(
        self,
        *,
        calls: int,
        period: float,
        clock: Clock = SYSTEM_CLOCK,
        margin: float = 0.02,
        recover_after: int = 10,
    ) -> None:
        """Allow `calls` per `period` seconds.

        `margin` widens the window slightly (a fraction of `period`) so network jitter between
        us and the vendor cannot squeeze two windows into one. `recover_after` is how many
        periods without a throttle restore the full rate after `slow_down`.
        """
        if calls < 1 or period <= 0:
            raise ValueError("a rate limit needs calls >= 1 and period > 0")
        self.calls = calls
        self.period = period
        self._window = period * (1 + margin)
        self._clock = clock
        self._starts: deque[float] = deque()
        self._paused_until = 0.0
        self._limit = calls
        self._recover_after = period * recover_after
        self._lock = threading.Lock()

    def acquire(self) -> float:
        """Wait until a call may start, and count it. Returns the seconds waited."""
        waited = 0.0
        while True:
            with self._lock:
                delay = self._delay(self._clock.monotonic())
                if delay <= 0:
                    self._starts.append(self._clock.monotonic())
                    return waited
            self._clock.sleep(delay)
            waited += delay

    def _delay(self, now: float) -> float:
        while self._starts and now - self._starts[0] >= self._window:
            self._starts.popleft()
        if self._limit < self.calls and now - self._paused_until >= self._recover_after:
            self._limit = self.calls  # quiet long enough: whoever competed with us has gone
        if now < self._paused_until:
            return self._paused_until - now
        if len(self._starts) < self._limit:
            return 0.0
        return self._starts[-self._limit] + self._window - now

    def slow_down(self, pause: float | None = None) -> None:
        """The vendor throttled us anyway: pause every caller, and allow a quarter fewer calls
        per window from now on (never fewer than one).

        Calls throttled together report it together; only the first report of a pause cuts the
        limit, so N simultaneous throttles cost one quarter, not (3/4)^N.
        """
        with self._lock:
            now = self._clock.monotonic()
            if now >= self._paused_until:
                self._limit = max(1, (self._limit * 3) // 4)
            self._paused_until = max(
                self._paused_until, now + (self.period if pause is None else pause)
            )

    @property
    def limit(self) -> int:
        """Calls currently allowed per window (lower than `calls` after `slow_down`)."""
        return self._limit
