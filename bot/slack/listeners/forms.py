"""The request modal (SPEC §10): opened by ``/ops`` alone, the global shortcut "Request an
operation" and a card's Request again button; redrawn when the operation changes; submitted
exactly like the slash command.

Opening a modal needs Slack's ``trigger_id``, which lives 3 seconds, so the modal is opened
right after the ack, in the listener, rather than behind slow work on the worker pool. A
submission is read and checked in the ack itself (file download included, bounded at 2
seconds), because Slack shows errors under their fields only in the ack
(``response_action: errors``); what follows (policy, preview, card) runs on the worker pool,
as for ``/ops``.
"""

from __future__ import annotations

import dataclasses
import logging
from typing import Any, Final

from slack_bolt import Ack, App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.cards.form import (
    CHANNEL_BLOCK,
    FILE_BLOCK,
    FORM_CALLBACK,
    OPERATION_ACTION,
    OPERATION_BLOCK,
    REASON_BLOCK,
    TARGETS_BLOCK,
    FormPrefill,
    request_form,
)
from bot.cards.form_state import (
    FormEntry,
    error_block,
    error_text,
    form_fields,
    prefill_from_entry,
    prefill_from_record,
    read_form,
)
from bot.cards.messages import AGAIN_ACTION
from bot.cards.sentences import plain
from bot.lifecycle import Origin
from bot.model import is_channel_id, rules
from bot.observability.logs import log_context
from bot.slack.files import TargetFileError
from bot.slack.listeners.context import ListenerContext, payload_user
from bot.slack.manifest import SHORTCUT_CALLBACK
from bot.slack.port import SlackPostError
from bot.store import UnreadableRequestError
from commands.fields import listed_targets, request_from_fields
from commands.model import OperationRequest, UsageError
from commands.render import format_command
from commands.spec import OperationSpec

log = logging.getLogger(__name__)

#: Under the Reason field when it was left empty and the policy wants one.
REASON_NEEDED: Final = (
    "Say why: the policy needs a reason for this operation (a dry run needs none)."
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
            origin = Origin(user, channel, response_url=_response_url(body, channel))
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
) -> bool:
    """Open the request modal for `user`; False (logged) when Slack would not."""
    operations = ctx.requestable(user=user, channel=None)
    base = prefill or FormPrefill(channel=channel)
    view = request_form(operations, prefill=base, note=note, terms=ctx.service.s.policy.usage_terms)
    try:
        ctx.service.s.slack.open_view(str(trigger_id or ""), view)
    except SlackPostError as exc:
        log.warning("could not open the request form: %s", exc.error)
        return False
    return True


def _redraw(client: WebClient, ctx: ListenerContext, *, view: dict[str, Any], user: str) -> None:
    """The operation changed: the same form with that operation's fields."""
    new = _form_for(view, ctx, user)
    try:
        client.views_update(view_id=view.get("id"), hash=view.get("hash"), view=new)
    except SlackApiError as exc:  # hash_conflict: a newer change is already on its way
        log.info("request form not redrawn: %s", exc.response.get("error"))


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
    spec = _spec(ctx, record.operation) if record is not None else None
    if record is None or spec is None:
        log.warning("Request again for %r: no such request or operation", request_id[:40])
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


def read_submission(
    view: dict[str, Any], ctx: ListenerContext
) -> tuple[OperationRequest, str] | dict[str, str]:
    """The request a submitted form asks for and its channel, or every error by block id."""
    spec = _spec(ctx, read_form(view, None).operation)
    if spec is None:
        return {OPERATION_BLOCK: "Choose an operation."}
    entry = read_form(view, spec)
    errors: dict[str, str] = {}
    if not is_channel_id(entry.channel):  # Slack's conversation select gives a channel id
        errors[CHANNEL_BLOCK] = "Choose the channel for the approval card."
    elif refused := ctx.service.s.policy.channel_refusal(spec.id, str(entry.channel)):
        errors[CHANNEL_BLOCK] = error_text(plain(refused))  # said here, as the targets' limit
    try:
        listed = _listed(entry, spec, ctx)
    except (TargetFileError, UsageError) as exc:
        errors[FILE_BLOCK] = error_text(str(getattr(exc, "message", exc)))
        listed = []
    try:
        request = request_from_fields(spec, form_fields(entry, listed=listed))
    except UsageError as exc:
        _place_errors(errors, exc, spec, entry)
        request = None
    if _reason_missing(entry, spec, ctx):
        errors.setdefault(REASON_BLOCK, REASON_NEEDED)
    too_many = _over_the_policys_limit(request, spec, ctx)
    if too_many:
        errors.setdefault(FILE_BLOCK if entry.from_file else TARGETS_BLOCK, too_many)
    if errors or request is None:
        return errors
    return request, str(entry.channel)


def _place_errors(
    errors: dict[str, str], exc: UsageError, spec: OperationSpec, entry: FormEntry
) -> None:
    """Each field's error under its own input; an input keeps the first error said of it (a
    file that could not be read is not also reported as no targets)."""
    for error in exc.each:
        errors.setdefault(
            error_block(error, spec, from_file=entry.from_file), error_text(error.at_field)
        )


def _over_the_policys_limit(
    request: OperationRequest | None, spec: OperationSpec, ctx: ListenerContext
) -> str | None:
    """What to say under the targets when they are more than the policy lets one request
    name: said there, as the form's hint ("Up to N") promises, not after the form has closed."""
    count = 0 if request is None else len(request.targets)
    most = ctx.service.s.policy.too_many_targets(spec.id, count)
    if most is None:
        return None
    return (
        f"The policy allows at most {most:,} targets per request and these are {count:,}: "
        "split them into smaller requests."
    )


def _reason_missing(entry: FormEntry, spec: OperationSpec, ctx: ListenerContext) -> bool:
    """The reason was left empty, and the policy wants one for this operation. Checked here,
    not left to the policy after submission, so it is said under the Reason field."""
    dry_run = "--dry-run" in entry.switches
    return not entry.reason and ctx.service.s.policy.needs_reason(spec.id, dry_run=dry_run)


def _listed(entry: FormEntry, spec: OperationSpec, ctx: ListenerContext) -> list[str]:
    """Targets from the uploaded file, or kept from the request made again."""
    if entry.files:
        if ctx.files is None:
            raise TargetFileError("opsgate cannot read uploaded files here.")
        file = entry.files[0]
        text = ctx.files.text(file, most_targets=spec.target.max_count)
        csv_rows = str(file.get("name") or "").lower().endswith(".csv")
        return listed_targets(text, name=spec.target.name, csv_rows=csv_rows)
    kept = entry.kept
    if kept is not None and kept.operation == spec.id and not entry.targets.strip():
        record = ctx.service.s.store.get(kept.request_id)
        if record is not None and record.operation == spec.id:
            return list(rules.again_targets(record))
    return []


def _run_once(
    trigger_id: str, request: OperationRequest, origin: Origin, ctx: ListenerContext
) -> None:
    """Open the request, unless some process has taken this submission already."""
    if trigger_id and not ctx.service.s.store.claim_trigger(trigger_id):
        return
    text = format_command(request, ctx.catalog)
    ctx.service.submit(request, origin, command_text=text)


def _response_url(body: dict[str, Any], channel: str) -> str | None:
    """The response_url Slack hands a submission for the channel chosen (the select's
    ``response_url_enabled``); None when it gave none."""
    for entry in body.get("response_urls") or []:
        if isinstance(entry, dict) and entry.get("block_id") == CHANNEL_BLOCK:
            url = entry.get("response_url")
            if isinstance(url, str) and url and entry.get("channel_id") == channel:
                return url
    return None


def _spec(ctx: ListenerContext, operation: str | None) -> OperationSpec | None:
    try:
        return ctx.catalog.spec_for(operation) if operation else None
    except KeyError:
        return None
