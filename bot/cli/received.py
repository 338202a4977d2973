"""When waitress had read each request: the start of ``opsgate_ack_seconds`` (SPEC §13).

waitress reads requests on its event loop and queues each complete one until one of its threads
is free. Timed from the thread's start, an ack that waited in that queue while every thread was
busy (slow probes, a database outage) looked fast, though Slack, which allows 3 s, was kept
waiting: so each request is stamped (``time.perf_counter()``) as its last byte is read, and the
stamp reaches the WSGI application as ``environ[RECEIVED_AT]``.
"""

from __future__ import annotations

import time
from typing import Any

from waitress.channel import HTTPChannel
from waitress.parser import HTTPRequestParser
from waitress.task import WSGITask

from bot.observability.instrument import RECEIVED_AT


class _StampedParser(HTTPRequestParser):
    """waitress's request parser, noting when the request it reads is complete (on the event
    loop, before the request is queued for a thread)."""

    received_at: float | None = None

    def received(self, data: bytes) -> int:
        consumed = int(super().received(data))
        if self.completed and self.received_at is None:
            self.received_at = time.perf_counter()
        return consumed


class _StampedTask(WSGITask):
    """waitress's WSGI task, handing the request's stamp to the application."""

    def get_environment(self) -> dict[str, Any]:
        environ: dict[str, Any] = super().get_environment()
        environ[RECEIVED_AT] = getattr(self.request, "received_at", None)
        return environ


class StampedChannel(HTTPChannel):
    """waitress's connection, its requests stamped as they are read (`RECEIVED_AT`)."""

    parser_class = _StampedParser
    task_class = _StampedTask
