"""What the lifecycle tells people as their requests move on (a card posted, an approval
counted), in words: built from parts, rendered by `bot.cards`. Its refusals are
`bot.lifecycle.refusals`."""

from __future__ import annotations

from bot.cards.text import duplicates_dropped
from bot.model import Channel, Code, Notice, Part, RequestRecord, User, listing, rules


def reposted(record: RequestRecord) -> Notice:
    """A card-less request's card is up after all (its first post was cut short)."""
    return Notice(
        "Your request ",
        Code(record.id),
        " is now posted in ",
        Channel(record.channel),
        " and ",
        *_waiting_for(record),
        " (its first post was cut short: opsgate stopped, or Slack's answer was lost).",
    )


def card_copy(record: RequestRecord) -> Notice:
    """What a second card of `record` says in place of its buttons: the first one bound is
    the request's card (a sweep posted it while this post was still waiting for Slack)."""
    return Notice(
        "A copy of the approval card for ",
        Code(record.id),
        ", posted twice while Slack was slow to answer: approve, reject or cancel it on its "
        "other card in ",
        Channel(record.channel),
        ".",
    )


def card_unsettled(record: RequestRecord, error: str, looked: str) -> Notice:
    """Slack's answer to the card's post was lost, and Slack would not say whether the card
    is up: the request waits for a sweep to look again."""
    return Notice(
        "Slack did not answer when opsgate posted the approval card for ",
        Code(record.id),
        " in ",
        Channel(record.channel),
        " (",
        Code(error),
        "), and could not say whether the card is there (",
        Code(looked),
        "). opsgate looks again in a few minutes, posts the card if it is not there, and "
        "tells you. Do not make the request again meanwhile.",
    )


def posted(record: RequestRecord, *, dropped: int = 0) -> Notice:
    """The approval card is up: waiting for approvals, or, when it needs none, for the
    requester's own confirmation; and how many repeated targets the command named were
    dropped (`dropped`: the card lists each target once)."""
    return Notice(
        "Request ",
        Code(record.id),
        " is posted and ",
        *_waiting_for(record),
        ". Follow it on the card, or with ",
        Code(f"/ops status {record.id}"),
        ".",
        f" {duplicates_dropped(dropped)}" if dropped else "",
    )


def _waiting_for(record: RequestRecord) -> tuple[str, ...]:
    if rules.requester_confirms_alone(record.approvals_needed):
        return ("needs no approvals: press Approve on the card to confirm it and run it",)
    return ("waiting for approval",)


def approval_recorded(record: RequestRecord) -> Notice:
    """An approval that counted but did not complete the request: how many count now, and
    whose earlier approval no longer does (they could not approve it now)."""
    have = len(rules.counted(record.approvers, record.lapsed))
    lapsed: tuple[Part, ...] = ()
    if record.lapsed:
        lapsed = (
            "; no longer counted, as they may no longer approve it: ",
            *listing(map(User, record.lapsed)),
        )
    return Notice(
        "Approval recorded for ",
        Code(record.id),
        f" ({have} of {record.approvals_needed}",
        *lapsed,
        ").",
    )


def counted_again(record: RequestRecord, lapsed_before: tuple[str, ...], clicker: str) -> Notice:
    """A repeat click by someone who approved, which counted lapsed approvals again (theirs, or
    another's) without completing the request: nothing new was approved."""
    back = [earlier for earlier in lapsed_before if earlier not in record.lapsed]
    have = f" ({len(rules.counted(record.approvers, record.lapsed))} of {record.approvals_needed})."
    if back == [clicker]:
        return Notice("Your approval of ", Code(record.id), " counts again", have)
    return Notice(
        "You approved ",
        Code(record.id),
        " already; counting again: ",
        *listing(map(User, back)),
        have,
    )
