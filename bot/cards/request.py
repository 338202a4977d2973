"""The body of the approval card: what is asked, by whom, and who may approve. Pure functions.

Shared by `bot.cards.request_card` (the channel card) and `bot.cards.lists.status_message` (the
timeline), so both always describe a request the same way.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from datetime import datetime

from bot.cards.blocks import Block, context, fields, header, lines_sections, section
from bot.cards.outcome import preview_lines, warning_lines
from bot.cards.text import clip, clip_raw, code, escape, mention, mentions, plural, slack_date
from bot.model import PolicySnapshot, RequestRecord, RequestState
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
}
SANDBOX_NOTE = ":test_tube: *SANDBOX*: this vendor is simulated; nothing real changes"
TARGETS_SHOWN = 10
_GROUP_ID = re.compile(r"^S[A-Z0-9]{1,31}$")
_REASON_LIMIT = 1500


def target_line(targets: Sequence[str]) -> str:
    """``*Targets (12)*: `a`, `b`, … +2 more``: long lists show the first ten."""
    shown = [code(t, limit=130) for t in targets[:TARGETS_SHOWN]]
    rest = len(targets) - len(shown)
    more = f" +{rest:,} more" if rest > 0 else ""
    return f"*{plural(len(targets), 'target')}:* {', '.join(shown)}{more}"


def request_blocks(
    record: RequestRecord, *, approvers_text: str, now: datetime | None = None
) -> list[Block]:
    """Everything on the card above the buttons or the outcome.

    Args:
        record: The stored request.
        approvers_text: Who may approve under the current policy, as trusted mrkdwn. Shown
            only for requests stored without the policy that applied when they were made
            (`RequestRecord.policy`); a request's own snapshot wins, so the card always says
            what applied to it.
        now: When given, a pending card also says how long is left.
    """
    title = f"{STATE_EMOJI[record.state]} {STATE_TITLES[record.state]}: {record.operation}"
    blocks = [header(title + (" [SANDBOX]" if record.sandbox else ""))]
    if record.sandbox:
        blocks.append(context(SANDBOX_NOTE))
    blocks.append(section(target_line(record.targets)))
    blocks.extend(fields(_field_pairs(record, approvers_text, now)))
    blocks.extend(lines_sections(warning_lines(record.preview)))
    blocks.extend(lines_sections(preview_lines(record.preview)))
    blocks.append(section(f"*Reason*\n{_reason(record.reason)}"))
    blocks.append(
        context(f"Request {code(record.id)}", f"requested {slack_date(record.created_at)}")
    )
    return blocks


def _reason(reason: str | None) -> str:
    return escape(clip_raw(reason, _REASON_LIMIT)) if reason else "_none given_"


def _field_pairs(
    record: RequestRecord, approvers_text: str, now: datetime | None
) -> list[tuple[str, str]]:
    if record.policy is not None:
        approvers_text = policy_text(record.policy)
    pairs = [
        ("Operation", code(record.operation)),
        ("Requested by", mention(record.requester)),
        ("Who may approve", clip(approvers_text, 1500) or "_nobody_"),
        ("Approvals", _approvals(record)),
        _when(record, now),
        ("Request id", code(record.id)),
    ]
    if record.params:
        pairs.append(("Parameters", _params(record.params)))
    return pairs


def policy_text(policy: PolicySnapshot) -> str:
    """Who may approve under a request's policy snapshot, and how many approvals it needs.

    Worded as `bot.policy.Policy.approvers_text` words the live policy: ``2 approvals from
    <!subteam^S0123>, <@U123>``, ``1 approval from anyone but the requester``, ``the requester
    confirms alone``. Ids that are not Slack ids are shown escaped, never as markup.
    """
    if policy.approvals == 0:
        return "the requester confirms alone"
    count = f"{policy.approvals} approval{'s' if policy.approvals > 1 else ''}"
    if "*" in policy.approvers:
        who = "anyone" if policy.self_approval else "anyone but the requester"
        return f"{count} from {who}"
    mine = " (the requester may count)" if policy.self_approval else ""
    named = ", ".join(_principal(p) for p in policy.approvers) or "nobody"
    return f"{count} from {named}{mine}"


def _principal(principal: str) -> str:
    return f"<!subteam^{principal}>" if _GROUP_ID.match(principal) else mention(principal)


def _approvals(record: RequestRecord) -> str:
    count = f"{len(record.approvers)} of {record.approvals_needed} needed"
    return f"{count}\nApproved by: {mentions(record.approvers)}"


def _when(record: RequestRecord, now: datetime | None) -> tuple[str, str]:
    """The approval deadline, labelled for whether a decision is still open."""
    if record.state is not RequestState.PENDING:
        return ("Approval deadline", slack_date(record.expires_at))
    return ("Expires", slack_date(record.expires_at) + _time_left(record.expires_at, now))


def _time_left(deadline: datetime, now: datetime | None) -> str:
    """`` (in 25 min)``, `` (in 2 h 5 min)``, `` (overdue)``; empty without a clock."""
    if now is None:
        return ""
    minutes = math.ceil((deadline - now).total_seconds() / 60)
    if minutes <= 0:
        return " (overdue)"
    hours, mins = divmod(minutes, 60)
    return f" (in {hours} h {mins} min)" if hours else f" (in {mins} min)"


def _params(params: dict[str, ParamValue]) -> str:
    lines = [f"{code(k, limit=40)}: {code(_param_text(v), limit=200)}" for k, v in params.items()]
    return "\n".join(lines[:20])


def _param_text(value: ParamValue) -> str:
    return ("yes" if value else "no") if isinstance(value, bool) else str(value)
