"""Who hears of audit events once they are committed (metrics are fed this way)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable

from bot.model import AuditEvent

log = logging.getLogger(__name__)

#: Called with each audit event once the transaction that appended it has committed.
EventObserver = Callable[[AuditEvent], None]


class EventObservers:
    """The observers of one store, called in order on the writing thread."""

    def __init__(self) -> None:
        self._observers: list[EventObserver] = []

    def add(self, observer: EventObserver) -> None:
        """Call `observer` with every committed event from now on."""
        self._observers.append(observer)

    def publish(self, events: Iterable[AuditEvent]) -> None:
        """Hand each committed event to every observer. An observer that raises is logged and
        the others still run: the write is committed, and a metric must never hide it."""
        for event in events:
            for observer in self._observers:
                try:
                    observer(event)
                except Exception:
                    log.exception("an audit event observer failed")
