"""Whether a conversation is shared with another organization (Slack Connect), as Slack says.

`SharedChannels.shared` asks ``conversations.info`` (scopes ``channels:read`` for public
channels, ``groups:read`` for private ones) and keeps each answer for `ttl` seconds, for at most
`CHANNELS_KEPT` channels, so a burst of clicks makes one call. It is asked only of a channel in
which someone of another workspace acted (`bot.slack.organizations`), after Slack's ack, by the
policy. When Slack cannot answer (a missing scope after an upgrade, a DM, a network error) it
logs one line and answers False for `retry` seconds: the conversation is judged as not shared,
as before opsgate looked (failing open: named users and user groups are judged as always).
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from adapters.clock import SYSTEM_CLOCK, Clock
from bot.slack.port import refused

log = logging.getLogger(__name__)

#: How many channels' answers are kept at most (the least recently asked go).
CHANNELS_KEPT = 1_000


class SharedChannels:
    """``conversations.info``'s ``is_ext_shared`` (or ``is_pending_ext_shared``), kept briefly."""

    def __init__(
        self,
        client: WebClient,
        *,
        ttl: float = 300.0,
        retry: float = 30.0,
        clock: Clock = SYSTEM_CLOCK,
    ) -> None:
        self._client = client
        self._ttl = ttl
        self._retry = retry
        self._clock = clock
        #: Channel -> until when (monotonic) the answer holds, and the answer.
        self._kept: OrderedDict[str, tuple[float, bool]] = OrderedDict()
        self._lock = threading.Lock()

    def shared(self, channel: str) -> bool:
        """Whether Slack says `channel` is shared with another organization (or an invitation
        to share it is pending). False when Slack cannot say (logged, and not asked again for
        `retry` seconds)."""
        now = self._clock.monotonic()
        with self._lock:
            kept = self._kept.get(channel)
        if kept is not None and now < kept[0]:
            return kept[1]
        answer = self._ask(channel)
        until = now + (self._retry if answer is None else self._ttl)
        with self._lock:
            self._kept[channel] = (until, bool(answer))
            self._kept.move_to_end(channel)
            while len(self._kept) > CHANNELS_KEPT:
                self._kept.popitem(last=False)
        return bool(answer)

    def _ask(self, channel: str) -> bool | None:
        try:
            response = self._client.conversations_info(channel=channel)
        except SlackApiError as exc:
            why = refused(exc)
        except Exception as exc:  # a network error, a garbled answer: fail open, as documented
            why = type(exc).__name__
        else:
            found = response.get("channel")
            if isinstance(found, dict):
                return bool(found.get("is_ext_shared") or found.get("is_pending_ext_shared"))
            why = "no channel in the answer"
        log.warning(
            "conversations.info %s failed: %s; its users are judged as members of the organization",
            channel,
            why,
        )
        return None
