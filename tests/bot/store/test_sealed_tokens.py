"""A shared vendor token is kept sealed in the database (`adapters.sealed`), on both engines:
replicas of one application still log in once, and the database alone gives no token away."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import pytest
from vendor_logins import Logins

from adapters.clock import FakeClock
from adapters.errors import NotConfigured
from adapters.sealed import PREFIX, SealedSlot
from adapters.shared import SharedToken
from adapters.tokens import TokenCache
from bot.store import Store

ACCOUNT = "huawei:https://api.example:8743:app-1"
SECRET = "app-secret"


def sealed(store: Store, secret: str = SECRET, account: str = ACCOUNT) -> SealedSlot:
    return SealedSlot(store.shared.token_slot(account), secret=secret, account=account)


def test_replicas_share_one_login_and_the_database_holds_only_sealed_text(
    three_stores: list[Store], clock: FakeClock
) -> None:
    logins = Logins(clock)
    caches = [TokenCache(logins, clock=clock, slot=sealed(store)) for store in three_stores]

    assert [cache.get() for cache in caches] == ["token-1"] * 3
    assert logins.count == 1
    stored = three_stores[0].shared.token_slot(ACCOUNT).read()
    assert stored is not None and stored.refresh_token is not None
    assert stored.value.startswith(PREFIX) and stored.refresh_token.startswith(PREFIX)
    assert "token-1" not in stored.value + stored.refresh_token
    assert "refresh-1" not in stored.value + stored.refresh_token
    opened = sealed(three_stores[1]).read()
    assert opened is not None
    assert (opened.value, opened.refresh_token) == ("token-1", "refresh-1")


def test_a_rejected_token_is_renewed_once_for_every_replica(
    three_stores: list[Store], clock: FakeClock
) -> None:
    logins = Logins(clock)
    caches = [TokenCache(logins, clock=clock, slot=sealed(store)) for store in three_stores]
    for cache in caches:
        cache.get()

    for cache in caches:  # the vendor refused token-1 to each replica in turn
        cache.invalidate("token-1")

    assert [cache.get() for cache in caches] == ["token-2"] * 3
    assert logins.count == 2


def test_a_token_stored_in_plain_text_reads_as_none_and_is_replaced(
    three_stores: list[Store], clock: FakeClock
) -> None:
    plain = three_stores[0].shared.token_slot(ACCOUNT)
    plain.replace(None, lambda current: SharedToken("plain-token", expires_at=clock.now() + 3600))
    logins = Logins(clock)
    cache = TokenCache(logins, clock=clock, slot=sealed(three_stores[1]))

    assert sealed(three_stores[1]).read() is None
    assert (cache.get(), logins.count) == ("token-1", 1)
    stored = plain.read()
    assert stored is not None and stored.value.startswith(PREFIX)


@pytest.mark.parametrize(
    "reader",
    [
        pytest.param({"secret": "another-secret"}, id="another secret"),
        pytest.param({"account": "huawei:https://api.example:8743:app-2"}, id="another slot"),
    ],
)
def test_a_seal_opens_only_with_its_secret_and_in_its_own_slot(
    three_stores: list[Store], clock: FakeClock, reader: dict[str, str]
) -> None:
    TokenCache(Logins(clock), clock=clock, slot=sealed(three_stores[0])).get()
    stored = three_stores[0].shared.token_slot(ACCOUNT).read()
    assert stored is not None
    account = reader.get("account", ACCOUNT)
    if account != ACCOUNT:  # the sealed text copied into another application's slot
        three_stores[1].shared.token_slot(account).replace(None, lambda current: stored)

    other = sealed(three_stores[1], secret=reader.get("secret", SECRET), account=account)

    assert other.read() is None


def test_a_replica_under_another_secret_logs_in_and_replaces_what_it_cannot_open(
    three_stores: list[Store], clock: FakeClock
) -> None:
    logins = Logins(clock)
    TokenCache(logins, clock=clock, slot=sealed(three_stores[0])).get()
    rotated = TokenCache(logins, clock=clock, slot=sealed(three_stores[1], secret="rotated"))

    assert (rotated.get(), logins.count) == ("token-2", 2)
    reopened = sealed(three_stores[2], secret="rotated").read()
    assert reopened is not None and reopened.value == "token-2"


def test_a_tampered_seal_reads_as_none(three_stores: list[Store], clock: FakeClock) -> None:
    TokenCache(Logins(clock), clock=clock, slot=sealed(three_stores[0])).get()
    slot = three_stores[0].shared.token_slot(ACCOUNT)
    stored = slot.read()
    assert stored is not None
    flipped = stored.value[:-2] + ("A" if stored.value[-2] != "A" else "B") + stored.value[-1]
    slot.replace(stored.value, lambda current: replace(stored, value=flipped))

    assert sealed(three_stores[1]).read() is None
    assert (
        sealed(three_stores[1]).replace(None, lambda current: SharedToken("fresh")).value == "fresh"
    )


def test_a_replica_that_saw_an_empty_slot_adopts_the_token_another_stored_meanwhile(
    three_stores: list[Store], clock: FakeClock
) -> None:
    a, b = sealed(three_stores[0]), sealed(three_stores[1])
    assert b.read() is None  # B sees no token...
    a.replace(None, lambda current: SharedToken("from-a", expires_at=clock.now() + 3600))

    # ...and asks to replace "none": A's token is there now, so B adopts it, logging in no more
    adopted = b.replace(None, lambda current: pytest.fail("B logged in over A's token"))

    assert adopted.value == "from-a"


class ForeignSlot:
    """A slot that another replica, under another secret, writes to before every exchange."""

    def __init__(self) -> None:
        self.writes = 0
        self.value = "sealed-v1:AAAA"

    def read(self) -> SharedToken | None:
        return SharedToken(self.value)

    def replace(self, seen: str | None, fetch: Callable[..., SharedToken]) -> SharedToken:
        self.writes += 1
        self.value = f"sealed-v1:{'B' * 4 * self.writes}"  # theirs again, just before ours
        return SharedToken(self.value)


def test_a_slot_others_keep_sealing_under_another_secret_is_a_clear_error() -> None:
    slot = SealedSlot(ForeignSlot(), secret=SECRET, account=ACCOUNT)
    assert slot.read() is None
    with pytest.raises(NotConfigured, match="sealed under another secret") as raised:
        slot.replace(None, lambda current: SharedToken("never asked"))
    assert raised.value.vendor == "huawei"


class OverwrittenSlot(ForeignSlot):
    """Fetches as asked, then another replica (under another secret) overwrites the slot."""

    def replace(self, seen: str | None, fetch: Callable[..., SharedToken]) -> SharedToken:
        fetch(None)
        return super().replace(seen, fetch)


def test_a_token_fetched_then_overwritten_under_another_secret_is_still_the_one_used() -> None:
    """The login happened: its token is valid, whatever another replica wrote over it."""
    logins: list[str] = []

    def login(current: SharedToken | None) -> SharedToken:
        logins.append("login")
        return SharedToken(f"fresh-{len(logins)}")

    slot = SealedSlot(OverwrittenSlot(), secret=SECRET, account=ACCOUNT)
    assert slot.read() is None
    assert slot.replace(None, login).value == "fresh-2"
