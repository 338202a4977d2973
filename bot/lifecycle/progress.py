"""A bulk run's progress while it runs: passed on at most once a second (`ProgressThrottle`),
and kept with the run's lease (`keep_progress`), so that if this process dies mid-run, recovery
can say what the vendor had confirmed by then (`bot.store.lost`)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from adapters.base import Progress
from adapters.clock import Clock
from bot.model import RequestRecord
from bot.store import Store

log = logging.getLogger(__name__)


class ProgressThrottle:
    """Passes bulk progress on at most once per `interval` seconds (plus the final tick);
    single-target progress is dropped."""

    def __init__(
        self, show: Callable[[Progress], None], *, clock: Clock, interval: float = 1.0
    ) -> None:
        self._show = show
        self._clock = clock
        self._interval = interval
        self._last: float | None = None
        self._lock = threading.Lock()

    def __call__(self, progress: Progress) -> None:
        if progress.total <= 1:
            return  # one target: the outcome itself is the only news
        now = self._clock.monotonic()
        with self._lock:
            due = self._last is None or now - self._last >= self._interval
            if not (due or progress.done >= progress.total):
                return
            self._last = now
        self._show(progress)


def keep_progress(store: Store, record: RequestRecord, progress: Progress) -> None:
    """Record `progress` with the lease of `record`'s run, if this process still holds it.
    Never raises: a database blip loses one count, never the run (the next one is kept)."""
    try:
        store.leases.record_progress(record.id, progress)
    except Exception:
        log.exception("could not keep the progress of %s with its lease", record.id)
