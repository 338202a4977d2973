"""The Web API methods the Slack stand-in answers, with Slack-shaped JSON. No I/O, no locking.

`SlackState` holds what the stand-in remembers (messages, home views, opened modals); `answer`
maps one method call onto it. `bot.console.standin.server` serialises access and does the HTTP.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from bot.console.standin import conversations
from bot.console.standin.ids import BOT_ID, BOT_USER_ID, TEAM_ID

__all__ = ["BOT_ID", "BOT_USER_ID", "TEAM_ID", "SlackState", "answer"]
_EPOCH = 1767225600  # 2026-01-01T00:00:00Z: timestamps read like Slack's and sort by arrival

Reply = dict[str, Any]


class SlackState:
    """What the stand-in knows: users, groups, posted messages, published home views and
    opened modals.

    Args:
        users: User id -> name. When None, any user id is known, named by its id.
        groups: User group id -> member ids.
        group_handles: User group id -> handle; by default the id in lower case.
        since: When given (a Unix time), timestamps start there, and a message stamped
            earlier counts as posted before this stand-in started, in a workspace that kept
            it: ``chat.update`` updates it instead of answering ``message_not_found``. None:
            timestamps start at 2026-01-01 and only the messages posted here exist.
    """

    def __init__(
        self,
        *,
        users: Mapping[str, str] | None = None,
        groups: Mapping[str, Sequence[str]] | None = None,
        group_handles: Mapping[str, str] | None = None,
        since: float | None = None,
    ) -> None:
        self.users = dict(users) if users is not None else None
        self.groups = {g: list(m) for g, m in (groups or {}).items()}
        self.messages: dict[tuple[str, str], dict[str, Any]] = {}
        self.home_views: dict[str, dict[str, Any]] = {}
        self.opened_views: list[dict[str, Any]] = []
        self.group_handles = dict(group_handles or {})
        self._counter = itertools.count(1)
        # In microseconds: a session that starts a moment after another stamps after it.
        self._start = round((_EPOCH if since is None else since) * 1_000_000)
        self._kept_before = since is not None
        #: Installed at the organization level: an org token, with which Slack wants the
        #: workspace (``team_id``) on ``usergroups.users.list``.
        self.org_install = False
        #: Channels the bot was never invited to: Slack answers ``not_in_channel`` there.
        self.outside: set[str] = set()
        #: The Enterprise Grid organization the workspace belongs to, as ``auth.test`` says.
        self.enterprise_id: str | None = None
        #: Channel -> True when shared with another organization (Slack Connect), False when
        #: an invitation to share it is pending; ``conversations.info`` says so.
        self.ext_shared: dict[str, bool] = {}
        #: Method -> the error it answers instead (``missing_scope``…), until cleared.
        self.refused: dict[str, str] = {}

    def next_ts(self) -> str:
        """A unique, increasing Slack timestamp (``1767225600.000100``)."""
        stamp = self._start + next(self._counter) * 100
        return f"{stamp // 1_000_000}.{stamp % 1_000_000:06d}"

    def posted_before(self, ts: str) -> bool:
        """Whether `ts` stamps a message posted before this stand-in started, which the
        workspace kept (only with `since`)."""
        seconds, _, fraction = ts.partition(".")
        if not (self._kept_before and seconds.isdigit() and fraction.isdigit()):
            return False
        return int(seconds) * 1_000_000 + int(fraction.ljust(6, "0")[:6]) < self._start

    def message(self, channel: str, ts: str) -> dict[str, Any] | None:
        """A copy of the current version of a message, or None."""
        found = self.messages.get((channel, ts))
        return dict(found) if found is not None else None

    def user_name(self, user_id: str) -> str | None:
        """The user's name, or None when the stand-in does not know the user."""
        if self.users is None:
            return user_id
        return self.users.get(user_id)


def answer(state: SlackState, method: str, params: dict[str, Any]) -> Reply:
    """Answer one Web API call; unknown methods get Slack's ``unknown_method``."""
    if method in state.refused:
        return {"ok": False, "error": state.refused[method]}
    handler = _METHODS.get(method)
    if handler is None:
        return {"ok": False, "error": "unknown_method"}
    return handler(state, params)


def _auth_test(state: SlackState, params: dict[str, Any]) -> Reply:
    return {
        "ok": True,
        "url": "https://opsgate.slack.com/",
        "team": "opsgate",
        "user": "opsgate",
        "team_id": TEAM_ID,
        "user_id": BOT_USER_ID,
        "bot_id": BOT_ID,
        "is_enterprise_install": False,
        **({"enterprise_id": state.enterprise_id} if state.enterprise_id else {}),
    }


def _message_body(params: dict[str, Any], ts: str) -> dict[str, Any]:
    body: dict[str, Any] = {"type": "message", "user": BOT_USER_ID, "bot_id": BOT_ID, "ts": ts}
    for key in ("text", "blocks", "thread_ts", "metadata"):
        if key in params:
            body[key] = params[key]
    return body


def _post_message(state: SlackState, params: dict[str, Any]) -> Reply:
    channel = str(params.get("channel") or "")
    if not channel:
        return {"ok": False, "error": "channel_not_found"}
    if channel in state.outside:
        return {"ok": False, "error": "not_in_channel"}
    if not params.get("text") and not params.get("blocks"):
        return {"ok": False, "error": "no_text"}
    ts = state.next_ts()
    message = _message_body(params, ts)
    state.messages[(channel, ts)] = message
    return {"ok": True, "channel": channel, "ts": ts, "message": dict(message)}


def _update(state: SlackState, params: dict[str, Any]) -> Reply:
    channel, ts = str(params.get("channel") or ""), str(params.get("ts") or "")
    if (channel, ts) not in state.messages and not state.posted_before(ts):
        return {"ok": False, "error": "message_not_found"}
    # Like Slack, fields the update leaves out (blocks, say) keep their previous value.
    previous = state.messages.get((channel, ts), {})
    message = {**previous, **_message_body(params, ts), "edited": {"user": BOT_USER_ID}}
    state.messages[(channel, ts)] = message
    return {
        "ok": True,
        "channel": channel,
        "ts": ts,
        "text": params.get("text", ""),
        "message": dict(message),
    }


def _post_ephemeral(state: SlackState, params: dict[str, Any]) -> Reply:
    if not params.get("channel"):
        return {"ok": False, "error": "channel_not_found"}
    if params["channel"] in state.outside:
        return {"ok": False, "error": "not_in_channel"}
    if not params.get("user"):
        return {"ok": False, "error": "user_not_in_channel"}
    return {"ok": True, "message_ts": state.next_ts()}


def _users_info(state: SlackState, params: dict[str, Any]) -> Reply:
    user_id = str(params.get("user") or "")
    name = state.user_name(user_id) if user_id else None
    if name is None:
        return {"ok": False, "error": "user_not_found"}
    profile = {"display_name": name, "real_name": name}
    return {
        "ok": True,
        "user": {
            "id": user_id,
            "team_id": TEAM_ID,
            "name": name,
            "real_name": name,
            "is_bot": False,
            "deleted": False,
            "tz": "UTC",
            "profile": profile,
        },
    }


def _usergroup_users(state: SlackState, params: dict[str, Any]) -> Reply:
    if state.org_install and not params.get("team_id"):
        return {"ok": False, "error": "missing_argument"}  # "Required if org token is used"
    group = str(params.get("usergroup") or "")
    if group not in state.groups:
        return {"ok": False, "error": "no_such_subteam"}
    return {"ok": True, "users": list(state.groups[group])}


def _views_publish(state: SlackState, params: dict[str, Any]) -> Reply:
    user_id, view = str(params.get("user_id") or ""), params.get("view")
    if not user_id:
        return {"ok": False, "error": "invalid_arguments"}
    if not isinstance(view, dict):
        return {"ok": False, "error": "invalid_arguments"}
    stored = {**view, "id": f"V{user_id}", "team_id": TEAM_ID}
    state.home_views[user_id] = stored
    return {"ok": True, "view": dict(stored)}


def _views_open(state: SlackState, params: dict[str, Any]) -> Reply:
    view = params.get("view")
    if not params.get("trigger_id") or not isinstance(view, dict):
        return {"ok": False, "error": "invalid_arguments"}
    opened = {**view, "id": f"V{len(state.opened_views) + 1:08d}", "team_id": TEAM_ID}
    state.opened_views.append(opened)
    return {"ok": True, "view": dict(opened)}


def _views_update(state: SlackState, params: dict[str, Any]) -> Reply:
    """Replace an open modal; a stale ``hash`` is refused (``hash_conflict``), as in Slack."""
    view, view_id = params.get("view"), str(params.get("view_id") or "")
    if not view_id or not isinstance(view, dict):
        return {"ok": False, "error": "invalid_arguments"}
    for index, old in enumerate(state.opened_views):
        if old["id"] == view_id:
            if params.get("hash") and old.get("hash") and params["hash"] != old["hash"]:
                return {"ok": False, "error": "hash_conflict"}
            new = {**view, "id": view_id, "team_id": TEAM_ID, "hash": state.next_ts()}
            state.opened_views[index] = new
            return {"ok": True, "view": dict(new)}
    return {"ok": False, "error": "not_found"}


def _usergroups_list(state: SlackState, params: dict[str, Any]) -> Reply:
    groups = [
        {
            "id": group,
            "team_id": TEAM_ID,
            "handle": state.group_handles.get(group, group.lower()),
            "name": state.group_handles.get(group, group.lower()),
            "user_count": len(members),
        }
        for group, members in state.groups.items()
    ]
    return {"ok": True, "usergroups": groups}


def _complete_function(state: SlackState, params: dict[str, Any], *, needs: str) -> Reply:
    """``functions.completeSuccess`` (needs ``outputs``) or ``completeError`` (``error``)."""
    if not params.get("function_execution_id") or needs not in params:
        return {"ok": False, "error": "invalid_arguments"}
    return {"ok": True}


_METHODS: dict[str, Callable[[SlackState, dict[str, Any]], Reply]] = {
    "auth.test": _auth_test,
    "chat.postMessage": _post_message,
    "chat.update": _update,
    "chat.postEphemeral": _post_ephemeral,
    "users.info": _users_info,
    "usergroups.users.list": _usergroup_users,
    "views.publish": _views_publish,
    "views.open": _views_open,
    "conversations.open": conversations.open_dm,
    "conversations.info": conversations.info,
    "conversations.history": conversations.history,
    "views.update": _views_update,
    "usergroups.list": _usergroups_list,
    "functions.completeSuccess": lambda state, params: _complete_function(
        state, params, needs="outputs"
    ),
    "functions.completeError": lambda state, params: _complete_function(
        state, params, needs="error"
    ),
}
