"""What replicas share, as ports the adapters use without knowing where it is kept.

Several opsgate replicas may call one vendor account. Two things must then be shared, not kept
per process:

- a **token** the vendor keeps one of per application (a login invalidates the previous one):
  `TokenSlot`, used by `adapters.tokens.TokenCache` when given one, so all replicas log in once
  and use the same token;
- a **rate limit** per account: `RateWindow`, used by `adapters.ratelimit.RateLimiter` when
  given one, so the account's calls per period hold in total, not per replica.

`Shared` hands out both by name. opsgate's store implements it in its database (``bot.store``);
adapters never import the store. Times here are wall-clock seconds since the epoch
(`adapters.clock.Clock.now`): monotonic clocks are not comparable between processes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class SharedToken:
    """A token as every replica sees it.

    Attributes:
        value: The token itself. Never log it.
        expires_at: Wall-clock time it expires, or None if it never does.
        refresh_token: A token to renew it with, when the vendor issues one. Never log it.
        refresh_expires_at: Wall-clock time `refresh_token` stops working, if known.
    """

    value: str
    expires_at: float | None = None
    refresh_token: str | None = None
    refresh_expires_at: float | None = None

    def __repr__(self) -> str:  # keeps the token out of logs and tracebacks
        return f"SharedToken(expires_at={self.expires_at!r})"


#: Gets a new token, given the one in the slot (to refresh it), if any.
SharedFetcher = Callable[[SharedToken | None], SharedToken]


class TokenSlot(Protocol):
    """One account's token, shared by every replica."""

    def read(self) -> SharedToken | None:
        """The token in the slot, if any (valid or not: the caller judges)."""
        ...

    def replace(self, seen: str | None, fetch: SharedFetcher) -> SharedToken:
        """Under a lock every replica respects: if the slot still holds `seen` (the value this
        replica saw; None: it saw none), store and return ``fetch(current)``; otherwise another
        replica replaced it meanwhile, and its token is returned without fetching.

        Raises:
            Whatever `fetch` raises; the slot is then unchanged.
        """
        ...


class RateWindow(Protocol):
    """One account's sliding window of call starts, shared by every replica."""

    def reserve(self, *, calls: int, window: float, now: float, not_before: float = 0.0) -> float:
        """Reserve the next start time (wall clock) at or after `now` and `not_before` such that
        no `window` seconds hold more than `calls` starts, counting every replica's. The caller
        waits until then, then calls."""
        ...

    def release(self, start: float) -> None:
        """Give back `start`, reserved and then not used (its caller was told to stop while it
        waited): later reservations may take it. A start no longer stored is ignored."""
        ...


class Shared(Protocol):
    """Where replicas share tokens and rate windows (opsgate's database)."""

    def token_slot(self, account: str) -> TokenSlot:
        """The token slot of `account` (e.g. ``"<vendor>:<base url>:<app id>"``)."""
        ...

    def rate_window(self, key: str) -> RateWindow:
        """The rate window of `key` (e.g. ``"<vendor>:<account>"``)."""
        ...
