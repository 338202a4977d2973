"""An overall deadline for one vendor call: connecting, sending, and the whole answer.

httpx's timeouts bound each wait on the network (connecting, one read, one write), never a whole
call: a vendor that sends one byte every few seconds never trips a 10-second read timeout, and
would hold the thread that called it for as long as it likes. So `adapters.http.send` gives
every call a `Deadline` and keeps it three ways:

- every timeout of the request is at most the whole deadline (`bound_request`);
- each connection a call opens is *bounded* (`bound_request`'s trace hook): from then on, each
  of its reads and writes waits at most what is left of the deadline of the call using it, and
  once none is left fails at once, as httpx's own timeouts do (`httpcore.ReadTimeout`, …);
- the body is read through `BodyWithin`, which stops once the deadline has passed, for
  transports that do not use such connections (and stops at `MAX_ANSWER_BYTES` in any case).

Each ends as the timeout it stands for, so a deadline means exactly what a timeout means
(`adapters.http`): on a read, the vendor did not answer; on a mutating call that was sent, the
outcome is unknown.
"""

from __future__ import annotations

import contextvars
import ssl
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, Final

import httpcore
import httpx

from adapters.clock import SYSTEM_CLOCK, Clock
from adapters.inflating import decoded
from adapters.settings import TIMEOUTS_PER_CALL

#: The wait `TIMEOUTS_PER_CALL` multiplies for a client with no timeouts at all (the default of
#: `adapters.settings.VendorSettings.timeout`).
UNTIMED_WAIT: Final = 10.0

# The deadline of the vendor call this thread is making (`within`); None outside of one.
_current: contextvars.ContextVar[Deadline | None] = contextvars.ContextVar(
    "opsgate_vendor_deadline", default=None
)
# Set on a connection's network stream once it is bounded.
_BOUNDED: Final = "_opsgate_bounded"


class Deadline:
    """A moment, `seconds` from when it was started on `clock`, after which a call gives up."""

    def __init__(self, seconds: float, *, clock: Clock = SYSTEM_CLOCK) -> None:
        self.seconds = seconds
        self._clock = clock
        self._ends = clock.monotonic() + seconds

    def left(self) -> float:
        """Seconds left (0 or less once it has passed)."""
        return self._ends - self._clock.monotonic()

    @property
    def passed(self) -> bool:
        """True once no time is left."""
        return self.left() <= 0


class VendorClient(httpx.Client):
    """An `httpx.Client` that knows its vendor's deadline (`adapters.http.vendor_client`).

    Attributes:
        deadline: Seconds one call may take in all.
        clock: Where the deadline is measured (the real clock, but in tests of it).
    """

    def __init__(self, *, deadline: float, clock: Clock = SYSTEM_CLOCK, **options: Any) -> None:
        super().__init__(**options)
        self.deadline = deadline
        self.clock = clock


def deadline_of(client: httpx.Client) -> Deadline:
    """A deadline, starting now, for one call through `client`: a `VendorClient`'s own, and for
    any other client `TIMEOUTS_PER_CALL` times its read timeout (or its connect timeout, or
    `UNTIMED_WAIT`)."""
    if isinstance(client, VendorClient):
        return Deadline(client.deadline, clock=client.clock)
    wait = client.timeout.read or client.timeout.connect or UNTIMED_WAIT
    return Deadline(TIMEOUTS_PER_CALL * wait)


@contextmanager
def within(deadline: Deadline) -> Iterator[None]:
    """Make `deadline` the one the bounded connections keep while this thread is inside."""
    token = _current.set(deadline)
    try:
        yield
    finally:
        _current.reset(token)


def bound_request(request: httpx.Request, deadline: Deadline, client: httpx.Client) -> None:
    """Cut each of `request`'s timeouts (by default `client`'s) to the whole deadline, and have
    every connection it opens keep the deadline of whichever call uses it (`_bound`)."""
    timeouts = dict(request.extensions.get("timeout") or client.timeout.as_dict())
    for phase in ("connect", "read", "write", "pool"):
        wait = timeouts.get(phase)
        timeouts[phase] = deadline.seconds if wait is None else min(wait, deadline.seconds)
    request.extensions["timeout"] = timeouts
    request.extensions["trace"] = _bounding(request.extensions.get("trace"))


def _bounding(
    previous: Callable[[str, dict[str, Any]], Any] | None,
) -> Callable[[str, dict[str, Any]], Any]:
    """A trace hook (httpcore's ``trace`` extension) that bounds each stream it sees opened
    (``connection.connect_tcp.complete``, ``connection.start_tls.complete``, …)."""

    def hook(event: str, info: dict[str, Any]) -> Any:
        opened = info.get("return_value")
        if event.endswith(".complete") and isinstance(opened, httpcore.NetworkStream):
            _bound(opened)
        return None if previous is None else previous(event, info)

    return hook


def _bound(stream: httpcore.NetworkStream) -> None:
    """Make every later read and write on `stream` wait at most what is left of the current
    call's deadline. The stream is the connection's own, kept in httpx's pool and reused by
    later calls, so it is changed in place: httpx offers no way to hand it a wrapper."""
    if getattr(stream, _BOUNDED, False):
        return
    read, write, start_tls = stream.read, stream.write, stream.start_tls

    def bounded_read(max_bytes: int, timeout: float | None = None) -> bytes:
        return read(max_bytes, _wait(timeout, httpcore.ReadTimeout))

    def bounded_write(buffer: bytes, timeout: float | None = None) -> None:
        write(buffer, _wait(timeout, httpcore.WriteTimeout))

    def bounded_tls(
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.NetworkStream:
        return start_tls(ssl_context, server_hostname, _wait(timeout, httpcore.ConnectTimeout))

    stream.read = bounded_read  # type: ignore[method-assign]
    stream.write = bounded_write  # type: ignore[method-assign]
    stream.start_tls = bounded_tls  # type: ignore[method-assign]
    setattr(stream, _BOUNDED, True)


def _wait(timeout: float | None, late: type[Exception]) -> float | None:
    """`timeout`, cut to what is left of the current call's deadline; `late` once none is."""
    deadline = _current.get()
    if deadline is None:  # the client used outside `adapters.http.send`: httpx's rules alone
        return timeout
    left = deadline.left()
    if left <= 0:
        raise late(f"the call's {deadline.seconds:g}-second deadline passed")
    return left if timeout is None else min(timeout, left)


#: The most of an answer's body opsgate reads: far more than any vendor's answer (a page of
#: 250 devices is a few hundred KB), far less than a file a wrong base URL serves.
MAX_ANSWER_BYTES: Final = 8 << 20


def read_within_limit(response: httpx.Response) -> None:
    """Read `response`'s body as `httpx.Response.read` does, keeping at most
    `MAX_ANSWER_BYTES` of it once decoded: a small gzip body can expand a thousandfold, past
    the limit `BodyWithin` keeps on the bytes sent. A cut body reads as one opsgate cannot
    parse; the response is closed (its connection dropped when the rest was never read).

    Raises:
        httpx.DecodingError: The body is not in the Content-Encoding it names.
    """
    kept: list[bytes] = []
    left = MAX_ANSWER_BYTES
    try:
        for chunk in decoded(response):  # in pieces: never one chunk expanded whole
            kept.append(chunk[:left])
            left -= len(chunk)
            if left <= 0:
                break
    finally:
        response.close()
    response._content = b"".join(kept)  # what `read` sets: `content`, `json()` read it


class BodyWithin(httpx.SyncByteStream):
    """A response body that stops arriving once the deadline has passed: the next chunk that
    comes after it ends the read as a read timeout would. It ends, cut, at `MAX_ANSWER_BYTES`:
    what came is kept, and reads as any body opsgate cannot parse does (closing the response
    then drops its connection, whose rest is never read)."""

    def __init__(
        self, body: httpx.SyncByteStream, deadline: Deadline, request: httpx.Request
    ) -> None:
        self._body = body
        self._deadline = deadline
        self._request = request

    def __iter__(self) -> Iterator[bytes]:
        left = MAX_ANSWER_BYTES
        for chunk in self._body:
            if self._deadline.passed:
                raise httpx.ReadTimeout(
                    f"the call's {self._deadline.seconds:g}-second deadline passed",
                    request=self._request,
                )
            yield chunk[:left]
            left -= len(chunk)
            if left <= 0:
                return

    def close(self) -> None:
        self._body.close()
