"""A single-flight access-token cache.

Some vendors invalidate the previous token on every login and say not to log in concurrently,
so one cache per vendor account fetches under a lock: twenty threads needing a token at once
cause exactly one login. Given a `adapters.shared.TokenSlot`, the cache is single-flight across
replicas too: it adopts the token another replica stored, and fetches only under the slot's
lock, when the slot still holds the token this replica saw.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from adapters.clock import SYSTEM_CLOCK, Clock
from adapters.shared import SharedToken, TokenSlot


@dataclass(frozen=True)
class Token:
    """An access token and when it stops working.

    Attributes:
        value: The token itself. Never log it.
        expires_at: `Clock.monotonic` time it expires, or None if it never does.
        refresh_token: A token to renew it with, when the vendor issues one.
        refresh_expires_at: When `refresh_token` stops working, if known.
    """

    value: str
    expires_at: float | None = None
    refresh_token: str | None = None
    refresh_expires_at: float | None = None

    def __repr__(self) -> str:  # keeps the token out of logs and tracebacks
        return f"Token(expires_at={self.expires_at!r})"


#: What an HTTP header value may hold: printable ASCII, with no white space at either end.
_HEADER_SAFE = re.compile(r"[\x21-\x7e](?:[\x20-\x7e]*[\x21-\x7e])?")


def header_safe(value: object) -> str | None:
    """`value` when it is a token a request header can carry as it is; None when it is not
    (not a string, empty, or holding a character outside printable ASCII, or white space at
    either end). A token answer holding such a token is no usable answer: no call could carry
    it, and trying would fail only once the call is under way (httpx cannot encode the header;
    the HTTP layer refuses it mid-send), where a mutating call reads as ``unknown`` although
    nothing was sent."""
    if isinstance(value, str) and _HEADER_SAFE.fullmatch(value):
        return value
    return None


#: Fetches a new token. Receives the current (expiring) token, if any, so it can refresh it.
TokenFetcher = Callable[[Token | None], Token]


class TokenCache:
    """Holds one token; renews it `margin` seconds before expiry, one fetch at a time.

    Attributes:
        fetches: How many tokens this cache fetched itself (logins and refreshes).
    """

    def __init__(
        self,
        fetch: TokenFetcher,
        *,
        clock: Clock = SYSTEM_CLOCK,
        margin: float = 60.0,
        slot: TokenSlot | None = None,
    ) -> None:
        """Cache the tokens `fetch` gets; with `slot`, share them with every other replica."""
        self._fetch = fetch
        self._clock = clock
        self._margin = margin
        self._slot = slot
        self._token: Token | None = None
        self._rejected: str | None = None
        self._lock = threading.Lock()
        self.fetches = 0

    def get(self) -> str:
        """Return a valid token, fetching (or refreshing) one if needed."""
        with self._lock:
            if self._token is None or self._expiring(self._token):
                self._token = self._renew()
            return self._token.value

    def invalidate(self, value: str) -> None:
        """Forget `value` if it is still the current token (the vendor rejected it).

        Comparing first means that many callers rejected with the same old token cause one
        renewal, not one each (and, with a slot, one across replicas).
        """
        with self._lock:
            if self._token is not None and self._token.value == value:
                self._token = None
                self._rejected = value

    def _renew(self) -> Token:
        if self._slot is None:
            self.fetches += 1
            return self._fetch(self._token)
        current = self._slot.read()
        if current is not None and self._usable(current):
            return self._local(current)
        stored = self._slot.replace(None if current is None else current.value, self._fetch_shared)
        if not self._usable(stored):  # another replica's, and already stale or rejected here
            stored = self._slot.replace(stored.value, self._fetch_shared)
        return self._local(stored)

    def _fetch_shared(self, current: SharedToken | None) -> SharedToken:
        """Runs under the slot's lock: one fetch for every replica."""
        usable = current is not None and current.value != self._rejected
        token = self._fetch(self._local(current) if usable and current else None)
        self.fetches += 1
        return self._shared(token)

    def _usable(self, shared: SharedToken) -> bool:
        if shared.value == self._rejected:
            return False
        return shared.expires_at is None or self._clock.now() < shared.expires_at - self._margin

    def _local(self, shared: SharedToken) -> Token:
        return _moved(shared, self._clock.monotonic() - self._clock.now(), Token)

    def _shared(self, token: Token) -> SharedToken:
        return _moved(token, self._clock.now() - self._clock.monotonic(), SharedToken)

    def _expiring(self, token: Token) -> bool:
        if token.expires_at is None:
            return False
        return self._clock.monotonic() >= token.expires_at - self._margin


_T = TypeVar("_T", "Token", SharedToken)


def _moved(token: Token | SharedToken, offset: float, kind: type[_T]) -> _T:
    """`token` as a `kind`: its times moved by `offset`, between the monotonic clock (a
    `Token`'s) and the wall clock (a `SharedToken`'s); None (never) stays None."""
    return kind(
        value=token.value,
        expires_at=None if token.expires_at is None else token.expires_at + offset,
        refresh_token=token.refresh_token,
        refresh_expires_at=(
            None if token.refresh_expires_at is None else token.refresh_expires_at + offset
        ),
    )
