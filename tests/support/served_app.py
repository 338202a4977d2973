"""opsgate's WSGI app served over real HTTP on 127.0.0.1, with the local Slack stand-in, for
end-to-end tests that go through signed requests.

The server here is the standard library's threading WSGI server, whose shutdown from another
thread is clean; waitress, which `opsgate serve` uses, is tested as a real process in
tests/cli/test_serve.py (closing it from a test thread races its select loop).
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import httpx

from adapters.registry import Plugins
from bot.app import OpsgateApp, build_app
from bot.cli.serve import wsgi_app
from bot.console.standin.payloads import (
    block_action_body,
    signed_headers,
    slash_command_body,
    view_submission_body,
)
from bot.console.standin.server import RecordedCall, SlackStandIn
from bot.model import RequestRecord
from bot.settings import load_settings

SECRET = "e2e-signing-secret"
USERS = {"U0ALICE": "alice", "U0BOB": "bob", "U0CAROL": "carol", "U0DAVE": "dave"}
CHANNEL = "C0OPS"
FORM = "application/x-www-form-urlencoded"


@dataclass
class Served:
    url: str
    slack: SlackStandIn
    opsgate: OpsgateApp
    http: httpx.Client

    def slash(
        self,
        text: str,
        *,
        user: str,
        channel: str = CHANNEL,
        secret: str = SECRET,
        timestamp: int | None = None,
    ) -> httpx.Response:
        body = slash_command_body(
            text=text,
            user_id=user,
            channel_id=channel,
            response_url=self.slack.response_url(f"cmd-{user}-{time.time_ns()}"),
        )
        headers = signed_headers(
            body, signing_secret=secret, timestamp=timestamp, content_type=FORM
        )
        return self.http.post(f"{self.url}/slack/events", content=body, headers=headers)

    def click(
        self,
        action_id: str,
        request_id: str,
        *,
        user: str,
        channel: str | None = None,
        ts: str | None = None,
    ) -> httpx.Response:
        """A signed click on the request's card (or, with `channel`/`ts`, on another message)."""
        record = self._with_card(request_id) if ts is None else self.opsgate.store.get(request_id)
        body = block_action_body(
            action_id=action_id,
            value=request_id,
            user_id=user,
            channel_id=channel or (record.channel if record else CHANNEL),
            message_ts=ts or (record.message_ts if record and record.message_ts else "0.0"),
            response_url=self.slack.response_url(f"click-{user}"),
        )
        return self.post(body, FORM)

    def _with_card(self, request_id: str, timeout: float = 5.0) -> RequestRecord | None:
        """The request once its card's ts is stored: Slack answers the post before opsgate
        records where the card is, and a click is bound to that card."""
        deadline = time.monotonic() + timeout
        while True:
            record = self.opsgate.store.get(request_id)
            if record is None or record.message_ts or time.monotonic() > deadline:
                return record
            time.sleep(0.01)

    def submit_view(
        self, view: dict[str, Any], *, user: str, values: dict[str, dict[str, str | None]]
    ) -> httpx.Response:
        """A signed submission of a modal the app opened."""
        return self.post(view_submission_body(user_id=user, view=view, values=values), FORM)

    def post(self, body: str, content_type: str) -> httpx.Response:
        headers = signed_headers(body, signing_secret=SECRET, content_type=content_type)
        return self.http.post(f"{self.url}/slack/events", content=body, headers=headers)

    def card_request_id(self, timeout: float = 10.0) -> str:
        """The request id carried by the buttons of the first card posted in the channel."""
        call = self.slack.wait_for(
            lambda c: c.method == "chat.postMessage" and c.params.get("channel") == CHANNEL,
            timeout=timeout,
        )
        for block in blocks_of(call):
            for element in block.get("elements", []):
                if element.get("type") == "button":
                    return self._stored_card(str(element["value"]), timeout)
        raise AssertionError("the card has no buttons")

    def _stored_card(self, request_id: str, timeout: float) -> str:
        """Wait until opsgate has stored where the card is: the stand-in records the post
        before opsgate reads Slack's answer, and a click built before then names no card."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            record = self.opsgate.store.get(request_id)
            if record is not None and record.message_ts is not None:
                return request_id
            time.sleep(0.01)
        raise AssertionError(f"opsgate never stored the card of {request_id}")


def blocks_of(call: RecordedCall) -> list[dict[str, Any]]:
    blocks = call.params.get("blocks") or []
    return json.loads(blocks) if isinstance(blocks, str) else list(blocks)


@contextmanager
def served_opsgate(
    tmp_path: Path,
    *,
    policy: str = '[policy]\nchannels = ["C0OPS"]\n',
    env: Mapping[str, str] | None = None,
    plugins: Plugins | None = None,
    latency: float = 0.0,
) -> Iterator[Served]:
    (tmp_path / "opsgate.toml").write_text(policy)
    groups = {"S0OPSLEADS": ["U0BOB", "U0CAROL"]}
    with SlackStandIn(users=USERS, groups=groups, latency=latency) as slack:
        settings = load_settings(
            {
                "SLACK_BOT_TOKEN": "xoxb-e2e",
                "SLACK_SIGNING_SECRET": SECRET,
                "OPSGATE_SLACK_API_URL": slack.api_url,
                "OPSGATE_SANDBOX": "1",
                "OPSGATE_DB": str(tmp_path / "opsgate.db"),
                "OPSGATE_CONFIG": str(tmp_path / "opsgate.toml"),
                **(env or {}),
            },
            plugins=plugins,
        )
        opsgate = build_app(settings, plugins=plugins)
        server = make_server(
            "127.0.0.1", 0, wsgi_app(opsgate), server_class=_Server, handler_class=_QuietHandler
        )
        thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
        thread.start()
        try:
            with httpx.Client(timeout=10.0) as http:
                yield Served(
                    url=f"http://127.0.0.1:{server.server_port}",
                    slack=slack,
                    opsgate=opsgate,
                    http=http,
                )
        finally:
            server.shutdown()
            server.server_close()
            thread.join(timeout=5)
            opsgate.close()


class _Server(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass
