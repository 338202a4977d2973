"""What the lifecycle works with, and who a request or click came from."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from adapters.base import takes_stop
from adapters.clock import Clock
from adapters.registry import Adapters
from bot.lifecycle.workers import Runner
from bot.model import RequestRecord, rules
from bot.observability import MeteredAdapter
from bot.policy import Directory, Policy
from bot.slack.port import SlackPort
from bot.store import Store
from commands.catalog import Catalog


@dataclass(frozen=True)
class Origin:
    """Who did something, where, and how to answer them privately.

    Attributes:
        user: The Slack user, from Slack's signed payload.
        channel: The channel of the command, or of the message whose button was clicked.
        response_url: Where to answer privately, when Slack gave one.
        message_ts: For a click, the ts of the message whose button it was (the card).
        trigger_id: For a click, Slack's trigger for opening a modal (valid for 3 seconds).
        step: For a Workflow Builder step, Slack's function execution id: the request it opens
            is linked to the step as it is stored.
        group_dm: The command came from a group DM (Slack names it ``mpdm-…``), whose id
            (``C…`` or ``G…``) does not tell it from a channel.
    """

    user: str
    channel: str
    response_url: str | None = None
    message_ts: str | None = None
    trigger_id: str | None = None
    step: str | None = None
    group_dm: bool = False


class Shutdown:
    """Whether this process has begun shutting down (SIGTERM). From then on its runs of several
    vendor calls send no more of them, as after Stop: the calls in flight finish, and each run
    ends with what it did (`bot.lifecycle.execution`)."""

    def __init__(self) -> None:
        self._begun = threading.Event()

    def begin(self) -> None:
        """Shutting down: the runs in this process send no more vendor calls."""
        self._begun.set()

    @property
    def begun(self) -> bool:
        """True once `begin` was called."""
        return self._begun.is_set()


@dataclass(frozen=True)
class Services:
    """What the lifecycle works with; built once by `bot.app.build_app`.

    Attributes:
        catalog: The operations opsgate knows (from the installed vendor plugins).
        runner: Where Slack-only work (card redraws, direct messages) runs, so that it never
            holds up a decision or a vendor call, and where previews run, so that a slow vendor
            never holds up a click or another vendor's request. None: that work runs in the
            caller's thread.
        shutdown: Whether this process is shutting down: its runs then send no more calls.
    """

    store: Store
    policy: Policy
    adapters: Adapters
    slack: SlackPort
    directory: Directory
    clock: Clock
    catalog: Catalog
    runner: Runner | None = None
    shutdown: Shutdown = field(default_factory=Shutdown)

    def installed(self, operation: str) -> bool:
        """Whether `operation` is one opsgate knows now (its vendor plugin is installed)."""
        return operation in self.catalog.ids

    def vendor_calls(self, record: RequestRecord) -> int:
        """How many vendor calls `record`'s run takes that Stop could keep from being sent
        (from its operation's spec; 1 for an operation opsgate no longer knows, and for a
        plugin whose execute takes no `stop`: its run cannot be stopped part way, so its card
        offers no Stop that would do nothing)."""
        try:
            per_call = self.catalog.spec_for(record.operation).target.per_call
        except KeyError:
            return 1
        adapter = self.adapters.by_vendor.get(record.vendor)
        if isinstance(adapter, MeteredAdapter):  # the plugin's own, under the metrics' wrapper
            adapter = adapter.inner
        if adapter is not None and not takes_stop(adapter):
            return 1
        return rules.vendor_calls(len(record.targets), per_call)
