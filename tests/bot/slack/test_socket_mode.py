"""Closing a Socket Mode connection: the close handshake is ended by the thread reading the
socket, so slack_sdk's close() (which joins that thread) returns once Slack has answered, or
once Slack has had `CLOSE_HANDSHAKE_S` to answer, never after websocket-client's 10-second
select timeout (a SIGTERM held the connection that long, now and then)."""

from __future__ import annotations

import base64
import hashlib
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.console.standin.server import SlackStandIn
from bot.slack.socket_mode import CLOSE_HANDSHAKE_S, CheckedClient
from tests.support.socket_standin import SocketModeStandIn

WEBSOCKET_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"  # RFC 6455 §1.3
CLOSE_OPCODE = 0x8
CLOSES = 5


@contextmanager
def slack_and_client(
    socket_url: str, *, ping_interval: float
) -> Iterator[tuple[SlackStandIn, CheckedClient]]:
    """A `CheckedClient` connected to `socket_url`, and the Slack stand-in that handed it out."""
    with SlackStandIn(socket_url=socket_url) as slack:
        client = CheckedClient(
            app_token="xapp-1-test",
            web_client=WebClient(token="xoxb-test", base_url=slack.api_url),
            ping_interval=ping_interval,
        )
        client.connect()
        try:
            yield slack, client
        finally:
            client.close()


@contextmanager
def connected_client(socket_url: str, *, ping_interval: float) -> Iterator[CheckedClient]:
    """A `CheckedClient` connected to `socket_url`."""
    with slack_and_client(socket_url, ping_interval=ping_interval) as (_, client):
        yield client


def closing_time(client: CheckedClient) -> float:
    """Seconds `client.close()` takes."""
    start = time.monotonic()
    client.close()
    return time.monotonic() - start


class SlackThatNeverAnswersClose:
    """A WebSocket server that completes the opening handshake, then reads frames and never
    answers a close frame (a Slack gone quiet); it records the opcodes it receives."""

    def __init__(self) -> None:
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.opcodes: list[int] = []
        self.connected = threading.Event()
        threading.Thread(target=self._serve, daemon=True).start()

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self._listener.getsockname()[1]}/link/"

    def _serve(self) -> None:
        while True:
            try:
                connection, _ = self._listener.accept()
            except OSError:
                return
            threading.Thread(target=self._session, args=(connection,), daemon=True).start()

    def _session(self, connection: socket.socket) -> None:
        with connection:
            request = connection.recv(4096).decode()
            key = next(
                line.split(":", 1)[1].strip()
                for line in request.split("\r\n")
                if line.lower().startswith("sec-websocket-key:")
            )
            digest = hashlib.sha1((key + WEBSOCKET_GUID).encode()).digest()  # noqa: S324 (RFC 6455)
            accept = base64.b64encode(digest)
            connection.sendall(
                b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                b"Connection: Upgrade\r\nSec-WebSocket-Accept: " + accept + b"\r\n\r\n"
            )
            self.connected.set()
            reader = connection.makefile("rb")
            while header := reader.read(2):
                self.opcodes.append(header[0] & 0x0F)
                length = header[1] & 0x7F
                if length >= 126:
                    length = int.from_bytes(reader.read(2 if length == 126 else 8), "big")
                reader.read(4 + length)  # the client's mask, then the payload

    def close(self) -> None:
        self._listener.close()


def test_a_start_asks_slack_for_one_url_and_opens_one_connection() -> None:
    """slack_sdk's connection monitor looked at the new session before the reader had started
    it, took it for dropped and replaced it: two URLs asked for at every start."""
    with (
        SocketModeStandIn() as slack_side,
        slack_and_client(slack_side.url, ping_interval=5) as (slack, _),
    ):
        slack_side.wait_for_open(1)
        time.sleep(0.5)  # a second connection, if any, is under way
        opened = len(slack.calls_to("apps.connections.open"))
        connections = slack_side.connections
    assert (opened, connections) == (1, 1)


def test_closes_answered_by_slack_end_at_once_with_a_normal_close_frame() -> None:
    """Several times over: whether the old close lost the reader's wake-up depended on which
    thread the scheduler ran first."""
    with SocketModeStandIn() as slack_side:
        for attempt in range(1, CLOSES + 1):
            with connected_client(slack_side.url, ping_interval=5) as client:
                slack_side.wait_for_open(1)
                seconds = closing_time(client)
            assert seconds < CLOSE_HANDSHAKE_S
            assert client.current_session_runner.thread is None  # joined
            slack_side.wait_for_closes(attempt)
    assert slack_side.close_codes == [1000] * CLOSES


def test_a_close_slack_never_answers_ends_after_the_handshake_s_time_not_the_select_s() -> None:
    quiet_slack = SlackThatNeverAnswersClose()
    try:
        # Pings far apart: nothing but the close can wake the thread reading the socket.
        with connected_client(quiet_slack.url, ping_interval=60) as client:
            assert quiet_slack.connected.wait(10)
            time.sleep(0.2)  # the reader is in its select
            seconds = closing_time(client)
    finally:
        quiet_slack.close()
    assert CLOSE_OPCODE in quiet_slack.opcodes
    assert CLOSE_HANDSHAKE_S <= seconds < CLOSE_HANDSHAKE_S + 3


def test_a_client_closed_before_its_monitor_starts_never_starts_it() -> None:
    ping_interval = 1.0
    with (
        SocketModeStandIn() as slack_side,
        connected_client(slack_side.url, ping_interval=ping_interval) as client,
    ):
        client.close()
        time.sleep(ping_interval + 0.5)  # past the moment the monitor would have started
    assert client.current_app_monitor.thread is None


def test_a_reconnect_closes_the_replaced_connection_without_asking_for_another() -> None:
    """Slack's `disconnect` message: the old session, closed under its reader by slack_sdk,
    held the new one back 10 s; closed here with the handshake, and not reconnected from its
    end (that asked Slack for one more URL)."""
    with (
        SocketModeStandIn() as slack_side,
        slack_and_client(slack_side.url, ping_interval=5) as (slack, client),
    ):
        slack_side.wait_for_open(1)
        replaced = client.current_session
        client.connect_to_new_endpoint(force=True)
        slack_side.wait_for_reconnect(2, timeout=5)
        time.sleep(0.5)  # a third connection, if any, is under way
        assert replaced is not None and replaced.on_close is None
        assert client.current_session is not replaced
        assert (len(slack.calls_to("apps.connections.open")), slack_side.connections) == (2, 2)


def test_a_reconnect_slack_refuses_keeps_the_connection_it_had() -> None:
    with (
        SocketModeStandIn() as slack_side,
        slack_and_client(slack_side.url, ping_interval=5) as (slack, client),
    ):
        slack_side.wait_for_open(1)
        kept = client.current_session
        slack.socket_url = None  # Slack answers socket_mode_not_enabled from now on
        with pytest.raises(SlackApiError):
            client.connect_to_new_endpoint(force=True)
        assert client.current_session is kept
        assert kept is not None and kept.on_close is not None  # still reconnects if it drops
        assert slack_side.open_connections == 1


def test_a_start_slack_refuses_never_starts_the_monitor() -> None:
    """The monitor asked for URLs on its own beside a start Slack had refused."""
    with SlackStandIn() as slack:  # an app with Socket Mode off
        client = CheckedClient(
            app_token="xapp-1-test",
            web_client=WebClient(token="xoxb-test", base_url=slack.api_url),
            ping_interval=0.5,
        )
        try:
            with pytest.raises(SlackApiError):
                client.connect()
            time.sleep(1.5)  # past the moment the monitor would have started, and looked
            monitor = client.current_app_monitor.thread
            assert monitor is None or monitor.ident is None  # never started
            assert len(slack.calls_to("apps.connections.open")) == 1
        finally:
            client.close()
