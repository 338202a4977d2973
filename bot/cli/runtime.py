"""Starting the real bot: check what serving needs, build the app, then serve until stopped."""

from __future__ import annotations

import logging
import sys

from slack_sdk.errors import SlackApiError

from adapters.registry import Plugins
from bot.app import OpsgateApp, build_app
from bot.cli.serve import serve_http, serve_socket_mode
from bot.policy import PolicyError
from bot.settings import Settings

log = logging.getLogger(__name__)


def serve(
    settings: Settings, *, http: bool, host: str, port: int, plugins: Plugins | None = None
) -> int:
    """Run the bot: Socket Mode when SLACK_APP_TOKEN is set (unless `http`), else HTTP."""
    socket_mode = settings.slack_app_token is not None and not http
    problem = _missing_credentials(settings, socket_mode=socket_mode)
    if problem:
        print(f"opsgate: {problem}", file=sys.stderr)
        return 2
    try:
        opsgate = build_app(settings, plugins=plugins)
    except PolicyError as exc:
        print(f"opsgate: invalid policy: {exc}", file=sys.stderr)
        return 2
    try:
        if not _slack_accepts_token(opsgate):
            return 2
        opsgate.start_background()
        if socket_mode and settings.slack_app_token is not None:
            serve_socket_mode(opsgate, app_token=settings.slack_app_token.get_secret_value())
        else:
            serve_http(opsgate, host=host, port=port, threads=max(4, settings.workers))
    except KeyboardInterrupt:
        log.info("stopping")
    finally:
        opsgate.close()
    return 0


def _missing_credentials(settings: Settings, *, socket_mode: bool) -> str | None:
    if settings.slack_bot_token is None:
        return (
            "SLACK_BOT_TOKEN is not set. Create the Slack app from manifest.yml (see the "
            "README), or try `opsgate console` for a local session with no credentials."
        )
    if not socket_mode and settings.slack_signing_secret is None:
        return "SLACK_SIGNING_SECRET is not set; HTTP mode needs it to verify Slack's requests."
    return None


def _slack_accepts_token(opsgate: OpsgateApp) -> bool:
    try:
        identity = opsgate.bolt.client.auth_test()
    except SlackApiError as exc:
        print(
            f"opsgate: Slack refused SLACK_BOT_TOKEN: {exc.response.get('error')}", file=sys.stderr
        )
        return False
    log.info("connected to Slack workspace %s as %s", identity.get("team"), identity.get("user"))
    return True
