"""Who is of another organization (Slack Connect), from the payloads Slack signed.

In a Slack Connect channel people of another company see opsgate's cards and may click them;
``"*"`` in the policy covers the members of the organization opsgate is installed in, not them
(SPEC §3). `OrganizationCheck` compares each payload's user's workspace with the installation's
(Bolt's ``authorize_result``, from ``auth.test``) and tells the directory the policy asks
(`bot.slack.directory.SlackDirectory.saw`), with the conversation the payload is about
(`channel_of`). Someone of another workspace of the installation's Enterprise Grid organization
is a member. A payload naming no user workspace says nothing, so its user is judged as a member,
as before. A workspace alone is weak evidence (Slack's own sample payloads, and payloads copied
into a test, name another workspace than the team's), so the directory also asks Slack, lazily
when the policy judges (after the ack), whether that conversation is shared with another
organization (`bot.slack.shared`); this middleware makes no call.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from slack_bolt.request import BoltRequest
from slack_bolt.response import BoltResponse

from bot.model.slack_ids import is_channel_id


class Seen(Protocol):
    """Where what a payload said of its user goes (`SlackDirectory.saw`)."""

    def __call__(
        self, user_id: str, *, other_workspace: bool, channel: str | None = None
    ) -> None: ...


@dataclass(frozen=True)
class Actor:
    """A payload's user: their id, workspace and, when the payload ties one to that workspace,
    its Enterprise Grid organization."""

    user: str
    team: str
    enterprise: str | None


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def _enterprise(body: Mapping[str, Any], team: str) -> str | None:
    """The organization of the user's workspace `team`: the user's own, or that of the
    payload's ``team`` when it is the user's workspace, or the payload's ``enterprise`` when
    no other workspace is named (a slash command's ``enterprise_id``)."""
    user, payload_team, org = body.get("user"), body.get("team"), body.get("enterprise")
    if isinstance(user, Mapping) and _text(user.get("enterprise_id")):
        return _text(user.get("enterprise_id"))
    if isinstance(payload_team, Mapping):
        if payload_team.get("id") != team:
            return None  # the workspace named is another: its organization is not the user's
        if _text(payload_team.get("enterprise_id")):
            return _text(payload_team.get("enterprise_id"))
    if isinstance(org, Mapping):
        return _text(org.get("id"))
    return _text(org) or _text(body.get("enterprise_id"))


def actor(body: Mapping[str, Any]) -> Actor | None:
    """Who acted, with their workspace: a click's, submission's or shortcut's ``user.team_id``,
    a slash command's ``user_team_id`` or else its ``team_id`` (the workspace it was typed in).
    None when the payload names no user workspace."""
    user = body.get("user")
    if isinstance(user, Mapping):
        user_id, team = _text(user.get("id")), _text(user.get("team_id"))
    elif "command" in body:
        user_id = _text(body.get("user_id"))
        team = _text(body.get("user_team_id")) or _text(body.get("team_id"))
    else:
        return None
    if user_id is None or team is None:
        return None
    return Actor(user_id, team, _enterprise(body, team))


def outsider(who: Actor, *, team: str | None, enterprise: str | None) -> bool:
    """Whether `who` is of another organization than the installation's: neither of its
    workspace `team` nor of its Enterprise Grid organization `enterprise` (when it is in one)."""
    if who.team == team:
        return False
    return enterprise is None or who.enterprise != enterprise


def channel_of(body: Mapping[str, Any]) -> str | None:
    """The conversation a payload is about: a click's ``channel.id`` or
    ``container.channel_id``, a slash command's ``channel_id``, or, in a modal, the channel chosen
    in the request form (its conversations select) or the card's channel the Reject dialog
    carries (its ``private_metadata``). None for App Home, a shortcut, a Workflow step."""
    channel, container, view = body.get("channel"), body.get("container"), body.get("view")
    found: list[object] = [
        channel.get("id") if isinstance(channel, Mapping) else None,
        container.get("channel_id") if isinstance(container, Mapping) else None,
        body.get("channel_id"),
    ]
    if isinstance(view, Mapping):
        found += [*_chosen(view.get("state")), _carried(view.get("private_metadata"))]
    return next((c for c in found if isinstance(c, str) and is_channel_id(c)), None)


def _chosen(state: object) -> list[object]:
    """Every conversation selected in a modal's ``state.values``."""
    values = state.get("values") if isinstance(state, Mapping) else None
    blocks = values.values() if isinstance(values, Mapping) else ()
    elements = (e for b in blocks if isinstance(b, Mapping) for e in b.values())
    return [e.get("selected_conversation") for e in elements if isinstance(e, Mapping)]


def _carried(metadata: object) -> object:
    """The ``channel`` a modal's ``private_metadata`` carries (the Reject dialog's card)."""
    try:
        found = json.loads(metadata) if isinstance(metadata, str) and metadata else None
    except ValueError:
        return None
    return found.get("channel") if isinstance(found, dict) else None


class OrganizationCheck:
    """Bolt middleware: tells `seen` whether each payload's user is of another organization's
    workspace, and the conversation the payload is about (no Slack call: Bolt runs it before a
    slash command's ack).

    Runs after Bolt's authorization, whose result names the installation's workspace or
    organization; without one (a payload needing none) nothing is said."""

    def __init__(self, seen: Seen) -> None:
        self._seen = seen

    def __call__(
        self, req: BoltRequest, resp: BoltResponse, next: Callable[[], BoltResponse]
    ) -> BoltResponse:
        installed = req.context.authorize_result
        who = actor(req.body)
        if (
            who is not None
            and installed is not None
            and (installed.team_id or installed.enterprise_id)
        ):
            elsewhere = outsider(who, team=installed.team_id, enterprise=installed.enterprise_id)
            self._seen(who.user, other_workspace=elsewhere, channel=channel_of(req.body))
        return next()
