"""Redrawing a request's card: in order, from the store, never older than what is shown.

A card is a view of the stored request. Redraws can be asked for from several threads (a click,
the vendor call's progress, its end) and may run in the background, where a slow Slack could
otherwise let an old redraw land after a newer one. So each request has a *lane*:

- every ask takes a ticket, after the change it shows is stored;
- one redraw at a time per card: it notes the newest ticket, reads the record from the store
  *then*, and sends that; every ticket up to the noted one is thereby served;
- a redraw whose ticket is already served does nothing, and one asked for while another is
  drawing the card leaves its ticket to that one, which serves it when done: a card whose
  redraw waits (Slack's ``Retry-After``) holds one thread, not its later redraws' too.

The store's states only move forward, so each redraw shows a state at least as new as the one
before it. A lane exists only while it has tickets to serve; a run's latest progress outlives it
while the request executes, so a redraw asked for without progress (a Stop click) keeps the
counts.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Final

from adapters.base import Progress
from bot.cards import Message
from bot.model import RequestRecord, RequestState, rules
from bot.observability.logs import log_context
from bot.slack.port import SlackPort
from bot.store import Store

log = logging.getLogger(__name__)

#: How many times an ended request's card Slack did not take is redrawn again (once a sweep).
REDRAW_TRIES: Final = 20
#: Most such cards remembered at once (a long Slack outage: the oldest are given up first).
STALE_KEPT: Final = 1000

Render = Callable[[RequestRecord, Progress | None], Message]


@dataclass
class _Lane:
    """One card's redraws: tickets asked for and served, the latest progress, one painter."""

    wanted: int = 0
    served: int = 0
    progress: Progress | None = None
    painting: threading.Lock = field(default_factory=threading.Lock)


class CardPainter:
    """Redraws cards from the store, one lane per request (see the module docstring)."""

    def __init__(self, *, store: Store, slack: SlackPort, render: Render) -> None:
        self._store = store
        self._slack = slack
        self._render = render
        self._lanes: dict[str, _Lane] = {}
        #: The latest progress of each run this process shows, until it is seen not executing.
        self._progress: dict[str, Progress] = {}
        #: Ended requests whose card's last redraw Slack did not take: how many tries so far.
        self._stale: dict[str, int] = {}
        self._lock = threading.Lock()

    def ask(self, request_id: str, progress: Progress | None = None) -> Callable[[], None]:
        """Take a ticket for a redraw of `request_id`'s card; returns the redraw to run.

        Call it after the change to show is stored. Running the returned redraw now, later or
        never (because a later one ran) all leave the card right.
        """
        with self._lock:
            lane = self._lanes.setdefault(request_id, _Lane())
            lane.wanted += 1
            if progress is not None:
                self._progress[request_id] = progress
            lane.progress = self._progress.get(request_id)
            ticket = lane.wanted
        return lambda: self._paint(request_id, lane, ticket)

    def note(self, request_id: str, progress: Progress) -> None:
        """Keep a run's latest `progress` for its card's next redraw, without asking for one."""
        with self._lock:
            self._progress[request_id] = progress

    def _paint(self, request_id: str, lane: _Lane, ticket: int) -> None:
        """Serve `ticket`, unless another thread is redrawing this card: that one serves it
        when it is done (so a card waiting out Slack's rate limit holds one thread, never a
        pool's worth of its own later redraws). What the store raises goes to the caller; a
        ticket taken meanwhile is then served by the card's next redraw."""
        while lane.painting.acquire(blocking=False):
            try:
                with self._lock:
                    if lane.served >= ticket:
                        return
                    serving, progress = lane.wanted, lane.progress
                try:
                    self._draw(request_id, progress)
                finally:
                    self._served(request_id, lane, serving)
            finally:
                lane.painting.release()
            with self._lock:  # a ticket taken while this one painted: serve it too
                ticket = lane.wanted

    def _draw(self, request_id: str, progress: Progress | None) -> None:
        record = self._store.get(request_id)
        if record is not None and rules.failed_integrity(record):
            record = self._store.as_requested(record)  # its card, not a changed channel
        if record is None or record.state is not RequestState.EXECUTING:
            with self._lock:
                self._progress.pop(request_id, None)
        if record is not None and record.message_ts is not None:
            shown = progress if record.state is RequestState.EXECUTING else None
            message = self._render(record, shown)
            with log_context(request_id=record.id, operation=record.operation):
                error = self._slack.update(record.channel, record.message_ts, message)
            if record.state.terminal:
                self._ended(request_id, error)

    def _ended(self, request_id: str, error: str | None) -> None:
        """Remember an ended request whose card Slack did not take (a rate limit, a 5xx, no
        answer), to be drawn again (`stale`); after `REDRAW_TRIES`, say so in one line."""
        with self._lock:
            tries = self._stale.pop(request_id, 0) + 1
            if error is None:
                return
            if tries < REDRAW_TRIES:
                self._stale[request_id] = tries
            while len(self._stale) > STALE_KEPT:
                del self._stale[next(iter(self._stale))]
        if tries >= REDRAW_TRIES:
            log.error(
                "gave up redrawing the card of %s after %d tries (%s): it shows an older state; "
                "/ops status %s says how it ended",
                request_id,
                tries,
                error,
                request_id,
            )

    def stale(self) -> list[str]:
        """Ended requests whose card Slack did not take, the longest waiting first."""
        with self._lock:
            return list(self._stale)

    def _served(self, request_id: str, lane: _Lane, serving: int) -> None:
        with self._lock:
            lane.served = max(lane.served, serving)
            if lane.served == lane.wanted and self._lanes.get(request_id) is lane:
                del self._lanes[request_id]  # nothing left to serve: a new ask starts afresh

    def lanes(self) -> int:
        """How many cards have redraws outstanding (for tests and diagnostics)."""
        with self._lock:
            return len(self._lanes)
