"""`opsgate serve`'s two ways in: HTTP behind waitress, or Socket Mode; both stop on SIGTERM.

HTTP: `wsgi_app` answers Slack on ``/slack/events`` (`bot.slack.ingress`: a body that cannot
be read is refused there; every request's signature is checked by `bot.slack.verification`),
``GET /healthz`` for probes and ``GET /metrics`` for Prometheus; `bot.cli.http_server` serves
it. Socket Mode: opsgate connects out to Slack, so no public URL is needed; with a probe port
(`probes_served`) it also answers ``/healthz`` and ``/metrics``, and nothing else, there.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Final
from urllib.parse import parse_qs

from bot.app import OpsgateApp
from bot.cli.http_server import HttpServer
from bot.cli.preflight import slack_identity
from bot.cli.slack_health import SlackHealth
from bot.observability.metrics import CONTENT_TYPE
from bot.slack.ingress import SlackEndpoint
from bot.slack.socket_mode import CheckedSocketModeHandler
from bot.slack.verification import SignedRequests

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

log = logging.getLogger(__name__)

EVENTS_PATH: Final = "/slack/events"
#: How long ``/healthz?deep=1`` waits for Slack's ``auth.test``.
DEEP_HEALTH_TIMEOUT_S: Final = 3
#: How often Socket Mode pings Slack; a dead connection is noticed and replaced within this.
SOCKET_PING_INTERVAL_S: Final = 5.0


def wsgi_app(opsgate: OpsgateApp) -> WSGIApplication:
    """The WSGI application: Slack's requests on `EVENTS_PATH`, ``GET /healthz`` and
    ``GET /metrics``.

    Raises:
        ValueError: The app has no signing secret, so it could not verify Slack's requests.
    """
    secret = opsgate.settings.slack_signing_secret
    if secret is None:
        raise ValueError("serving HTTP needs SLACK_SIGNING_SECRET to verify Slack's requests")
    signatures = SignedRequests(secret.get_secret_value())
    slack = SlackEndpoint(opsgate.bolt, signatures=signatures, path=EVENTS_PATH)
    health = _slack_health(opsgate)

    def application(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        probed = _probe(opsgate, health, environ, start_response)
        return slack(environ, start_response) if probed is None else probed

    return application


def probe_app(opsgate: OpsgateApp) -> WSGIApplication:
    """Only ``GET /healthz`` and ``GET /metrics``: what Socket Mode serves on its probe port
    (nothing of Slack's is answered there)."""
    health = _slack_health(opsgate)

    def application(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        probed = _probe(opsgate, health, environ, start_response)
        if probed is None:
            return _reply(start_response, "404 Not Found", b"not found\n", "text/plain")
        return probed

    return application


def base_url(host: str, port: int) -> str:
    """The URL a listener on `host`:`port` answers at, as an operator may copy it: an IPv6
    address in brackets (``http://[::1]:3000``), as URLs write it."""
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


class ProbesUnavailable(Exception):
    """The probe port cannot be listened on (the message says where and why, in one line)."""


@contextmanager
def probes_served(opsgate: OpsgateApp, *, host: str, port: int | None) -> Iterator[None]:
    """While in the block, serve `probe_app` on `host`:`port` (no port: nothing).

    Raises:
        ProbesUnavailable: The address cannot be listened on.
    """
    if port is None:
        yield
        return
    try:
        server = HttpServer(probe_app(opsgate), host=host, port=port, settings=opsgate.settings)
    except OSError as exc:
        raise ProbesUnavailable(
            f"cannot listen on {host}:{port} for probes: {exc.strerror or exc}"
        ) from None
    thread = threading.Thread(target=server.serve, daemon=True, name="opsgate-probes")
    thread.start()
    log.info("probes on %s/healthz and /metrics", base_url(host, server.port))
    try:
        yield
    finally:
        server.close()
        thread.join(timeout=5)


def _slack_health(opsgate: OpsgateApp) -> SlackHealth:
    return SlackHealth(lambda: slack_identity(opsgate.settings, timeout=DEEP_HEALTH_TIMEOUT_S))


def _probe(
    opsgate: OpsgateApp,
    health: SlackHealth,
    environ: WSGIEnvironment,
    start_response: StartResponse,
) -> Iterable[bytes] | None:
    """The answer to a probe (``GET /healthz`` or ``GET /metrics``); None for anything else.
    ``HEAD`` (as load balancers probe) is answered as ``GET``, with its headers and no body."""
    method = environ.get("REQUEST_METHOD")
    if method not in ("GET", "HEAD"):
        return None
    path = environ.get("PATH_INFO")
    if path == "/healthz":
        answer = _health(opsgate, start_response, slack=health if _deep(environ) else None)
    elif path == "/metrics":
        answer = _reply(start_response, "200 OK", opsgate.metrics.render(), CONTENT_TYPE)
    else:
        return None
    return [] if method == "HEAD" else answer


def _deep(environ: WSGIEnvironment) -> bool:
    values = parse_qs(str(environ.get("QUERY_STRING") or "")).get("deep", [])
    return bool(values) and values[-1].lower() in {"1", "true", "yes"}


def health_report(opsgate: OpsgateApp, *, slack: SlackHealth | None) -> dict[str, object]:
    """What ``/healthz`` says: ``ok`` is true when the database (and, with `slack`, the deep
    probe's, Slack) is.

    The deep check asks Slack's ``auth.test`` with a bound of `DEEP_HEALTH_TIMEOUT_S`, one
    probe at a time (`SlackHealth`).
    """
    database = opsgate.store.healthy()
    report: dict[str, object] = {
        "ok": database,
        "database": "ok" if database else "unavailable",
        "sandboxed": sorted(opsgate.adapters.simulators),
    }
    if slack is not None:
        identity = slack.current()
        report["slack"] = "ok" if identity.ok else identity.detail
        report["ok"] = database and identity.ok
    return report


def _health(
    opsgate: OpsgateApp, start_response: StartResponse, *, slack: SlackHealth | None
) -> Iterable[bytes]:
    report = health_report(opsgate, slack=slack)
    status = "200 OK" if report["ok"] else "503 Service Unavailable"
    return _reply(start_response, status, json.dumps(report).encode(), "application/json")


def _reply(
    start_response: StartResponse, status: str, body: bytes, content_type: str
) -> Iterable[bytes]:
    start_response(status, [("Content-Type", content_type), ("Content-Length", str(len(body)))])
    return [body]


def serve_http(opsgate: OpsgateApp, *, host: str, port: int) -> None:
    """Serve over HTTP until Ctrl-C or SIGTERM; returns once no longer accepting.

    Raises:
        OSError: `host`:`port` cannot be listened on.
    """
    server = HttpServer(wsgi_app(opsgate), host=host, port=port, settings=opsgate.settings)
    log.info("opsgate listening on %s%s", base_url(host, server.port), EVENTS_PATH)
    server.serve()


def serve_socket_mode(opsgate: OpsgateApp, *, app_token: str) -> None:
    """Hold a Socket Mode connection to Slack until Ctrl-C or SIGTERM, then disconnect.

    Slack's ``disconnect`` messages and dropped sockets are answered by reconnecting at once
    (slack_sdk's client on websocket-client; its built-in client ignores a socket's end and
    notices a dropped one only after several failed pings). An envelope that cannot be read is
    acknowledged and ignored in one log line (`bot.slack.socket_mode`).

    Raises:
        SlackApiError: Slack refused the app token (``apps.connections.open``).
        OSError: Slack could not be reached.
    """
    handler = CheckedSocketModeHandler(
        opsgate.bolt, app_token, ping_interval=SOCKET_PING_INTERVAL_S
    )
    try:
        handler.connect()  # type: ignore[no-untyped-call]
        log.info("opsgate connected to Slack in Socket Mode")
        threading.Event().wait()  # until a KeyboardInterrupt (Ctrl-C, or SIGTERM: see runtime)
    except KeyboardInterrupt:
        log.info("disconnecting from Slack")
    finally:
        handler.close()  # type: ignore[no-untyped-call]
