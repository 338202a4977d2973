"""The store's side of `adapters.shared`: vendor tokens and rate windows every replica sees.

Both live in small tables of their own (``token_slots``, ``rate_windows``) and are changed in
side transactions (`bot.store.engine.Engine.side`), never under the audit chain's lock. The lock
that makes them single-flight is the row's: ``SELECT … FOR UPDATE`` on PostgreSQL, the
transaction itself on SQLite (``BEGIN IMMEDIATE``: SQLite has one writer at a time). A token
fetch holds it while the vendor's login runs, so replicas wait for one login instead of making
their own. The store keeps the token as it is handed over: the adapters seal it first
(`adapters.sealed`), so the database holds no usable token; it is never logged.
"""

from __future__ import annotations

import bisect
import json
import math
from collections.abc import Callable
from datetime import datetime
from typing import Final

from adapters.shared import SharedFetcher, SharedToken
from bot.store.engine import Db, Engine
from bot.store.rows import format_time

#: Starts a window keeps beyond its current limit (a limit may grow back after a slow-down).
_KEEP: Final = 64

#: How many windows ahead of now a stored start can be and still be some caller's: no queue of
#: callers is longer. A start further ahead (or not finite) can only have come from a rate that
#: was unusable, such as an infinite period; it is read as free now, so the row heals itself.
_REACH_WINDOWS: Final = 10_000


def _locked(engine: Engine, sql: str) -> str:
    return sql + " FOR UPDATE" if engine.kind == "postgresql" else sql


class StoreTokenSlot:
    """One account's token in ``token_slots`` (`adapters.shared.TokenSlot`)."""

    def __init__(self, engine: Engine, account: str, *, now: Callable[[], datetime]) -> None:
        self._engine = engine
        self._account = account
        self._now = now

    def read(self) -> SharedToken | None:
        """The stored token, if any. This is a read-only operation."""
        with self._engine.read() as db:
            return _token(db, self._account, "SELECT * FROM token_slots WHERE account = ?")

    def replace(self, seen: str | None, fetch: SharedFetcher) -> SharedToken:
        """Fetch and store a token unless another replica already replaced `seen`."""
        with self._engine.side() as db:
            db.execute(
                "INSERT INTO token_slots (account, updated_at) VALUES (?, ?) "
                "ON CONFLICT (account) DO NOTHING",
                [self._account, format_time(self._now())],
            )
            sql = _locked(self._engine, "SELECT * FROM token_slots WHERE account = ?")
            current = _token(db, self._account, sql)
            if current is not None and current.value != seen:
                return current
            token = fetch(current)
            db.execute(
                "UPDATE token_slots SET value = ?, expires_at = ?, refresh_token = ?, "
                "refresh_expires_at = ?, updated_at = ? WHERE account = ?",
                [
                    token.value,
                    token.expires_at,
                    token.refresh_token,
                    token.refresh_expires_at,
                    format_time(self._now()),
                    self._account,
                ],
            )
            return token


def _token(db: Db, account: str, sql: str) -> SharedToken | None:
    rows = list(db.query(sql, [account]))
    if not rows or rows[0]["value"] is None:
        return None
    row = rows[0]
    return SharedToken(
        value=row["value"],
        expires_at=row["expires_at"],
        refresh_token=row["refresh_token"],
        refresh_expires_at=row["refresh_expires_at"],
    )


def _reachable(starts: list[float], *, now: float, window: float) -> list[float]:
    """The stored starts a caller may still be waiting for: finite and within
    `_REACH_WINDOWS` windows of now."""
    horizon = now + window * _REACH_WINDOWS
    return [start for start in starts if math.isfinite(start) and start <= horizon]


class StoreRateWindow:
    """One key's call starts in ``rate_windows`` (`adapters.shared.RateWindow`)."""

    def __init__(self, engine: Engine, key: str) -> None:
        self._engine = engine
        self._key = key

    def reserve(self, *, calls: int, window: float, now: float, not_before: float = 0.0) -> float:
        """The next start no `window` seconds of which hold more than `calls` starts.

        Starts are handed out in order (never before the last one reserved), so the stored
        starts stay sorted and the newest `calls` of them decide.
        """
        if not all(math.isfinite(value) for value in (window, now, not_before)):
            raise ValueError("a rate window reserves only finite times")
        with self._engine.side() as db:
            db.execute(
                "INSERT INTO rate_windows (key, starts) VALUES (?, '[]') "
                "ON CONFLICT (key) DO NOTHING",
                [self._key],
            )
            sql = _locked(self._engine, "SELECT starts FROM rate_windows WHERE key = ?")
            stored: list[float] = json.loads(next(iter(db.query(sql, [self._key])))["starts"])
            starts = _reachable(stored, now=now, window=window)
            start = max(now, not_before, starts[-1] if starts else now)
            if len(starts) >= calls:
                start = max(start, starts[-calls] + window)
            bisect.insort(starts, start)
            kept = [s for s in starts[-(calls + _KEEP) :] if s > now - window] or [start]
            db.execute(
                "UPDATE rate_windows SET starts = ? WHERE key = ?", [json.dumps(kept), self._key]
            )
            return start

    def release(self, start: float) -> None:
        """Take back `start`, reserved and never used. Starts reserved after it stay as they
        are: one start fewer can only leave a window with fewer calls."""
        with self._engine.side() as db:
            sql = _locked(self._engine, "SELECT starts FROM rate_windows WHERE key = ?")
            rows = list(db.query(sql, [self._key]))
            starts: list[float] = json.loads(rows[0]["starts"]) if rows else []
            if start in starts:
                starts.remove(start)
                db.execute(
                    "UPDATE rate_windows SET starts = ? WHERE key = ?",
                    [json.dumps(starts), self._key],
                )


class StoreShared:
    """`adapters.shared.Shared` over one store's database."""

    def __init__(self, engine: Engine, *, now: Callable[[], datetime]) -> None:
        self._engine = engine
        self._now = now

    def token_slot(self, account: str) -> StoreTokenSlot:
        """The token slot of `account`."""
        return StoreTokenSlot(self._engine, account, now=self._now)

    def rate_window(self, key: str) -> StoreRateWindow:
        """The rate window of `key`."""
        return StoreRateWindow(self._engine, key)
