"""Vendor tokens, rate windows and user-group changes shared through the database (SPEC §13),
on both engines: replicas are separate stores on one database, as separate processes are."""

from __future__ import annotations

import json
import math
import threading

import pytest
from vendor_logins import Logins

from adapters.clock import FakeClock
from adapters.ratelimit import RateLimiter
from adapters.shared import SharedToken
from adapters.tokens import TokenCache
from bot.store import Store

ACCOUNT = "acme:https://api.example:8743:app-1"


def test_the_slot_fetches_only_when_it_still_holds_what_the_replica_saw(
    three_stores: list[Store],
) -> None:
    a, b, _ = (store.shared.token_slot(ACCOUNT) for store in three_stores)
    assert a.read() is None

    first = a.replace(None, lambda current: SharedToken("t-1", expires_at=100.0))
    again = b.replace(None, lambda current: pytest.fail("another replica already fetched"))
    renewed = b.replace("t-1", lambda current: SharedToken("t-2", refresh_token="r-2"))

    assert (first.value, again.value, renewed.value) == ("t-1", "t-1", "t-2")
    assert a.read() == SharedToken("t-2", refresh_token="r-2")
    assert "t-2" not in repr(a.read())  # never in logs


def test_a_failed_fetch_leaves_the_slot_as_it_was(three_stores: list[Store]) -> None:
    slot = three_stores[0].shared.token_slot(ACCOUNT)
    slot.replace(None, lambda current: SharedToken("t-1"))

    def refused(current: SharedToken | None) -> SharedToken:
        raise RuntimeError("login refused")

    with pytest.raises(RuntimeError, match="refused"):
        slot.replace("t-1", refused)
    assert slot.read() == SharedToken("t-1")


def test_three_replicas_with_many_threads_log_in_once(
    three_stores: list[Store], clock: FakeClock
) -> None:
    logins = Logins(clock)
    caches = [
        TokenCache(logins, clock=clock, slot=store.shared.token_slot(ACCOUNT))
        for store in three_stores
    ]
    barrier = threading.Barrier(12)
    seen: list[str] = []

    def need_a_token(cache: TokenCache) -> None:
        barrier.wait()
        seen.append(cache.get())

    threads = [threading.Thread(target=need_a_token, args=(c,)) for c in caches * 4]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert (logins.count, set(seen)) == (1, {"token-1"})


def test_a_token_refused_in_one_replica_is_renewed_once_for_all(
    three_stores: list[Store], clock: FakeClock
) -> None:
    logins = Logins(clock)
    a, b, c = (
        TokenCache(logins, clock=clock, slot=store.shared.token_slot(ACCOUNT))
        for store in three_stores
    )
    old = a.get()
    assert b.get() == c.get() == old

    a.invalidate(old)  # the vendor refused it
    b.invalidate(old)  # ... in another replica too
    renewed = a.get()

    assert renewed != old and b.get() == renewed
    assert logins.count == 2


def test_an_expiring_shared_token_is_renewed_once(
    three_stores: list[Store], clock: FakeClock
) -> None:
    logins = Logins(clock)
    a, b, _ = (
        TokenCache(logins, clock=clock, slot=store.shared.token_slot(ACCOUNT))
        for store in three_stores
    )
    first = a.get()
    clock.advance(3600 - 30)  # inside the renewal margin

    assert b.get() == a.get() != first
    assert logins.count == 2


def starts_in_any_window(starts: list[float], window: float) -> int:
    return max(sum(1 for s in starts if t <= s < t + window) for t in starts)


def test_a_rate_window_holds_in_total_across_replicas(
    three_stores: list[Store], clock: FakeClock
) -> None:
    windows = [store.shared.rate_window("acme:key-1") for store in three_stores]
    now = clock.now()

    starts = [windows[n % 3].reserve(calls=10, window=1.0, now=now) for n in range(25)]

    assert starts == sorted(starts)
    assert starts_in_any_window(starts, 1.0) == 10
    assert (starts[9], starts[10], starts[20]) == (now, now + 1.0, now + 2.0)
    other = three_stores[0].shared.rate_window("acme:key-2")  # another account: its own budget
    assert other.reserve(calls=10, window=1.0, now=now) == now


def test_a_turn_reserved_for_a_call_told_to_stop_while_waiting_is_given_back(
    three_stores: list[Store], clock: FakeClock
) -> None:
    # Two replicas of one Huawei application (2 calls per 60 s here): replica A's third call
    # waits for the next window and is told to stop (SIGTERM, or Stop) before its turn. It is
    # never sent, so replica B may use that turn: B's two calls go out in the next window,
    # not one of them a whole window later.
    a, b = (
        RateLimiter(calls=2, period=60.0, clock=clock, shared=store.shared.rate_window("hw:app"))
        for store in three_stores[:2]
    )
    a.acquire()
    a.acquire()
    assert not a.acquire_unless(lambda: True)  # stopped while waiting: not sent

    first, second = b.acquire(), b.acquire()

    assert first > 0 and second == 0.0  # both in the next window


def test_a_rate_window_waits_out_a_pause(three_stores: list[Store], clock: FakeClock) -> None:
    window = three_stores[0].shared.rate_window("acme:key-1")
    now = clock.now()

    assert window.reserve(calls=10, window=1.0, now=now, not_before=now + 5) == now + 5


@pytest.mark.parametrize("poison", ["[Infinity]", "[1e300]", "[-Infinity, NaN, 1e300]"])
def test_a_start_no_caller_could_wait_for_is_read_as_free_and_heals(
    three_stores: list[Store], clock: FakeClock, poison: str
) -> None:
    # Such a row is left by a rate whose window was infinite or absurdly long.
    with three_stores[0].engine.side() as db:
        db.execute("INSERT INTO rate_windows (key, starts) VALUES (?, ?)", ["acme:key-1", poison])
    window = three_stores[1].shared.rate_window("acme:key-1")
    now = clock.now()

    assert window.reserve(calls=1, window=1.0, now=now) == now
    assert window.reserve(calls=1, window=1.0, now=now) == now + 1.0
    with three_stores[0].engine.read() as db:
        row = next(iter(db.query("SELECT starts FROM rate_windows WHERE key = ?", ["acme:key-1"])))
    assert json.loads(row["starts"]) == [now, now + 1.0]


def test_a_rate_window_never_stores_a_time_that_is_not_finite(three_stores: list[Store]) -> None:
    window = three_stores[0].shared.rate_window("acme:key-1")
    with pytest.raises(ValueError, match="finite"):
        window.reserve(calls=1, window=math.inf, now=1.0)
    assert window.reserve(calls=1, window=1.0, now=1.0) == 1.0


def test_a_user_group_change_is_seen_by_every_replica(three_stores: list[Store]) -> None:
    one, two, three = (store.group_versions for store in three_stores)
    assert (one.version("S0LEADS"), two.version("S0LEADS")) == ("0", "0")
    one.changed("S0LEADS")
    first = three.version("S0LEADS")
    assert first != "0" and {one.version("S0LEADS"), two.version("S0LEADS")} == {first}
    two.changed("S0LEADS")
    assert three.version("S0LEADS") != first  # every change is a new version
    assert three.version("S0OTHER") == "0"


def test_a_version_written_by_hand_never_freezes_the_group(three_stores: list[Store]) -> None:
    # A counter could be stuck at its largest value; a version is drawn anew each change.
    versions = three_stores[0].group_versions
    versions.changed("S0LEADS")
    with three_stores[0].engine.side() as db:
        db.execute(
            "UPDATE group_changes SET version = ? WHERE group_id = ?", [2**31 - 1, "S0LEADS"]
        )
    seen = {versions.version("S0LEADS")}
    for _ in range(3):
        versions.changed("S0LEADS")
        seen.add(versions.version("S0LEADS"))
    assert len(seen) >= 3
