"""The App Home tab (SPEC §10): published when opened, with Approve and Reject on each request
waiting for the user, Mark reviewed on each break-glass run awaiting their review, and a button
that opens the request form.

A tab button carries the request id only, like the card's. The click is then taken as a click
on the request's own card (its channel and message ts, from the store): it is the same decision,
re-checked against the policy the same way, recorded the same way. Only clicks that Slack says
came from this app's Home tab are taken so. Mark reviewed is the one click the tab takes for a
run with no card (Slack would not post it): the run has ended, so nothing is decided that the
card's readers could have been shown first.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from bot import cards
from bot.cards.home import (
    HOME_APPROVE_ACTION,
    HOME_FORM_ACTION,
    HOME_REJECT_ACTION,
    HOME_REVIEW_ACTION,
    HOME_STOP_ACTION,
)
from bot.lifecycle import Origin
from bot.lifecycle.home import HomeTab
from bot.observability.logs import log_context
from bot.slack.listeners.context import ListenerContext, payload_user
from bot.slack.listeners.forms import open_form
from bot.slack.port import refused
from bot.store import UnreadableRequestError

log = logging.getLogger(__name__)


def register(app: App, ctx: ListenerContext) -> None:
    """Attach ``app_home_opened`` and the tab's buttons."""

    @app.event("app_home_opened")
    def home_opened(event: dict[str, Any], client: WebClient) -> None:
        if event.get("tab", "home") != "home":
            return  # the Messages tab was opened: there is no tab to draw
        user = str(event.get("user") or "")
        with log_context(actor=user):
            ctx.runner.submit(lambda: publish(user, client, ctx))

    handlers: dict[str, Callable[[str, Origin], None]] = {
        HOME_APPROVE_ACTION: ctx.service.approve,
        HOME_REJECT_ACTION: ctx.service.reject,
        # A break-glass run whose card Slack would not post is reviewed here, or nowhere.
        HOME_REVIEW_ACTION: ctx.service.review_in_tab,
        # So is Stop of such a run (while it goes on, the requester's tab offers it).
        HOME_STOP_ACTION: ctx.service.stop_in_tab,
    }
    for action_id, handler in handlers.items():
        app.action(action_id)(_tab_click(handler, ctx))

    @app.action(HOME_FORM_ACTION)
    def form_button(ack: Ack, body: dict[str, Any]) -> None:
        ack()
        user = payload_user(body)
        open_form(ctx, trigger_id=body.get("trigger_id"), user=user, channel=None)


def publish(user: str, client: WebClient, ctx: ListenerContext) -> None:
    """Publish `user`'s App Home tab as it stands now."""
    tab = HomeTab(ctx.service.s, operation_ids=ctx.catalog.ids)
    # An App Home belongs to no channel: show what the user may request in some channel.
    entries = ctx.help_entries(user=user, channel=None)
    view = cards.home_view(tab.content(user, operations=entries))
    try:
        client.views_publish(user_id=user, view=view)
    except SlackApiError as exc:  # a rate limit, a revoked token: drawn again when next opened
        log.warning("App Home of %s not drawn: Slack said %s", user, refused(exc))
    except (SlackClientError, OSError) as exc:
        log.warning(
            "App Home of %s not drawn: Slack could not be reached (%s)", user, type(exc).__name__
        )


def _tab_click(handler: Callable[[str, Origin], None], ctx: ListenerContext) -> Callable[..., None]:
    def on_click(ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient) -> None:
        request_id = str(action.get("value") or "")
        if (body.get("view") or {}).get("type") != "home":
            log.warning(
                "ignored a tab click on %r that did not come from App Home", request_id[:40]
            )
            ack()
            return
        user = payload_user(body)
        clicker = Origin(user=user, channel="", trigger_id=body.get("trigger_id"))
        with log_context(request_id=request_id, actor=user):
            ctx.runner.submit(
                lambda: _decide_and_refresh(handler, request_id, clicker, client, ctx)
            )
        ack()

    return on_click


def _decide_and_refresh(
    handler: Callable[[str, Origin], None],
    request_id: str,
    clicker: Origin,
    client: WebClient,
    ctx: ListenerContext,
) -> None:
    """The decision, taken as a click on the request's own card (its channel and message ts,
    looked up here on the worker: a store read in the ack path would queue the ack behind the
    audit log's durable writes), then the clicker's tab redrawn to show where things stand."""
    try:
        record = ctx.service.s.store.get(request_id)
        if record is not None:
            clicker = replace(clicker, channel=record.channel, message_ts=record.message_ts)
        handler(request_id, clicker)
    except UnreadableRequestError as exc:  # the redrawn tab leaves it out: nothing to decide
        log.error("%s: a tab click was ignored", exc)
    finally:
        publish(clicker.user, client, ctx)
