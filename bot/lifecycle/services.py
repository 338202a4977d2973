"""What the lifecycle works with, and who a request or click came from."""

from __future__ import annotations

from dataclasses import dataclass

from adapters.clock import Clock
from adapters.registry import Adapters
from bot.policy import Directory, Policy
from bot.slack.port import SlackPort
from bot.store import Store


@dataclass(frozen=True)
class Origin:
    """Who did something, where, and how to answer them privately."""

    user: str
    channel: str
    response_url: str | None = None


@dataclass(frozen=True)
class Services:
    """What the lifecycle works with; built once by `bot.app.build_app`."""

    store: Store
    policy: Policy
    adapters: Adapters
    slack: SlackPort
    directory: Directory
    clock: Clock
