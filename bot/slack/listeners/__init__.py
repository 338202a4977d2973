"""Bolt listeners. Each module exposes `register(app, ctx)`; `register_listeners` calls them all.

Listeners only parse and ack; anything slower goes to the worker pool through `ctx.runner`.
"""

from __future__ import annotations

from slack_bolt import App

from bot.slack.listeners import actions, commands, forms, groups, home, steps
from bot.slack.listeners.context import ListenerContext


def register_listeners(app: App, ctx: ListenerContext) -> None:
    """Attach every opsgate listener to `app`."""
    commands.register(app, ctx)
    actions.register(app, ctx)
    home.register(app, ctx)
    forms.register(app, ctx)
    steps.register(app, ctx)
    groups.register(app, ctx)
