"""`/ops`: parse at once and ack within Slack's 3 seconds; everything else after the ack."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, Respond

from bot import cards
from bot.lifecycle import Origin
from bot.slack.listeners.context import ListenerContext
from commands.model import (
    HelpCommand,
    HistoryCommand,
    OperationRequest,
    ParsedCommand,
    UsageError,
)
from commands.parse import parse


def register(app: App, ctx: ListenerContext) -> None:
    """Attach the `/ops` command listener."""

    @app.command("/ops")
    def ops_command(ack: Ack, command: dict[str, Any], respond: Respond) -> None:
        try:
            parsed = parse(str(command.get("text") or ""))
        except UsageError as error:
            ack(**_ack_args(cards.usage_message(error.message, error.usage)))
            return
        origin = Origin(
            user=command["user_id"],
            channel=command["channel_id"],
            response_url=command.get("response_url"),
        )
        text = f"/ops {command.get('text') or ''}".strip()
        # Queued before the ack, so anyone waiting for the pool to go idle also waits for it.
        ctx.runner.submit(lambda: _run(parsed, origin, text, ctx, respond))
        if isinstance(parsed, OperationRequest):
            verb = "Dry run: previewing" if parsed.dry_run else "Checking policy and previewing"
            ack(**_ack_args(cards.notice_message(f"{verb} {parsed.operation} …")))
        else:
            ack()


def _run(
    parsed: ParsedCommand, origin: Origin, text: str, ctx: ListenerContext, respond: Respond
) -> None:
    service = ctx.service
    if isinstance(parsed, OperationRequest):
        service.submit(parsed, origin, command_text=text)
        return
    if isinstance(parsed, HelpCommand):
        entries = ctx.help_entries(user=origin.user, channel=origin.channel, vendor=parsed.vendor)
        message = cards.help_message(entries, vendor=parsed.vendor)
    elif isinstance(parsed, HistoryCommand):
        message = service.history(parsed, origin)
    else:
        message = service.status(parsed.request_id, origin)
    respond(**_ack_args(message))


def _ack_args(message: cards.Message) -> dict[str, Any]:
    return {"text": message.text, "blocks": message.blocks, "response_type": "ephemeral"}
