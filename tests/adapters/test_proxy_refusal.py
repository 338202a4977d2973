"""A proxy that refuses to open the tunnel to the vendor (its answer to CONNECT is not 2xx):
nothing reached the vendor, so even a mutating call failed, and it never reads as ``unknown``
(README "Errors"). httpx raises `httpx.ProxyError` for it, before the request is written."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator

import httpx
import pytest

from adapters.errors import OutcomeUnknown, VendorUnreachable
from adapters.http import send


@pytest.fixture
def refusing_proxy() -> Iterator[tuple[str, list[bytes]]]:
    """A proxy on 127.0.0.1 that answers every CONNECT with 403; yields its URL and the first
    line of each request it got."""
    server = socket.create_server(("127.0.0.1", 0))
    seen: list[bytes] = []

    def serve() -> None:
        while True:
            try:
                conn, _ = server.accept()
            except OSError:  # closed: the test is over
                return
            with conn:
                seen.append(conn.recv(65536).split(b"\r\n")[0])
                conn.sendall(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n")

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.getsockname()[1]}", seen
    finally:
        server.shutdown(socket.SHUT_RDWR)  # wakes the accept() waiting in `serve`
        server.close()
        thread.join(timeout=5)


@pytest.mark.parametrize("mutating", [True, False])
def test_a_proxy_refusing_the_tunnel_fails_the_call_and_is_never_unknown(
    refusing_proxy: tuple[str, list[bytes]], mutating: bool
) -> None:
    proxy, seen = refusing_proxy
    with httpx.Client(proxy=proxy) as client:
        request = client.build_request("DELETE", "https://iot.example.invalid/devices/d-1")
        with pytest.raises(VendorUnreachable) as caught:
            send(client, request, vendor="huawei", mutating=mutating)
    assert not isinstance(caught.value, OutcomeUnknown)
    assert seen == [b"CONNECT iot.example.invalid:443 HTTP/1.1"]  # the DELETE never left
    assert "proxy" in caught.value.message and "nothing was changed" in caught.value.message
    assert "iot.example.invalid:443" in caught.value.message
