"""What the console prints for each call the app makes to Slack, as the people in the channel
would see it: a card whole once, then only what its updates change; a reply in a card's thread
under a heading that names the card; an App Home tab whole when asked for (`home`), then only
what changes in it, and nothing of a tab its owner has not opened."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from typing import Any

from bot.cards.form import FORM_CALLBACK
from bot.console.render import render_message
from bot.console.session import CHANNEL, CHANNEL_NAME, USERS
from bot.console.standin.server import RecordedCall
from bot.console.updates import card_changes, tab_changes

_CARD_ID = re.compile(r"R-[0-9A-Z]{8}")
_CARD_METHODS = frozenset({"chat.postMessage", "chat.update"})
#: A message as Slack now holds it, by channel and ts (`SlackStandIn.message`), or None.
MessageLookup = Callable[[str, str], dict[str, Any] | None]


def _no_message(_channel: str, _ts: str) -> dict[str, Any] | None:
    return None


class Transcript:
    """Turns recorded Slack calls into the console's text, remembering what it has shown.

    Args:
        names: How Slack shows ids (people, the channel, user groups) by name.
        color: Show Slack's bold and italic as terminal styles.
        message: Finds the message a thread reply answers, to name its card.
    """

    def __init__(
        self, names: Mapping[str, str], *, color: bool, message: MessageLookup = _no_message
    ) -> None:
        self.names = dict(names)
        self.color = color
        self._message = message
        self._shown: dict[str, str] = {}
        self._open_tabs: set[str] = set()

    def open_tab(self, user: str) -> None:
        """`user` looks at their App Home tab: its next drawing is shown whole, and from then
        on what changes in it."""
        self._open_tabs.add(user)
        self._shown.pop(f"home:{user}", None)

    def text(self, call: RecordedCall) -> str:
        """What to print for `call`; empty when nothing (new) is to be seen."""
        view = call.params.get("view") or {}
        if isinstance(view, dict) and view.get("callback_id") == FORM_CALLBACK:
            return ""  # the request form is shown field by field (`bot.console.form`)
        blocks = call.params.get("blocks") or (view or {}).get("blocks")
        if not blocks:
            return ""
        if isinstance(blocks, str):
            blocks = json.loads(blocks)
        rendered = render_message(blocks, names=self.names, color=self.color)
        if call.method == "views.publish":
            return self._tab(str(call.params.get("user_id")), rendered, call)
        if _in_thread(call):  # a reminder on a card, say: it names the card, but is none
            return f"{self._thread_heading(call, rendered)}\n{rendered}"
        card = _CARD_ID.search(rendered) if call.method in _CARD_METHODS else None
        if card and str(call.params.get("channel")) not in USERS:  # a card, not a DM about it
            return self._card(card.group(0), rendered, call)
        return f"{_heading(call)}\n{rendered}"

    def _card(self, card: str, rendered: str, call: RecordedCall) -> str:
        """A card: whole the first time, then (on an update) only what changed."""
        previous, self._shown[card] = self._shown.get(card), rendered
        if call.method != "chat.update":
            return f"{_heading(call)}\n{rendered}"
        changes = rendered if previous is None else card_changes(previous, rendered)
        return f"── card {card} updated ──\n{changes}" if changes else ""

    def _thread_heading(self, call: RecordedCall, rendered: str) -> str:
        """``── #ops, thread of card R-… ──``, and whether Slack showed it in the channel too.
        A card Slack does not hold (posted in an earlier session) is not named: the request
        the reply names is (``in a thread about R-…``), the reply never taken for its card."""
        channel = str(call.params.get("channel") or "")
        parent = self._message(channel, str(call.params.get("thread_ts"))) or {}
        card = _CARD_ID.search(json.dumps(parent.get("blocks") or parent.get("text") or ""))
        named = _CARD_ID.search(rendered)
        where = f"thread of card {card.group(0)}" if card else "in a thread"
        if card is None and named is not None:
            where = f"in a thread about {named.group(0)}"
        broadcast = str(call.params.get("reply_broadcast")).lower() in {"true", "1"}
        also = " (also sent to the channel)" if broadcast else ""
        return f"── #{CHANNEL_NAME if channel == CHANNEL else channel}, {where}{also} ──"

    def _tab(self, user: str, rendered: str, call: RecordedCall) -> str:
        """An App Home tab redrawn after a click: only what changed (`home` shows it whole).
        The app redraws the tab of whoever clicked, in case they clicked there; a tab its
        owner has not opened in this session is not on their screen, so nothing is shown."""
        if user not in self._open_tabs:
            return ""
        key = f"home:{user}"
        previous, self._shown[key] = self._shown.get(key), rendered
        if previous is None:
            return f"{_heading(call)}\n{rendered}"
        return tab_changes(previous, rendered, heading=f"App Home of @{USERS.get(user, user)}")


def is_direct_message(call: RecordedCall) -> bool:
    """A message posted to a person (a DM), not in a channel."""
    return call.method == "chat.postMessage" and str(call.params.get("channel") or "") in USERS


def _in_thread(call: RecordedCall) -> bool:
    """A reply in a thread of the channel (not a direct message)."""
    in_thread = call.method == "chat.postMessage" and bool(call.params.get("thread_ts"))
    return in_thread and not is_direct_message(call)


def _heading(call: RecordedCall) -> str:
    channel = str(call.params.get("channel") or "")
    user = str(call.params.get("user") or "")
    if is_direct_message(call):
        return f"── direct message to @{USERS[channel]} ──"
    if call.method == "chat.postMessage":
        return f"── #{CHANNEL_NAME if channel == CHANNEL else channel} ──"
    if call.method == "chat.update":
        return "── card updated ──"
    if call.method == "views.open":
        title = ((call.params.get("view") or {}).get("title") or {}).get("text", "")
        return f"── dialog: {title} ──"
    if call.method == "views.publish":
        return f"── App Home of @{USERS.get(str(call.params.get('user_id')), '?')} ──"
    if user in USERS:
        return f"── only visible to @{USERS[user]} ──"
    return "── only visible to you ──"
