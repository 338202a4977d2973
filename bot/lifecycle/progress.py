"""A bulk run's progress while it runs: passed on at most once a second (`ProgressThrottle`),
shown on its card within Slack's rate for chat.update (`RedrawPace`), and kept with the run's
lease (`keep_progress`), so that if this process dies mid-run, recovery can say what the vendor
had confirmed by then (`bot.store.lost`)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Final

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


#: Slack's rate for chat.update is Tier 3, 50+ calls a minute for the whole app: bulk progress
#: takes at most this many of them, across all cards, leaving room for the redraws that show a
#: change of state (never held back).
PROGRESS_REDRAWS_PER_MINUTE: Final = 40


#: A card whose run has not ticked for this long no longer shares the pace.
_ACTIVE_S: Final = 5.0


class RedrawPace:
    """Lets bulk progress redraws through at most `per_minute` times a minute, all cards
    together, shared evenly between the cards whose runs are ticking (so none is starved by
    another ticking just before it); a tick it holds back is shown by the card's next redraw."""

    def __init__(self, clock: Clock, *, per_minute: int = PROGRESS_REDRAWS_PER_MINUTE) -> None:
        self._clock = clock
        self._spacing = 60.0 / per_minute
        self._ticked: dict[str, float] = {}  # card -> its run's latest tick
        self._shown: dict[str, float] = {}  # card -> its latest progress redraw
        self._lock = threading.Lock()

    def due(self, request_id: str) -> bool:
        """True when `request_id`'s card may show its progress now (counted as shown)."""
        now = self._clock.monotonic()
        with self._lock:
            self._ticked[request_id] = now
            for gone in [r for r, at in self._ticked.items() if now - at >= _ACTIVE_S]:
                del self._ticked[gone]
                self._shown.pop(gone, None)
            last = self._shown.get(request_id)
            if last is not None and now - last < self._spacing * len(self._ticked):
                return False
            self._shown[request_id] = now
            return True


def keep_progress(store: Store, record: RequestRecord, progress: Progress) -> None:
    """Record `progress` with the lease of `record`'s run, if this process still holds it.
    Never raises: a database blip loses one count, never the run (the next one is kept)."""
    try:
        store.leases.record_progress(record.id, progress)
    except Exception:
        log.exception("could not keep the progress of %s with its lease", record.id)
