"""Socket Mode: Slack's envelopes, read before Bolt acts on them.

slack_sdk's client parses each WebSocket message and makes a request of it, and Bolt's handler
builds its own request from the envelope's payload. A message that was not JSON, a payload that
was not an object, or one Bolt could not read (``"enterprise": 5``) raised inside them: a
traceback in the log and the envelope left unanswered (the connection lived on). Here each is
acknowledged and ignored, in one log line, as `bot.slack.payloads` does with a payload that is
not as Slack sends it.

The client also opens and closes its connection without racing its own threads: one URL and
one connection at start, and a close that ends with Slack's close handshake (SIGTERM's drain
starts at once, not after websocket-client's 10-second select timeout).
"""

from __future__ import annotations

import contextlib
import json
import logging
import socket
import threading
import time
from collections.abc import Callable
from typing import Any, Final

from slack_bolt import App, BoltRequest
from slack_bolt.adapter.socket_mode.internals import build_headers, send_response
from slack_bolt.adapter.socket_mode.websocket_client import SocketModeHandler
from slack_sdk.http_retry import default_retry_handlers
from slack_sdk.socket_mode.request import SocketModeRequest
from slack_sdk.socket_mode.response import SocketModeResponse
from slack_sdk.socket_mode.websocket_client import SocketModeClient
from slack_sdk.web import WebClient
from websocket import WebSocket, WebSocketApp, WebSocketException

from bot.observability.instrument import RECEIVED_AT
from bot.observability.slack_calls import meters_of
from bot.slack.ingress import UNREADABLE
from bot.slack.verification import LOGGED_BODY_CHARS, loggable

log = logging.getLogger(__name__)

CLOSE_HANDSHAKE_S: Final = 3.0
"""How long Slack has to answer the app's close frame (websocket-client's own close() waits as
long) before the socket is shut down under the thread reading it."""


class CheckedClient(SocketModeClient):
    """slack_sdk's client, which ignores a message it cannot read instead of failing on it, and
    opens and closes its connection without racing its own threads."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._monitor_lock = threading.Lock()
        self._receipt = threading.local()

    def connect(self) -> None:
        """Open a connection (replacing the current one); the first also starts the connection
        monitor, one interval after it has opened.

        slack_sdk starts the monitor here, and its first look comes at once, before the
        reading thread has started the session just made: the monitor took it for a dropped
        one and replaced it, so every start asked Slack for a second URL, and a session the
        reader had just started could live on beside its replacement. Nor is it started before
        the first connection is had: a start Slack refuses would leave it asking on its own.

        The session replaced (Slack's ``disconnect`` message, a forced reconnect) is closed as
        `disconnect` closes one: slack_sdk closed it under its reader (websocket-client#916),
        which slept out its 10-second select before it took up the new session, and the
        envelopes Slack sent meanwhile found no connection.
        """
        first = not self.current_app_monitor_started
        self.current_app_monitor_started = True  # keeps slack_sdk from starting it now
        replaced = self.current_session
        self.current_session = None  # slack_sdk's connect() would close it under its reader
        try:
            super().connect()
        except BaseException:
            if self.current_session is None:
                self.current_session = replaced
            raise
        if replaced is not None:
            replaced.on_close = None  # its end is no drop to reconnect from: the new one is open
            self._close_session(replaced)
        if first:
            timer = threading.Timer(self.ping_interval, self._start_monitor)
            timer.daemon = True
            timer.start()

    def _start_monitor(self) -> None:
        with self._monitor_lock:
            if not self.closed:
                self.current_app_monitor.start()

    def close(self) -> None:
        """Stop for good: disconnect, then end the client's threads."""
        with self._monitor_lock:  # the monitor, if not started yet, never starts
            self.closed = True
        super().close()

    def enqueue_message(self, message: str) -> None:
        """Queue `message` for the listeners, unless it is not an envelope they could read.

        Called on the thread reading the socket as soon as a message is read: the message is
        stamped then (`received_at`), so ``opsgate_ack_seconds`` counts the time it waits for
        one of the client's workers, as it counts an HTTP request's wait for a server thread.
        """
        received = _Received(message)
        problem, envelope_id = _unreadable(message)
        if problem is None:
            super().enqueue_message(received)
            return
        log.warning(
            "ignored a Socket Mode message that is not Slack's (%s): %s",
            problem,
            loggable(message, limit=LOGGED_BODY_CHARS),
        )
        if envelope_id is not None:
            self.send_socket_mode_response(SocketModeResponse(envelope_id=envelope_id))

    def run_message_listeners(self, message: dict[str, Any], raw_message: str) -> None:
        """slack_sdk's, on one of its workers; the listeners it calls can ask `received_at`."""
        self._receipt.at = getattr(raw_message, "received_at", None)
        try:
            super().run_message_listeners(message, raw_message)
        finally:
            self._receipt.at = None

    def received_at(self) -> float | None:
        """When the envelope this worker is handling was read off the socket
        (``time.perf_counter()``), or None."""
        at = getattr(self._receipt, "at", None)
        return at if isinstance(at, float) else None

    def disconnect(self) -> None:
        """Close the connection (`_close_session`)."""
        self._close_session(self.current_session)

    def _close_session(self, session: WebSocketApp | None) -> None:
        """Close `session` with Slack's close handshake, ended by the thread reading it.

        websocket-client's close() shuts the socket down and closes it at once, which takes it
        out of the reading thread's select before that thread wakes (websocket-client#916): the
        thread slept out its 10-second select timeout, and slack_sdk's close() waits for it, so
        a SIGTERM held the connection 10 s or more. Here the reader is told to stop, the close
        frame goes to Slack, and Slack's answering close frame wakes the reader, which ends the
        connection itself; if Slack does not answer, shutting the socket down wakes it.
        """
        connection = session.sock if session is not None else None
        if session is None or connection is None or not session.keep_running:
            if session is not None:  # never opened, or already ending (its reader closes it)
                session.close()
            return
        # A connection still opening is let open first: closed under the reader mid-handshake,
        # it left the reader failing on a missing socket and the socket itself open.
        if not _waited(lambda: connection.connected or session.sock is None, CLOSE_HANDSHAKE_S):
            _shut_down(connection)
            session.close()
            return
        session.keep_running = False  # the reader tears the connection down when it wakes
        with contextlib.suppress(OSError, WebSocketException):  # broken: the shutdown wakes it
            connection.send_close()
        if not _waited(lambda: session.sock is None, CLOSE_HANDSHAKE_S):
            _shut_down(connection)
            _waited(lambda: session.sock is None, CLOSE_HANDSHAKE_S)
        # Close the descriptor: after send_close(), the reader's teardown leaves it open.
        connection.shutdown()  # type: ignore[no-untyped-call]


class _Received(str):
    """A message as read off the socket, with when it was read (``time.perf_counter()``)."""

    def __init__(self, message: str) -> None:
        super().__init__()
        self.received_at = time.perf_counter()


def _waited(condition: Callable[[], bool], timeout: float) -> bool:
    """Wait up to `timeout` seconds for `condition` to hold; whether it did."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.01)
    return True


def _shut_down(connection: WebSocket) -> None:
    """Wake a thread selecting on `connection` by shutting the socket down, not closing it (a
    closed descriptor leaves the select without waking it)."""
    raw = connection.sock
    if raw is not None:
        with contextlib.suppress(OSError):  # already shut down, or closed by the reader
            raw.shutdown(socket.SHUT_RDWR)


def _unreadable(message: str) -> tuple[str | None, str | None]:
    """Why slack_sdk could not read `message` (None: it can), and its envelope id if any.
    slack_sdk parses only messages that start with ``{`` and skips the rest itself."""
    if not message.startswith("{"):
        return None, None
    try:
        envelope: dict[str, Any] = json.loads(message)
    except (ValueError, RecursionError) as exc:
        return f"not JSON: {type(exc).__name__}", None
    envelope_id = envelope.get("envelope_id")
    known = envelope_id if isinstance(envelope_id, str) else None
    if not isinstance(envelope.get("payload", {}), dict | str):
        return "its payload is not an object", known
    return None, known


class CheckedSocketModeHandler(SocketModeHandler):
    """Bolt's Socket Mode handler on a `CheckedClient`, whose requests are built as the HTTP
    side builds them: a payload Bolt cannot read is acknowledged and ignored in one line.

    Args:
        app: The Bolt app.
        app_token: The app-level token (``xapp-…``).
        ping_interval: Seconds between pings; a dead connection is replaced within this.
    """

    def __init__(self, app: App, app_token: str, *, ping_interval: float) -> None:
        # As Bolt's own __init__, with our client in place of slack_sdk's.
        self.app = app
        self.app_token = app_token
        # Its own Web API client: the app's waits out a rate limit (Retry-After) three times, and
        # apps.connections.open is Tier 1: a start Slack rate-limits says so at once instead of
        # waiting minutes, and a reconnect tries again at the monitor's next look.
        # Its calls are counted as the app's are (``opsgate_slack_calls_total``).
        web_client = WebClient(
            base_url=app.client.base_url,
            timeout=app.client.timeout,
            logger=app.logger,
            retry_handlers=[*default_retry_handlers(), *meters_of(app.client)],
        )
        self.client = CheckedClient(
            app_token=app_token,
            logger=app.logger,
            web_client=web_client,
            ping_interval=ping_interval,
        )
        self.client.socket_mode_request_listeners.append(self.handle)  # type: ignore[arg-type]

    def handle(self, client: SocketModeClient, req: SocketModeRequest) -> None:  # type: ignore[override]
        """Dispatch one envelope to Bolt and send Bolt's answer back."""
        start = time.time()
        try:
            request = BoltRequest(
                mode="socket_mode",
                body=req.payload,
                headers=build_headers(req),
                context=_received(client),
            )
        except UNREADABLE as exc:
            log.warning(
                "ignored a Socket Mode envelope whose payload is unreadable (%s): %s",
                type(exc).__name__,
                loggable(json.dumps(req.payload, default=str), limit=LOGGED_BODY_CHARS),
            )
            client.send_socket_mode_response(SocketModeResponse(envelope_id=req.envelope_id))
            return
        send_response(client, req, self.app.dispatch(request), start)


def _received(client: SocketModeClient) -> dict[str, float]:
    """When `client` read the envelope being handled, for the ack's timing (`RECEIVED_AT`)."""
    received = client.received_at() if isinstance(client, CheckedClient) else None
    return {RECEIVED_AT: received} if received is not None else {}
