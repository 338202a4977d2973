"""Socket Mode: Slack's envelopes, read before Bolt acts on them.

slack_sdk's client parses each WebSocket message and makes a request of it, and Bolt's handler
builds its own request from the envelope's payload. A message that was not JSON, a payload that
was not an object, or one Bolt could not read (``"enterprise": 5``) raised inside them: a
traceback in the log and the envelope left unanswered (the connection lived on). Here each is
acknowledged and ignored, in one log line, as `bot.slack.payloads` does with a payload that is
not as Slack sends it.
"""

from __future__ import annotations

import json
import logging
import time
from typing import Any

from slack_bolt import App, BoltRequest
from slack_bolt.adapter.socket_mode.internals import build_headers, send_response
from slack_bolt.adapter.socket_mode.websocket_client import SocketModeHandler
from slack_sdk.socket_mode.request import SocketModeRequest
from slack_sdk.socket_mode.response import SocketModeResponse
from slack_sdk.socket_mode.websocket_client import SocketModeClient

from bot.slack.ingress import UNREADABLE
from bot.slack.verification import LOGGED_BODY_CHARS, loggable

log = logging.getLogger(__name__)


class CheckedClient(SocketModeClient):
    """slack_sdk's client, which ignores a message it cannot read instead of failing on it."""

    def enqueue_message(self, message: str) -> None:
        """Queue `message` for the listeners, unless it is not an envelope they could read."""
        problem, envelope_id = _unreadable(message)
        if problem is None:
            super().enqueue_message(message)
            return
        log.warning(
            "ignored a Socket Mode message that is not Slack's (%s): %s",
            problem,
            loggable(message, limit=LOGGED_BODY_CHARS),
        )
        if envelope_id is not None:
            self.send_socket_mode_response(SocketModeResponse(envelope_id=envelope_id))


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
        self.client = CheckedClient(
            app_token=app_token,
            logger=app.logger,
            web_client=app.client,
            ping_interval=ping_interval,
        )
        self.client.socket_mode_request_listeners.append(self.handle)  # type: ignore[arg-type]

    def handle(self, client: SocketModeClient, req: SocketModeRequest) -> None:  # type: ignore[override]
        """Dispatch one envelope to Bolt and send Bolt's answer back."""
        start = time.time()
        try:
            request = BoltRequest(mode="socket_mode", body=req.payload, headers=build_headers(req))
        except UNREADABLE as exc:
            log.warning(
                "ignored a Socket Mode envelope whose payload is unreadable (%s): %s",
                type(exc).__name__,
                loggable(json.dumps(req.payload, default=str), limit=LOGGED_BODY_CHARS),
            )
            client.send_socket_mode_response(SocketModeResponse(envelope_id=req.envelope_id))
            return
        send_response(client, req, self.app.dispatch(request), start)
