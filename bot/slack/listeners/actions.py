"""The card's buttons and the Reject dialog. The button value is the request id only; everything
else comes from the store. The clicker is the user id in Slack's signed payload, and the card
clicked is the payload's ``container`` (channel and message ts), which the lifecycle checks
against the card stored for the request."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot import cards
from bot.lifecycle import Origin
from bot.observability.logs import log_context
from bot.slack.listeners.context import ListenerContext, payload_user
from bot.slack.listeners.home import publish as publish_home

log = logging.getLogger(__name__)


def register(app: App, ctx: ListenerContext) -> None:
    """Attach the Approve, Reject, Withdraw, Stop and Mark reviewed listeners, and the Reject
    dialog's."""
    service = ctx.service
    handlers: dict[str, Callable[[str, Origin], None]] = {
        cards.APPROVE_ACTION: service.approve,
        cards.REJECT_ACTION: service.reject,
        cards.WITHDRAW_ACTION: service.withdraw,
        cards.STOP_ACTION: service.stop,
        cards.REVIEW_ACTION: service.review,
    }
    for action_id, handler in handlers.items():
        app.action(action_id)(_listener(handler, ctx))
    app.view(cards.REJECT_DIALOG)(_dialog_listener(ctx))


def _listener(handler: Callable[[str, Origin], None], ctx: ListenerContext) -> Callable[..., None]:
    def on_click(ack: Ack, body: dict[str, Any], action: dict[str, Any]) -> None:
        request_id = str(action.get("value") or "")
        origin = click_origin(body)
        # Queued before the ack, so anyone waiting for the pool to go idle also waits for it.
        # The operation is bound where the request is read (`bot.lifecycle.clicks.on_card`).
        with log_context(request_id=request_id, actor=origin.user):
            ctx.submit(origin, lambda: handler(request_id, origin))
        ack()

    return on_click


def click_origin(body: dict[str, Any]) -> Origin:
    """Who clicked, and on which message (``container``: channel and ts), from a click."""
    container = body.get("container") or {}
    return Origin(
        user=payload_user(body),
        channel=str(container.get("channel_id") or ""),
        message_ts=str(container.get("message_ts") or "") or None,
        response_url=body.get("response_url"),
        trigger_id=body.get("trigger_id"),
    )


def _dialog_listener(ctx: ListenerContext) -> Callable[..., None]:
    def on_submit(ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient) -> None:
        user = payload_user(body)
        try:
            submitted = cards.read_reject_dialog(view)
        except cards.ReasonRefused as exc:
            ack(response_action="errors", errors=exc.errors)  # the dialog stays open
            return
        except ValueError as exc:
            ack()
            with log_context(actor=user):
                log.warning("ignored a Reject dialog submission: %s", exc)
            return
        origin = Origin(user=user, channel=submitted.channel, message_ts=submitted.message_ts)
        # As a click's: the job runs in a copy of this context (its operation is bound once
        # the request is read).
        with log_context(request_id=submitted.request_id, actor=user):
            ctx.submit(origin, lambda: _reject_then_redraw(submitted, origin, client, ctx))
        ack()  # closes the dialog; the decision and any refusal follow in the channel

    return on_submit


def _reject_then_redraw(
    submitted: cards.RejectSubmission, origin: Origin, client: WebClient, ctx: ListenerContext
) -> None:
    """Reject as the dialog says; then redraw the rejecter's App Home tab, which may have been
    where they clicked (its "Waiting for you" must not keep a decided request)."""
    try:
        ctx.service.reject_with_reason(submitted.request_id, origin, submitted.reason)
    finally:
        publish_home(origin.user, client, ctx)
