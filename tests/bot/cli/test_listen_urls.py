"""The line saying where `serve` listens gives a URL an operator can copy: an IPv6 address is
written in brackets (``http://[::1]:3000/slack/events``), as `--host ::1` needs."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from bot.cli import serve


class _Listener:
    """Stands in for the HTTP server: bound at once, serving nothing."""

    def __init__(self, app: Any, *, host: str, port: int, settings: Any) -> None:
        self.port = 4321

    def serve(self) -> None:
        return None

    def close(self) -> None:
        return None


class _App:
    settings = None


@pytest.mark.parametrize(
    ("host", "url"),
    [
        ("::1", "http://[::1]:4321"),
        ("::", "http://[::]:4321"),
        ("127.0.0.1", "http://127.0.0.1:4321"),
    ],
)
def test_the_listening_lines_give_urls_that_can_be_copied(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture, host: str, url: str
) -> None:
    monkeypatch.setattr(serve, "HttpServer", _Listener)
    monkeypatch.setattr(serve, "wsgi_app", lambda opsgate: None)
    monkeypatch.setattr(serve, "probe_app", lambda opsgate: None)
    app: Any = _App()
    with caplog.at_level(logging.INFO, logger=serve.log.name):
        serve.serve_http(app, host=host, port=0)
        with serve.probes_served(app, host=host, port=0):
            pass
    said = [r.getMessage() for r in caplog.records if r.name == serve.log.name]
    assert f"opsgate listening on {url}/slack/events" in said
    assert f"probes on {url}/healthz and /metrics" in said
