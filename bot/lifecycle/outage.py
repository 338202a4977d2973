"""A database out of reach, as the lifecycle tells it: the errors that mean it (the engine's
own and `DatabaseUnavailable`), and the first line of one, logged as one line rather than a
traceback by the request jobs (`Replies.guarded`), the lease heartbeat and the sweeper."""

from __future__ import annotations

from bot.store import DatabaseUnavailable, Store


def unreachable(store: Store) -> tuple[type[BaseException], ...]:
    """The errors that mean `store`'s database could not be had at all."""
    return (*store.engine.unreachable, DatabaseUnavailable)


def first_line(exc: BaseException) -> str:
    """What `exc` says, its first line only (empty when it says nothing)."""
    return (str(exc).strip().splitlines() or [""])[0]
