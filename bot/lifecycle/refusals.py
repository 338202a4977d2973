"""What the lifecycle itself refuses, or tells, in words: built from parts, rendered by
`bot.cards`. (The policy's refusals are `bot.policy`'s.)"""

from __future__ import annotations

from typing import Final

from adapters.base import Preview
from adapters.errors import AdapterError
from bot.cards.text import has_line_break
from bot.model import (
    Channel,
    ClosedOutcome,
    Code,
    Part,
    Refusal,
    RequestRecord,
    RequestState,
    User,
    backticked,
    listing,
    principal,
    rules,
)

_S = RequestState

#: Longest command offered to copy and run again (inline code is clipped beyond it).
COPYABLE_LIMIT: Final = 200
_SHARED_SHOWN: Final = 5

#: A click on a request that is no longer pending: what happened to it, and what that means.
_NOTHING_LEFT: Final = "; there is nothing left to {action}."
_ENDED: Final[dict[RequestState, tuple[str, str]]] = {
    _S.PENDING: (" is still waiting for approval", "; try again."),
    _S.EXECUTING: (" is already executing", "; it is too late to {action} it."),
    _S.SUCCEEDED: (" has already succeeded", _NOTHING_LEFT),
    _S.FAILED: (" has already failed", _NOTHING_LEFT + " Request it again if still needed."),
    _S.UNKNOWN: (
        " has already run and its outcome is unknown",
        _NOTHING_LEFT + " Check the vendor before requesting it again.",
    ),
    _S.REJECTED: (" was rejected", _NOTHING_LEFT),
    _S.WITHDRAWN: (" was withdrawn", _NOTHING_LEFT),
    _S.EXPIRED: (" has expired", "; nothing was done. Request it again if it is still needed."),
    _S.DENIED: (" was refused by the policy", "; there is nothing to {action}."),
    _S.STOPPED: (" was stopped", _NOTHING_LEFT + " Request the rest again if still needed."),
}


def ended(record: RequestRecord, action: str) -> Refusal:
    """A click (`action`: approve, reject, withdraw) on a request that is no longer pending.

    A rejected or withdrawn request names who decided it.
    """
    happened, meaning = _ENDED[record.state]
    if record.state is _S.EXECUTING and action == "approve":
        meaning = "; it runs once, so your approval was not needed."
    by = record.outcome.by if isinstance(record.outcome, ClosedOutcome) else ""
    decided = record.state in {_S.REJECTED, _S.WITHDRAWN}
    who: tuple[Part, ...] = (" by ", User(by)) if by and decided else ()
    return Refusal("Request ", Code(record.id), happened, *who, meaning.format(action=action))


def duplicate(record: RequestRecord) -> Refusal:
    """An approver clicked Approve twice: nobody counts twice."""
    return Refusal(
        "You have already approved ", Code(record.id), "; it needs approvals from other people too."
    )


def no_such_request(request_id: str, *, typed: str = "") -> Refusal:
    """A click or a status query for an id no request has. The id is echoed as `typed` when
    given, with the id it was read as when a letter was read as a digit (O as 0, I and L as
    1): the asker is never shown only an id they did not type."""
    if not typed:
        return Refusal("There is no request ", Code(request_id[:40]), ".")
    read_as = (" (read as ", Code(request_id), ")") if typed.upper() != request_id else ()
    return Refusal("There is no request ", Code(typed[:40]), *read_as, ".")


def unreadable_request(request_id: str) -> Refusal:
    """A click or a status query for a request whose stored row cannot be read back."""
    return Refusal(
        "Request ",
        Code(request_id[:40]),
        " cannot be read: it was changed outside opsgate, so nothing was done. ",
        Code("opsgate audit verify"),
        " says what was changed.",
    )


def vendor_unavailable(error: AdapterError) -> Refusal:
    """The vendor cannot be used (not configured, or it cannot send this request)."""
    step: tuple[Part, ...] = (" ", *backticked(error.next_step)) if error.next_step else ()
    return Refusal(*backticked(error.message), ".", *step)


def not_posted(*, unreachable: bool) -> str:
    """How Slack failed to post a card: it refused, or it could not be reached."""
    return "Slack could not be reached to post" if unreachable else "Slack would not post"


#: How a user invites the bot into a channel.
INVITE: Final = "/invite @opsgate"


def card_not_posted(
    record: RequestRecord,
    error: str,
    *,
    command: str | None,
    unreachable: bool = False,
    group_dm: bool = False,
) -> Refusal:
    """Slack refused to post the approval card in the request's channel (or could not be
    reached to), so the request ended.

    Args:
        record: The request, now ended ``denied``.
        error: Slack's error (``not_in_channel``, …), or the failure when `unreachable`.
        command: The command to run again, when it is short enough to copy whole.
        unreachable: Slack gave no answer (inviting the bot would not help).
        group_dm: The channel is a group DM (its id does not tell): a card there would reach
            only its members, so the requester is sent to a channel, as from a direct message.
    """
    run: tuple[Part, ...] = (
        (Code(command),) if command and _copyable(command) else ("your command",)
    )
    what = not_posted(unreachable=unreachable)
    return Refusal(
        f"{what} the approval card for ",
        Code(record.id),
        " in ",
        Channel(record.channel),
        " (",
        Code(error),
        "), so the request has ended",
        *_what_helps(record, error, run, unreachable=unreachable, group_dm=group_dm),
    )


def _what_helps(
    record: RequestRecord, error: str, run: tuple[Part, ...], *, unreachable: bool, group_dm: bool
) -> tuple[Part, ...]:
    """What the requester can do about a card Slack did not post: `run` again, and when."""
    if unreachable or slack_busy(error):  # inviting the bot would not help: Slack may, later
        return (". Wait a moment and run ", *run, " again.")
    if error in _NO_CARDS_THERE:  # archived, or posting restricted: another channel will do
        return (". Run ", *run, " again in a channel that takes messages from the bot.")
    if error not in _NOT_A_MEMBER:  # opsgate's own token or message: not the requester's part
        return (". Tell whoever runs opsgate; once it is put right, run ", *run, " again.")
    if record.channel.startswith("D") or group_dm:  # no channel the approvers can join
        return _use_a_channel(run, group_dm=group_dm)
    return (". Invite the bot with ", Code(INVITE), " and run ", *run, " again.")


#: Slack's refusals of a card for a channel the bot is not in: inviting it puts that right.
_NOT_A_MEMBER: Final = frozenset({"not_in_channel", "channel_not_found"})
#: Slack's refusals of a card for a channel that takes none (archived, posting restricted).
_NO_CARDS_THERE: Final = frozenset(
    {
        "is_archived",
        "restricted_action",
        "restricted_action_read_only_channel",
        "restricted_action_thread_only_channel",
        "restricted_action_non_threadable_channel",
    }
)
#: Slack's answers when it is busy or failing: the same call a moment later may well succeed.
_BUSY: Final = frozenset(
    {
        "ratelimited",
        "rate_limited",
        "service_unavailable",
        "internal_error",
        "fatal_error",
        "request_timeout",
    }
)


def bot_not_there(error: str) -> bool:
    """True when Slack's `error` for a post says the bot is not in the channel (or cannot see
    it): inviting the bot puts that right, and nothing else does."""
    return error in _NOT_A_MEMBER


def slack_busy(error: str) -> bool:
    """True when Slack's `error` says it is busy or failing (a rate limit, a 5xx), not that
    it refuses: the same call may succeed a moment later."""
    return error in _BUSY or (error.startswith("HTTP 5") and len(error) == len("HTTP 500"))


def _use_a_channel(run: tuple[Part, ...], *, group_dm: bool) -> tuple[Part, ...]:
    """A card refused in a direct message or a group DM: where to run `run` instead."""
    return (
        ". Approval cards need a channel, not a "
        f"{'group DM' if group_dm else 'direct message'}: run ",
        *run,
        " again in a channel the bot is in (",
        Code(INVITE),
        " there first).",
    )


def _copyable(command: str) -> bool:
    """True when `command` shows whole as inline code (short, one line, no backtick)."""
    return len(command) <= COPYABLE_LIMIT and "`" not in command and not has_line_break(command)


def not_its_card(record: RequestRecord) -> Refusal:
    """A click that did not come from the request's own card (another message or channel)."""
    return Refusal(
        "This click did not come from the approval card of ",
        Code(record.id),
        ", so it does not count: use the buttons on its own card.",
    )


def held(holder: RequestRecord, shared: tuple[str, ...], *, asker: str) -> Refusal:
    """A new request names targets that a pending or executing request already holds. A
    pending one ends sooner when its requester withdraws it or an approver rejects it: the
    refusal says who they are (in an incident, whom to ask to clear the way for break-glass)."""
    shown = listing(Code(t) for t in shared[:_SHARED_SHOWN])
    more = f" and {len(shared) - _SHARED_SHOWN:,} more" if len(shared) > _SHARED_SHOWN else ""
    where = "executing" if holder.state is _S.EXECUTING else "waiting for approval"
    withdraw: tuple[Part, ...] = ()
    if holder.state is _S.PENDING:
        who: Part = "you" if holder.requester == asker else User(holder.requester)
        withdraw = (" To end it sooner: ", *_enders(holder, who), ".")
    return Refusal(
        Code(holder.operation),
        " of ",
        *shown,
        more,
        " is already requested in ",
        Code(holder.id),
        f" ({where}) in ",
        Channel(holder.channel),
        ", and a target is in one open request at a time. Follow it on its card or with ",
        Code(f"/ops status {holder.id}"),
        ", and ask again once it has ended.",
        *withdraw,
    )


def _enders(holder: RequestRecord, requester: Part) -> tuple[Part, ...]:
    """Who can end a pending request before its time: its requester withdraws it, and those
    who may approve it (as its card names them) may reject it; under ``approvals = 0`` nobody
    else may (`Policy.check_rejection`), nor its requester, who is not named among them."""
    card = holder.policy
    named = () if card is None else tuple(p for p in card.approvers if p != holder.requester)
    if rules.requester_confirms_alone(holder.approvals_needed) or (card is not None and not named):
        return ("only ", requester, " can withdraw it")
    approvers = (" (", *listing(principal(p) for p in named), ")") if named else ()
    return (requester, " can withdraw it, or one of its approvers", *approvers, " can reject it")


def blocked(preview: Preview) -> Refusal:
    """A request whose preview is blocked: no card (the audit log's reason, in plain words)."""
    blocker = preview.blocked
    why = blocker.message if blocker is not None else preview.summary
    code: tuple[Part, ...] = (
        (" (vendor code ", Code(blocker.code), ")") if blocker and blocker.code else ()
    )
    return Refusal("The preview says the vendor will refuse: ", *backticked(why), *code, ".")


# -- incidents: break-glass, review, stop, reminders --------------------------------------------


def with_copy(refusal: Refusal, command: str | None) -> Refusal:
    """`refusal`, then the command that would pass to copy (when it is short enough)."""
    if not command or not _copyable(command):
        return refusal
    return Refusal(*refusal.parts, " Copy it from here: ", Code(command))
