"""Who is in a principal list: user ids, user group ids (asked of a `Directory`), or ``"*"``.

Group membership is asked of the `Directory` only when a group id is actually in the list being
checked, so a policy of plain user ids (or ``"*"``) never costs a Slack call.
"""

from __future__ import annotations

from collections.abc import Iterable

from bot.model import Channel, Code, Part, listing, principal
from bot.model.directory import Directory, GroupUnreadable

__all__ = ["CachedDirectory", "Directory", "GroupUnreadable", "listed", "listed_or_not"]


class CachedDirectory:
    """Asks the real directory at most once per group during one policy call."""

    def __init__(self, directory: Directory) -> None:
        self._directory = directory
        self._seen: dict[str, frozenset[str]] = {}

    def members(self, group_id: str) -> frozenset[str]:
        """The group's members, from the real directory the first time only."""
        if group_id not in self._seen:
            self._seen[group_id] = self._directory.members(group_id)
        return self._seen[group_id]


def listed(user: str, principals: Iterable[str], directory: Directory) -> bool:
    """True when `user` is ``"*"``-covered, named, or in one of the named groups.

    Raises:
        GroupUnreadable: No group Slack could read lists `user`, and one could not be read
            (it might have): the caller fails closed and says why.
    """
    principals = tuple(principals)
    if "*" in principals or user in principals:
        return True
    unreadable: GroupUnreadable | None = None
    for group in (p for p in principals if p.startswith("S")):
        try:
            if user in directory.members(group):
                return True
        except GroupUnreadable as exc:  # another group may still list the user
            unreadable = unreadable or exc
    if unreadable is not None:
        raise unreadable  # not listed anywhere readable: say why rather than "no"
    return False


def listed_or_not(user: str, principals: Iterable[str], directory: Directory) -> bool:
    """`listed`, with a group Slack cannot read counted as not listing `user`: for what is
    shown (a list, a tab), not for a decision, which says why instead."""
    try:
        return listed(user, principals, directory)
    except GroupUnreadable:
        return False


def principal_parts(principals: tuple[str, ...]) -> tuple[Part, ...]:
    """The users and groups in a list, as parts ("nobody" when empty)."""
    return listing(principal(p) for p in principals)


def channel_parts(channels: tuple[str, ...]) -> tuple[Part, ...]:
    """The channels in a list, as parts ("no channel" when empty; "*" needs no naming)."""
    return listing((Channel(c) for c in channels if c != "*"), empty="no channel")


def not_a_requester(operation: str, requesters: tuple[str, ...]) -> tuple[Part, ...]:
    """Why someone may not request `operation`: who may, or that nobody may (an empty list is
    how the policy turns an operation off)."""
    if not requesters:
        return (
            "Nobody may request ",
            Code(operation),
            ": the policy turns it off (",
            Code("requesters = []"),
            ").",
        )
    return (
        "You may not request ",
        Code(operation),
        ": only ",
        *principal_parts(requesters),
        " may.",
    )


def not_a_channel(operation: str, channels: tuple[str, ...]) -> tuple[Part, ...]:
    """Why `operation` may not be requested in this channel: where it may, or nowhere."""
    if not channels:
        return (
            Code(operation),
            " cannot be requested in any channel: the policy turns it off (",
            Code("channels = []"),
            ").",
        )
    return (
        Code(operation),
        " cannot be requested in this channel; use ",
        *channel_parts(channels),
        ".",
    )
