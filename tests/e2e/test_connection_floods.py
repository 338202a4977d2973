"""The HTTP server under connection floods and oversized bodies (SPEC §13, issue 8 #5).

Hundreds of idle or slow clients holding connections must not starve ``/healthz`` or Slack's
acks; a huge body is refused before it is read. Every connection here is to 127.0.0.1, bounded
in number, and closed by the test.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import httpx
import pytest
from serve_process import ServeProcess, serve_process

pytestmark = pytest.mark.slow

IDLE, SLOW = 300, 200
PARTIAL_REQUEST = b"POST /slack/events HTTP/1.1\r\nHost: opsgate\r\nContent-Length: 100\r\n\r\nab"


@contextmanager
def held_connections(port: int, *, idle: int, slow: int) -> Iterator[list[socket.socket]]:
    """`idle` connections that send nothing and `slow` ones stuck mid-request, all held open."""
    with ExitStack() as stack:
        held = []
        for n in range(idle + slow):
            conn = stack.enter_context(socket.create_connection(("127.0.0.1", port), timeout=5))
            if n >= idle:
                conn.sendall(PARTIAL_REQUEST)
            held.append(conn)
        time.sleep(0.5)  # let the server accept what it will
        yield held


def test_healthz_and_acks_answer_while_hundreds_of_connections_are_held(tmp_path: Path) -> None:
    with (
        serve_process(tmp_path) as served,
        held_connections(served.port, idle=IDLE, slow=SLOW),
    ):
        started = time.monotonic()
        health = httpx.get(f"{served.url}/healthz", timeout=5)
        ack = served.slash("help", user="U0ALICE", timeout=5)
        elapsed = time.monotonic() - started
    assert health.status_code == 200 and health.json()["ok"] is True
    assert ack.status_code == 200
    assert elapsed < 3  # Slack's deadline for the ack


def test_with_waitress_old_limit_the_same_flood_starves_healthz(tmp_path: Path) -> None:
    """The limit is what matters: at 100 connections (waitress's default) the probe times out."""
    env = {"OPSGATE_HTTP_CONNECTION_LIMIT": "100"}
    with (
        serve_process(tmp_path, env=env) as served,
        held_connections(served.port, idle=IDLE, slow=0),
        pytest.raises(httpx.TimeoutException),
    ):
        httpx.get(f"{served.url}/healthz", timeout=2)


def oversized_post(served: ServeProcess, declared: int) -> bytes:
    """Declare a `declared`-byte body, send 64 KiB of it, and read what the server says."""
    with socket.create_connection(("127.0.0.1", served.port), timeout=10) as conn:
        head = (
            "POST /slack/events HTTP/1.1\r\nHost: opsgate\r\n"
            "Content-Type: application/x-www-form-urlencoded\r\n"
            f"Content-Length: {declared}\r\n\r\n"
        )
        conn.sendall(head.encode() + b"payload=" + b"A" * 65536)
        return conn.recv(4096)


def test_a_50_mb_post_is_refused_before_it_is_read(tmp_path: Path) -> None:
    with serve_process(tmp_path) as served:
        started = time.monotonic()
        reply = oversized_post(served, declared=50 * 1024 * 1024)
        elapsed = time.monotonic() - started
        served.terminate()
        output = served.output()
    assert reply.startswith(b"HTTP/1.1 413"), reply[:200]
    assert elapsed < 3  # answered without waiting for 50 MB
    assert "AAAA" not in output  # and nothing of it reached the log


def test_the_body_limit_is_a_setting(tmp_path: Path) -> None:
    with serve_process(tmp_path, env={"OPSGATE_HTTP_MAX_BODY": "4KiB"}) as served:
        body = "payload=" + "A" * 8192
        refused = httpx.post(
            f"{served.url}/slack/events",
            content=body,
            headers={"content-type": "application/x-www-form-urlencoded"},
        )
        small = served.slash("help", user="U0ALICE")
    assert refused.status_code == 413
    assert small.status_code == 200
