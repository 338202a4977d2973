"""The executors that run slow work (previews, vendor calls, card updates) after Slack's ack."""

from __future__ import annotations

import contextvars
import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial
from typing import Final

from bot.lifecycle.lanes import Lanes, Place

log = logging.getLogger(__name__)

#: The fewest threads of the preview pool, and the share of it one vendor's previews may hold
#: (a quarter): even with a single worker, one vendor that never answers leaves three previews
#: of other vendors running.
MIN_PREVIEW_WORKERS: Final = 4
VENDOR_SHARE: Final = 4

#: The longest that Slack-only work and an outcome's bookkeeping wait for decisions to go
#: first: long enough for a burst of clicks to reach their vendors, short enough that a card
#: is never left stale for long when work keeps coming.
STEP_ASIDE_S: Final = 1.0

# Whether the job running in this context still counts as a decision not yet at its vendor.
_deciding: contextvars.ContextVar[bool] = contextvars.ContextVar("opsgate_deciding", default=False)
# Whether the job running in this context is a preview not yet at a run's vendor call.
_taking_in: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "opsgate_taking_in", default=False
)


@dataclass(frozen=True)
class _Queued:
    """A preview's job, and its submitter's context to run it in (the job may start later, from
    another job's thread)."""

    job: Callable[[], None]
    context: contextvars.Context


# The lane place of the preview job running in this context (None outside one).
_place: contextvars.ContextVar[Place[_Queued] | None] = contextvars.ContextVar("opsgate_place")


class Runner:
    """Four sized thread pools that log failures and can be waited on together until idle.

    Bolt's own listener executor only has to run acks; everything slow is submitted here, so a
    slow vendor can never hold up Slack's 3-second acknowledgement. Work that only talks to
    Slack (redrawing a card, a direct message) has a pool of its own (`submit_slack`), so a
    slow Slack never holds up a decision or a vendor call either; so does what follows a vendor
    call (`submit_after`). So do previews (`submit_preview`), a few of each vendor's at a time:
    a vendor that answers slowly, or never, holds no thread that a click or another vendor's
    request needs.

    Decisions go first. A job on the main pool counts as *deciding* from when it is submitted
    until it reaches its vendor call (`reached_vendor`) or ends. Slack-only work, and what
    follows a vendor call (`submit_after`), wait until nothing is deciding (at most
    `STEP_ASIDE_S`): in a burst of clicks every interpreter cycle goes to getting the
    approved calls out, and the cards catch up right after. Only Python's one interpreter is
    shared, so the order of the work is what decides how long the last click waits.
    """

    def __init__(
        self,
        *,
        workers: int,
        slack_workers: int | None = None,
        preview_workers: int | None = None,
        step_aside: float = STEP_ASIDE_S,
    ) -> None:
        """`workers` threads for decisions and vendor calls; `slack_workers` for Slack-only
        work, by default a quarter as many (at least 4): card redraws mostly wait on Slack;
        `preview_workers` for previews, by default as many as `workers` (at least
        `MIN_PREVIEW_WORKERS`), of which one vendor's hold at most a `VENDOR_SHARE`th."""
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="opsgate-work")
        small = slack_workers or max(4, workers // 4)
        self._slack = ThreadPoolExecutor(max_workers=small, thread_name_prefix="opsgate-slack")
        self._after = ThreadPoolExecutor(max_workers=small, thread_name_prefix="opsgate-after")
        previews = preview_workers or max(MIN_PREVIEW_WORKERS, workers)
        self._previews = ThreadPoolExecutor(
            max_workers=previews, thread_name_prefix="opsgate-preview"
        )
        self._lanes: Lanes[_Queued] = Lanes(width=max(1, previews // VENDOR_SHARE))
        self._step_aside = step_aside
        self._pending = 0
        self._deciding = 0
        self._previewing = 0  # previews submitted and not yet ended
        self._idle = threading.Condition()

    def submit(self, job: Callable[[], None]) -> None:
        """Run `job` on a worker; an exception is logged, never lost silently."""
        with self._idle:
            self._deciding += 1
        self._submit(self._pool, lambda: self._decide(job))

    def submit_slack(self, job: Callable[[], None]) -> None:
        """Run `job`, which only talks to Slack, on the Slack pool once decisions have gone
        first; exceptions are logged."""
        self._submit(self._slack, lambda: self._after_decisions_then(job))

    def submit_after(self, job: Callable[[], None]) -> None:
        """Run `job` (what follows a decision, such as recording a vendor call's outcome) on
        a pool of its own once decisions have gone first; exceptions are logged. Waiting
        there never takes a thread from the decisions it waits for."""
        self._submit(self._after, lambda: self._after_decisions_then(job))

    def submit_preview(self, vendor: str, job: Callable[[], None]) -> None:
        """Run `job`, vendor work that decides nothing (a new request's preview, and its card),
        on the preview pool, in `vendor`'s lane: at most a `VENDOR_SHARE`th of the pool runs
        one vendor's previews; the others wait their turn, in order, holding no thread.
        Exceptions are logged."""
        with self._idle:
            self._pending += 1
            self._previewing += 1
        queued = _Queued(job, contextvars.copy_context())
        if not self._lanes.enter(vendor, queued):
            return  # the lane's next free thread runs it (`_run_lane`)
        try:
            self._previews.submit(self._run_lane, vendor, queued)
        except RuntimeError:  # shut down: it runs in the submitter's thread, as other work does
            self._run_lane(vendor, queued)

    def _run_lane(self, vendor: str, queued: _Queued | None) -> None:
        """Run `queued`, then each job waiting in `vendor`'s lane, until none waits (or the
        job handed its place on: `_hand_on`)."""
        while queued is not None:
            place: Place[_Queued] = Place(vendor)
            try:
                queued.context.run(_logged, self._not_deciding, partial(_enter, place, queued.job))
            finally:
                queued.context.run(self._taken_in)
                self._one_done()
            queued = place.following if place.handed_on else self._lanes.leave(vendor)

    def _hand_on(self) -> None:
        """The preview job running in this context reached a run's vendor call (a break-glass
        run): the run is no preview, so the next preview of its lane starts now, on a thread of
        its own, instead of waiting for the whole run."""
        place = _place.get(None)
        if place is None or place.handed_on:
            return
        place.handed_on = True
        following = self._lanes.leave(place.key)
        if following is None:
            return
        try:
            self._previews.submit(self._run_lane, place.key, following)
        except RuntimeError:  # shut down: it runs after this job, in its thread, as before
            place.following = following

    @staticmethod
    def _not_deciding(job: Callable[[], None]) -> None:
        _deciding.set(False)  # the context was copied from its submitter, maybe a decision
        _taking_in.set(True)
        job()

    def _taken_in(self) -> None:
        """The preview running in this context has ended, or reached a run's vendor call (a
        break-glass request runs in its preview's job)."""
        if _taking_in.get():
            _taking_in.set(False)
            with self._idle:
                self._previewing -= 1

    def reached_vendor(self) -> None:
        """The calling job has made its decision: it no longer holds up work that waits for
        decisions. (A no-op outside a job on the main pool, or when already called.)"""
        self._taken_in()
        self._hand_on()
        if _deciding.get():
            _deciding.set(False)
            self._decided()

    def after_decisions(self) -> int:
        """Step aside: wait until no job is deciding, or `STEP_ASIDE_S` at most.

        Returns:
            How many jobs were still deciding when the wait ended (0 when none were).
        """
        self.reached_vendor()  # a job never waits for itself
        with self._idle:
            self._idle.wait_for(lambda: self._deciding == 0, timeout=self._step_aside)
            return self._deciding

    def _decide(self, job: Callable[[], None]) -> None:
        _taking_in.set(False)  # the context was copied from its submitter, maybe a preview
        _place.set(None)
        _deciding.set(True)
        try:
            job()
        finally:
            self.reached_vendor()

    def _decided(self) -> None:
        with self._idle:
            self._deciding -= 1
            self._wake_if_zero(self._deciding)

    def _wake_if_zero(self, count: int) -> None:
        """Wake the waiters when `count` (of jobs deciding, or pending) has reached zero, the
        only moment a wait can end early: waking them at every step of a burst would have each
        take the interpreter, look, and sleep again, hundreds of times a second."""
        if count == 0:
            self._idle.notify_all()

    def _after_decisions_then(self, job: Callable[[], None]) -> None:
        _deciding.set(False)  # the context was copied from its submitter, maybe a decision
        _taking_in.set(False)
        _place.set(None)
        self.after_decisions()
        job()

    def _submit(self, pool: ThreadPoolExecutor, job: Callable[[], None]) -> None:
        with self._idle:
            self._pending += 1
        # In a copy of the submitter's context, so the job's log lines name its request.
        try:
            future = pool.submit(contextvars.copy_context().run, _logged, job)
        except RuntimeError:  # shut down: what follows a call still running must not be lost
            self._inline(job)
            return
        future.add_done_callback(self._done)

    def _inline(self, job: Callable[[], None]) -> None:
        try:
            contextvars.copy_context().run(_logged, job)
        finally:
            self._one_done()

    def _one_done(self) -> None:
        """One job submitted has ended (however): `wait_idle` may return once none is left."""
        with self._idle:
            self._pending -= 1
            self._wake_if_zero(self._pending)

    def _done(self, future: Future[None]) -> None:
        error = future.exception()  # only what `_logged` lets through (not an Exception)
        if error is not None:
            log.error("background job stopped", exc_info=error)
        self._one_done()

    def taking_in(self) -> bool:
        """Whether some job is still deciding, or some preview (a new request's, up to its card
        or its refusal) has not ended: work a person waits on, unlike a run under way."""
        with self._idle:
            return self._deciding > 0 or self._previewing > 0

    def wait_idle(self, timeout: float = 30.0) -> bool:
        """Block until every submitted job (and any job it submitted) has finished."""
        with self._idle:
            return self._idle.wait_for(lambda: self._pending == 0, timeout=timeout)

    def shutdown(self) -> None:
        """Finish running jobs and stop (decisions first: they queue previews, and what follows
        them, which may queue Slack work; previews next, with those waiting in their lanes).
        Work submitted afterwards runs in the submitter's thread."""
        self._pool.shutdown(wait=True)
        self._previews.shutdown(wait=True)
        self._after.shutdown(wait=True)
        self._slack.shutdown(wait=True)


def _enter(place: Place[_Queued], job: Callable[[], None]) -> None:
    """Run the preview `job` holding `place` in its lane."""
    _place.set(place)
    job()


def _logged(run: Callable[..., None], *args: Callable[[], None]) -> None:
    """``run(*args)``, logging what it raises in the job's own context: the line then names the
    request the job had bound (a done-callback logs outside it, and lost that)."""
    try:
        run(*args)
    except Exception:
        log.exception("background job failed")
