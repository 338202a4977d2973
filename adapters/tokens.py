"""A single-flight access-token cache.

Some vendors invalidate the previous token on every login and say not to log in concurrently,
so one cache per vendor account fetches under a lock: twenty threads needing a token at once
cause exactly one login.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass

from adapters.clock import SYSTEM_CLOCK, Clock


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


#: Fetches a new token. Receives the current (expiring) token, if any, so it can refresh it.
TokenFetcher = Callable[[Token | None], Token]


class TokenCache:
    """Holds one token; renews it `margin` seconds before expiry, one fetch at a time."""

    def __init__(
        self, fetch: TokenFetcher, *, clock: Clock = SYSTEM_CLOCK, margin: float = 60.0
    ) -> None:
        self._fetch = fetch
        self._clock = clock
        self._margin = margin
        self._token: Token | None = None
        self._lock = threading.Lock()
        self.fetches = 0

    def get(self) -> str:
        """Return a valid token, fetching (or refreshing) one if needed."""
        with self._lock:
            if self._token is None or self._expiring(self._token):
                self._token = self._fetch(self._token)
                self.fetches += 1
            return self._token.value

    def invalidate(self, value: str) -> None:
        """Forget `value` if it is still the current token (the vendor rejected it).

        Comparing first means that many callers rejected with the same old token cause one
        renewal, not one each.
        """
        with self._lock:
            if self._token is not None and self._token.value == value:
                self._token = None

    def _expiring(self, token: Token) -> bool:
        if token.expires_at is None:
            return False
        return self._clock.monotonic() >= token.expires_at - self._margin
