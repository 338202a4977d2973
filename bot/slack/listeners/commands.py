"""`/ops`: parse at once and ack within Slack's 3 seconds; everything else after the ack."""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from typing import Any, Final

from slack_bolt import Ack, App

from adapters.clock import Clock
from bot import cards
from bot.lifecycle import Origin
from bot.observability.logs import log_context
from bot.slack.listeners.context import ListenerContext
from bot.slack.listeners.forms import open_form
from bot.store import TRIGGER_MEMORY
from commands.model import (
    HelpCommand,
    HistoryCommand,
    OperationRequest,
    ParsedCommand,
    UsageError,
)
from commands.tokens import unescape_slack

#: How Slack's slash command payload names a group DM: ``mpdm-``, its members' names joined by
#: ``--`` (two at least), and a number (``mpdm-alice--bob--carol-1``). A channel someone named
#: ``mpdm-release`` is a channel, which the bot can be invited to.
GROUP_DM_NAME: Final = re.compile(r"mpdm-\S+--\S+-[0-9]+")


def register(app: App, ctx: ListenerContext) -> None:
    """Attach the `/ops` command listener. ``/ops`` alone opens the request form (SPEC §10).

    Each command is processed once per Slack ``trigger_id`` (SPEC §8): a replayed signed
    request creates nothing. The claim is durable and atomic across processes
    (`bot.store.Store.claim_trigger`), and is made on the worker, first thing: a write in the
    ack path would queue each ack behind the audit log's durable writes.
    """
    seen = SeenTriggers(ctx.service.s.clock)

    @app.command("/ops")
    def ops_command(ack: Ack, command: dict[str, Any]) -> None:
        if not str(command.get("text") or "").strip():
            ack()
            _form(command, ctx)
            return
        try:
            parsed = ctx.parse(str(command.get("text") or ""))
        except UsageError as error:
            ack(**_ack_args(cards.usage_message(error.message, ctx.usage(error))))
            return
        origin = _origin(command)
        # As typed: Slack sends `&`, `<` and `>` HTML-escaped, and a reply escapes them itself.
        text = f"/ops {unescape_slack(str(command.get('text') or ''))}".strip()
        trigger_id = str(command.get("trigger_id") or "")
        if trigger_id and not seen.first(trigger_id):
            ack()  # a replay of a command this process already took: it creates nothing
            return
        # Queued before the ack, so anyone waiting for the pool to go idle also waits for it.
        operation = parsed.operation if isinstance(parsed, OperationRequest) else None
        with log_context(operation=operation, actor=origin.user):
            ctx.submit(origin, lambda: _run_once(trigger_id, parsed, origin, text, ctx))
        if isinstance(parsed, OperationRequest):
            verb = "Dry run: previewing" if parsed.dry_run else "Checking policy and previewing"
            ack(**_ack_args(cards.notice_message(f"{verb} {parsed.operation} …")))
        else:
            ack()


def _origin(command: dict[str, Any]) -> Origin:
    """Who typed the command, where, and how to answer them."""
    return Origin(
        user=command["user_id"],
        channel=command["channel_id"],
        response_url=command.get("response_url"),
        group_dm=_group_dm(command),
    )


def _group_dm(command: dict[str, Any]) -> bool:
    """The command came from a group DM (`GROUP_DM_NAME`)."""
    return GROUP_DM_NAME.fullmatch(str(command.get("channel_name") or "")) is not None


def _form(command: dict[str, Any], ctx: ListenerContext) -> None:
    """Open the request form, its card's channel the one `/ops` was typed in (not a group DM,
    which is no channel the card can go to, as a direct message is not); if Slack will not
    open it, say how else to ask."""
    user = str(command.get("user_id") or "")
    channel = None if _group_dm(command) else str(command.get("channel_id") or "")
    trigger = command.get("trigger_id")
    if not open_form(ctx, trigger_id=trigger, user=user, channel=channel, tell=False):
        message = cards.notice_message(
            "Slack would not open the request form; type the command instead (`/ops help`)."
        )
        ctx.service.replies.answer(_origin(command), message)


class SeenTriggers:
    """Trigger ids this process has acked in the last hour: a replay to the same process is
    acked with nothing, at the cost of a dict lookup. (The store's durable claim, made on the
    worker, is what holds across processes; see `register`.)"""

    def __init__(self, clock: Clock, *, keep: float = TRIGGER_MEMORY.total_seconds()) -> None:
        self._clock = clock
        self._keep = keep
        self._seen: OrderedDict[str, float] = OrderedDict()
        self._lock = threading.Lock()

    def first(self, trigger_id: str) -> bool:
        """True the first time `trigger_id` is seen (within the hour)."""
        now = self._clock.monotonic()
        with self._lock:
            while self._seen and next(iter(self._seen.values())) < now - self._keep:
                self._seen.popitem(last=False)
            if trigger_id in self._seen:
                return False
            self._seen[trigger_id] = now
            return True


def _run_once(
    trigger_id: str,
    parsed: ParsedCommand,
    origin: Origin,
    text: str,
    ctx: ListenerContext,
) -> None:
    """Run the command unless some process has claimed its trigger id already."""
    if trigger_id and not ctx.service.s.store.claim_trigger(trigger_id):
        return
    _run(parsed, origin, text, ctx)


def _run(parsed: ParsedCommand, origin: Origin, text: str, ctx: ListenerContext) -> None:
    """Run a parsed command; a read command's answer goes through its response_url or, when
    that fails (expired, unreachable), privately in the channel (`Replies.answer`)."""
    service = ctx.service
    if isinstance(parsed, OperationRequest):
        service.submit(parsed, origin, command_text=text)
        return
    if isinstance(parsed, HelpCommand):
        user, vendor = origin.user, parsed.vendor
        entries = ctx.help_entries(user=user, channel=origin.channel, vendor=vendor)
        elsewhere = () if entries else ctx.help_channels(user=user, vendor=vendor)
        kept = ctx.help_kept_elsewhere(user=user, channel=origin.channel, vendor=vendor)
        message = cards.help_message(
            entries,
            vendor=vendor,
            elsewhere=elsewhere,
            kept_elsewhere=kept if entries else (),
            kept_to_others=ctx.help_kept_to_others(user=user, vendor=vendor),
        )
    elif isinstance(parsed, HistoryCommand):
        message = service.history(parsed, origin)
    else:
        message = service.status(parsed.request_id, origin, typed=parsed.typed)
    service.replies.answer(origin, message)


def _ack_args(message: cards.Message) -> dict[str, Any]:
    return {"text": message.text, "blocks": message.blocks, "response_type": "ephemeral"}
