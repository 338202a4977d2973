"""The body of the approval card: what is asked, by whom, and who may approve. Pure functions.

Shared by `bot.cards.request_card` (the channel card) and `bot.cards.lists.status_message` (the
timeline), so both always describe a request the same way.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from adapters.base import Verdict
from bot.cards.blocks import Block, context, fields, header, lines_sections, section
from bot.cards.incident import BREAK_GLASS_TAG, approvers_of, break_glass_lines, notifies
from bot.cards.outcome import partly_heading
from bot.cards.preview import preview_lines, verdict_lines
from bot.cards.sentences import approvers_parts, mrkdwn
from bot.cards.text import (
    clip,
    clip_raw,
    code,
    escape,
    mention,
    mentions,
    plural,
    slack_date,
    time_left,
)
from bot.model import Approvers, RequestRecord, RequestState, rules
from commands.model import ParamValue

STATE_TITLES: dict[RequestState, str] = {
    RequestState.PENDING: "Approval needed",
    RequestState.EXECUTING: "Executing",
    RequestState.SUCCEEDED: "Succeeded",
    RequestState.FAILED: "Failed",
    RequestState.UNKNOWN: "Outcome unknown",
    RequestState.REJECTED: "Rejected",
    RequestState.WITHDRAWN: "Withdrawn",
    RequestState.EXPIRED: "Expired",
    RequestState.DENIED: "Denied",
    RequestState.STOPPED: "Stopped",
}
STATE_EMOJI: dict[RequestState, str] = {
    RequestState.PENDING: ":large_orange_circle:",
    RequestState.EXECUTING: ":hourglass_flowing_sand:",
    RequestState.SUCCEEDED: ":white_check_mark:",
    RequestState.FAILED: ":x:",
    RequestState.UNKNOWN: ":grey_question:",
    RequestState.REJECTED: ":no_entry_sign:",
    RequestState.WITHDRAWN: ":leftwards_arrow_with_hook:",
    RequestState.EXPIRED: ":hourglass:",
    RequestState.DENIED: ":no_entry:",
    RequestState.STOPPED: ":octagonal_sign:",
}
SANDBOX_NOTE = ":test_tube: *SANDBOX*: this vendor is simulated; nothing real changes"
#: Before a sandboxed request's id in a one-line listing (App Home, history).
SANDBOX_TAG = ":test_tube: *SANDBOX* "
TARGETS_SHOWN = 10
_REASON_LIMIT = 1500


def target_line(targets: Sequence[str], *, dropped: int = 0) -> str:
    """``*12 targets:* `a`, `b`, … +2 more``: long lists show the first ten; with `dropped`,
    how many repeats of them the command named were dropped (each is acted on once)."""
    shown = [code(t, limit=130) for t in targets[:TARGETS_SHOWN]]
    rest = len(targets) - len(shown)
    more = f" +{rest:,} more" if rest > 0 else ""
    repeats = f" ({plural(dropped, 'duplicate target')} dropped)" if dropped else ""
    return f"*{plural(len(targets), 'target')}:* {', '.join(shown)}{more}{repeats}"


def request_blocks(
    record: RequestRecord,
    *,
    approvers: Approvers,
    now: datetime | None = None,
    countdown: bool = False,
) -> list[Block]:
    """Everything on the card above the buttons or the outcome.

    Args:
        record: The stored request.
        approvers: Who may approve it under the current policy. Shown only for requests
            stored without the policy that applied when they were made
            (`RequestRecord.policy`); a request's own snapshot wins, so the card always says
            what applied to it.
        now: The current time: a break-glass run past its review deadline says so.
        countdown: With `now`, a pending request also says how long is left ("in 25 min"):
            only in an answer read when it is sent (``/ops status``), never on the card, which
            stays in the channel long after it was drawn (its expiry is Slack's date token).
    """
    forced = forced_past_blocked(record)
    blocks = [header(_title(record, forced=forced))]
    if record.sandbox:
        blocks.append(context(SANDBOX_NOTE))
    blocks.extend(lines_sections(break_glass_lines(record, now)))
    # A break-glass run went ahead for its incident, not for --force: no "forced by" line.
    forced_by = record.requester if forced and record.break_glass is None else None
    verdict = verdict_lines(record.preview, forced_by=forced_by)
    if forced:  # loud: right under the header, before anything else
        blocks.extend(lines_sections(verdict))
    blocks.append(section(target_line(record.targets)))
    blocks.extend(fields(_field_pairs(record, approvers, now if countdown else None)))
    if not forced:
        blocks.extend(lines_sections(verdict))
    blocks.extend(lines_sections(preview_lines(record.preview)))
    blocks.append(section(reason_line(record.reason)))
    blocks.append(
        context(f"Request {code(record.id)}", f"requested {slack_date(record.created_at)}")
    )
    return blocks


def title_of(record: RequestRecord) -> tuple[str, str]:
    """The emoji and words a request's header and its requester's message open with: its
    state's (`STATE_TITLES`), but a run that ended failed or unknown with some targets
    succeeded opens as its outcome does ("Partly failed", "Partly unknown": `partly_heading`).
    A pending request that needs no approvals waits for its requester's confirmation, and
    says so. Where the state itself is named (`/ops status`'s text, history) it is
    `STATE_TITLES`."""
    if record.state is RequestState.PENDING and rules.requester_confirms_alone(
        record.approvals_needed
    ):
        return STATE_EMOJI[record.state], "Confirmation needed"
    return partly_heading(record) or (STATE_EMOJI[record.state], STATE_TITLES[record.state])


def _title(record: RequestRecord, *, forced: bool) -> str:
    """``<emoji> <title>: <operation>`` (`title_of`), marked FORCED, BREAK-GLASS and SANDBOX
    as it is."""
    emoji, words = title_of(record)
    title = f"{emoji} {words}: {record.operation}"
    if forced and record.break_glass is None:
        title = f":rotating_light: FORCED: {words}: {record.operation}"
    title += BREAK_GLASS_TAG if record.break_glass is not None else ""
    return title + (" [SANDBOX]" if record.sandbox else "")


def forced_past_blocked(record: RequestRecord) -> bool:
    """True for a card posted despite a blocked preview: only ``--force`` posts one (SPEC §8)."""
    return record.state is not RequestState.DENIED and (
        record.preview is not None and record.preview.verdict is Verdict.BLOCKED
    )


def reason_line(reason: str | None, *, limit: int = _REASON_LIMIT) -> str:
    """``*Reason:* …`` on one line: the requester's words follow opsgate's label, so even a
    reason written to look like a fact or a verdict never opens a line of its own."""
    return f"*Reason:* {escape(clip_raw(reason, limit)) if reason else '_none given_'}"


def _field_pairs(
    record: RequestRecord, approvers: Approvers, countdown_from: datetime | None
) -> list[tuple[str, str]]:
    approvers = approvers_of(record, approvers)
    who = mrkdwn(approvers_parts(approvers, count=False), live=notifies(record))
    # A denied request never asked for approvals: it has no deadline to show.
    when = [] if record.state is RequestState.DENIED else [_when(record, countdown_from)]
    pairs = [
        ("Operation", code(record.operation)),
        ("Requested by", mention(record.requester)),
        ("Who may approve", clip(who, 1500)),
        ("Approvals", _approvals(record)),
        *when,
        ("Request id", code(record.id)),
    ]
    if record.params:
        pairs.append(("Parameters", _params(record.params)))
    return pairs


def _approvals(record: RequestRecord) -> str:
    """``1 of 2 needed`` and who approved; with ``approvals = 0``, the requester's confirmation;
    none for a break-glass run."""
    if record.break_glass is not None:
        return "None: run with break-glass"
    if record.state is RequestState.DENIED:  # stored asking for none: not "none needed"
        return "None asked: it was denied before any card"
    if rules.requester_confirms_alone(record.approvals_needed):
        confirmed = f"\nConfirmed by: {mentions(record.approvers)}" if record.approvers else ""
        return f"None needed: the requester confirms alone{confirmed}"
    have = len(rules.counted(record.approvers, record.lapsed))
    return f"{have} of {record.approvals_needed} needed\nApproved by: {approved_by(record)}"


def approved_by(record: RequestRecord) -> str:
    """Who approved `record`: those whose approvals count, then any whose approval lapsed
    (they could no longer approve it when a later approval was counted), each said so."""
    counting = rules.counted(record.approvers, record.lapsed)
    lapsed = [f"{mention(user)} (no longer an approver)" for user in record.lapsed]
    return ", ".join([*([mentions(counting)] if counting else []), *lapsed]) or mentions(())


def _when(record: RequestRecord, now: datetime | None) -> tuple[str, str]:
    """The approval deadline, labelled for whether a decision is still open (a break-glass
    run had none to meet: its incident instead)."""
    if record.break_glass is not None:
        return ("Incident", code(record.break_glass))
    if record.state is not RequestState.PENDING:
        return ("Approval deadline", slack_date(record.expires_at))
    return ("Expires", slack_date(record.expires_at) + _time_left(record, now))


def _time_left(record: RequestRecord, now: datetime | None) -> str:
    """`` (in 40 s)`` … `` (overdue)`` (`time_left`); empty without a clock."""
    if now is None:
        return ""
    return (
        " (overdue)"
        if rules.past_deadline(record, now)
        else f" ({time_left(record.expires_at, now)})"
    )


def _params(params: dict[str, ParamValue]) -> str:
    lines = [f"{code(k, limit=40)}: {code(_param_text(v), limit=200)}" for k, v in params.items()]
    return "\n".join(lines[:20])


def _param_text(value: ParamValue) -> str:
    return ("yes" if value else "no") if isinstance(value, bool) else str(value)
