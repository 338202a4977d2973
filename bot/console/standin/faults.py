"""A network between opsgate and the Slack stand-in that fails as real ones do: a call's
connection dropped before Slack had it, or after Slack did it but before its answer came back,
or an answer that never comes (the client's read times out), or a gateway's 5xx page in place of
Slack's answer."""

from __future__ import annotations

import threading
from typing import Final, Literal

#: ``drop``: the connection closes before the call reaches Slack (not recorded, not done);
#: ``drop_after``: Slack does the call, then the connection closes without its answer (the
#: client sees ``RemoteDisconnected``); ``stall_after``: Slack does it, and its answer is held
#: until the client gives up (its read times out) or the stand-in stops; ``gateway``: Slack's
#: edge answers 503 with its own page, Slack never had the call; ``gateway_after``: Slack does
#: the call, then the edge answers 502 with its page (the client cannot tell the two apart).
Fault = Literal["drop", "drop_after", "stall_after", "gateway", "gateway_after"]
#: What Slack's edge answers in place of Slack (``gateway``, ``gateway_after``): HTML, not JSON.
GATEWAY_PAGE: Final = b"<html><body><h1>Bad Gateway</h1></body></html>"
#: The longest an answer is held (a client that never times out is not waited on for ever).
STALL_MOST: Final = 60.0


class Faults:
    """The faults still to come, per Web API method, in order; thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._queued: dict[str, list[Fault]] = {}
        #: Set when the stand-in stops: held answers are given up.
        self.released = threading.Event()

    def add(self, method: str, fault: Fault, *, times: int = 1) -> None:
        with self._lock:
            self._queued.setdefault(method, []).extend([fault] * times)

    def take(self, method: str) -> Fault | None:
        """The fault for this call of `method`, if one is queued (it is used up)."""
        with self._lock:
            queued = self._queued.get(method)
            return queued.pop(0) if queued else None

    def hold(self) -> None:
        """Hold an answer (``stall_after``) until the stand-in stops, at most `STALL_MOST`."""
        self.released.wait(STALL_MOST)
