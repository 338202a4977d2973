"""A vendor's login for the token-sharing tests: counts its calls; each returns a new token and
refresh token, valid for an hour."""

from __future__ import annotations

import threading

from adapters.clock import FakeClock
from adapters.tokens import Token


class Logins:
    """Each call logs in anew: ``token-<n>`` and ``refresh-<n>``, n counting from 1."""

    def __init__(self, clock: FakeClock) -> None:
        self.clock = clock
        self.count = 0
        self.lock = threading.Lock()

    def __call__(self, current: Token | None) -> Token:
        with self.lock:
            self.count += 1
            expires = self.clock.monotonic() + 3600
            return Token(
                value=f"token-{self.count}",
                expires_at=expires,
                refresh_token=f"refresh-{self.count}",
                refresh_expires_at=expires,
            )
