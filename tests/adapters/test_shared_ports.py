"""The rate limiter and token cache with a shared window or slot (`adapters.shared`), against
hand-written fakes of the ports: what they ask of the port, and what they do with its answer."""

from __future__ import annotations

from adapters.clock import FakeClock
from adapters.ratelimit import RateLimiter
from adapters.shared import SharedFetcher, SharedToken
from adapters.tokens import Token, TokenCache


class FakeWindow:
    """Grants every start asked for `delay` seconds after the later of now and not_before."""

    def __init__(self, delay: float = 0.0) -> None:
        self.delay = delay
        self.asked: list[dict[str, float]] = []

    def reserve(self, *, calls: int, window: float, now: float, not_before: float = 0.0) -> float:
        self.asked.append({"calls": calls, "window": window, "now": now, "not_before": not_before})
        return max(now, not_before) + self.delay

    def release(self, start: float) -> None:
        raise ConnectionError("the database is down")


def test_a_stopped_wait_whose_turn_cannot_be_given_back_is_still_not_sent() -> None:
    # The turn stays reserved (a turn unused, never a call too many); the caller is told
    # "not sent", never an error from the database that would make its call `unknown`.
    clock = FakeClock()
    limiter = RateLimiter(calls=1, period=60.0, clock=clock, shared=FakeWindow(delay=30.0))

    assert limiter.acquire_unless(lambda: True) is False


def test_a_shared_limiter_waits_until_the_start_the_window_reserved() -> None:
    clock, window = FakeClock(), FakeWindow(delay=0.7)
    limiter = RateLimiter(calls=10, period=1.0, clock=clock, margin=0.05, shared=window)
    start = clock.now()

    waited = limiter.acquire()

    assert abs(waited - 0.7) < 1e-6 and abs(clock.now() - (start + 0.7)) < 1e-6
    [asked] = window.asked
    assert asked["calls"] == 10 and abs(asked["window"] - 1.05) < 1e-9


def test_a_throttled_shared_limiter_asks_for_fewer_calls_after_its_pause() -> None:
    clock, window = FakeClock(), FakeWindow()
    limiter = RateLimiter(calls=10, period=1.0, clock=clock, shared=window)
    limiter.slow_down(pause=2.0)

    limiter.acquire()

    [asked] = window.asked
    assert asked["calls"] == 7 and asked["not_before"] == asked["now"] + 2.0


class FakeSlot:
    """A token slot in memory, as the store keeps it."""

    def __init__(self, token: SharedToken | None = None) -> None:
        self.token = token
        self.replaced = 0

    def read(self) -> SharedToken | None:
        return self.token

    def replace(self, seen: str | None, fetch: SharedFetcher) -> SharedToken:
        if self.token is not None and self.token.value != seen:
            return self.token
        self.token = fetch(self.token)
        self.replaced += 1
        return self.token


def test_a_cache_adopts_the_token_another_replica_stored() -> None:
    clock = FakeClock()
    slot = FakeSlot(SharedToken("theirs", expires_at=clock.now() + 3600))
    cache = TokenCache(lambda current: Token("mine"), clock=clock, slot=slot)

    assert (cache.get(), cache.fetches, slot.replaced) == ("theirs", 0, 0)


def test_a_stored_token_lives_on_the_wall_clock_and_is_used_on_the_monotonic_one() -> None:
    clock = FakeClock()
    slot = FakeSlot()
    cache = TokenCache(
        lambda current: Token("t-1", expires_at=clock.monotonic() + 600), clock=clock, slot=slot
    )

    assert cache.get() == "t-1"
    assert slot.token is not None and slot.token.expires_at == clock.now() + 600


def test_a_refused_token_is_not_adopted_again_and_refresh_gets_nothing_refused() -> None:
    clock = FakeClock()
    slot = FakeSlot(SharedToken("old", expires_at=clock.now() + 3600))
    given: list[Token | None] = []

    def fetch(current: Token | None) -> Token:
        given.append(current)
        return Token("new", expires_at=clock.monotonic() + 3600)

    cache = TokenCache(fetch, clock=clock, slot=slot)
    assert cache.get() == "old"
    cache.invalidate("old")

    assert cache.get() == "new"
    assert given == [None]  # the refused token is not offered for a refresh


class BootedClock(FakeClock):
    """A clock whose monotonic time counts from boot, far from the wall clock, as a real one."""

    def monotonic(self) -> float:
        return self.now() - 1_700_000_000.0


def test_a_token_crosses_between_the_clocks_both_ways() -> None:
    clock = BootedClock()
    slot = FakeSlot(SharedToken("theirs", expires_at=clock.now() + 3600))
    fetched: list[Token | None] = []

    def fetch(current: Token | None) -> Token:
        fetched.append(current)
        return Token("mine", expires_at=clock.monotonic() + 600)

    cache = TokenCache(fetch, clock=clock, slot=slot, margin=60.0)
    assert cache.get() == "theirs"  # adopted: an hour left on the wall clock
    clock.advance(3600 - 30)  # inside the margin: renewed, given the adopted token
    assert cache.get() == "mine"
    assert fetched[0] is not None and fetched[0].expires_at == clock.monotonic() + 30
    assert slot.token is not None and slot.token.expires_at == clock.now() + 600
