"""A client-side limiter that keeps calls under a vendor's documented rate.

It is a sliding-window log: at most `calls` starts in any `period` seconds, which is the strictest
reading of "N calls per period" a vendor can apply, so a bulk run never trips the vendor's limit.
A throttling answer anyway (another process sharing the account) `slow_down`s the limiter; after
`recover_after` quiet windows it returns to the documented rate.

Given a `adapters.shared.RateWindow`, the window's starts are kept there instead, shared by every
replica calling the account: the limit then holds in total, not per replica. Pauses and the
reduced limit after `slow_down` stay this process's own. A start reserved by a wait that is
then told to stop (`acquire_unless`) is given back, so other callers need not wait behind it.

`process_limiter` hands out the one limiter of an account in this process, so every adapter
calling with the same credentials draws from one budget.
"""

from __future__ import annotations

import logging
import threading
import weakref
from collections import deque
from collections.abc import Callable, Hashable

from adapters.clock import SYSTEM_CLOCK, Clock
from adapters.shared import RateWindow

logger = logging.getLogger(__name__)

#: Seconds a wait for the limiter sleeps at most before asking again whether to stop.
STOP_POLL_S = 0.5


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
        shared: RateWindow | None = None,
    ) -> None:
        """Allow `calls` per `period` seconds.

        `margin` widens the window slightly (a fraction of `period`) so network jitter between
        us and the vendor cannot squeeze two windows into one. `recover_after` is how many
        periods without a throttle restore the full rate after `slow_down`. `shared` keeps the
        window in a place every replica reserves from (see the module docstring).
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
        self._shared = shared
        self._lock = threading.Lock()

    def acquire(self) -> float:
        """Wait until a call may start, and count it. Returns the seconds waited."""
        waited = self._acquire(None)
        return 0.0 if waited is None else waited  # never None: nothing stops it

    def acquire_unless(self, stop: Callable[[], bool]) -> bool:
        """`acquire`, asking `stop` after every `STOP_POLL_S` seconds of the wait: False, with
        no call counted, once it says to send no more (Stop, or a shutdown: a wait for a
        60 s window must not outlast the shutdown grace)."""
        return self._acquire(stop) is not None

    def _acquire(self, stop: Callable[[], bool] | None) -> float | None:
        if self._shared is not None:
            return self._acquire_shared(self._shared, stop)
        waited = 0.0
        while True:
            with self._lock:
                delay = self._delay(self._clock.monotonic())
                if delay <= 0:
                    self._starts.append(self._clock.monotonic())
                    return waited
            slept = self._nap(delay, stop)
            if slept is None:
                return None
            waited += slept

    def _acquire_shared(self, shared: RateWindow, stop: Callable[[], bool] | None) -> float | None:
        with self._lock:
            monotonic, now = self._clock.monotonic(), self._clock.now()
            self._recover(monotonic)
            limit, not_before = self._limit, self._paused_until - monotonic + now
        start = shared.reserve(calls=limit, window=self._window, now=now, not_before=not_before)
        wait = left = max(0.0, start - self._clock.now())
        while left > 0:
            slept = self._nap(left, stop)
            if slept is None:  # its turn, never used, is given back for other callers to take
                _give_back(shared, start)
                return None
            left -= slept
        return wait

    def _nap(self, seconds: float, stop: Callable[[], bool] | None) -> float | None:
        """Sleep `seconds` (with `stop`, at most `STOP_POLL_S` of them); None once `stop` says
        to send no more."""
        if stop is not None:
            seconds = min(seconds, STOP_POLL_S)
        self._clock.sleep(seconds)
        return None if stop is not None and stop() else seconds

    def _recover(self, now: float) -> None:
        if self._limit < self.calls and now - self._paused_until >= self._recover_after:
            self._limit = self.calls  # quiet long enough: whoever competed with us has gone

    def _delay(self, now: float) -> float:
        while self._starts and now - self._starts[0] >= self._window:
            self._starts.popleft()
        self._recover(now)
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


def _give_back(shared: RateWindow, start: float) -> None:
    try:
        shared.release(start)
    except Exception as exc:  # it stays reserved: a turn unused, never a call too many
        logger.warning("could not give back a reserved turn of the rate limit: %s", exc)


# Weak values: a limiter lives as long as an adapter holds it. It holds its clock, so the clock's
# id in the key cannot be reused while the entry exists.
_process: weakref.WeakValueDictionary[tuple[Hashable, int], RateLimiter] = (
    weakref.WeakValueDictionary()
)
_process_lock = threading.Lock()


def process_limiter(
    key: Hashable, *, clock: Clock, build: Callable[[], RateLimiter]
) -> RateLimiter:
    """The one limiter of `key` (e.g. ``("<vendor>", <account>)``) and `clock` in this process.

    The first caller's `build` makes it (on `clock`); later callers get the same object while
    any holds it. Per clock, so tests on fake clocks stay apart.
    """
    with _process_lock:
        limiter = _process.get((key, id(clock)))
        if limiter is None:
            limiter = build()
            _process[(key, id(clock))] = limiter
        return limiter
