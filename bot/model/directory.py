"""Who is in a Slack user group, and who is of another organization, as the policy asks it: the
`Directory` protocol, which `bot.slack.directory.SlackDirectory` implements, and the error it
raises when Slack cannot say."""

from __future__ import annotations

from typing import Protocol


class Directory(Protocol):
    """Slack user-group membership, and who is of another organization, as the policy needs it."""

    def members(self, group_id: str) -> frozenset[str]:
        """The user ids in the Slack user group `group_id` (``S…``).

        Raises:
            GroupUnreadable: Slack could not say.
        """
        ...

    def outsider(self, user_id: str) -> bool:
        """True when `user_id` belongs to another organization than the one opsgate is installed
        in (Slack Connect): a payload Slack signed named their workspace, another
        organization's, in a conversation Slack says is shared with another organization.
        ``"*"`` does not cover them (SPEC §3). False when nothing said so (a payload naming no
        workspace, a conversation not shared, Slack unable to say)."""
        ...


class GroupUnreadable(Exception):
    """Slack could not say who is in a user group: nobody qualifies through it (failing
    closed), and whoever was being judged is told why (`bot.policy.decision.judged`).

    Attributes:
        group_id: The group (``S…``).
        error: What Slack answered (``missing_argument``, ``ratelimited``, …).
    """

    def __init__(self, group_id: str, error: str) -> None:
        super().__init__(f"cannot read the members of {group_id}: {error}")
        self.group_id = group_id
        self.error = error
