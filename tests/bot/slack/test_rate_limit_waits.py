"""slack_sdk waits out a 429's Retry-After (three times) on the thread that made the call: a
Retry-After of minutes or hours would hold that thread (a card's painter, a request's worker)
for three times as long. Waits past a minute are not taken: the call fails as ``ratelimited``
at once, and its caller's own fallback takes over."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from pydantic import SecretStr
from slack_sdk.http_retry import builtin_handlers

from bot.app import slack_client
from bot.cards import Message
from bot.slack.port import SlackOut


class _RateLimited(BaseHTTPRequestHandler):
    retry_after = "0"

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("content-length") or 0))
        body = b'{"ok": false, "error": "ratelimited"}'
        self.send_response(429)
        self.send_header("content-type", "application/json")
        self.send_header("Retry-After", self.retry_after)
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        """Quiet."""


@pytest.fixture
def slept(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The waits slack_sdk takes, recorded instead of slept."""
    waits: list[float] = []
    monkeypatch.setattr(builtin_handlers.time, "sleep", waits.append)
    return waits


def rate_limited(retry_after: str) -> Iterator[str]:
    handler = type("Handler", (_RateLimited,), {"retry_after": retry_after})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/api/"
    finally:
        server.shutdown()
        server.server_close()


MESSAGE = Message(text="hi", blocks=[])


@pytest.mark.parametrize("retry_after", ["3600", "61", "soon"])
def test_a_retry_after_past_a_minute_is_not_waited_out(
    slept: list[float], retry_after: str
) -> None:
    for url in rate_limited(retry_after):
        port = SlackOut(slack_client(SecretStr("xoxb-t"), base_url=url))
        assert port.update("C0OPS", "1.2", MESSAGE) == "ratelimited"
    assert slept == []


def test_a_short_retry_after_is_still_waited_out_three_times(slept: list[float]) -> None:
    for url in rate_limited("2"):
        port = SlackOut(slack_client(SecretStr("xoxb-t"), base_url=url))
        assert port.update("C0OPS", "1.2", MESSAGE) == "ratelimited"
    assert len(slept) == 3 and all(2 <= wait < 3 for wait in slept)
