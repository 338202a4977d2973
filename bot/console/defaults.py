"""Which request a console click without an id means (`approve`, `stop`, `review` …)."""

from __future__ import annotations

from typing import Final

from bot.model import RequestState
from bot.store import Store

#: What each click's default request is waiting for, to say when there is none.
WAITING: Final = {
    "approve": "pending",
    "reject": "pending",
    "withdraw": "pending",
    "stop": "running",
    "review": "break-glass",
}


def default_request(store: Store, word: str) -> str | None:
    """The newest pending request; for `stop` the newest running one; for `review` the
    break-glass request whose review is due first. None when there is none."""
    if word == "review":
        waiting = store.unreviewed_break_glass(limit=1)
        return waiting[0].id if waiting else None
    state = RequestState.EXECUTING if word == "stop" else RequestState.PENDING
    found = [r for r in store.history(limit=50) if r.state is state]
    return found[0].id if found else None
