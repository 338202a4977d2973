"""What every vendor simulator shares: call recording, fault injection, a vendor-side rate window,
and serving over real HTTP on 127.0.0.1 for end-to-end tests.

A simulator subclass implements `route` (the vendor's API) plus `throttled` and `server_error`
(the vendor's own error bodies). Tests use `sim.transport()` as an `httpx.Client` transport.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from enum import StrEnum
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import cast

import httpx

from adapters.clock import SYSTEM_CLOCK, Clock


class Fault(StrEnum):
    """Faults a test can inject into the next matching call(s)."""

    LATENCY = "latency"  # wait `seconds` (on the simulator's clock), then answer normally
    SERVER_ERROR = "server_error"  # the vendor's own 5xx answer; with apply=True after the change
    TIMEOUT = "timeout"  # no answer (httpx.ReadTimeout); with apply=True the change still happens
    MALFORMED = "malformed"  # HTTP 200 with a body that is not JSON
    UNAVAILABLE = "unavailable"  # HTTP 503 with a proxy's page; with apply=True the change happens
    THROTTLE = "throttle"  # the vendor's throttling answer
    DISCONNECT = "disconnect"  # the connection fails before anything is sent


@dataclass
class _Injected:
    fault: Fault
    times: int
    path_contains: str
    seconds: float
    apply: bool


class SlidingWindow:
    """Vendor-side rate limit: at most `calls` in any `period` seconds of the simulator's clock."""

    def __init__(self, *, calls: int, period: float, clock: Clock) -> None:
        self.calls = calls
        self.period = period
        self._clock = clock
        self._hits: deque[float] = deque()
        self._lock = threading.Lock()

    def admit(self) -> bool:
        """Count a call; False when it exceeds the limit (a refused call does not count)."""
        with self._lock:
            now = self._clock.monotonic()
            while self._hits and now - self._hits[0] >= self.period:
                self._hits.popleft()
            if len(self._hits) >= self.calls:
                return False
            self._hits.append(now)
            return True


class Simulator:
    """Base of the vendor simulators.

    Attributes:
        calls: Every request received, in order (for assertions).
        throttled_count: How many calls the rate window refused.
        rate_window: The vendor's documented limit, or None when it publishes none.
    """

    vendor = "sim"

    def __init__(
        self, *, clock: Clock = SYSTEM_CLOCK, rate_window: SlidingWindow | None = None
    ) -> None:
        self.clock = clock
        self.calls: list[httpx.Request] = []
        self.throttled_count = 0
        self.rate_window = rate_window
        self._faults: list[_Injected] = []
        self._lock = threading.RLock()

    # -- what a subclass implements -------------------------------------------------------------
    def route(self, request: httpx.Request) -> httpx.Response:
        """Answer a request the way the vendor would (auth, signature, state, errors)."""
        raise NotImplementedError

    def throttled(self, request: httpx.Request) -> httpx.Response:
        """The vendor's throttling answer."""
        raise NotImplementedError

    def server_error(self, request: httpx.Request) -> httpx.Response:
        """The vendor's internal-error answer."""
        raise NotImplementedError

    def counts_toward_limit(self, request: httpx.Request) -> bool:
        """Whether this call counts against the vendor's rate limit (default: every call)."""
        return True

    # -- faults ---------------------------------------------------------------------------------
    def inject(
        self,
        fault: Fault | str,
        *,
        times: int = 1,
        path_contains: str = "",
        seconds: float = 0.0,
        apply: bool = False,
    ) -> None:
        """Make the next `times` calls whose URL contains `path_contains` fail with `fault`."""
        with self._lock:
            self._faults.append(_Injected(Fault(fault), times, path_contains, seconds, apply))

    def _take_fault(self, request: httpx.Request) -> _Injected | None:
        with self._lock:
            for injected in self._faults:
                if injected.path_contains in str(request.url):
                    injected.times -= 1
                    if injected.times <= 0:
                        self._faults.remove(injected)
                    return injected
            return None

    # -- the transport --------------------------------------------------------------------------
    def handle(self, request: httpx.Request) -> httpx.Response:
        """Answer one request: record it, apply any fault, enforce the rate limit, then `route`."""
        request.read()
        with self._lock:
            self.calls.append(request)
        injected = self._take_fault(request)
        if injected is not None:
            response = self._apply_fault(injected, request)
            if response is not None:
                return response
        if (
            self.rate_window is not None
            and self.counts_toward_limit(request)
            and not self.rate_window.admit()
        ):
            with self._lock:
                self.throttled_count += 1
            return self.throttled(request)
        return self.route(request)

    def _apply_fault(self, injected: _Injected, request: httpx.Request) -> httpx.Response | None:
        match injected.fault:
            case Fault.LATENCY:
                self.clock.sleep(injected.seconds)
                return None
            case Fault.SERVER_ERROR:
                if injected.apply:
                    self.route(request)  # the vendor failed after doing the work
                return self.server_error(request)
            case Fault.THROTTLE:
                return self.throttled(request)
            case Fault.MALFORMED:
                return httpx.Response(200, text="<html>502 Bad Gateway</html>")
            case Fault.UNAVAILABLE:
                if injected.apply:
                    self.route(request)
                return httpx.Response(503, text="<html>503 Service Unavailable</html>")
            case Fault.DISCONNECT:
                raise httpx.ConnectError("simulated connection failure", request=request)
            case Fault.TIMEOUT:
                if injected.apply:
                    self.route(request)  # the vendor did the work; only the answer is lost
                raise httpx.ReadTimeout("simulated timeout", request=request)
        raise AssertionError(injected.fault)  # pragma: no cover

    def transport(self) -> httpx.MockTransport:
        """This simulator as an httpx transport."""
        return httpx.MockTransport(self.handle)

    def requests_to(self, path_contains: str) -> list[httpx.Request]:
        """The recorded requests whose URL contains `path_contains`."""
        with self._lock:
            return [r for r in self.calls if path_contains in str(r.url)]

    @contextmanager
    def serve(self) -> Iterator[str]:
        """Serve this simulator over HTTP on 127.0.0.1 (an ephemeral port); yields the base URL."""
        server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self.handle))
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield f"http://127.0.0.1:{server.server_address[1]}"
        finally:
            server.shutdown()
            server.server_close()


def _handler_for(handle: Callable[[httpx.Request], httpx.Response]) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            host, port = cast("tuple[str, int]", self.server.server_address)[:2]
            request = httpx.Request(
                self.command,
                f"http://{host}:{port}{self.path}",
                headers=list(self.headers.items()),
                content=body,
            )
            try:
                response = handle(request)
            except httpx.TransportError:
                self.close_connection = True  # the client sees a dropped connection
                return
            payload = response.read()
            self.send_response(response.status_code)
            for key, value in response.headers.items():
                if key.lower() not in {"content-length", "transfer-encoding", "connection"}:
                    self.send_header(key, value)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        do_GET = do_POST = do_PUT = do_DELETE = _serve  # noqa: N815 (http.server's names)

        def log_message(self, format: str, *args: object) -> None:
            pass  # quiet: tests and the console read recorded calls, not stderr

    return Handler
