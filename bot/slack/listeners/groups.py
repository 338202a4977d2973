"""Slack's word that a user group changed (``subteam_members_changed``, ``subteam_updated``):
the membership opsgate keeps for the policy is dropped at once, on every replica
(`bot.slack.directory.SlackDirectory.changed`), so a click is judged by who is in the group
now, not two minutes ago."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import App

from bot.model import is_group_id
from bot.slack.listeners.context import ListenerContext

log = logging.getLogger(__name__)


def register(app: App, ctx: ListenerContext) -> None:
    """Attach both events (the manifest subscribes to them)."""

    @app.event("subteam_members_changed")
    def members_changed(event: dict[str, Any]) -> None:
        _changed(ctx, event.get("subteam_id"))

    @app.event("subteam_updated")
    def updated(event: dict[str, Any]) -> None:
        subteam = event.get("subteam")
        _changed(ctx, subteam.get("id") if isinstance(subteam, dict) else None)


def _changed(ctx: ListenerContext, group_id: object) -> None:
    if not is_group_id(group_id):
        log.warning("a user group event named no user group: %.40r", group_id)
        return
    # Here, not on the worker pool: one small write, and a click queued behind other work
    # must not be judged by the membership Slack just said is gone.
    if ctx.groups_changed is not None:
        ctx.groups_changed(group_id)
