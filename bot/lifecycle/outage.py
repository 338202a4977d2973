"""A database out of reach, as the lifecycle tells it: the errors that mean it (the engine's
own and `DatabaseUnavailable`), and the first line of one, logged as one line rather than a
traceback by the request jobs (`Replies.guarded`), the lease heartbeat and the sweeper;
`through_outage`, the one loop that waits an outage out (and only an outage: any other error is
raised at once); `recorded`, which keeps trying to record a vendor call's outcome through one
(and `already_unknown`, what a call that ended unknown says of a request found unknown
already)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from typing import Final, TypeVar

from adapters.base import Outcome
from adapters.clock import SYSTEM_CLOCK, Clock
from bot.model import RequestOutcome, RequestRecord
from bot.store import DatabaseUnavailable, Store

log = logging.getLogger(__name__)

T = TypeVar("T")


def unreachable(store: Store) -> tuple[type[BaseException], ...]:
    """The errors that mean `store`'s database could not be had at all."""
    return (*store.engine.unreachable, DatabaseUnavailable)


def first_line(exc: BaseException) -> str:
    """What `exc` says, its first line only (empty when it says nothing)."""
    return (str(exc).strip().splitlines() or [""])[0]


def through_outage(
    store: Store,
    attempt: Callable[[], T],
    waits: Iterable[float],
    *,
    clock: Clock,
    on_outage: Callable[[BaseException, float], bool],
) -> T:
    """`attempt()`, made again after each of `waits` (slept on `clock`) while it fails because
    `store`'s database cannot be reached (`unreachable`). Any other error (a bug, a constraint
    the write broke, a damaged row) is raised at once: making it again would only hide it
    behind an outage that is not there. `on_outage(error, wait)` is told of each outage before
    its wait and says whether to wait and try again; when it says no, that error is raised.
    Once `waits` runs out, `attempt` is made a last time, whatever it raises raised."""
    down = unreachable(store)
    for wait in waits:
        try:
            return attempt()
        except down as exc:
            if not on_outage(exc, wait):
                raise
        clock.sleep(wait)
    return attempt()


#: How long the outcome of a vendor call is retried through an outage before it is given up
#: (the request is then recovered `unknown` once its lease lapses), and the longest wait.
RECORD_PATIENCE_S: Final = 300.0
_LONGEST_WAIT_S: Final = 10.0


def recorded(
    store: Store,
    write: Callable[[], T],
    what: str,
    *,
    said: str = "",
    clock: Clock = SYSTEM_CLOCK,
) -> T:
    """`write` (recording what a vendor call did, which only this process knows), tried again
    while the database cannot be reached (`through_outage`): at once, since a connection the
    server closed (a restart, a failover, ``pg_terminate_backend``) is usually all that failed,
    then with a growing wait, for up to `RECORD_PATIENCE_S`. `write` must be safe to repeat: a
    write whose commit was made but whose answer was lost finds the request already moved.
    Given up, one error line keeps what the vendor `said` (it is recorded nowhere else).

    Raises:
        The last error, once `RECORD_PATIENCE_S` has passed; any error that does not mean an
        outage, at once.
    """
    give_up = clock.monotonic() + RECORD_PATIENCE_S

    def again(exc: BaseException, wait: float) -> bool:
        if clock.monotonic() + wait > give_up:
            log.error(
                "gave up recording %s: the database could not be reached: %s; it is marked "
                "unknown once its lease lapses; the vendor said: %s",
                what,
                first_line(exc) or type(exc).__name__,
                said or "(nothing kept)",
            )
            return False
        log.warning(
            "could not record %s: the database could not be reached: %s: %s; trying again",
            what,
            type(exc).__name__,
            first_line(exc),
        )
        return True

    return through_outage(store, write, _growing_waits(), clock=clock, on_outage=again)


def _growing_waits() -> Iterator[float]:
    """0 (at once), then 0.5 s, doubling up to `_LONGEST_WAIT_S`, for ever."""
    wait = 0.0
    while True:
        yield wait
        wait = min(max(wait * 2, 0.5), _LONGEST_WAIT_S)


def ended(request_id: str, outcome: RequestOutcome) -> str:
    """How a vendor call of `request_id` ended, for the log lines of `recorded`: while the
    database cannot take the outcome (and, should it never, once recovery has called the
    request unknown) the log is the only place that says what the vendor did."""
    said = outcome.summary if isinstance(outcome, Outcome) else getattr(outcome, "message", "")
    return f"how {request_id} ended ({outcome.kind}: {said})"


def already_unknown(current: RequestRecord, outcome: RequestOutcome, detail: object) -> None:
    """A call ended unknown and its request `current` is unknown already (a request is unknown
    once): either this very outcome was recorded by an earlier try of `recorded` whose answer
    was lost, or recovery marked the call unknown once its lease had lapsed; then what this
    call saw (`detail`) goes to the log only."""
    if current.outcome is not None and current.outcome.model_dump() == outcome.model_dump():
        log.info("%s: its unknown outcome had been recorded by an earlier try", current.id)
        return
    log.warning(
        "%s had already been marked unknown by recovery (its lease had lapsed); its call "
        "ended unknown too: %s",
        current.id,
        detail,
    )
