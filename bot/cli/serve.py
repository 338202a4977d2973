"""`opsgate serve`: Socket Mode when an app token is set, else HTTP behind waitress.

waitress is a production-grade pure-Python WSGI server (Bolt's built-in server is for development
only); Bolt's WSGI adapter handles `/slack/events` with signature verification left on.
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Iterable
from typing import TYPE_CHECKING

import waitress
from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_bolt.adapter.wsgi import SlackRequestHandler

from bot.app import OpsgateApp

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

log = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"


def wsgi_app(opsgate: OpsgateApp) -> WSGIApplication:
    """The WSGI application: Slack's requests on `/slack/events`, `GET /healthz` for probes."""
    slack = SlackRequestHandler(opsgate.bolt, path=EVENTS_PATH)

    def application(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == "/healthz" and environ.get("REQUEST_METHOD") == "GET":
            return _health(opsgate, start_response)
        return slack(environ, start_response)

    return application


def _health(opsgate: OpsgateApp, start_response: StartResponse) -> Iterable[bytes]:
    ok = opsgate.store.healthy()
    body = json.dumps({"ok": ok, "sandboxed": sorted(opsgate.adapters.simulators)}).encode()
    status = "200 OK" if ok else "503 Service Unavailable"
    start_response(
        status, [("Content-Type", "application/json"), ("Content-Length", str(len(body)))]
    )
    return [body]


def serve_http(opsgate: OpsgateApp, *, host: str, port: int, threads: int = 16) -> None:
    """Serve over HTTP until interrupted."""
    # Acks are short and latency-bound; previews and vendor calls on the worker pool are
    # CPU-bound. A shorter GIL switch interval (default 5 ms) lets an ack thread in sooner.
    sys.setswitchinterval(0.001)
    log.info("opsgate listening on http://%s:%d%s", host, port, EVENTS_PATH)
    waitress.serve(
        wsgi_app(opsgate), host=host, port=port, threads=threads, ident="opsgate", _quiet=True
    )


def serve_socket_mode(opsgate: OpsgateApp, *, app_token: str) -> None:
    """Connect to Slack over Socket Mode until interrupted (no public URL needed)."""
    log.info("opsgate connecting to Slack in Socket Mode")
    SocketModeHandler(opsgate.bolt, app_token).start()  # type: ignore[no-untyped-call]
