"""Who is in a principal list: user ids, user group ids (asked of a `Directory`), or ``"*"``:
anyone of the organization opsgate is installed in, not someone of another organization in a
Slack Connect channel (`Directory.outsider`), whom only naming them (or a group of theirs) lets in.

Group membership is asked of the `Directory` only when a group id is actually in the list being
checked, so a policy of plain user ids (or ``"*"``) never costs a Slack call.
"""

from __future__ import annotations

from collections.abc import Iterable

from bot.model import Channel, Code, Part, User, listing, principal
from bot.model.directory import Directory, GroupUnreadable

__all__ = [
    "CachedDirectory",
    "Directory",
    "GroupUnreadable",
    "listed",
    "listed_or_not",
    "not_a_member",
]


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

    def outsider(self, user_id: str) -> bool:
        """Whether `user_id` is of another organization, as the real directory says."""
        return self._directory.outsider(user_id)


def listed(user: str, principals: Iterable[str], directory: Directory) -> bool:
    """True when `user` is named, in one of the named groups, or covered by ``"*"`` (unless
    of another organization: `Directory.outsider`).

    Raises:
        GroupUnreadable: No group Slack could read lists `user`, and one could not be read
            (it might have): the caller fails closed and says why.
    """
    principals = tuple(principals)
    if user in principals or ("*" in principals and not directory.outsider(user)):
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


def not_a_member(user: str, principals: Iterable[str], directory: Directory) -> tuple[Part, ...]:
    """Why `user`, whom `principals` do not list, is not covered by its ``"*"``: they are of
    another organization. Empty when that is not why (no ``"*"``, or not an outsider)."""
    if "*" not in tuple(principals) or not directory.outsider(user):
        return ()
    return (
        "opsgate takes requests and approvals only from members of this organization; ",
        User(user),
        " is a member of another organization (Slack Connect). To allow them, name them in "
        "the policy.",
    )


def principal_parts(principals: tuple[str, ...]) -> tuple[Part, ...]:
    """The users and groups in a list, as parts ("nobody" when empty)."""
    return listing(principal(p) for p in principals)


def channel_parts(channels: tuple[str, ...]) -> tuple[Part, ...]:
    """The channels in a list, as parts ("no channel" when empty; "*" needs no naming)."""
    return listing((Channel(c) for c in channels if c != "*"), empty="no channel")


def channel_refusal(
    operation: str, channels: tuple[str, ...], channel: str
) -> tuple[Part, ...] | None:
    """Why `operation` may not be requested in `channel` under its policy's `channels`
    (`not_a_channel`, as the policy's check of a request says it), or None when it may."""
    return None if in_channels(channels, channel) else not_a_channel(operation, channels)


def in_channels(channels: tuple[str, ...], channel: str) -> bool:
    """Whether a policy's `channels` let requests be made in `channel`."""
    return "*" in channels or channel in channels


def not_a_requester(
    operation: str, requesters: tuple[str, ...], user: str, directory: Directory
) -> tuple[Part, ...]:
    """Why `user`, whom `requesters` do not list, may not request `operation`: of another
    organization (`not_a_member`), or who may, or that nobody may (an empty list is how the
    policy turns an operation off)."""
    outside = not_a_member(user, requesters, directory)
    if outside:
        return outside
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
