"""Help and the status timeline. Pure functions from models to blocks (history lists:
`bot.cards.history`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from bot.cards.blocks import Message, context, divider, header, lines_sections
from bot.cards.blocks import message as build_message
from bot.cards.outcome import outcome_lines, progress_line
from bot.cards.request import STATE_EMOJI, STATE_TITLES, request_blocks
from bot.cards.sentences import mrkdwn
from bot.cards.text import (
    actor,
    clip_raw,
    code,
    code_block,
    escape,
    escape_entities,
    mention,
    slack_date,
)
from bot.model import (
    Approvers,
    AuditEvent,
    AuditEventName,
    RequestRecord,
    RequestState,
    listing,
    principal,
    rules,
)

MAX_HELP_ENTRIES = 15
#: How many people a timeline line names (whose approvals lapsed, or count again).
_PEOPLE_SHOWN: Final = 10
#: What a timeline line shows of its event's detail, in this order, and as what: why, what the
#: vendor said and the ids it gave (a support ticket asks for them).
_DETAIL_LABELS = {
    "reason": "reason",
    "summary": "summary",
    "code": "code",
    "vendor_request_id": "vendor request id",
    "vendor_request_ids": "vendor request ids",
    "message": "message",
    "next_step": "next step",
}


@dataclass(frozen=True)
class HelpEntry:
    """One operation as `/ops help` lists it.

    Attributes:
        operation: The operation id (``acme.widget.delete``).
        summary: One sentence: what it does at the vendor.
        usage: The command's usage line.
        example: A complete example command.
        most: The most targets one request may name (the policy's limit, if smaller).
        break_glass: Someone may use ``--break-glass`` on it.
        unconfigured: Its vendor has neither credentials nor a sandbox here: a request of it
            is refused, saying so.
    """

    operation: str
    summary: str
    usage: str
    example: str
    most: int = 1
    break_glass: bool = False
    unconfigured: bool = False

    @property
    def several(self) -> bool:
        """Whether one request may name several targets."""
        return self.most > 1


#: How to name several targets, said when an operation listed takes more than one.
HELP_SEVERAL: Final = (
    "Several targets: separate them with spaces, or write a numeric range such as "
    "`node-{01..20}` (20 targets). "
)
#: What every operation takes besides its own flags, and how to follow a request.
HELP_FORCE: Final = (
    "`--force` posts the approval card even when the preview says the vendor will refuse. "
)
#: Said only where the policy lets someone break glass on an operation listed.
HELP_BREAK_GLASS: Final = (
    '`--break-glass "<incident>"` runs at once without approvals, if the policy lists you. '
)
HELP_FOLLOW: Final = (
    "Follow requests with `/ops status <id>` and "
    "`/ops history [--mine] [--unreviewed] [--vendor <vendor>] [--limit <n>]`."
)


def help_message(
    entries: Sequence[HelpEntry],
    *,
    vendor: str | None,
    elsewhere: Sequence[str] = (),
    kept_elsewhere: Sequence[tuple[str, Sequence[str]]] = (),
    kept_to_others: Sequence[tuple[str, Sequence[str]]] = (),
) -> Message:
    """The operations this user may request, each with its usage and an example; with none
    here, the channels `elsewhere` where they may request some, if any; those they may
    request only in other channels (`kept_elsewhere`: operation, channels), named with them;
    and those the policy's requesters keep to others (`kept_to_others`: operation,
    requesters), named with who may request them, as a request of one would say."""
    scope = f" for {vendor}" if vendor else ""
    blocks = [header(f"opsgate operations{scope}")]
    if not entries:
        blocks.extend(lines_sections([_none_here(escape(scope), elsewhere)]))
    for entry in entries[:MAX_HELP_ENTRIES]:
        blocks.extend(lines_sections(_help_lines(entry)))
    if kept_elsewhere:
        blocks.extend(lines_sections([_kept_elsewhere(kept_elsewhere)]))
    if kept_to_others:
        blocks.extend(lines_sections(_kept_to_others(kept_to_others)))
    if entries:  # tips on requesting apply only to something that may be requested
        blocks.append(
            context(
                "Add `--dry-run` to see the vendor request without changing anything. "
                "`/ops` alone opens the request form."
            )
        )
    several = HELP_SEVERAL if any(entry.several for entry in entries) else ""
    glass = HELP_BREAK_GLASS if any(entry.break_glass for entry in entries) else ""
    more = several + (HELP_FORCE if entries else "") + glass + HELP_FOLLOW
    blocks.append(context(escape_entities(more)))  # `<id>` is not a Slack link
    return build_message(f"opsgate help{escape(scope)}", blocks)


def _none_here(scope: str, elsewhere: Sequence[str]) -> str:
    """Why help lists nothing: no channel lets this user request, or not this one (a policy's
    `channels` hold channel ids, and "*" would have allowed this one)."""
    if not elsewhere:
        return f"You may not request any operations{scope}."
    channels = ", ".join(f"<#{channel}>" for channel in elsewhere)
    return f"You may not request any operations{scope} in this channel; ask in {channels}."


def _kept_elsewhere(kept: Sequence[tuple[str, Sequence[str]]]) -> str:
    """``Not in this channel: `op` (ask in #a, #b); …``."""
    parts = [
        f"{code(operation)} (ask in {', '.join(f'<#{channel}>' for channel in channels)})"
        for operation, channels in kept
    ]
    return f"Not in this channel: {'; '.join(parts)}."


def _kept_to_others(kept: Sequence[tuple[str, Sequence[str]]]) -> list[str]:
    """``Only @dave may request `op`, `op2`.``: one line per list of requesters, mentioned as
    cards mention approvers."""
    by_who: dict[tuple[str, ...], list[str]] = {}
    for operation, requesters in kept:
        by_who.setdefault(tuple(requesters), []).append(code(operation))
    return [
        f"Only {mrkdwn(listing(principal(p) for p in who))} may request {', '.join(ops)}."
        for who, ops in by_who.items()
    ]


def _help_lines(entry: HelpEntry) -> list[str]:
    limit = f" Up to {entry.most:,} targets per request." if entry.several else ""
    lines = [
        f"{code(entry.operation)}: {escape(clip_raw(entry.summary, 500))}{limit}",
        code_block(clip_raw(entry.usage, 1000)),
        f"Example: {code(entry.example, limit=1000)}",
    ]
    if entry.unconfigured:
        vendor = entry.operation.partition(".")[0]
        lines.append(
            f":warning: *Not configured here:* opsgate has no credentials for {escape(vendor)}: "
            f"a request is refused until its {code(f'OPSGATE_{vendor.upper()}__*')} settings "
            "are set."
        )
    return lines


def status_message(
    record: RequestRecord,
    events: Sequence[AuditEvent],
    *,
    approvers: Approvers,
    unreadable: str | None = None,
    now: datetime | None = None,
) -> Message:
    """One request with its full audit timeline (no buttons: this is for reading).

    `unreadable` says which of its events could not be read (`events` are those before it):
    it was changed outside opsgate, and the timeline says so rather than end quietly. With
    `now`, a pending request also says how long it has left: this answer is read as it comes.
    """
    blocks = request_blocks(record, approvers=approvers, now=now, countdown=True)
    blocks.extend(lines_sections(_state_lines(record)))
    blocks.append(divider())
    timeline = ["*Timeline*", *(timeline_line(e) for e in events)]
    if unreadable is not None:
        timeline.append(
            f":warning: {escape(unreadable)}: it was changed outside opsgate, and the timeline "
            "stops there. `opsgate audit verify` checks the whole log."
        )
    blocks.extend(lines_sections(timeline))
    text = f"Status of {record.id}: {STATE_TITLES[record.state]}"
    return build_message(text, blocks)


def _state_lines(record: RequestRecord) -> list[str]:
    if record.state is RequestState.PENDING:  # status has no buttons: say where the card is
        where = f" on its card in <#{record.channel}>" if record.message_ts else ""
        alone = rules.requester_confirms_alone(record.approvals_needed)
        awaited = "the requester's confirmation" if alone else "approvals"
        return [f"{STATE_EMOJI[record.state]} *Pending:* waiting for {awaited}{where}"]
    if record.state is RequestState.EXECUTING:
        return [progress_line(None)]
    return outcome_lines(record)


#: What a repeat Approve click that counted lapsed approvals again is called (`event_title`).
APPROVED_AGAIN: Final = "approved again"
#: The longest name `event_title` gives: a column of event names this wide fits every one.
EVENT_TITLE_WIDTH: Final = max(len(name) for name in (APPROVED_AGAIN, *AuditEventName))


def event_title(event: AuditEvent) -> str:
    """The event's name as people read it: a repeat Approve click that counted lapsed approvals
    again (``approved`` with ``"again": true``) is ``approved again``, never a second approval."""
    return APPROVED_AGAIN if _again(event) else event.event.value


def _again(event: AuditEvent) -> bool:
    return event.event is AuditEventName.APPROVED and event.detail.get("again") is True


def timeline_line(event: AuditEvent) -> str:
    """``<date> · *approved* by @U2 · code: 24618``; a repeat Approve click reads
    ``*approved again*`` (`event_title`)."""
    again, name = _again(event), event_title(event)
    line = f"{_event_time(event.at)} · *{name}* by {actor(event.actor)}"
    said = [_detail_text(event.detail), *_approvals_text(event.detail, again=again)]
    detail = "; ".join(part for part in said if part)
    return f"{line} · {detail}" if detail else line


def _approvals_text(detail: dict[str, Any], *, again: bool) -> list[str]:
    """Whose approvals an approval event counted again, and whose no longer counted."""
    parts = [f"nothing new approved; counts again: {_people(detail.get('restored'))}"] * again
    if detail.get("lapsed"):
        parts.append(f"no longer counting: {_people(detail['lapsed'])}")
    return parts


def _people(value: Any) -> str:
    """User ids from an event's detail, mentioned (a few: the line stays short)."""
    users = [str(who) for who in value] if isinstance(value, list) else []
    shown = ", ".join(mention(who) for who in users[:_PEOPLE_SHOWN])
    more = len(users) - _PEOPLE_SHOWN
    return (shown or "nobody") + (f" and {more:,} more" if more > 0 else "")


def _event_time(at: str) -> str:
    try:
        return slack_date(datetime.fromisoformat(at))
    except ValueError:
        return escape(clip_raw(at, 40))


def _detail_text(detail: dict[str, Any]) -> str:
    parts = [
        f"{label}: {_value_text(detail[key])}"
        for key, label in _DETAIL_LABELS.items()
        if detail.get(key)
    ]
    # "… (vendor code 24618)." then "; code: …": the semicolon ends that sentence instead.
    joined = "; ".join(part.removesuffix(".") for part in parts[:-1])
    return escape(clip_raw("; ".join(filter(None, (joined, *parts[-1:]))), 300))


def _value_text(value: Any) -> str:
    """A detail value as words: a list as its items, comma-separated."""
    if isinstance(value, list):
        return ", ".join(str(item) for item in value)
    return str(value)
