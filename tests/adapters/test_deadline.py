"""Every vendor call ends by its deadline (`adapters.deadline`, through `adapters.http.send`),
however slowly the vendor answers, and a deadline that passes means what a timeout means: on a
read the vendor did not answer; on a mutating call the outcome is unknown.

The dripping vendor is a server on 127.0.0.1 that never finishes its answer: only the deadline
can end these calls, so what they assert does not depend on how fast the machine is."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from adapters.clock import FakeClock
from adapters.deadline import Deadline, VendorClient, deadline_of
from adapters.errors import OutcomeUnknown, VendorUnreachable
from adapters.http import is_retryable, send, vendor_client
from adapters.registry import installed_plugins
from adapters.settings import VendorSettings

#: Short, so that a call that keeps it ends soon; the read timeout is ten times longer, so only
#: the deadline can end a call to the dripping vendor before it.
DEADLINE = 0.3
#: A pause between the vendor's bytes: far inside the read timeout.
DRIP = 0.02


#: The dripping vendor's base URL, and the connections it was sent (by client address).
Served = tuple[str, set[tuple[str, int]]]


class Dripping(BaseHTTPRequestHandler):
    """``/ok`` answers at once; ``/body`` sends its headers, then one byte of body at a time,
    forever; ``/headers`` sends its status line and headers one byte at a time, forever."""

    protocol_version = "HTTP/1.1"
    stop: threading.Event
    connections: set[tuple[str, int]]

    def handle_one_request(self) -> None:
        self.connections.add(self.client_address)
        super().handle_one_request()

    def do_GET(self) -> None:
        if self.path == "/ok":
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"{}")
        elif self.path == "/body":
            self.send_response(200)
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            self._drip(b"1\r\n \r\n")
        else:
            self._drip(b"HTTP/1.1 200 OK\r\n", then=b"X")

    def do_DELETE(self) -> None:
        self.do_GET()

    def _drip(self, first: bytes, then: bytes | None = None) -> None:
        if then is not None:
            self.wfile.write(first)
        try:
            while not self.stop.wait(DRIP):
                self.wfile.write(then or first)
                self.wfile.flush()
        except OSError:
            return  # opsgate gave up and closed the connection

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def vendor() -> Iterator[Served]:
    """The dripping vendor's base URL, and the connections it was sent."""
    stop, connections = threading.Event(), set[tuple[str, int]]()
    handler = type("Handler", (Dripping,), {"stop": stop, "connections": connections})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", connections
    finally:
        stop.set()
        server.shutdown()
        server.server_close()


def _call(client: httpx.Client, method: str, url: str, *, mutating: bool) -> httpx.Response:
    return send(client, client.build_request(method, url), vendor="v", mutating=mutating)


@pytest.mark.parametrize("dripped", ["/body", "/headers"])
def test_a_read_whose_answer_drips_ends_at_its_deadline_as_unreachable(
    vendor: Served, dripped: str
) -> None:
    base, _ = vendor
    with (
        VendorClient(deadline=DEADLINE, timeout=10 * DEADLINE) as client,
        pytest.raises(VendorUnreachable) as caught,
    ):
        _call(client, "GET", base + dripped, mutating=False)
    assert caught.value.message == "v did not answer in full within the call's 0.3-second deadline"
    assert is_retryable(caught.value)  # a read changed nothing


@pytest.mark.parametrize("dripped", ["/body", "/headers"])
def test_a_mutating_call_whose_answer_drips_is_unknown_at_its_deadline(
    vendor: Served, dripped: str
) -> None:
    base, _ = vendor
    with (
        VendorClient(deadline=DEADLINE, timeout=10 * DEADLINE) as client,
        pytest.raises(OutcomeUnknown) as caught,
    ):
        _call(client, "DELETE", base + dripped, mutating=True)
    assert caught.value.message == (
        "v did not answer in full within the call's 0.3-second deadline; "
        "the request's state is unknown"
    )
    assert not is_retryable(caught.value)


def test_a_plain_client_gets_a_deadline_of_three_of_its_timeouts(
    vendor: Served,
) -> None:
    base, _ = vendor
    assert deadline_of(httpx.Client(timeout=7)).seconds == 21
    with httpx.Client(timeout=DEADLINE / 3) as client, pytest.raises(VendorUnreachable) as caught:
        _call(client, "GET", base + "/body", mutating=False)
    assert "within the call's 0.3-second deadline" in caught.value.message


def test_a_kept_connection_serves_each_later_call_by_that_calls_own_deadline(
    vendor: Served,
) -> None:
    """The first call's deadline has long passed when the second is made on its connection."""
    base, connections = vendor
    clock = FakeClock()
    with VendorClient(deadline=DEADLINE, clock=clock, timeout=5) as client:
        assert _call(client, "GET", base + "/ok", mutating=False).json() == {}
        clock.advance(3600)
        assert _call(client, "DELETE", base + "/ok", mutating=True).json() == {}
    assert len(connections) == 1


class Chunks(httpx.SyncByteStream):
    """A body of `count` chunks, each taking a second on `clock` to arrive."""

    def __init__(self, clock: FakeClock, count: int) -> None:
        self.clock, self.count, self.sent = clock, count, 0

    def __iter__(self) -> Iterator[bytes]:
        for _ in range(self.count):
            self.clock.advance(1)
            self.sent += 1
            yield b" "


def _chunked(clock: FakeClock, body: Chunks) -> VendorClient:
    transport = httpx.MockTransport(lambda request: httpx.Response(200, stream=body))
    return VendorClient(deadline=3.5, clock=clock, transport=transport)


def test_any_transport_stops_reading_at_the_first_chunk_after_the_deadline() -> None:
    """Without a socket to bound, the body is still read no further than the deadline."""
    clock = FakeClock()
    body = Chunks(clock, 100)
    with _chunked(clock, body) as client, pytest.raises(OutcomeUnknown) as caught:
        _call(client, "DELETE", "http://v/x", mutating=True)
    assert "within the call's 3.5-second deadline" in caught.value.message
    assert body.sent == 4  # the chunk that came after it ended the call


def test_a_body_whole_within_the_deadline_is_read() -> None:
    clock = FakeClock()
    with _chunked(clock, Chunks(clock, 3)) as client:
        assert _call(client, "GET", "http://v/x", mutating=False).content == b"   "


def test_a_deadline_counts_down_on_its_clock() -> None:
    clock = FakeClock()
    deadline = Deadline(2, clock=clock)
    clock.advance(1.5)
    assert deadline.left() == 0.5 and not deadline.passed
    clock.advance(0.5)
    assert deadline.passed


def test_the_vendor_client_takes_its_settings() -> None:
    client = vendor_client(VendorSettings(timeout=4))
    assert (client.deadline, client.timeout.read, client.follow_redirects) == (12, 4, False)
    assert vendor_client(VendorSettings(timeout=4, deadline=50)).deadline == 50


#: Each built-in vendor configured, its `check` making a call (the host is never contacted).
CHECKED: dict[str, dict[str, Any]] = {
    "aliyun": {"access_key_id": "id", "access_key_secret": "secret", "region_id": "cn-shanghai"},
    "enos": {"base_url": "https://apim.example", "app_key": "k", "app_secret": "s"},
    "huawei": {"base_url": "https://oc.example", "app_id": "a", "secret": "s"},
    "servicepower": {"base_url": "https://sp.example", "client_id": "c", "client_secret": "s"},
}


@pytest.mark.parametrize("name", sorted(CHECKED))
def test_every_real_adapter_calls_within_its_vendors_deadline(
    name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    deadlines: list[float] = []

    def unreachable(client: httpx.Client, request: httpx.Request, **_: Any) -> httpx.Response:
        deadlines.append(deadline_of(client).seconds)
        raise httpx.ConnectError("not contacted", request=request)

    monkeypatch.setattr(httpx.Client, "send", unreachable)
    plugin = installed_plugins().by_name[name]
    values = {k: SecretStr(v) if "secret" in k else v for k, v in CHECKED[name].items()}
    adapter = plugin.connect(plugin.settings(**values, deadline=42), FakeClock())
    try:
        with pytest.raises(VendorUnreachable):
            adapter.check()
    finally:
        adapter.close()
    assert deadlines and set(deadlines) == {42}
