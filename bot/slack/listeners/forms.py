"""The request modal (SPEC §10): opened by ``/ops`` alone, the global shortcut "Request an
operation" and a card's Request again button; redrawn when the operation changes; submitted
exactly like the slash command.

Opening a modal needs Slack's ``trigger_id``, which lives 3 seconds, so the modal is opened
right after the ack, in the listener, rather than behind slow work on the worker pool. A
submission is read and checked in the ack itself (`bot.slack.listeners.submission`: file
download included, bounded at 2 seconds), because Slack shows errors under their fields only
in the ack (``response_action: errors``); what follows (policy, preview, card) runs on the
worker pool, as for ``/ops``, and answers through the response_url of the channel chosen.
"""

from __future__ import annotations

import dataclasses
import logging
from typing import Any, Final

from slack_bolt import Ack, App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from bot.cards.form import (
    FORM_CALLBACK,
    OPERATION_ACTION,
    FormPrefill,
    request_form,
)
from bot.cards.form_state import prefill_from_entry, prefill_from_record, read_form
from bot.cards.messages import AGAIN_ACTION, notice_message
from bot.lifecycle import Origin
from bot.model import Code, Notice, rules
from bot.model.again import NOT_INSTALLED
from bot.observability.logs import log_context
from bot.slack.listeners.context import ListenerContext, payload_user
from bot.slack.listeners.submission import REASON_NEEDED, read_submission, response_url, spec_named
from bot.slack.manifest import SHORTCUT_CALLBACK
from bot.slack.port import SlackPostError, refused
from bot.store import UnreadableRequestError
from commands.model import OperationRequest
from commands.render import format_command

__all__ = ["REASON_NEEDED", "open_form", "read_submission", "register"]

log = logging.getLogger(__name__)

#: Said when Slack would not open the form (its trigger expired: it lives 3 seconds).
NOT_OPENED: Final = (
    "Slack would not open the request form; try again, or type the command (`/ops help`)."
)


def register(app: App, ctx: ListenerContext) -> None:
    """Attach the shortcut, the operation select, Request again and the form's submission."""

    @app.shortcut(SHORTCUT_CALLBACK)
    def shortcut(ack: Ack, body: dict[str, Any]) -> None:
        ack()
        open_form(ctx, trigger_id=body.get("trigger_id"), user=payload_user(body), channel=None)

    @app.action(OPERATION_ACTION)
    def operation_changed(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        _redraw(client, ctx, view=body.get("view") or {}, user=payload_user(body))

    @app.action(AGAIN_ACTION)
    def request_again(ack: Ack, body: dict[str, Any], action: dict[str, Any]) -> None:
        ack()
        _again(ctx, request_id=str(action.get("value") or ""), body=body)

    @app.view(FORM_CALLBACK)
    def submitted(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        user = payload_user(body)
        with log_context(actor=user):
            read = read_submission(view, ctx)
            if isinstance(read, dict) and _not_shown(read, view):
                # Submitted before the form was redrawn for the operation chosen (or the
                # redraw failed): Slack cannot show errors under fields the view lacks, so the
                # form comes back whole, with that operation's fields to fill in.
                ack(response_action="update", view=_form_for(view, ctx, user))
                return
            if isinstance(read, dict):
                ack(response_action="errors", errors=read)
                return
            request, channel = read
            trigger = str(body.get("trigger_id") or "")
            origin = Origin(user, channel, response_url=response_url(body, channel))
            with log_context(operation=request.operation):  # the request id follows at intake
                ctx.submit(origin, lambda: _run_once(trigger, request, origin, ctx))
        ack()


def open_form(
    ctx: ListenerContext,
    *,
    trigger_id: str | None,
    user: str,
    channel: str | None,
    prefill: FormPrefill | None = None,
    note: str | None = None,
    tell: bool = True,
) -> bool:
    """Open the request modal for `user`; False (logged) when Slack would not, and with
    `tell`, `user` is told in a direct message (a shortcut or a button has no other way to
    answer: ``/ops`` alone answers through its response_url instead)."""
    operations = ctx.requestable(user=user, channel=None)
    base = prefill or FormPrefill(channel=channel)
    view = request_form(operations, prefill=base, note=note, terms=ctx.service.s.policy.usage_terms)
    try:
        ctx.service.s.slack.open_view(str(trigger_id or ""), view)
    except SlackPostError as exc:
        log.warning("could not open the request form: %s", exc.error)
        if tell:
            _tell(ctx, user)
        return False
    return True


def _tell(ctx: ListenerContext, user: str) -> None:
    _say(ctx, user, NOT_OPENED)


def _say(ctx: ListenerContext, user: str, text: str | Notice) -> None:
    """Tell `user` in a direct message why no form opened (a button has no other way)."""
    try:
        ctx.service.s.slack.post(user, notice_message(text))
    except SlackPostError as exc:
        log.warning("could not tell %s why the request form did not open: %s", user, exc.error)


def _redraw(client: WebClient, ctx: ListenerContext, *, view: dict[str, Any], user: str) -> None:
    """The operation changed: the same form with that operation's fields.

    A redraw Slack refuses or does not answer leaves the form as it was, still usable: submitted
    with fields the operation lacks, it comes back with them (`submitted`)."""
    new = _form_for(view, ctx, user)
    try:
        client.views_update(view_id=view.get("id"), hash=view.get("hash"), view=new)
    except SlackApiError as exc:
        error = refused(exc)
        # hash_conflict: a newer change is already on its way, drawn instead.
        level = logging.INFO if error == "hash_conflict" else logging.WARNING
        log.log(level, "request form not redrawn: %s", error)
    except (SlackClientError, OSError) as exc:  # a timeout, a dropped connection
        log.warning(
            "request form not redrawn: Slack did not answer (%s); submitted, it comes back "
            "with the operation's fields",
            type(exc).__name__,
        )


def _form_for(view: dict[str, Any], ctx: ListenerContext, user: str) -> dict[str, Any]:
    """The form as `view` was filled in, with the fields of the operation chosen in it."""
    operations = ctx.requestable(user=user, channel=None)
    prefill = prefill_from_entry(read_form(view, None))
    return request_form(operations, prefill=prefill, terms=ctx.service.s.policy.usage_terms)


def _not_shown(errors: dict[str, str], view: dict[str, Any]) -> bool:
    """Some error belongs under a field `view` does not have."""
    shown = {block.get("block_id") for block in view.get("blocks") or []}
    return any(block not in shown for block in errors)


def _again(ctx: ListenerContext, *, request_id: str, body: dict[str, Any]) -> None:
    """Request again: the form, filled in from the request; submitting it is a new request."""
    user = payload_user(body)
    try:
        record = ctx.service.s.store.get(request_id)
    except UnreadableRequestError as exc:
        log.error("%s: Request again was ignored", exc)
        return
    if record is None:
        log.warning("Request again for %r: no such request", request_id[:40])
        return
    spec = spec_named(ctx, record.operation)
    if spec is None:  # a card drawn before its vendor plugin was uninstalled
        log.warning("Request again for %s: %s is not installed", record.id, record.operation)
        why = (" cannot be asked again: ", Code(record.operation), f" {NOT_INSTALLED}.")
        _say(ctx, user, Notice(Code(record.id), *why))
        return
    if not rules.offers_again(record):  # a card redrawn since, or a payload no card sent
        log.warning("Request again for %s, which has none (%s)", record.id, record.state.value)
        state = record.state.value
        _say(ctx, user, Notice(Code(record.id), f" is {state}: its card has no Request again."))
        return
    prefill = prefill_from_record(record, spec)
    note = None
    if spec not in ctx.requestable(user=user, channel=None):
        note = f"You may not request {spec.id}, so it is not offered; choose another operation."
        prefill = dataclasses.replace(prefill, operation=None)
    open_form(
        ctx,
        trigger_id=body.get("trigger_id"),
        user=user,
        channel=None,
        prefill=prefill,
        note=note,
    )


def _run_once(
    trigger_id: str, request: OperationRequest, origin: Origin, ctx: ListenerContext
) -> None:
    """Open the request, unless some process has taken this submission already."""
    if trigger_id and not ctx.service.s.store.claim_trigger(trigger_id):
        return
    text = format_command(request, ctx.catalog)
    ctx.service.submit(request, origin, command_text=text)
