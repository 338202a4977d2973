"""The App Home tab: the user's recent requests and what they may request."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import App
from slack_sdk import WebClient

from bot import cards
from bot.observability.logs import log_context
from bot.slack.listeners.context import ListenerContext

log = logging.getLogger(__name__)


def register(app: App, ctx: ListenerContext) -> None:
    """Attach the `app_home_opened` listener."""

    @app.event("app_home_opened")
    def home_opened(event: dict[str, Any], client: WebClient) -> None:
        user = str(event.get("user") or "")
        with log_context(actor=user):
            ctx.runner.submit(lambda: _publish(user, client, ctx))


def _publish(user: str, client: WebClient, ctx: ListenerContext) -> None:
    records = ctx.service.s.store.history(requester=user, limit=10)
    # An App Home belongs to no channel: show what the user may request in some channel.
    entries = ctx.help_entries(user=user, channel=None)
    client.views_publish(user_id=user, view=cards.home_view(records, operations=entries))
