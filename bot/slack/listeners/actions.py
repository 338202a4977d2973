"""The card's buttons. The button value is the request id only; everything else comes from the
store, and the clicker is the user id in Slack's signed payload."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App

from bot import cards
from bot.lifecycle import Origin
from bot.observability.logs import log_context
from bot.slack.listeners.context import ListenerContext


def register(app: App, ctx: ListenerContext) -> None:
    """Attach the Approve, Reject and Withdraw listeners."""
    service = ctx.service
    handlers: dict[str, Callable[[str, Origin], None]] = {
        cards.APPROVE_ACTION: service.approve,
        cards.REJECT_ACTION: service.reject,
        cards.WITHDRAW_ACTION: service.withdraw,
    }
    for action_id, handler in handlers.items():
        app.action(action_id)(_listener(handler, ctx))


def _listener(handler: Callable[[str, Origin], None], ctx: ListenerContext) -> Callable[..., None]:
    def on_click(ack: Ack, body: dict[str, Any], action: dict[str, Any]) -> None:
        origin = Origin(
            user=body["user"]["id"], channel=_channel(body), response_url=body.get("response_url")
        )
        request_id = str(action.get("value") or "")
        # Queued before the ack, so anyone waiting for the pool to go idle also waits for it.
        with log_context(request_id=request_id, actor=origin.user):
            ctx.runner.submit(lambda: handler(request_id, origin))
        ack()

    return on_click


def _channel(body: dict[str, Any]) -> str:
    channel = body.get("channel") or body.get("container") or {}
    return str(channel.get("id") or channel.get("channel_id") or "")
