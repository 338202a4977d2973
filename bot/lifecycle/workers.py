"""The executors that run slow work (previews, vendor calls, card updates) after Slack's ack."""

from __future__ import annotations

import contextvars
import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor

log = logging.getLogger(__name__)


class Runner:
    """Two sized thread pools that log failures and can be waited on together until idle.

    Bolt's own listener executor only has to run acks; everything slow is submitted here, so a
    slow vendor can never hold up Slack's 3-second acknowledgement. Work that only talks to
    Slack (redrawing a card, a direct message) has a pool of its own (`submit_slack`), so a
    slow Slack never holds up a decision or a vendor call either.
    """

    def __init__(self, *, workers: int, slack_workers: int | None = None) -> None:
        """`workers` threads for decisions and vendor calls; `slack_workers` for Slack-only
        work, by default a quarter as many (at least 4): card redraws mostly wait on Slack, and
        fewer of them rendering at once leave the interpreter to the decisions in a burst."""
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="opsgate-work")
        self._slack = ThreadPoolExecutor(
            max_workers=slack_workers or max(4, workers // 4), thread_name_prefix="opsgate-slack"
        )
        self._pending = 0
        self._idle = threading.Condition()

    def submit(self, job: Callable[[], None]) -> None:
        """Run `job` on a worker; an exception is logged, never lost silently."""
        self._submit(self._pool, job)

    def submit_slack(self, job: Callable[[], None]) -> None:
        """Run `job`, which only talks to Slack, on the Slack pool; exceptions are logged."""
        self._submit(self._slack, job)

    def _submit(self, pool: ThreadPoolExecutor, job: Callable[[], None]) -> None:
        with self._idle:
            self._pending += 1
        # In a copy of the submitter's context, so the job's log lines name its request.
        future = pool.submit(contextvars.copy_context().run, job)
        future.add_done_callback(self._done)

    def _done(self, future: Future[None]) -> None:
        error = future.exception()
        if error is not None:
            log.error("background job failed", exc_info=error)
        with self._idle:
            self._pending -= 1
            self._idle.notify_all()

    def wait_idle(self, timeout: float = 30.0) -> bool:
        """Block until every submitted job (and any job it submitted) has finished."""
        with self._idle:
            return self._idle.wait_for(lambda: self._pending == 0, timeout=timeout)

    def shutdown(self) -> None:
        """Finish running jobs and stop (decisions first: they may still queue Slack work)."""
        self._pool.shutdown(wait=True)
        self._slack.shutdown(wait=True)
