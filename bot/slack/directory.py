"""Slack user-group membership for the policy, kept briefly to keep clicks fast, and dropped as
soon as Slack says a group changed; and who is of another organization: someone whose signed
payload named another workspace (`bot.slack.organizations`), in a conversation Slack says is
shared with another organization (`bot.slack.shared`)."""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Protocol

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from adapters.clock import SYSTEM_CLOCK, Clock
from bot.model.directory import GroupUnreadable
from bot.slack.port import refused
from bot.slack.shared import SharedChannels
from bot.slack.teams import current_team

log = logging.getLogger(__name__)

#: How many people of other workspaces are remembered at most (the least recently seen go).
OUTSIDERS_KEPT = 10_000


class GroupVersions(Protocol):
    """A count of changes per user group that every replica sees (`bot.store.groups`)."""

    def version(self, group_id: str) -> str:
        """`group_id`'s version: another one once its members changed."""
        ...

    def changed(self, group_id: str) -> None:
        """Record a change of `group_id`'s members (a new version)."""
        ...


@dataclass(frozen=True)
class _Kept:
    at: float  # monotonic
    version: str  # the group's version when it was fetched
    members: frozenset[str]


class SlackDirectory:
    """`bot.policy.Directory` backed by ``usergroups.users.list`` (scope ``usergroups:read``),
    and by ``conversations.info`` for who is of another organization (`outsider`).

    Membership is kept for `ttl` seconds, so a burst of clicks makes one call, and no longer
    than the group stays unchanged: Slack's ``subteam_members_changed`` and ``subteam_updated``
    events (`changed`) count a change in `versions`, which every replica on the database reads
    before it trusts what it keeps. Someone taken out of an approvers' group can no longer
    approve once Slack has said so, whichever replica their click reaches (a read already in
    flight may still answer once); `ttl` bounds it when an event is lost.
    """

    def __init__(
        self,
        client: WebClient,
        *,
        ttl: float = 120.0,
        clock: Clock = SYSTEM_CLOCK,
        versions: GroupVersions | None = None,
        channels: SharedChannels | None = None,
    ) -> None:
        self._client = client
        self._channels = channels or SharedChannels(client, clock=clock)
        self._ttl = ttl
        self._clock = clock
        self._versions = versions
        self._kept: dict[str, _Kept] = {}
        #: User -> the channel of their last payload that named one; only people whose payload
        #: named a workspace of another organization.
        self._elsewhere: OrderedDict[str, str | None] = OrderedDict()
        self._lock = threading.Lock()

    def members(self, group_id: str) -> frozenset[str]:
        """User ids in the group.

        Raises:
            GroupUnreadable: Slack cannot say (nobody qualifies through the group).
        """
        now = self._clock.monotonic()
        version = self._versions.version(group_id) if self._versions else "0"
        with self._lock:
            kept = self._kept.get(group_id)
        if kept is not None and now - kept.at < self._ttl and kept.version == version:
            return kept.members
        # An org token needs the workspace (Slack: "Required if org token is used").
        team = current_team()
        try:
            response = self._client.usergroups_users_list(usergroup=group_id, team_id=team)
        except SlackApiError as exc:
            # Failing closed: a group Slack cannot read grants nothing, and whoever was being
            # judged is told why. Not kept, so it heals as soon as Slack answers.
            error = refused(exc)
            log.warning("usergroups.users.list %s failed: %s", group_id, error)
            raise GroupUnreadable(group_id, error) from None
        except (SlackClientError, OSError) as exc:  # no answer (a timeout): the same
            error = type(exc).__name__
            log.warning("usergroups.users.list %s failed: %s", group_id, error)
            raise GroupUnreadable(group_id, error) from None
        users: list[str] = response.get("users") or []
        members = frozenset(str(u) for u in users)
        with self._lock:
            self._kept[group_id] = _Kept(now, version, members)
        return members

    def changed(self, group_id: str) -> None:
        """Slack says `group_id`'s members changed: no replica trusts what it keeps of them."""
        with self._lock:
            self._kept.pop(group_id, None)
        if self._versions is not None:
            self._versions.changed(group_id)

    def outsider(self, user_id: str) -> bool:
        """Whether `user_id` is of another organization: a payload Slack signed named their
        workspace, another organization's (and no later one said otherwise), and Slack says the
        conversation it was about is shared with another organization (asked now, after the
        ack, and kept a few minutes). Not when the payload named no channel and no earlier one
        did (App Home, a shortcut), nor when Slack cannot say (`SharedChannels`)."""
        with self._lock:
            channel = self._elsewhere.get(user_id)
        return channel is not None and self._channels.shared(channel)

    def saw(self, user_id: str, *, other_workspace: bool, channel: str | None = None) -> None:
        """A signed payload said whether `user_id`'s workspace is of another organization, and
        which conversation it was about (None: none, and the one an earlier payload named
        stands). Each is judged while their own payload is handled, just after it said so:
        past `OUTSIDERS_KEPT`, the least recently seen are forgotten."""
        with self._lock:
            if not other_workspace:
                self._elsewhere.pop(user_id, None)
                return
            self._elsewhere[user_id] = channel or self._elsewhere.get(user_id)
            self._elsewhere.move_to_end(user_id)
            while len(self._elsewhere) > OUTSIDERS_KEPT:
                self._elsewhere.popitem(last=False)
