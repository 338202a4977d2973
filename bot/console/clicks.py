"""Which request a console click without an id means (`approve`, `stop`, `review` …), and
waiting for what a line started without waiting out a long bulk run (so `stop` can reach it)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Final

from bot.console.session import ConsoleSession
from bot.model import RequestState, rules
from bot.store import Store

#: What each click's default request is waiting for, to say when there is none.
WAITING: Final = {
    "approve": "pending",
    "reject": "pending",
    "withdraw": "pending",
    "stop": "running",
    "review": "break-glass",
}
#: How long a line's work may take before a running bulk request is left to run on its own.
SETTLE: Final = 1.0


def default_request(store: Store, word: str) -> str | None:
    """The newest pending request; for `stop` the newest running one; for `review` the
    break-glass request whose review is due first. None when there is none."""
    if word == "review":
        waiting = store.unreviewed_break_glass(limit=1)
        return waiting[0].id if waiting else None
    state = RequestState.EXECUTING if word == "stop" else RequestState.PENDING
    found = [r for r in store.history(limit=50) if r.state is state]
    return found[0].id if found else None


def settle(session: ConsoleSession, say: Callable[[str], None], *, limit: float = 60.0) -> None:
    """Wait until the app has finished what was started, like `ConsoleSession.wait`; but a
    bulk run that Stop could still stop goes on in the background, after saying so, so the
    next line can be ``stop``. Its card's updates keep printing as they come."""
    deadline = time.monotonic() + limit
    while not session.wait(timeout=SETTLE):
        running = _stoppable(session)
        if running is not None:
            say(f"── {running} is still running: `stop` stops it ──")
            return
        if time.monotonic() >= deadline:
            return


def _stoppable(session: ConsoleSession) -> str | None:
    store, services = session.app.store, session.app.service.s
    running = default_request(store, "stop")
    record = store.get(running) if running else None
    if record is None or not rules.stoppable(record, calls=services.vendor_calls(record)):
        return None
    return record.id
