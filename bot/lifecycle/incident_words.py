"""What the lifecycle tells of break-glass runs and of Stop, in words: built from parts,
rendered by `bot.cards`. (The other refusals are `bot.lifecycle.refusals`'s.)"""

from __future__ import annotations

from bot.cards.text import duplicates_dropped
from bot.lifecycle.refusals import bot_not_there, ended
from bot.model import Channel, Code, Notice, Part, Refusal, RequestRecord, RequestState, User

_S = RequestState


def breaking_glass(record: RequestRecord, *, dropped: int = 0) -> Notice:
    """A break-glass request is running: no approvals, the approvers review it afterwards;
    and how many repeated targets the command named were dropped (`dropped`)."""
    return Notice(
        "Break-glass: ",
        Code(record.id),
        " runs now, without approvals, for incident ",
        Code(record.break_glass or ""),
        ". Its card in ",
        Channel(record.channel),
        " tells the approvers, and one of them reviews it once it ends.",
        f" {duplicates_dropped(dropped)}" if dropped else "",
    )


def break_glass_card_not_posted(record: RequestRecord, error: str) -> Notice:
    """Slack would not post a break-glass request's card: the call runs all the same (a
    warning, not a refusal: nothing was refused)."""
    invite: tuple[Part, ...] = ()  # only where it would help: not for a rate limit, say
    if bot_not_there(error):
        invite = (
            "invite the bot with ",
            Code("/invite @opsgate"),
            " so the approvers see it, and ",
        )
    return Notice(
        "Slack would not post the card of break-glass request ",
        Code(record.id),
        " in ",
        Channel(record.channel),
        " (",
        Code(error),
        "). It runs all the same; ",
        *invite,
        "follow it with ",
        Code(f"/ops status {record.id}"),
        " or in opsgate's App Home (where a run of several vendor calls has its Stop).",
    )


def not_reviewable(record: RequestRecord) -> Refusal:
    """A Mark reviewed click on a request that is not an ended, unreviewed break-glass run."""
    if record.break_glass is None:
        why: tuple[Part, ...] = (" did not run with break-glass: there is nothing to review.",)
    elif record.reviewed_by is not None:
        why = (" was already reviewed by ", User(record.reviewed_by), ".")
    else:
        why = (" is still running: review it once it has ended.",)
    return Refusal("Request ", Code(record.id), *why)


def reviewed(record: RequestRecord) -> Notice:
    """The reviewer's own confirmation."""
    return Notice("Marked ", Code(record.id), " reviewed. Thank you.")


def not_stoppable(record: RequestRecord) -> Refusal:
    """A Stop click on a request that is not a running multi-call run, or already stopping."""
    if record.stop_requested_by is not None and record.state is _S.EXECUTING:
        return Refusal(
            "Stop was already asked for ",
            Code(record.id),
            " by ",
            User(record.stop_requested_by),
            ": no more vendor calls are sent.",
        )
    if record.state is _S.EXECUTING:
        return Refusal(
            Code(record.id), " makes a single vendor call: there is nothing left to stop."
        )
    if record.state is _S.PENDING:
        return Refusal(
            "Request ",
            Code(record.id),
            " is still waiting for approval, so it has not started: there is nothing to stop. "
            "Reject it (or withdraw it, if it is yours) to keep it from running.",
        )
    return ended(record, "stop")


def stopping(record: RequestRecord) -> Notice:
    """The stopper's own confirmation: what happens next."""
    return Notice(
        "Stopping ",
        Code(record.id),
        ": vendor calls not yet sent will not be sent; those in flight finish. The card "
        "shows how many targets were done once it has stopped.",
    )
