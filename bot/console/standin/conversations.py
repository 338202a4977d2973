"""The stand-in's ``conversations.*`` methods: a DM opened, a channel described, and a
channel's history read back as Slack returns it (newest first, metadata only when asked)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final

from bot.console.standin.ids import TEAM_ID

if TYPE_CHECKING:
    from bot.console.standin.methods import SlackState

Reply = dict[str, Any]
#: ``conversations.history``'s ``limit`` when none is given, and the most it takes.
HISTORY_LIMIT: Final = 100
HISTORY_MOST: Final = 999
_CHANNEL_PREFIXES: Final = ("C", "G", "D")


def open_dm(state: SlackState, params: dict[str, Any]) -> Reply:
    users = str(params.get("users") or "")
    if not users:
        return {"ok": False, "error": "users_list_not_supplied"}
    # One stable DM channel per user (set), as Slack does.
    channel_id = "D" + users.replace(",", "").upper()[:20]
    return {"ok": True, "channel": {"id": channel_id, "is_im": "," not in users}}


def info(state: SlackState, params: dict[str, Any]) -> Reply:
    """Any channel id is a channel the bot is in; shared with another organization only when
    the test said so (`SlackStandIn.share_channel`)."""
    channel = str(params.get("channel") or "")
    if not channel.startswith(_CHANNEL_PREFIXES):
        return {"ok": False, "error": "channel_not_found"}
    shared = state.ext_shared.get(channel)
    found = {
        "id": channel,
        "name": channel.lower(),
        "is_channel": channel.startswith("C"),
        "is_private": channel.startswith("G"),
        "is_im": channel.startswith("D"),
        "is_member": channel not in state.outside,
        "is_shared": shared is True,
        "is_ext_shared": shared is True,
        "is_pending_ext_shared": shared is False,
        "context_team_id": TEAM_ID,
    }
    return {"ok": True, "channel": found}


def history(state: SlackState, params: dict[str, Any]) -> Reply:
    """A channel's messages posted here, newest first, as Slack's ``conversations.history``
    returns them: thread replies left out, ``oldest``/``latest`` bounds (exclusive unless
    ``inclusive``), at most ``limit``, and each message's ``metadata`` only with
    ``include_all_metadata``. A channel the bot is not in is ``not_in_channel``."""
    channel = str(params.get("channel") or "")
    if not channel.startswith(_CHANNEL_PREFIXES):
        return {"ok": False, "error": "channel_not_found"}
    if channel in state.outside:
        return {"ok": False, "error": "not_in_channel"}
    try:
        limit = min(int(params.get("limit") or HISTORY_LIMIT), HISTORY_MOST)
        oldest, latest = float(params.get("oldest") or 0), float(params.get("latest") or "inf")
    except ValueError:
        return {"ok": False, "error": "invalid_arguments"}
    inclusive, metadata = _flag(params.get("inclusive")), _flag(params.get("include_all_metadata"))
    found = [
        _as_listed(message, metadata=metadata)
        for (where, ts), message in state.messages.items()
        if where == channel
        and message.get("thread_ts", ts) == ts
        and _within(float(ts), oldest, latest, inclusive=inclusive)
    ]
    found.sort(key=lambda message: float(message["ts"]), reverse=True)
    return {"ok": True, "messages": found[:limit], "has_more": len(found) > limit, "pin_count": 0}


def _flag(value: object) -> bool:
    """A boolean argument as slack_sdk sends it (``1``/``0``) or as JSON (``true``)."""
    return value is True or str(value).lower() in {"1", "true"}


def _within(ts: float, oldest: float, latest: float, *, inclusive: bool) -> bool:
    if inclusive:
        return oldest <= ts <= latest
    return oldest < ts < latest


def _as_listed(message: dict[str, Any], *, metadata: bool) -> dict[str, Any]:
    listed = {key: value for key, value in message.items() if key != "metadata"}
    if metadata and "metadata" in message:
        listed["metadata"] = message["metadata"]
    return listed
