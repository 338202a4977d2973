"""Slack's Socket Mode side, on ws://127.0.0.1, for end-to-end tests of `opsgate serve`.

Slack's part of the protocol, as documented: after the app connects (to the URL that
``apps.connections.open`` handed out), send ``hello``; then send envelopes
(``{"envelope_id", "type", "payload", "accepts_response_payload"}``) of type ``slash_commands``,
``interactive`` or ``events_api``; the app acknowledges each by sending ``{"envelope_id": …}``
back. Slack may ask the app to reconnect (``{"type": "disconnect"}``), and a socket may simply
drop. Served by the `websockets` library's threaded server.
"""

from __future__ import annotations

import json
import socket
import threading
import time
import uuid
from dataclasses import dataclass
from types import TracebackType
from typing import Any

from websockets.exceptions import ConnectionClosed
from websockets.sync.server import Server, ServerConnection, serve


@dataclass(frozen=True)
class Ack:
    """The app's acknowledgement of one envelope, and how long it took."""

    envelope_id: str
    payload: dict[str, Any] | None
    seconds: float


class SocketModeStandIn:
    """A WebSocket server playing Slack's side of Socket Mode. Envelopes go to the newest
    connection, or to one chosen among those open (replicas each hold one, and Slack spreads
    envelopes over them)."""

    def __init__(self) -> None:
        self._lock = threading.Condition()
        self._connection: ServerConnection | None = None
        self._open: list[ServerConnection] = []
        self._sent_at: dict[str, float] = {}
        self.acks: dict[str, Ack] = {}
        self.connections = 0
        self.open_connections = 0
        self.close_codes: list[int | None] = []  # the app's close frame's code, per connection
        self._server: Server | None = None
        self._thread: threading.Thread | None = None

    def __enter__(self) -> SocketModeStandIn:
        self._server = serve(self._session, "127.0.0.1", 0)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        assert self._server is not None and self._thread is not None
        self._server.shutdown()
        self._thread.join(timeout=5)

    @property
    def url(self) -> str:
        """What ``apps.connections.open`` should answer."""
        assert self._server is not None
        return f"ws://127.0.0.1:{self._server.socket.getsockname()[1]}/link/"

    def _session(self, connection: ServerConnection) -> None:
        with self._lock:
            self._connection = connection
            self._open.append(connection)
            self.connections += 1
            self.open_connections += 1
            self._lock.notify_all()
        hello = {"type": "hello", "num_connections": 1, "connection_info": {"app_id": "A0OPS"}}
        try:
            connection.send(json.dumps(hello))
            for message in connection:
                self._received(json.loads(message))
        except ConnectionClosed:
            pass
        finally:
            with self._lock:
                self.close_codes.append(connection.close_code)
                self._open.remove(connection)
                self.open_connections -= 1
                self._lock.notify_all()

    def _received(self, message: dict[str, Any]) -> None:
        envelope_id = message.get("envelope_id")
        if not envelope_id:
            return
        with self._lock:
            seconds = time.monotonic() - self._sent_at.get(envelope_id, time.monotonic())
            self.acks[envelope_id] = Ack(envelope_id, message.get("payload"), seconds)
            self._lock.notify_all()

    def wait_for_connections(self, count: int, *, timeout: float = 20.0) -> None:
        """Wait until the app has connected `count` times in all."""
        with self._lock:
            if not self._lock.wait_for(lambda: self.connections >= count, timeout=timeout):
                raise TimeoutError(f"{self.connections} connection(s), expected {count}")

    def wait_for_reconnect(self, count: int, *, timeout: float = 20.0) -> None:
        """Wait until the app has connected `count` times and holds only its newest connection
        (a replaced connection is closed by the app once the new one is up)."""
        with self._lock:
            done = self._lock.wait_for(
                lambda: self.connections >= count and self.open_connections == 1, timeout=timeout
            )
            if not done:
                raise TimeoutError(
                    f"{self.connections} connection(s), {self.open_connections} open; "
                    f"expected {count} with one open"
                )

    def wait_for_closes(self, count: int, *, timeout: float = 20.0) -> None:
        """Wait until `count` connections have ended."""
        with self._lock:
            if not self._lock.wait_for(lambda: len(self.close_codes) >= count, timeout=timeout):
                raise TimeoutError(f"{len(self.close_codes)} connection(s) ended, expected {count}")

    def wait_for_open(self, count: int, *, timeout: float = 20.0) -> None:
        """Wait until `count` connections are open at once (one per replica)."""
        with self._lock:
            if not self._lock.wait_for(lambda: self.open_connections >= count, timeout=timeout):
                raise TimeoutError(f"{self.open_connections} open connection(s), expected {count}")

    def send(self, kind: str, payload: dict[str, Any], *, on: int | None = None) -> str:
        """Send one envelope on the newest connection, or on the `on`-th of those open (in the
        order they were opened); returns its envelope id."""
        envelope_id = str(uuid.uuid4())
        envelope = {
            "envelope_id": envelope_id,
            "type": kind,
            "payload": payload,
            "accepts_response_payload": kind != "events_api",
            "retry_attempt": 0,
            "retry_reason": "",
        }
        with self._lock:
            assert self._connection is not None, "the app is not connected"
            self._sent_at[envelope_id] = time.monotonic()
            connection = self._connection if on is None else self._open[on]
        connection.send(json.dumps(envelope))
        return envelope_id

    def send_raw(self, message: str) -> None:
        """Send `message` as it is on the newest connection (for messages Slack never sends)."""
        with self._lock:
            self._sent_at.update({e: time.monotonic() for e in _envelope_ids(message)})
        self._current().send(message)

    def wait_for_ack(self, envelope_id: str, *, timeout: float = 3.0) -> Ack:
        """The app's ack of an envelope, which must come within `timeout` (Slack's 3 s)."""
        with self._lock:
            if not self._lock.wait_for(lambda: envelope_id in self.acks, timeout=timeout):
                raise TimeoutError(f"no ack for envelope {envelope_id} within {timeout} s")
            return self.acks[envelope_id]

    def ask_to_reconnect(self) -> None:
        """Slack's ``disconnect`` message (sent, for example, before a server is refreshed)."""
        message = {"type": "disconnect", "reason": "refresh_requested", "debug_info": {}}
        self._current().send(json.dumps(message))

    def drop(self) -> None:
        """Cut the current connection without a closing handshake."""
        self._current().socket.shutdown(socket.SHUT_RDWR)

    def _current(self) -> ServerConnection:
        with self._lock:
            assert self._connection is not None, "the app is not connected"
            return self._connection


def _envelope_ids(message: str) -> list[str]:
    try:
        envelope = json.loads(message)
    except ValueError:
        return []
    found = envelope.get("envelope_id") if isinstance(envelope, dict) else None
    return [found] if isinstance(found, str) else []
