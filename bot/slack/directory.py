"""Slack user-group membership for the policy, cached briefly to keep clicks fast."""

from __future__ import annotations

import logging
import threading

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from adapters.clock import SYSTEM_CLOCK, Clock

log = logging.getLogger(__name__)


class SlackDirectory:
    """`bot.policy.Directory` backed by ``usergroups.users.list`` (scope ``usergroups:read``).

    Membership is cached for `ttl` seconds: long enough that a burst of clicks makes one call,
    short enough that removing someone from a group takes effect within minutes.
    """

    def __init__(
        self, client: WebClient, *, ttl: float = 120.0, clock: Clock = SYSTEM_CLOCK
    ) -> None:
        self._client = client
        self._ttl = ttl
        self._clock = clock
        self._cache: dict[str, tuple[float, frozenset[str]]] = {}
        self._lock = threading.Lock()

    def members(self, group_id: str) -> frozenset[str]:
        """User ids in the group; empty (so nobody qualifies through it) if Slack cannot say."""
        now = self._clock.monotonic()
        with self._lock:
            cached = self._cache.get(group_id)
            if cached is not None and now - cached[0] < self._ttl:
                return cached[1]
        try:
            response = self._client.usergroups_users_list(usergroup=group_id)
        except SlackApiError as exc:
            # Failing closed: an unknown group grants nothing. Not cached, so it heals quickly.
            log.warning("usergroups.users.list %s failed: %s", group_id, exc.response.get("error"))
            return frozenset()
        users: list[str] = response.get("users") or []
        members = frozenset(str(u) for u in users)
        with self._lock:
            self._cache[group_id] = (now, members)
        return members
