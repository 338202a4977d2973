"""Observers of the audit log: told about each event once it is committed.

The store publishes after the transaction commits and outside its lock, on the thread that
wrote, in seq order for that thread. An observer that raises is logged and skipped: what was
written stays written, and the caller never sees the observer's failure.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from bot.model import AuditEvent, RequestState

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Appended:
    """One committed audit event.

    Attributes:
        event: The event as stored, with its seq and hash (a ``seq:hash`` anchor).
        moved_to: The request's state after this event when the event changed it (the
            ``requested`` event moves a request to pending); None for events that change no
            state, such as a refused click. A request has ended when this is terminal.
    """

    event: AuditEvent
    moved_to: RequestState | None = None

    @property
    def ended(self) -> bool:
        """True when this event moved its request into a final state."""
        return self.moved_to is not None and self.moved_to.terminal


Observer = Callable[[Appended], None]


class Observers:
    """The store's subscribers, safe to add to while others publish."""

    def __init__(self) -> None:
        self._observers: tuple[Observer, ...] = ()
        self._lock = threading.Lock()

    def add(self, observer: Observer) -> None:
        """Call `observer` for every event committed from now on."""
        with self._lock:
            self._observers = (*self._observers, observer)

    def publish(self, appended: Iterable[Appended]) -> None:
        """Tell every observer about each committed event, in order."""
        observers = self._observers
        if not observers:
            return
        for item in appended:
            for observer in observers:
                try:
                    observer(item)
                except Exception:
                    log.exception("audit observer failed on event %s", item.event.seq)
