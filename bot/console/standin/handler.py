"""The stand-in's HTTP side: Slack's Web API at ``/api/<method>``, response URLs at
``/response/<key>`` and uploaded files at their private URLs, each answered from the stand-in."""

from __future__ import annotations

import json
import time
from http.server import BaseHTTPRequestHandler
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from bot.console.standin.faults import GATEWAY_PAGE
from bot.console.standin.files import FILES_PATH
from bot.console.standin.wire import (
    FILE_DOWNLOAD_METHOD,
    bearer_token,
    parse_params,
)

if TYPE_CHECKING:
    from bot.console.standin.server import SlackStandIn


def handler_for(standin: SlackStandIn) -> type[BaseHTTPRequestHandler]:
    """A request handler class bound to one stand-in."""
    return type("Handler", (_Handler,), {"standin": standin})


class _Handler(BaseHTTPRequestHandler):
    """Serves the Web API (``/api/<method>``) and response URLs (``/response/<key>``)."""

    standin: SlackStandIn

    def do_GET(self) -> None:
        self._dispatch()

    def do_POST(self) -> None:
        self._dispatch()

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the console prints cards, not access logs."""

    def _dispatch(self) -> None:
        standin = self.standin
        url = urlsplit(self.path)
        if standin.latency:
            time.sleep(standin.latency)
        try:
            params = parse_params(url.query, self._body(), self.headers.get("content-type", ""))
        except ValueError:  # json.JSONDecodeError included: Slack answers invalid_json
            self._send(200, b'{"ok": false, "error": "invalid_json"}', "application/json")
            return
        if url.path.startswith("/api/") and standin.limited(url.path.removeprefix("/api/")):
            body = b'{"ok": false, "error": "ratelimited"}'
            self._send(429, body, "application/json", extra={"Retry-After": "0"})
        elif url.path.startswith("/api/"):
            self._api(url.path.removeprefix("/api/"), params)
        elif url.path.startswith(FILES_PATH):
            token = bearer_token(self.headers.get("authorization"))
            served = standin.files.serve(url.path, token=token)
            params = {"path": url.path, "status": served.status}
            standin.record_response(url.path, params, method=FILE_DOWNLOAD_METHOD)
            self._send(served.status, served.body, served.content_type)
        elif url.path.startswith("/response/"):
            standin.record_response(url.path.removeprefix("/response/"), params)
            self._send(200, b"ok", "text/plain; charset=utf-8")
        else:
            self._send(404, b"not found", "text/plain; charset=utf-8")

    def _api(self, method: str, params: dict[str, Any]) -> None:
        """Answer a Web API call, unless the network is to fail it (`SlackStandIn.fail`)."""
        standin = self.standin
        fault = standin.faults.take(method)
        if fault == "drop":  # Slack never had it
            self.close_connection = True
            return
        if fault == "gateway":  # Slack never had it; its edge says so with a 503 page
            self._send(503, GATEWAY_PAGE, "text/html")
            return
        token = bearer_token(self.headers.get("authorization")) or params.pop("token", None)
        reply = standin.handle(method, params, token)
        if fault == "stall_after":
            standin.faults.hold()
        if fault == "gateway_after":  # done, and answered by the edge's 502 page
            self._send(502, GATEWAY_PAGE, "text/html")
            return
        if fault is not None:  # done, and closed without an answer
            self.close_connection = True
            return
        self._send(200, json.dumps(reply).encode(), "application/json; charset=utf-8")

    def _body(self) -> bytes:
        length = int(self.headers.get("content-length") or 0)
        return self.rfile.read(length) if length else b""

    def _send(
        self, status: int, body: bytes, content_type: str, extra: dict[str, str] | None = None
    ) -> None:
        self.send_response(status)
        self.send_header("content-type", content_type)
        for name, value in (extra or {}).items():
            self.send_header(name, value)
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
