"""The store reads a vendor call makes, waiting out a database that is briefly unavailable.

Before the call, the request is checked against its audit record; before each call of a bulk
run, the store is asked whether Stop was pressed (SPEC §8; a shutdown stops it too, §13). A read
that fails because the database cannot be reached is asked again after each of
`READ_AGAIN_AFTER` (on the service clock; `outage.through_outage`); one that fails otherwise (a
bug, a damaged row) is not asked again, as no wait would change its answer. One that keeps
failing never raises into the call, which would lose what a run had done:

- the check before the call fails the request with nothing sent (`unchecked`): it is never
  `unknown`, as a call nobody made cannot have done anything;
- the stop signal answers "send no more": opsgate cannot tell whether Stop was pressed, so it
  sends no more calls rather than risk one after a Stop (those not sent are counted as such,
  and Request again offers them; the outcome's summary says why, `RunStop.explained`).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from functools import partial
from typing import Final, TypeVar, cast

from adapters.base import Outcome
from adapters.clock import Clock
from bot.lifecycle.outage import first_line, through_outage, unreachable
from bot.lifecycle.services import Shutdown
from bot.model import INTEGRITY_ERROR, FailedOutcome, RequestRecord
from bot.store import Store, integrity_failure

log = logging.getLogger(__name__)
T = TypeVar("T")

#: Seconds to wait before each new read when the store could not be read.
READ_AGAIN_AFTER: Final = (0.5, 1.0, 2.0)


def patiently(
    store: Store, read: Callable[[], T], clock: Clock, *, what: str, give_up: Callable[[], bool]
) -> T:
    """`read()`, asked again after each wait of `READ_AGAIN_AFTER` while `store`'s database
    cannot be reached (unless `give_up` says to stop waiting); the last error is raised, and any
    error that does not mean an outage at once."""

    def again(exc: BaseException, wait: float) -> bool:
        log.warning("could not read %s (%s); asking again in %.1f s", what, exc, wait)
        return True

    def waits() -> Iterator[float]:
        for wait in READ_AGAIN_AFTER:
            yield wait  # the read failed, was logged and waited out when this resumes
            if give_up():
                return

    return through_outage(store, read, waits(), clock=clock, on_outage=again)


class RunStop:
    """The run's stop signal (`adapters.base.StopSignal`): never raises. Once it gave up
    reading the store it says "send no more" at once: every later batch would wait out the
    same reads again."""

    def __init__(self, store: Store, request_id: str, shutdown: Shutdown, clock: Clock) -> None:
        self._store, self._id, self._shutdown, self._clock = store, request_id, shutdown, clock
        self._gave_up = threading.Event()  # once it could not read the store, it sends no more
        self._unread = UNREAD_STOP  # why, for the outcome's summary (`explained`)

    def __call__(self) -> bool:
        if self._shutdown.begun or self._gave_up.is_set():
            return True
        what = f"whether {self._id} was stopped"
        try:
            asked = patiently(
                self._store,
                lambda: self._store.stop_requested(self._id),
                self._clock,
                what=what,
                give_up=lambda: self._shutdown.begun,
            )
        except Exception as exc:  # not known to be unstopped: no more calls are sent
            if isinstance(exc, unreachable(self._store)):
                log.error("could not read %s (%s); sending no more of its calls", what, exc)
            else:  # not an outage (a bug, a damaged row): its traceback is what helps
                log.exception("could not read %s; sending no more of its calls", what)
                self._unread = unchecked_stop(exc)
            self._gave_up.set()
            return True
        return self._shutdown.begun or asked

    def explained(self, outcome: T) -> T:
        """`outcome`, its summary saying why calls were not sent when the store could not be
        read: its failures say only that the run was stopped, which nobody may have done."""
        gave_up = self._gave_up.is_set()
        if not (gave_up and isinstance(outcome, Outcome) and outcome.counts.not_sent):
            return outcome
        summary = f"{outcome.summary} ({self._unread})"
        return cast(T, outcome.model_copy(update={"summary": summary}))


#: Why a run sent no more calls when its database could not be reached to say whether Stop
#: was pressed (`unchecked_stop` when the read failed otherwise).
UNREAD_STOP: Final = (
    "opsgate sent no more calls: it could not read its database to check whether Stop was pressed"
)


def unchecked_stop(error: Exception) -> str:
    """Why a run sent no more calls when reading whether Stop was pressed failed for another
    reason than an outage (a bug, a damaged row): worded as `unchecked` words such a failure of
    the check before the call, as the database did answer."""
    said = first_line(error) or type(error).__name__
    return (
        "opsgate sent no more calls: it could not check whether Stop was pressed "
        f"({said}; its log has the error)"
    )


def stop_signal(store: Store, request_id: str, shutdown: Shutdown, clock: Clock) -> RunStop:
    """The stop signal of `request_id`'s run (`RunStop`)."""
    return RunStop(store, request_id, shutdown, clock)


def checked_before_call(store: Store, record: RequestRecord, clock: Clock) -> FailedOutcome | None:
    """Why `record`'s vendor call must not be made (its stored form disagrees with its audit
    record, or that record could not be read), as its outcome; None when it may be made."""
    try:
        problem = patiently(
            store,
            partial(store.integrity_problem, record),
            clock,
            what=f"{record.id}'s audit record",
            give_up=lambda: False,
        )
    except Exception as exc:  # nothing is sent: the request fails, it is never `unknown`
        log.exception("could not check %s against its audit record", record.id)
        return unchecked(exc, outage=isinstance(exc, unreachable(store)))
    return None if problem is None else integrity_failure(problem)


def unchecked(error: Exception, *, outage: bool = True) -> FailedOutcome:
    """The outcome of a request whose audit record could not be read before its vendor call
    (`outage`: its database could not be reached; otherwise the read failed for another
    reason, which waiting would not mend, and the check failed: error ``integrity``): failed,
    with nothing sent."""
    said = first_line(error) or type(error).__name__
    if outage:
        return FailedOutcome(
            error="DatabaseUnavailable",
            message=(
                "opsgate could not read this request's audit record before the vendor call, so "
                f"nothing was sent ({said})"
            ),
            next_step="Request it again once opsgate's database answers.",
        )
    # An integrity failure: the check failed, so opsgate cannot vouch for the stored request,
    # and its card offers no Request again filled in from it (`rules.offers_again`).
    return FailedOutcome(
        error=INTEGRITY_ERROR,
        message=(
            "opsgate could not check this request against its audit record before the vendor "
            f"call, so nothing was sent ({said})"
        ),
        next_step=(
            "Run `opsgate audit verify` and tell whoever runs opsgate (its log has the error); "
            "once it is explained, type the request again (this card offers no Request again: "
            "its stored form could not be checked)."
        ),
    )
