"""Block Kit messages for every state of a request. Pure functions from models to blocks, no I/O.

`request_card` renders the channel's approval card in every state, so the card posted while
pending and the card updated after execution always agree on layout. User and vendor text is
escaped (`escape`) and clipped so no input can mention anyone or make Slack reject the message.
"""

from __future__ import annotations

from datetime import datetime

from adapters.base import Preview, Progress, VendorCall, Verdict
from bot.cards.blocks import (
    SECTION_LIMIT,
    Message,
    context,
    header,
    lines_sections,
    section,
)
from bot.cards.blocks import message as build_message
from bot.cards.buttons import (
    AGAIN_ACTION,
    AGAIN_CARDS,
    AGAIN_STATES,
    APPROVE_ACTION,
    REJECT_ACTION,
    REVIEW_ACTION,
    STOP_ACTION,
    WITHDRAW_ACTION,
    CardFacts,
    actions_block,
    approve_button,
)
from bot.cards.history import history_message
from bot.cards.incident import approvers_call, approvers_of, dry_run_break_glass, stop_line
from bot.cards.lists import HelpEntry, help_message, status_message
from bot.cards.outcome import outcome_lines, progress_line
from bot.cards.preview import blocked_lines, preview_lines, verdict_lines
from bot.cards.request import approved_by, request_blocks, target_line, title_of
from bot.cards.sentences import mrkdwn, notification
from bot.cards.text import clip_raw, code, code_block, duplicates_dropped, escape, mention, plural
from bot.model import (
    Approvers,
    Notice,
    Refusal,
    RequestPreview,
    RequestRecord,
    RequestState,
    backticked,
    rules,
)
from commands.model import OperationRequest

__all__ = [
    "AGAIN_ACTION",
    "AGAIN_CARDS",
    "AGAIN_STATES",
    "APPROVE_ACTION",
    "REJECT_ACTION",
    "REVIEW_ACTION",
    "STOP_ACTION",
    "WITHDRAW_ACTION",
    "CardFacts",
    "HelpEntry",
    "Message",
    "approve_button",
    "blocked_message",
    "dry_run_message",
    "escape",
    "help_message",
    "history_message",
    "notice_message",
    "refusal_message",
    "request_card",
    "requester_notice",
    "status_message",
    "usage_message",
]

MAX_CALLS_SHOWN = 5
#: The longest dry-run command and vendor request body shown, as code blocks, fences included.
_COMMAND_SHOWN = 1000
_BODY_SHOWN = 1500


def request_card(
    record: RequestRecord,
    *,
    approvers: Approvers,
    progress: Progress | None = None,
    now: datetime | None = None,
    facts: CardFacts | None = None,
) -> Message:
    """The approval card, in whatever state `record` is in.

    Args:
        record: The stored request.
        approvers: Who may approve it (from the policy).
        progress: How far a bulk execution has got, shown while executing.
        now: The current time: a break-glass run past its review deadline says so. A pending
            card does not say how long is left: nothing redraws it as time passes, so it
            shows only when it expires (Slack's date token, in each reader's time zone).
        facts: What its buttons need beyond the record (how many vendor calls it takes).

    Returns:
        The card, with the buttons of its state (`bot.cards.buttons`: Approve, Reject and
        Withdraw while pending; Stop; Mark reviewed; Request again after an end where asking
        again makes sense); while pending (and for a break-glass run), a mention of the
        approvers, so that its first post notifies them.
    """
    blocks = request_blocks(record, approvers=approvers, now=now)
    call = approvers_call(record, approvers_of(record, approvers))
    if call:
        blocks.insert(1, context(call))
    if record.state is RequestState.EXECUTING:
        blocks.append(section(progress_line(progress)))
        blocks.extend(lines_sections([stop_line(record)]))
    elif record.state is not RequestState.PENDING:
        blocks.extend(lines_sections(outcome_lines(record)))
    actions = actions_block(record, facts or CardFacts())
    if actions is not None:
        blocks.append(actions)
    return build_message(_card_text(record, call), blocks)


def _card_text(record: RequestRecord, call: str) -> str:
    title = title_of(record)[1]
    return (
        f"{title}: {record.operation} on {plural(len(record.targets), 'target')} "
        f"({record.id}), requested by {mention(record.requester)}"
    ) + (f" {call}" if call else "")


def dry_run_message(
    request: OperationRequest,
    *,
    preview: RequestPreview | None,
    calls: list[VendorCall],
    sandbox: bool,
    command_text: str,
    break_glass_refusal: Refusal | None = None,
    held_refusal: Refusal | None = None,
) -> Message:
    """What ``--dry-run`` shows: the verdict, the preview, and the exact vendor request(s),
    secrets masked. With ``--break-glass``: whether the real request would run at once, or
    be refused (`break_glass_refusal`, the policy's answer to the requester). And, when an
    open request holds one of its targets, that the real request would be refused now
    (`held_refusal`, the answer it would get)."""
    blocks = [header(f"Dry run: {request.operation}")]
    if sandbox:
        blocks.append(context(":test_tube: *SANDBOX*: the vendor is simulated"))
    blocks.append(section(f"*Command*\n{code_block(command_text, limit=_COMMAND_SHOWN)}"))
    blocks.append(section(target_line(request.targets, dropped=request.duplicates)))
    glass = request.break_glass is not None and break_glass_refusal is None
    blocks.extend(lines_sections(_verdict_summary(preview, forced=request.force, glass=glass)))
    blocks.extend(lines_sections(dry_run_break_glass(request.break_glass, break_glass_refusal)))
    if held_refusal is not None:
        held = f":no_entry: A real request now would be refused: {mrkdwn(held_refusal)}"
        blocks.extend(lines_sections([held]))
    blocks.extend(lines_sections(verdict_lines(preview, dry_run=True) + preview_lines(preview)))
    for call in calls[:MAX_CALLS_SHOWN]:
        blocks.append(section(_call_text(call)))
    if len(calls) > MAX_CALLS_SHOWN:
        blocks.append(context(f"+{len(calls) - MAX_CALLS_SHOWN:,} more vendor calls like these"))
    blocks.append(
        context("Nothing was changed, no approval card was posted and nothing was audited.")
    )
    # Not a count of `calls`: an adapter may describe the first of many ("+49 more calls").
    on = plural(len(request.targets), "target")
    text = f"Dry run of {request.operation} on {on}: nothing changed"
    return build_message(text, blocks)


def _verdict_summary(preview: RequestPreview | None, *, forced: bool, glass: bool) -> list[str]:
    """The verdict in one line; when blocked, what a real request of this command would do
    (with ``--force`` already on it, a card is posted: say so, not "add ``--force``"; with a
    ``--break-glass`` the policy allows, it runs all the same)."""
    if preview is None:
        return []
    line = _VERDICTS[preview.verdict]
    if preview.verdict is Verdict.BLOCKED and glass:
        line += (
            " With `--break-glass`, a real request runs all the same: the incident is its force."
        )
    elif preview.verdict is Verdict.BLOCKED and forced:
        line += " With `--force`, a real request posts an approval card marked FORCED anyway."
    elif preview.verdict is Verdict.BLOCKED:
        line += " A real request gets no approval card; add `--force` to post one anyway."
    return [line]


_VERDICTS = {
    Verdict.OK: ":white_check_mark: *Verdict: ok*: nothing in the preview stands in the way.",
    Verdict.WARN: ":warning: *Verdict: warn*: it would run, but check what follows first.",
    Verdict.BLOCKED: ":no_entry: *Verdict: blocked*: the vendor will refuse it.",
}
#: Longest command shown whole with ``--force`` appended, to copy; longer ones are described.
FORCE_COMMAND_LIMIT = 2500


def blocked_message(record: RequestRecord, *, command_text: str, dropped: int = 0) -> Message:
    """Why a request got no approval card (SPEC §8): its preview is blocked. Private to the
    requester: the preview with the reason and the vendor's code, and the ``--force`` hint.

    Args:
        record: The denied request, with its blocked preview.
        command_text: The command as typed; shown again with ``--force`` appended, to copy.
        dropped: How many repeated targets the command named were dropped (said after them).
    """
    preview = record.preview
    blocks = [header(f":no_entry: Not posted: {record.operation}")]
    if record.sandbox:
        blocks.append(context(":test_tube: *SANDBOX*: the vendor is simulated"))
    blocks.append(section(f"{target_line(record.targets)} {duplicates_dropped(dropped)}".strip()))
    if isinstance(preview, Preview):
        blocks.extend(lines_sections(blocked_lines(preview) + preview_lines(preview)))
    blocks.extend(lines_sections(_force_hint(record, command_text)))
    code_part = ""
    if isinstance(preview, Preview) and preview.blocked and preview.blocked.code:
        code_part = f" ({preview.blocked.code})"
    text = f"Not posted: {record.operation}: the preview says the vendor will refuse{code_part}"
    return build_message(notification((text,), limit=300), blocks)  # plain: nothing invisible


def _force_hint(record: RequestRecord, command_text: str) -> list[str]:
    lead = (
        f"No approval card was posted; request {code(record.id)} is recorded as denied. "
        "If you are sure the vendor will accept it after all, post it anyway with `--force`"
    )
    command = command_text.strip()
    shown = code_block(f"{command} --force")  # whole, to copy: never clipped
    if command.startswith("/ops ") and len(shown) <= FORCE_COMMAND_LIMIT:
        return [lead + ":", shown]
    return [lead + ": run the same command again with `--force` added at the end."]


def _call_text(call: VendorCall) -> str:
    """The request as it would go on the wire, in code blocks that fit one section: the
    request line and headers, clipped (a long query string) so that the body, in a block of
    its own, is still shown (a JSON body, or how many more calls follow)."""
    head = "\n".join([f"{call.method} {call.url}", *(f"{k}: {v}" for k, v in call.headers.items())])
    if not call.body:
        return code_block(head, limit=SECTION_LIMIT)
    body = code_block(call.body, limit=_BODY_SHOWN)
    return f"{code_block(head, limit=SECTION_LIMIT - len(body) - 1)}\n{body}"


def refusal_message(refusal: Refusal) -> Message:
    """Why a request or click was refused: live mentions, copyable code, escaped words."""
    text = f":no_entry: {mrkdwn(refusal)}"
    return build_message(f"Refused: {notification(refusal)}", [section(text)])


def warning_message(notice: Notice) -> Message:
    """Something went wrong beside a request that goes ahead (nothing was refused): a
    break-glass card Slack would not post, say."""
    text = f":warning: {mrkdwn(notice)}"
    return build_message(f"Warning: {notification(notice)}", [section(text)])


def usage_message(message: str, usage: str) -> Message:
    """A usage error with the nearest command's usage beneath: its words escaped, and what it
    marks with backticks (commands, flags, characters to use) as code with nothing invisible
    inside, so it copies exactly (SPEC §8)."""
    # One line per wrong field: opsgate's own lines, each with its code spans whole.
    said = [backticked(line) for line in clip_raw(message, 1000).splitlines() if line.strip()]
    lines = [f":grey_question: {mrkdwn(part)}" for part in said[:1]]
    lines += [mrkdwn(part) for part in said[1:]]
    if usage:
        lines.append(code_block(clip_raw(usage, 1800)))
    joined = tuple(p for part in said for p in (*part, " "))[:-1] if said else ()
    return build_message(notification(joined), [section("\n".join(lines))])


def notice_message(notice: str | Notice) -> Message:
    """A short ephemeral notice, e.g. "Approval recorded for R-… (1 of 2)" (nothing refused)."""
    sentence = notice if isinstance(notice, Notice) else Notice(notice)
    return build_message(notification(sentence, limit=2000), [context(mrkdwn(sentence))])


def requester_notice(record: RequestRecord) -> Message:
    """Tell the requester how their request ended (or where it stands), in the words its
    card's header opens with (`title_of`: "Partly failed" for a partly failed run)."""
    title = title_of(record)[1]
    lead = (
        f"*{title}:* your request {code(record.id)} "
        f"({record.operation} on {plural(len(record.targets), 'target')})"
    )
    # With approvals = 0 the requester's own click confirmed it: the card says so too.
    by = (
        "Confirmed by" if rules.requester_confirms_alone(record.approvals_needed) else "Approved by"
    )
    approved = [f"{by}: {approved_by(record)}"] if record.approvers else []
    lines = [lead, *outcome_lines(record), *approved] if record.state.terminal else [lead]
    return build_message(f"{title}: {record.operation} ({record.id})", lines_sections(lines))
