"""What the lifecycle itself refuses, or tells, in words: built from parts, rendered by
`bot.cards`. (The policy's refusals are `bot.policy`'s.)"""

from __future__ import annotations

from typing import Final

from adapters.base import Preview
from adapters.errors import AdapterError
from bot.model import (
    ClosedOutcome,
    Code,
    Notice,
    Part,
    Refusal,
    RequestRecord,
    RequestState,
    User,
    backticked,
)

_S = RequestState

#: A click on a request that is no longer pending: what happened to it, and what that means.
_NOTHING_LEFT: Final = "; there is nothing left to {action}."
_ENDED: Final[dict[RequestState, tuple[str, str]]] = {
    _S.PENDING: (" is still waiting for approval", "; try again."),
    _S.EXECUTING: (" is already executing", "; it runs once, so your {action} was not needed."),
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
}


def ended(record: RequestRecord, action: str) -> Refusal:
    """A click (`action`: approve, reject, withdraw) on a request that is no longer pending.

    A rejected or withdrawn request names who decided it.
    """
    happened, meaning = _ENDED[record.state]
    by = record.outcome.by if isinstance(record.outcome, ClosedOutcome) else ""
    decided = record.state in {_S.REJECTED, _S.WITHDRAWN}
    who: tuple[Part, ...] = (" by ", User(by)) if by and decided else ()
    return Refusal("Request ", Code(record.id), happened, *who, meaning.format(action=action))


def duplicate(record: RequestRecord) -> Refusal:
    """An approver clicked Approve twice: nobody counts twice."""
    return Refusal(
        "You have already approved ", Code(record.id), "; it needs approvals from other people too."
    )


def no_such_request(request_id: str) -> Refusal:
    """A click or a status query for an id no request has."""
    return Refusal("There is no request ", Code(request_id[:40]), ".")


def vendor_unavailable(error: AdapterError) -> Refusal:
    """The vendor cannot be used (not configured, or it cannot send this request)."""
    step: tuple[Part, ...] = (" ", *backticked(error.next_step)) if error.next_step else ()
    return Refusal(*backticked(error.message), ".", *step)


def card_not_posted(record: RequestRecord, error: str) -> Refusal:
    """Slack refused to post the approval card in the request's channel."""
    return Refusal(
        "Request ",
        Code(record.id),
        " is recorded, but Slack would not post its approval card here (",
        Code(error),
        "). Invite the bot to this channel (",
        Code("/invite @opsgate"),
        ") and request again; this one will expire unapproved.",
    )


def posted(record: RequestRecord) -> Notice:
    """The approval card is up."""
    return Notice(
        "Request ",
        Code(record.id),
        " is posted and waiting for approval. Follow it on the card, or with ",
        Code(f"/ops status {record.id}"),
        ".",
    )


def approval_recorded(record: RequestRecord) -> Notice:
    """An approval that counted but did not complete the request."""
    return Notice(
        "Approval recorded for ",
        Code(record.id),
        f" ({len(record.approvers)} of {record.approvals_needed}).",
    )


def blocked(preview: Preview) -> Refusal:
    """A request whose preview is blocked: no card (the audit log's reason, in plain words)."""
    blocker = preview.blocked
    why = blocker.message if blocker is not None else preview.summary
    code: tuple[Part, ...] = (
        (" (vendor code ", Code(blocker.code), ")") if blocker and blocker.code else ()
    )
    return Refusal("The preview says the vendor will refuse: ", *backticked(why), *code, ".")
