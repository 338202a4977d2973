"""``/healthz?deep=1``'s question to Slack, asked by one probe at a time.

Each deep probe asks Slack's ``auth.test`` (bounded by its timeout). While one probe's question
is in flight, the others answer at once with the last answer Slack gave, instead of each
holding a server thread for the timeout: during a Slack outage a flood of deep probes would
otherwise take every thread, and with them the shallow ``/healthz`` and Slack's own acks. Only
before Slack has answered once do they wait for that answer (a readiness check at start-up
should not fail for want of one), at most the probe's own bound, once.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Final

from bot.cli.preflight import SlackIdentity

#: What a probe says while another asks Slack and nothing has been heard yet.
ASKING: Final = SlackIdentity(False, "Slack is being asked by another probe; ask again shortly")


class SlackHealth:
    """Slack's health, asked by `ask` (``auth.test``), one question at a time."""

    def __init__(self, ask: Callable[[], SlackIdentity], *, wait_first: float = 3.0) -> None:
        self._ask = ask
        self._wait_first = wait_first
        self._asking = threading.Lock()
        self._last: SlackIdentity | None = None
        self._answered = threading.Event()

    def current(self) -> SlackIdentity:
        """Slack's answer now, or, while another probe is asking, the last one it gave (the
        very first probes wait for the first answer, at most `wait_first` seconds: until then
        there is nothing to repeat)."""
        if not self._asking.acquire(blocking=False):
            if self._last is None:
                self._answered.wait(self._wait_first)
            return self._last or ASKING
        try:
            self._last = self._ask()
            self._answered.set()
            return self._last
        finally:
            self._asking.release()
