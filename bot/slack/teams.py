"""Which Slack workspace a payload came from, for the Web API calls made on its behalf.

An app installed at the organization level (Enterprise Grid, as a Workflow step needs) holds an
org token, with which Slack requires ``team_id`` on some calls: ``usergroups.users.list``
among them ("Required if org token is used"). The workspace is in every payload (the user's
``team_id``, or the payload's ``team``); `remember_team` keeps it in a context variable for the
handling of that payload, and the pools that handling hands work to run it in a copy of the
context (`adapters.pools.ContextExecutor`, `bot.lifecycle.workers.Runner`), so the policy's
directory (`bot.slack.directory.SlackDirectory`) can pass it on.
"""

from __future__ import annotations

import contextvars
from collections.abc import Callable, Mapping
from typing import Any, Final

from slack_bolt.request import BoltRequest
from slack_bolt.response import BoltResponse

from bot.model.slack_ids import TEAM_ID

_TEAM: Final[contextvars.ContextVar[str | None]] = contextvars.ContextVar(
    "opsgate_slack_team", default=None
)


def current_team() -> str | None:
    """The workspace of the payload being handled, when there is one."""
    return _TEAM.get()


def team_of(body: Mapping[str, Any]) -> str | None:
    """A payload's workspace: its user's (a click's ``user.team_id``), else the payload's own
    (``team.id``, a command's or event's ``team_id``); None when it names none plainly."""
    user, team = body.get("user"), body.get("team")
    found = [
        user.get("team_id") if isinstance(user, Mapping) else None,
        team.get("id") if isinstance(team, Mapping) else None,
        body.get("team_id"),
    ]
    return next((t for t in found if isinstance(t, str) and TEAM_ID.fullmatch(t)), None)


def remember_team(
    req: BoltRequest, resp: BoltResponse, next: Callable[[], BoltResponse]
) -> BoltResponse:
    """Bolt middleware: the payload's workspace is `current_team` while it is handled.

    Set, not reset: Bolt runs the listeners after every middleware has returned, on this same
    thread, which hands them to its pool then (copying this context). Every dispatch passes
    here first and sets it afresh, so no payload sees another's workspace."""
    _TEAM.set(team_of(req.body))
    return next()
