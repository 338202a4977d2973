"""What incidents add to a card, and the messages sent about a request later in its life:
the BREAK-GLASS banner and its review, the mention that notifies the approvers, a pending
request's reminder in its card's thread, an unreviewed break-glass run announced again, and a
requested stop. Pure functions from stored requests to mrkdwn and blocks.

Whether the approvers are mentioned is the request's own policy (``notify_approvers``, kept
in its snapshot): without it they are named but never mentioned, so Slack notifies nobody.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from bot.cards.blocks import Message, section
from bot.cards.blocks import message as build_message
from bot.cards.sentences import mrkdwn
from bot.cards.text import actor, code, mention, plural, slack_date
from bot.model import (
    Approvers,
    Group,
    Refusal,
    RequestRecord,
    RequestState,
    User,
    listing,
    rules,
)

BREAK_GLASS_TAG = " [BREAK-GLASS]"
_INCIDENT_LIMIT = 200


def notifies(record: RequestRecord) -> bool:
    """Whether messages about `record` mention its approvers (its policy's
    ``notify_approvers``; requests stored before the key existed do)."""
    return record.policy.notify_approvers if record.policy is not None else True


def approvers_of(record: RequestRecord, current: Approvers) -> Approvers:
    """Who may approve `record`: its own policy snapshot, else `current` (the policy now), as
    its requester sees them."""
    approvers = Approvers.of(record.policy) if record.policy is not None else current
    return approvers.for_requester(record.requester)


def approvers_call(record: RequestRecord, approvers: Approvers) -> str:
    """The mention that makes Slack notify the approvers when the card is first posted
    (edits never notify): on a pending card, and on a break-glass card until it is reviewed.
    Empty when nobody is named (``"*"``), the policy says not to, or nothing is asked of them.
    """
    # The requester is never called on to approve their own request.
    named = tuple(p for p in approvers.named if p != User(record.requester))
    if not notifies(record) or not named:
        return ""
    who = mrkdwn(listing(groups_first(named)))
    if record.break_glass is not None and record.reviewed_by is None:
        return f":bell: This runs with break-glass, without approvals; review it after: {who}"
    if record.state is RequestState.PENDING and not approvers.requester_alone:
        return f":bell: Your approval is needed: {who}"
    return ""


def groups_first(named: tuple[User | Group, ...]) -> tuple[User | Group, ...]:
    """The approvers to mention, user groups first (each in the policy's order). The words come
    before the mentions, and a long list is cut from its end to fit Slack's limits: what is cut
    is then single users, never the sentence or a group that notifies many."""
    return tuple(p for p in named if isinstance(p, Group)) + tuple(
        p for p in named if not isinstance(p, Group)
    )


def break_glass_lines(record: RequestRecord, now: datetime | None) -> list[str]:
    """The BREAK-GLASS banner: the incident, who ran it, and its review."""
    if record.break_glass is None:
        return []
    incident = code(record.break_glass, limit=_INCIDENT_LIMIT)
    return [
        f":rotating_light: *BREAK-GLASS* for incident {incident}: {mention(record.requester)} "
        "ran it at once, without approvals.",
        review_line(record, now),
    ]


def review_line(record: RequestRecord, now: datetime | None) -> str:
    """Who reviewed a break-glass run and when, or by when someone should."""
    if record.reviewed_by is not None:
        when = f" {slack_date(record.reviewed_at)}" if record.reviewed_at else ""
        return f":white_check_mark: *Reviewed* by {mention(record.reviewed_by)}{when}"
    due = record.review_due_at
    by = f" by {slack_date(due)}" if due is not None else ""
    late = " (overdue)" if due is not None and now is not None and due <= now else ""
    after = "" if record.state.terminal else "once it ends, "
    return (
        f":mag: *Review needed*{by}{late}: {after}someone who may approve it checks what it did "
        "and marks it reviewed."
    )


def stop_line(record: RequestRecord) -> str:
    """An executing request someone asked to stop: no more calls go out."""
    if record.stop_requested_by is None or record.state is not RequestState.EXECUTING:
        return ""
    return (
        f":octagonal_sign: *Stop requested* by {actor(record.stop_requested_by)}: no more "
        "vendor calls are sent; calls in flight finish."
    )


def reminder_message(record: RequestRecord, approvers: Approvers) -> Message:
    """Half the ttl has passed and the request is still pending: remind the approvers, in the
    card's thread (mentioning them, unless the policy says not to). It says when the request
    expires, not how long is left: the message stays in the thread as time passes."""
    left = plural(rules.approvals_left(record), "more approval")
    line = (
        f":bell: {code(record.id)} ({code(record.operation)} on "
        f"{plural(len(record.targets), 'target')}, requested by {mention(record.requester)}) "
        f"still needs {left}. It expires {slack_date(record.expires_at)}."
        + _still_to_approve(record, approvers)
    )
    return build_message(f"Reminder: {record.id} still needs {left}", [section(line)])


def review_announcement(record: RequestRecord, approvers: Approvers) -> Message:
    """A break-glass run still unreviewed past its deadline, announced again in its channel."""
    incident = code(record.break_glass or "", limit=_INCIDENT_LIMIT)
    due = f" (due {slack_date(record.review_due_at)})" if record.review_due_at else ""
    line = (
        f":rotating_light: Review needed: break-glass {code(record.id)} ({code(record.operation)} "
        f"on {plural(len(record.targets), 'target')}, incident {incident}) by "
        f"{mention(record.requester)} ran {slack_date(record.created_at)} and is not reviewed "
        f"yet{due}. Check what it did and press *Mark reviewed* {_where_to_review(record)}; "
        f"{code(f'/ops status {record.id}')} shows its timeline." + _who(record, approvers)
    )
    return build_message(f"Break-glass {record.id} is not reviewed yet", [section(line)])


def _where_to_review(record: RequestRecord) -> str:
    """Where the Mark reviewed button is: on the card, or, when Slack would not post the card,
    only in App Home."""
    if record.message_ts is not None:
        return "on its card"
    return "in opsgate's App Home (Slack would not post its card)"


def _who(record: RequestRecord, approvers: Approvers) -> str:
    """`` Approvers: <group>, <user>…`` to end a message with (mentions, unless the policy says
    not to notify), or nothing when the policy names nobody."""
    if not approvers.named:
        return ""
    named = listing(groups_first(approvers.named))
    return f" Approvers: {mrkdwn(named, live=notifies(record))}"


def _still_to_approve(record: RequestRecord, approvers: Approvers) -> str:
    """`_who` for a reminder: named users who approved already, and the requester, are not
    mentioned again; a user group cannot leave anyone out, so then (and under ``"*"``) it says
    who approved already, naming them without a mention, which would notify them."""
    approved = rules.counted(record.approvers, record.lapsed)
    done = {record.requester, *approved}
    named = tuple(p for p in approvers.named if not (isinstance(p, User) and p.id in done))
    who = _who(record, replace(approvers, named=named))
    if approved and (approvers.anyone or any(isinstance(p, Group) for p in named)):
        who += f" Approved already: {mrkdwn(listing(User(a) for a in approved), live=False)}."
    return who


def dry_run_break_glass(incident: str | None, refusal: Refusal | None) -> list[str]:
    """What ``--break-glass`` would do to the real request of a dry run: run it at once, or
    be refused (`refusal`: the policy's answer to the requester)."""
    if incident is None:
        return []
    if refusal is not None:
        return [
            f":no_entry: A real request with `--break-glass` would be refused: {mrkdwn(refusal)}"
        ]
    return [
        ":rotating_light: With `--break-glass`, a real request runs at once, without approvals, "
        f"for incident {code(incident, limit=_INCIDENT_LIMIT)}; its card tells the approvers, "
        "and one of them reviews it once it ends."
    ]
